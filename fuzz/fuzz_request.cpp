// Kafka request messages: core::parse_mask_request and core::identify_request
// on arbitrary bytes. A message may be refused only with core::InputError;
// anything that parses must carry ids that id_problem accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/mask_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const mc::core::RequestIdentity identity = mc::core::identify_request(message);
  (void)identity;
  try {
    const mc::core::MaskRequest request =
        mc::core::parse_mask_request(message, {mc::core::MaskType::kDress}, [] { return std::string("req-fuzz"); });
    if (!mc::core::id_problem(request.user_id).empty() || !mc::core::id_problem(request.request_id).empty() ||
        request.mask_types.empty() || request.image_data.empty()) {
      std::abort();  // an invalid request got through
    }
    // Accepted options read back from what the record keeps, and always keep the binary mask.
    const nlohmann::json kept = mc::core::mask_options_json(request.options);
    if (mc::core::mask_options_json(mc::core::parse_mask_options(kept)) != kept ||
        !request.options.wants(mc::core::MaskOutput::kMask)) {
      std::abort();
    }
  } catch (const mc::core::InputError&) {
  }
  return 0;
}
