#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace mc::adapters {

// Lower-case hex SHA-256 of `data` (OpenSSL).
std::string sha256_hex(std::string_view data);

// RFC 3986 percent-encoding as SigV4 wants it (core::encode_path_segment);
// with `keep_slash`, each '/'-separated segment is encoded and '/' kept.
std::string uri_encode(std::string_view text, bool keep_slash);

struct PresignRequest {
  std::string scheme = "http";  // http or https
  std::string host;             // host[:port] as sent in the Host header
  std::string path;             // absolute, unencoded: /bucket/key (path style)
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::chrono::system_clock::time_point now;
  long expires_seconds = 604800;
};

// A presigned GET URL (AWS Signature Version 4, query-string signing,
// UNSIGNED-PAYLOAD, signed header `host`), as in AWS's "Authenticating
// Requests: Using Query Parameters" documentation.
std::string presign_get_url(const PresignRequest& request);

}  // namespace mc::adapters
