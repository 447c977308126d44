#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/dependency_error.hpp"

namespace mc::adapters {

struct S3Settings {
  std::string endpoint;  // host[:port], MINIO_ENDPOINT
  bool secure = false;   // MINIO_SECURE: https
  std::string access_key;
  std::string secret_key;
  std::string bucket;
  std::string region = "us-east-1";
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
};

// S3 / MinIO over libcurl: path-style URLs {scheme}://{endpoint}/{bucket}/{key},
// AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4) with x-amz-content-sha256.
// One curl handle, reused (its connections stay open between calls); calls
// are serialised. Failures throw DependencyError, transient or permanent.
class S3Client {
 public:
  explicit S3Client(S3Settings settings);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Creates the bucket when it does not exist. Returns true when it created it.
  bool ensure_bucket();
  // HEAD of the bucket (the readiness check); throws DependencyError unless
  // it exists.
  void check_bucket();
  void put_object(const std::string& key, std::string_view bytes, const std::string& content_type);
  std::string get_object(const std::string& key);
  // A presigned GET URL valid for `expiry` from now.
  [[nodiscard]] std::string presigned_get_url(const std::string& key, std::chrono::seconds expiry) const;
  [[nodiscard]] std::string object_url(const std::string& key) const;

 private:
  struct Response {
    long status = 0;
    std::string body;
  };
  [[nodiscard]] std::string bucket_url() const;
  bool bucket_exists();  // throws DependencyError unless HEAD says 200 or 404
  Response perform(const char* method, const std::string& url, std::string_view body, const std::string& content_type,
                   const std::string& action);

  S3Settings settings_;
  std::mutex mutex_;
  void* curl_ = nullptr;  // CURL*, kept opaque here
};

// True when `name` follows S3's bucket naming rules (3-63 characters of
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit, not an IP address).
bool valid_bucket_name(std::string_view name);

}  // namespace mc::adapters
