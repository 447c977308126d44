#include "core/ids.hpp"

#include <array>

namespace mc::core {

namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

void append_hex(std::string& out, unsigned char byte) {
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0F];
}

bool unreserved(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
         byte == '_' || byte == '.' || byte == '~';
}

}  // namespace

std::string encode_path_segment(std::string_view segment) {
  std::string encoded;
  encoded.reserve(segment.size());
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (unreserved(byte)) {
      encoded += c;
    } else {
      encoded += '%';
      append_hex(encoded, byte);
    }
  }
  return encoded;
}

std::string quote_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string quoted;
  const std::string_view shown = text.substr(0, max_bytes);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte >= 0x20 && byte < 0x7F) {
      quoted += c;
    } else {
      quoted += "\\x";
      append_hex(quoted, byte);
    }
  }
  if (shown.size() < text.size()) quoted += "...";
  return quoted;
}

std::string mask_url(const std::string& base_url, const std::string& user_id, const std::string& request_id,
                     const std::string& filename) {
  // Encoded as the S3 client encodes the object's path, so the URL names the uploaded object.
  return base_url + "/" + encode_path_segment(user_id) + "/" + encode_path_segment(request_id) + "/" +
         encode_path_segment(filename);
}

std::string mask_object_key(const std::string& user_id, const std::string& request_id, const std::string& filename) {
  return user_id + "/" + request_id + "/" + filename;
}

}  // namespace mc::core
