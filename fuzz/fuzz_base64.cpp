// core::decode_base64 on arbitrary text (a request's image.data), the image
// variant bounded by a size (IMAGE_MAX_BYTES: never more, and the limit
// itself only refused when exceeded), and the round trip encode -> decode on
// arbitrary bytes.
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
  const std::string encoded = mc::core::encode_base64(bytes);
  if (mc::core::decode_base64(encoded) != bytes) std::abort();
  if (mc::core::decode_base64_image(encoded, size) != bytes) std::abort();
  if (size > 0) {
    try {
      mc::core::decode_base64_image(encoded, size - 1);
      std::abort();  // one byte over the limit
    } catch (const mc::core::InputError&) {
    }
  }
  try {
    if (mc::core::decode_base64_image(bytes, size / 2).size() > size / 2) std::abort();
  } catch (const mc::core::InputError&) {
  }
  return 0;
}
