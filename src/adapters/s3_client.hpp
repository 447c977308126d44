#pragma once

#include <cstddef>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/s3_signing.hpp"

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
// signed with AWS Signature V4 by s3_signing (headers Host, x-amz-date,
// x-amz-content-sha256, Content-Length of a PUT, Content-Type when given:
// exactly the headers sent, besides Authorization).
// One curl handle, reused (its connections stay open between calls); calls
// are serialised. Failures throw DependencyError, transient or permanent.
class S3Client {
 public:
  explicit S3Client(S3Settings settings);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // The most an object we download may hold in memory (masks are a few MB);
  // a server that sends more is cut off.
  static constexpr std::size_t kMaxObjectBytes = 256U << 20U;

  // Creates the bucket when it does not exist. Returns true when it created it.
  bool ensure_bucket();
  // HEAD of the bucket (the readiness check); throws DependencyError unless
  // it exists.
  void check_bucket();
  void put_object(const std::string& key, std::string_view bytes, const std::string& content_type);
  std::string get_object(const std::string& key);
  // As get_object, but nothing when the object does not exist (404). An
  // object larger than `max_bytes` is a DependencyError (kPermanent) after at
  // most that many bytes were read (for objects others may have written).
  std::optional<std::string> find_object(const std::string& key, std::size_t max_bytes = kMaxObjectBytes);
  struct ObjectHead {
    std::string content_type;
  };
  // HEAD of an object; throws DependencyError unless it exists.
  ObjectHead head_object(const std::string& key);
  // PUT ?policy: the bucket policy (JSON, AWS's policy language).
  void put_bucket_policy(const std::string& policy_json);
  // A policy that lets anyone GET the bucket's objects (not list them): what
  // BASE_URL's unsigned mask URLs need (MinIO's `mc anonymous set download`).
  [[nodiscard]] std::string public_read_policy() const;
  // A presigned GET URL valid for `expiry` from now.
  [[nodiscard]] std::string presigned_get_url(const std::string& key, std::chrono::seconds expiry) const;
  [[nodiscard]] std::string object_url(const std::string& key) const;

 private:
  struct Response {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // content-type, x-minio-error-code, date (lower-case names)
    bool body_over_limit = false;                // the server sent more than we keep
  };
  [[nodiscard]] std::string bucket_url() const;
  [[nodiscard]] std::string bucket_path() const;  // /bucket
  bool bucket_exists();                           // throws DependencyError unless HEAD says 200 or 404
  // One signed request: `path` absolute and unencoded (/bucket/key).
  // A body beyond `max_body` bytes is cut off (0: the default of the verb).
  Response perform(const char* method, const std::string& path, const NameValues& query, std::string_view body,
                   const std::string& content_type, const std::string& action, std::size_t max_body = 0);
  // "<action>: HTTP 403 SignatureDoesNotMatch: <message> (...)"; never a secret.
  [[nodiscard]] std::string refusal(const Response& response, const std::string& action) const;
  void check_status(const Response& response, const std::string& action) const;

  S3Settings settings_;
  std::mutex mutex_;
  void* curl_ = nullptr;  // CURL*, kept opaque here
};

// True when `name` follows S3's bucket naming rules (3-63 characters of
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit, not an IP address).
bool valid_bucket_name(std::string_view name);

}  // namespace mc::adapters
