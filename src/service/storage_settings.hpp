#pragma once

#include <chrono>
#include <string>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "service/environment.hpp"

namespace mc::service {

// Where results go: the Python service's MinIO/S3 and PostgreSQL variables (docs/compatibility.md).
struct StorageSettings {
  adapters::S3Settings s3;
  std::string base_url;  // BASE_URL, without a trailing slash
  std::chrono::seconds presigned_url_expiry{604800};
  adapters::PostgresSettings postgres;
};

// Reads and validates every variable at once; throws core::SetupError listing
// each problem (secrets are never part of a message):
//   required: MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY, MINIO_BUCKET, POSTGRES_DSN
//   optional: MINIO_SECURE (false), MINIO_REGION (us-east-1),
//             BASE_URL ({http|https}://MINIO_ENDPOINT/MINIO_BUCKET),
//             PRESIGNED_URL_EXPIRY (604800, 1..604800 seconds),
//             S3_CONNECT_TIMEOUT_MS (5000), S3_REQUEST_TIMEOUT_MS (30000),
//             POSTGRES_POOL_SIZE (4), POSTGRES_CONNECT_TIMEOUT (5 seconds)
StorageSettings load_storage_settings(const EnvironmentReader& environment);
// The same, adding its problems to `reader` (for a larger set of settings).
StorageSettings read_storage_settings(SettingsReader& reader);

}  // namespace mc::service
