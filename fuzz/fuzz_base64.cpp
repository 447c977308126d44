// core::decode_base64 on arbitrary text (a request's image.data), and the
// round trip encode -> decode on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const std::string decoded = mc::core::decode_base64(bytes);
    if (decoded.size() > size) std::abort();  // base64 never grows when decoded
  } catch (const mc::core::InputError&) {
  }
  if (mc::core::decode_base64(mc::core::encode_base64(bytes)) != bytes) std::abort();
  return 0;
}
