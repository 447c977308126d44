#include "app/storage_settings.hpp"

#include <cstdlib>
#include <regex>
#include <vector>

#include "core/errors.hpp"

namespace mc::app {

namespace {

class Reader {
 public:
  explicit Reader(const EnvironmentReader& environment) : environment_(environment) {}

  std::string required(const char* name) {
    const char* value = environment_(name);
    if (value == nullptr || *value == '\0') {
      problems.push_back(std::string(name) + " is required");
      return {};
    }
    return value;
  }

  std::string optional(const char* name, const std::string& fallback) {
    const char* value = environment_(name);
    return value == nullptr || *value == '\0' ? fallback : std::string(value);
  }

  long number(const char* name, long fallback, long low, long high) {
    const char* value = environment_(name);
    if (value == nullptr || *value == '\0') return fallback;
    char* end = nullptr;
    errno = 0;
    const long parsed = std::strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || parsed < low || parsed > high) {
      problems.push_back(std::string(name) + " must be a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high) + " (got \"" + value + "\")");
      return fallback;
    }
    return parsed;
  }

  bool boolean(const char* name, bool fallback) {
    const std::string value = optional(name, fallback ? "true" : "false");
    if (value == "true" || value == "1" || value == "TRUE" || value == "True") return true;
    if (value == "false" || value == "0" || value == "FALSE" || value == "False") return false;
    problems.push_back(std::string(name) + " must be true or false (got \"" + value + "\")");
    return fallback;
  }

  std::vector<std::string> problems;

 private:
  const EnvironmentReader& environment_;
};

}  // namespace

EnvironmentReader process_environment() {
  return [](const char* name) { return std::getenv(name); };
}

StorageSettings load_storage_settings(const EnvironmentReader& environment) {
  Reader env(environment);
  StorageSettings settings;
  settings.s3.endpoint = env.required("MINIO_ENDPOINT");
  settings.s3.access_key = env.required("MINIO_ACCESS_KEY");
  settings.s3.secret_key = env.required("MINIO_SECRET_KEY");
  settings.s3.bucket = env.required("MINIO_BUCKET");
  settings.s3.secure = env.boolean("MINIO_SECURE", false);
  settings.s3.region = env.optional("MINIO_REGION", "us-east-1");
  settings.s3.connect_timeout = std::chrono::milliseconds(env.number("S3_CONNECT_TIMEOUT_MS", 5000, 1, 600000));
  settings.s3.request_timeout = std::chrono::milliseconds(env.number("S3_REQUEST_TIMEOUT_MS", 30000, 1, 3600000));
  static const std::regex kEndpoint("^[A-Za-z0-9.-]+(:[0-9]{1,5})?$");
  if (!settings.s3.endpoint.empty() && !std::regex_match(settings.s3.endpoint, kEndpoint)) {
    env.problems.push_back("MINIO_ENDPOINT must be host or host:port without a scheme (got \"" +
                           settings.s3.endpoint + "\")");
  }
  if (!settings.s3.bucket.empty() && !adapters::valid_bucket_name(settings.s3.bucket)) {
    env.problems.push_back("MINIO_BUCKET \"" + settings.s3.bucket +
                           "\" is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)");
  }

  const std::string default_base = std::string(settings.s3.secure ? "https://" : "http://") + settings.s3.endpoint +
                                   "/" + settings.s3.bucket;
  settings.base_url = env.optional("BASE_URL", default_base);
  while (!settings.base_url.empty() && settings.base_url.back() == '/') settings.base_url.pop_back();
  static const std::regex kUrl("^https?://[^/\\s?#]+(/[^\\s?#]*)?$");
  if (!std::regex_match(settings.base_url, kUrl)) {
    env.problems.push_back("BASE_URL must be an http:// or https:// URL (got \"" + settings.base_url + "\")");
  }
  settings.presigned_url_expiry = std::chrono::seconds(env.number("PRESIGNED_URL_EXPIRY", 604800, 1, 604800));

  settings.postgres.dsn = env.required("POSTGRES_DSN");
  if (!settings.postgres.dsn.empty()) {
    if (const auto problem = adapters::dsn_problem(settings.postgres.dsn)) {
      env.problems.push_back("POSTGRES_DSN " + *problem + " (got \"" + adapters::redact_dsn(settings.postgres.dsn) +
                             "\")");
    }
  }
  settings.postgres.pool_size = static_cast<int>(env.number("POSTGRES_POOL_SIZE", 4, 1, 64));
  settings.postgres.connect_timeout = std::chrono::seconds(env.number("POSTGRES_CONNECT_TIMEOUT", 5, 1, 300));

  if (!env.problems.empty()) {
    std::string message = "configuration problems:";
    for (const auto& problem : env.problems) message += "\n  " + problem;
    throw core::SetupError(message);
  }
  return settings;
}

std::string mask_url(const std::string& base_url, const std::string& user_id, const std::string& request_id,
                     const std::string& filename) {
  return base_url + "/" + user_id + "/" + request_id + "/" + filename;
}

std::string mask_object_key(const std::string& user_id, const std::string& request_id, const std::string& filename) {
  return user_id + "/" + request_id + "/" + filename;
}

}  // namespace mc::app
