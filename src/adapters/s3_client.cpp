#include "adapters/s3_client.hpp"

#include <curl/curl.h>

#include <regex>

#include "adapters/s3_signing.hpp"

namespace mc::adapters {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

// <Code> and <Message> of an S3 XML error body, when present.
std::string s3_error_detail(const std::string& body) {
  auto element = [&](const std::string& tag) {
    const auto open = body.find("<" + tag + ">");
    const auto close = body.find("</" + tag + ">");
    if (open == std::string::npos || close == std::string::npos || close < open) return std::string();
    const auto start = open + tag.size() + 2;
    return body.substr(start, close - start);
  };
  const std::string code = element("Code");
  const std::string message = element("Message");
  if (code.empty()) return "";
  return " " + code + (message.empty() ? "" : ": " + message);
}

bool transient_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {
  static const CurlGlobal global;
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("libcurl could not create a handle");
}

S3Client::~S3Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string S3Client::object_url(const std::string& key) const { return bucket_url() + "/" + uri_encode(key, true); }

S3Client::Response S3Client::perform(const char* method, const std::string& url, std::string_view body,
                                     const std::string& content_type, const std::string& action) {
  const std::lock_guard lock(mutex_);
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the open connections
  Response response;
  const std::string sigv4 = "aws:amz:" + settings_.region + ":s3";
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + sha256_hex(body)).c_str());
  headers = curl_slist_append(headers, "Expect:");
  if (!content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.secret_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  const std::string verb = method;
  if (verb == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (verb == "PUT") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    throw DependencyError(
        transient_curl_error(code) ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
        action + ": " + curl_easy_strerror(code) + " (" + settings_.endpoint + ")");
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string S3Client::bucket_url() const {
  return std::string(settings_.secure ? "https://" : "http://") + settings_.endpoint + "/" + settings_.bucket;
}

bool S3Client::bucket_exists() {
  const std::string action = "MinIO bucket check failed";
  const Response head = perform("HEAD", bucket_url(), {}, {}, action);
  if (head.status == 200) return true;
  if (head.status == 404) return false;
  throw DependencyError(head.status >= 500 ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
                        action + ": HTTP " + std::to_string(head.status) + " for bucket " + settings_.bucket);
}

bool S3Client::ensure_bucket() {
  if (bucket_exists()) return false;
  const std::string url = bucket_url();
  const Response created = perform("PUT", url, {}, {}, "MinIO bucket creation failed");
  if (created.status != 200) {
    throw DependencyError(
        created.status >= 500 ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
        "MinIO bucket creation failed: HTTP " + std::to_string(created.status) + s3_error_detail(created.body));
  }
  return true;
}

void S3Client::check_bucket() {
  if (!bucket_exists()) {
    throw DependencyError(DependencyError::Kind::kPermanent, "MinIO bucket " + settings_.bucket + " does not exist");
  }
}

namespace {
void check_status(long status, const std::string& body, const std::string& action) {
  if (status >= 200 && status < 300) return;
  const bool transient = status >= 500 || status == 429 || status == 408;
  throw DependencyError(transient ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
                        action + ": HTTP " + std::to_string(status) + s3_error_detail(body));
}
}  // namespace

void S3Client::put_object(const std::string& key, std::string_view bytes, const std::string& content_type) {
  const Response response = perform("PUT", object_url(key), bytes, content_type, "MinIO upload failed");
  check_status(response.status, response.body, "MinIO upload failed");
}

std::string S3Client::get_object(const std::string& key) {
  Response response = perform("GET", object_url(key), {}, {}, "MinIO download failed");
  check_status(response.status, response.body, "MinIO download failed");
  return std::move(response.body);
}

std::string S3Client::presigned_get_url(const std::string& key, std::chrono::seconds expiry) const {
  PresignRequest request;
  request.scheme = settings_.secure ? "https" : "http";
  request.host = settings_.endpoint;
  request.path = "/" + settings_.bucket + "/" + key;
  request.region = settings_.region;
  request.access_key = settings_.access_key;
  request.secret_key = settings_.secret_key;
  request.now = std::chrono::system_clock::now();
  request.expires_seconds = static_cast<long>(expiry.count());
  return presign_get_url(request);
}

bool valid_bucket_name(std::string_view name) {
  static const std::regex kRule("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
  static const std::regex kIpAddress("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$");
  const std::string text(name);
  return std::regex_match(text, kRule) && !std::regex_match(text, kIpAddress) && text.find("..") == std::string::npos;
}

}  // namespace mc::adapters
