#include "core/base64.hpp"

#include <openssl/evp.h>

#include <memory>

#include "core/errors.hpp"

namespace mc::core {

std::string decode_base64(std::string_view text) {
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> context(EVP_ENCODE_CTX_new(), EVP_ENCODE_CTX_free);
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  EVP_DecodeInit(context.get());
  int written = 0;
  int total = 0;
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  if (EVP_DecodeUpdate(context.get(), out, &written, reinterpret_cast<const unsigned char*>(text.data()),
                       static_cast<int>(text.size())) < 0) {
    throw core::InputError("not valid base64");
  }
  total = written;
  if (EVP_DecodeFinal(context.get(), out + total, &written) < 0) {
    throw core::InputError("not valid base64");
  }
  total += written;
  bytes.resize(static_cast<std::size_t>(total));
  return bytes;
}

std::string decode_base64_image(std::string_view text, std::size_t max_bytes) {
  // Every 4 base64 characters are 3 bytes; white space and the "=" padding
  // (at most 2) carry none.
  std::size_t characters = 0;
  for (const char c : text) characters += c != '\n' && c != '\r' && c != ' ' && c != '\t' && c != '=' ? 1 : 0;
  const std::size_t implied = characters / 4 * 3 + (characters % 4 == 0 ? 0 : characters % 4 - 1);
  auto too_large = [&](const std::string& what) {
    return InputError("image is too large: " + what + ", over IMAGE_MAX_BYTES of " + std::to_string(max_bytes) +
                      " bytes");
  };
  if (implied > max_bytes) {
    throw too_large("base64 text of " + std::to_string(text.size()) + " characters holds " + std::to_string(implied) +
                    " bytes");
  }
  std::string bytes = decode_base64(text);
  if (bytes.size() > max_bytes) throw too_large("base64 image of " + std::to_string(bytes.size()) + " bytes");
  return bytes;
}

std::string encode_base64(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int size =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(size));
  return text;
}

}  // namespace mc::core
