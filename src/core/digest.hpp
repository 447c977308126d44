#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

// The one SHA-256 of the code base (OpenSSL's EVP): S3's payload hashes and
// signatures, the analysis cache's keys and seals.
namespace mc::core {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(const void* data, std::size_t size);
  void add(std::string_view text) { add(text.data(), text.size()); }
  // Lower-case hex of the digest of everything added; ends the hash.
  std::string hex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Lower-case hex of `size` bytes (digests, HMAC signatures).
std::string to_hex(const unsigned char* bytes, std::size_t size);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`: the 32 raw bytes (SigV4 signing keys,
// the analysis cache's entry seals).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Whether two strings are equal, in a time that does not depend on where
// they differ (MACs compared without leaking how much of one matched).
bool same_in_constant_time(std::string_view a, std::string_view b);

}  // namespace mc::core
