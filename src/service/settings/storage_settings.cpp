#include "service/settings/storage_settings.hpp"

#include <regex>

#include "core/errors.hpp"
#include "core/ids.hpp"

namespace mc::service {

StorageSettings load_storage_settings(const EnvironmentReader& environment) {
  SettingsReader reader(environment);
  StorageSettings settings = read_storage_settings(reader);
  reader.throw_if_problems();
  return settings;
}

StorageSettings read_storage_settings(SettingsReader& env) {
  StorageSettings settings;
  settings.s3.endpoint = env.required("MINIO_ENDPOINT");
  settings.s3.access_key = env.required("MINIO_ACCESS_KEY");
  settings.s3.secret_key = env.required_secret("MINIO_SECRET_KEY");
  settings.s3.bucket = env.required("MINIO_BUCKET");
  settings.s3.secure = env.boolean("MINIO_SECURE", settings.s3.secure);
  settings.s3.region = env.optional("MINIO_REGION", settings.s3.region);
  settings.s3.connect_timeout = env.duration("S3_CONNECT_TIMEOUT_MS", settings.s3.connect_timeout, 1, 600000);
  settings.s3.request_timeout = env.duration("S3_REQUEST_TIMEOUT_MS", settings.s3.request_timeout, 1, 3600000);
  static const std::regex kEndpoint("^[A-Za-z0-9.-]+(:[0-9]{1,5})?$");
  if (!settings.s3.endpoint.empty() && !std::regex_match(settings.s3.endpoint, kEndpoint)) {
    env.problem("MINIO_ENDPOINT must be host or host:port without a scheme (got \"" + settings.s3.endpoint + "\")");
  }
  if (!settings.s3.bucket.empty() && !adapters::valid_bucket_name(settings.s3.bucket)) {
    env.problem("MINIO_BUCKET \"" + settings.s3.bucket +
                "\" is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)");
  }

  const std::string default_base =
      std::string(settings.s3.secure ? "https://" : "http://") + settings.s3.endpoint + "/" + settings.s3.bucket;
  settings.base_url = env.optional("BASE_URL", default_base);
  while (!settings.base_url.empty() && settings.base_url.back() == '/') settings.base_url.pop_back();
  static const std::regex kUrl("^https?://[^/\\s?#]+(/[^\\s?#]*)?$");
  if (!std::regex_match(settings.base_url, kUrl)) {
    env.problem("BASE_URL must be an http:// or https:// URL (got \"" + settings.base_url + "\")");
  }
  settings.presigned_url_expiry = env.duration("PRESIGNED_URL_EXPIRY", settings.presigned_url_expiry, 1, 604800);

  settings.postgres.dsn = env.required_secret("POSTGRES_DSN");
  if (!settings.postgres.dsn.empty()) {
    if (const auto problem = adapters::dsn_problem(settings.postgres.dsn)) {
      // Without a scheme the value may be a password alone (a secret file
      // of the wrong key): nothing of it is shown.
      const std::string& dsn = settings.postgres.dsn;
      env.problem("POSTGRES_DSN " + *problem +
                  (dsn.find("://") == std::string::npos
                       ? " (got " + std::to_string(dsn.size()) + " characters without a scheme, not shown)"
                       : " (got \"" + adapters::redact_dsn(dsn) + "\")"));
    }
  }
  settings.postgres.pool_size = env.integer("POSTGRES_POOL_SIZE", settings.postgres.pool_size, 1, 64);
  settings.postgres.connect_timeout =
      env.duration("POSTGRES_CONNECT_TIMEOUT", settings.postgres.connect_timeout, 1, 300);
  settings.postgres.statement_timeout =
      env.duration("POSTGRES_STATEMENT_TIMEOUT_MS", settings.postgres.statement_timeout, 0, 3600000);

  return settings;
}

}  // namespace mc::service
