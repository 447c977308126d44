#pragma once

#include <string>
#include <string_view>

namespace mc::core {

// Standard base64 (line breaks allowed) to bytes with OpenSSL. Throws
// core::InputError("not valid base64") otherwise.
std::string decode_base64(std::string_view text);

// The same for an image sent inline: refused with InputError naming the sizes
// when it holds more than `max_bytes` bytes (IMAGE_MAX_BYTES, as for a
// download), before any decoding when the length of the text already implies
// more.
std::string decode_base64_image(std::string_view text, std::size_t max_bytes);

// Bytes to standard base64 (no line breaks).
std::string encode_base64(std::string_view bytes);

}  // namespace mc::core
