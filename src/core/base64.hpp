#pragma once

#include <string>
#include <string_view>

namespace mc::core {

// Standard base64 (line breaks allowed) to bytes with OpenSSL. Throws
// core::InputError("not valid base64") otherwise.
std::string decode_base64(std::string_view text);

// Bytes to standard base64 (no line breaks).
std::string encode_base64(std::string_view bytes);

}  // namespace mc::core
