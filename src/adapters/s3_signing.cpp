#include "adapters/s3_signing.hpp"

#include <array>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/ids.hpp"

namespace mc::adapters {

namespace {

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0x0F];
  }
  return hex;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest.data(), &size);
  return {reinterpret_cast<const char*>(digest.data()), size};
}

std::string utc(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::ostringstream text;
  text << std::put_time(&parts, format);
  return text.str();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return to_hex(digest.data(), size);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  if (!keep_slash) return core::encode_path_segment(text);
  std::string encoded;
  for (std::size_t start = 0;;) {
    const std::size_t slash = text.find('/', start);
    encoded += core::encode_path_segment(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return encoded;
    encoded += '/';
    start = slash + 1;
  }
}

std::string presign_get_url(const PresignRequest& request) {
  const std::string date = utc(request.now, "%Y%m%d");
  const std::string timestamp = utc(request.now, "%Y%m%dT%H%M%SZ");
  const std::string scope = date + "/" + request.region + "/s3/aws4_request";
  // Query parameters in byte order, values encoded.
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + uri_encode(request.access_key + "/" + scope, false) +
      "&X-Amz-Date=" + timestamp + "&X-Amz-Expires=" + std::to_string(request.expires_seconds) +
      "&X-Amz-SignedHeaders=host";
  const std::string path = uri_encode(request.path, true);
  const std::string canonical_request =
      "GET\n" + path + "\n" + query + "\nhost:" + request.host + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string key = hmac_sha256("AWS4" + request.secret_key, date);
  key = hmac_sha256(key, request.region);
  key = hmac_sha256(key, "s3");
  key = hmac_sha256(key, "aws4_request");
  const std::string signature_bytes = hmac_sha256(key, string_to_sign);
  const std::string signature =
      to_hex(reinterpret_cast<const unsigned char*>(signature_bytes.data()), signature_bytes.size());
  return request.scheme + "://" + request.host + path + "?" + query + "&X-Amz-Signature=" + signature;
}

}  // namespace mc::adapters
