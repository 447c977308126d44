#include "adapters/s3_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <map>
#include <regex>

#include "adapters/s3_signing.hpp"
#include "core/digest.hpp"

namespace mc::adapters {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// What a response body other than an object (S3Client::kMaxObjectBytes) may
// hold in memory: an error document. A server that sends more is cut off
// (its reason is still read from the first bytes).
constexpr std::size_t kMaxOtherBodyBytes = 64U << 10U;
// The longest part of a server's error text echoed into our own.
constexpr std::size_t kMaxEchoedBytes = 256;

struct BodySink {
  std::string* body;
  std::size_t limit;
  bool* over_limit;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* target) {
  auto& sink = *static_cast<BodySink*>(target);
  const std::size_t bytes = size * count;
  if (sink.body->size() + bytes > sink.limit) {
    *sink.over_limit = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  sink.body->append(data, bytes);
  return bytes;
}

std::string cut(std::string text) {
  if (text.size() > kMaxEchoedBytes) text = text.substr(0, kMaxEchoedBytes) + "...";
  return text;
}

// CR, LF or NUL in a header would start a header of its own on the wire,
// signed differently from what is sent.
bool unsafe_header_value(const std::string& value) {
  return value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

// host[:port] without the scheme's default port, as browsers and curl send
// the Host header of a URL that names it.
std::string host_for_url(const std::string& endpoint, bool secure) {
  const std::string default_port = secure ? ":443" : ":80";
  if (endpoint.size() > default_port.size() &&
      endpoint.compare(endpoint.size() - default_port.size(), default_port.size(), default_port) == 0) {
    return endpoint.substr(0, endpoint.size() - default_port.size());
  }
  return endpoint;
}

// <Code> and <Message> of an S3 XML error body, when present.
std::string xml_element(const std::string& body, const std::string& tag) {
  const auto open = body.find("<" + tag + ">");
  const auto close = body.find("</" + tag + ">");
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  const auto start = open + tag.size() + 2;
  return body.substr(start, close - start);
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

namespace {

// Response headers a caller reads: the content type (HEAD) and
// x-minio-error-code, MinIO's reason for a refusal that has no body (HEAD).
std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* target) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(target);
  const std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name != "content-type" && name != "x-minio-error-code" && name != "date") return size * count;
  std::string value(line.substr(colon + 1));
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t\r\n") + 1);
  headers[name] = value;
  return size * count;
}

}  // namespace

S3Client::Response S3Client::perform(const char* method, const std::string& path, const NameValues& query,
                                     std::string_view body, const std::string& content_type, const std::string& action,
                                     std::size_t max_body) {
  const std::lock_guard lock(mutex_);
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the open connections
  Response response;
  const std::string verb = method;

  // Signed by our own SigV4 code, and exactly these headers are sent (besides
  // Authorization): libcurl's CURLOPT_AWS_SIGV4 in Debian 12 (7.88.1, curl
  // issue #11664) signs an `expect` header it does not send, and MinIO then
  // refuses every request.
  const auto now = std::chrono::system_clock::now();
  SigV4Request request;
  request.method = verb;
  request.path = path;
  request.query = query;
  request.payload_hash = core::sha256_hex(body);
  request.headers = {
      {"Host", settings_.endpoint}, {"x-amz-content-sha256", request.payload_hash}, {"x-amz-date", amz_date(now)}};
  if (verb == "PUT") request.headers.emplace_back("Content-Length", std::to_string(body.size()));
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  for (const auto& [name, value] : request.headers) {
    if (unsafe_header_value(value)) {
      throw DependencyError(DependencyError::Kind::kPermanent,
                            action + ": the " + name + " header would contain a line break or NUL");
    }
  }
  const SigV4Credentials credentials{settings_.access_key, settings_.secret_key, settings_.region, "s3"};
  const SigV4Signature signature = sign_v4(request, credentials, now);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, ("Authorization: " + signature.authorization()).c_str());
  // Headers libcurl would add on its own, unsigned: none is sent.
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Accept:");
  if (content_type.empty()) headers = curl_slist_append(headers, "Content-Type:");

  const std::string query_string = canonical_query_string(query);
  const std::string url = std::string(settings_.secure ? "https://" : "http://") + settings_.endpoint +
                          uri_encode(path, true) + (query_string.empty() ? "" : "?" + query_string);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Dot segments stay as signed (libcurl would otherwise remove them).
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  if (max_body == 0) max_body = verb == "GET" ? S3Client::kMaxObjectBytes : kMaxOtherBodyBytes;
  BodySink sink{&response.body, max_body, &response.body_over_limit};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (verb == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (verb == "PUT") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  if (code == CURLE_WRITE_ERROR && response.body_over_limit) {
    if (response.status >= 200 && response.status < 300) {
      throw DependencyError(DependencyError::Kind::kPermanent,
                            action + ": the answer is larger than " + std::to_string(sink.limit) + " bytes");
    }
    return response;  // an error answer: its first bytes say why
  }
  if (code != CURLE_OK) {
    throw DependencyError(
        transient_curl_error(code) ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
        action + ": " + curl_easy_strerror(code) + " (" + settings_.endpoint + ")");
  }
  return response;
}

std::string S3Client::refusal(const Response& response, const std::string& action) const {
  std::string code = cut(xml_element(response.body, "Code"));
  const std::string message = cut(xml_element(response.body, "Message"));
  if (code.empty() && response.headers.count("x-minio-error-code") != 0)
    code = cut(response.headers.at("x-minio-error-code"));
  std::string text = action + ": HTTP " + std::to_string(response.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  // A refusal without a reason (a HEAD) may be a clock far off: the server
  // then refuses every signature. Its Date header tells.
  if (code.empty() && response.status == 403 && response.headers.count("date") != 0) {
    const time_t server = curl_getdate(response.headers.at("date").c_str(), nullptr);
    const time_t local = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (server > 0 && std::abs(static_cast<double>(server - local)) > 15 * 60) {
      return text + " (the S3 server's clock differs from ours by " + std::to_string(server - local) +
             " s: requests more than 15 minutes off are refused; check both clocks)";
    }
  }
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "AccessDenied" ||
      (code.empty() && response.status == 403)) {
    text += " (the S3 server " + settings_.endpoint +
            " refused the credentials: check MINIO_ACCESS_KEY and MINIO_SECRET_KEY)";
  }
  return text;
}

std::string S3Client::bucket_path() const { return "/" + settings_.bucket; }

std::string S3Client::bucket_url() const {
  return std::string(settings_.secure ? "https://" : "http://") + settings_.endpoint + "/" + settings_.bucket;
}

namespace {
DependencyError::Kind kind_of(long status) {
  const bool transient = status >= 500 || status == 429 || status == 408;
  return transient ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent;
}
}  // namespace

void S3Client::check_status(const Response& response, const std::string& action) const {
  if (response.status >= 200 && response.status < 300) return;
  throw DependencyError(kind_of(response.status), refusal(response, action));
}

bool S3Client::bucket_exists() {
  const std::string action = "MinIO bucket check failed for bucket " + settings_.bucket;
  const Response head = perform("HEAD", bucket_path(), {}, {}, {}, action);
  if (head.status == 200) return true;
  if (head.status == 404) return false;
  check_status(head, action);
  return true;
}

bool S3Client::ensure_bucket() {
  if (bucket_exists()) return false;
  const Response created = perform("PUT", bucket_path(), {}, {}, {}, "MinIO bucket creation failed");
  check_status(created, "MinIO bucket creation failed");
  return true;
}

void S3Client::check_bucket() {
  if (!bucket_exists()) {
    throw DependencyError(DependencyError::Kind::kPermanent, "MinIO bucket " + settings_.bucket + " does not exist");
  }
}

void S3Client::put_bucket_policy(const std::string& policy_json) {
  const std::string action = "MinIO bucket policy failed for bucket " + settings_.bucket;
  check_status(perform("PUT", bucket_path(), {{"policy", ""}}, policy_json, "application/json", action), action);
}

std::string S3Client::public_read_policy() const {
  const std::string arn = "arn:aws:s3:::" + settings_.bucket;
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},)"
         R"("Action":["s3:GetObject"],"Resource":[")" +
         arn + R"(/*"]}]})";
}

void S3Client::put_object(const std::string& key, std::string_view bytes, const std::string& content_type) {
  const Response response = perform("PUT", bucket_path() + "/" + key, {}, bytes, content_type, "MinIO upload failed");
  check_status(response, "MinIO upload failed");
}

std::string S3Client::get_object(const std::string& key) {
  Response response = perform("GET", bucket_path() + "/" + key, {}, {}, {}, "MinIO download failed");
  check_status(response, "MinIO download failed");
  return std::move(response.body);
}

std::optional<std::string> S3Client::find_object(const std::string& key, std::size_t max_bytes) {
  Response response = perform("GET", bucket_path() + "/" + key, {}, {}, {}, "MinIO download failed", max_bytes);
  if (response.status == 404) return std::nullopt;
  check_status(response, "MinIO download failed");
  return std::move(response.body);
}

S3Client::ObjectHead S3Client::head_object(const std::string& key) {
  const Response response = perform("HEAD", bucket_path() + "/" + key, {}, {}, {}, "MinIO object check failed");
  check_status(response, "MinIO object check failed");
  ObjectHead head;
  if (response.headers.count("content-type") != 0) head.content_type = response.headers.at("content-type");
  return head;
}

std::string S3Client::presigned_get_url(const std::string& key, std::chrono::seconds expiry) const {
  PresignRequest request;
  request.scheme = settings_.secure ? "https" : "http";
  request.host = host_for_url(settings_.endpoint, settings_.secure);
  request.path = bucket_path() + "/" + key;
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
