// The failed result and the poison message for a message that could not be
// processed, built from the message's bytes as they came (any bytes, valid
// UTF-8 or not) and serialised as the service sends them. Must never throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/mask_request.hpp"
#include "core/result_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const std::string when = "2026-01-01T00:00:00Z";
  const mc::core::RequestIdentity identity = mc::core::identify_request(message);
  // The message's own bytes as the error text too: errors echo what was sent.
  const std::string error(message);
  const std::string failed = mc::core::failed_result(identity, error, when).dump();
  const std::string poison = mc::core::poison_message(identity, error, message, 0, when).dump();
  const std::string cut = mc::core::poison_message(identity, error, message, 0, when, size / 2 + 1).dump();
  (void)failed;
  (void)poison;
  (void)cut;
  return 0;
}
