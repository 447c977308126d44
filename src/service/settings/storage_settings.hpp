#pragma once

#include <chrono>
#include <string>

#include "adapters/postgres_connections.hpp"
#include "adapters/postgres_dsn.hpp"
#include "adapters/s3_client.hpp"
#include "service/settings/environment.hpp"

namespace mc::service {

// Where results go: the Python service's MinIO/S3 and PostgreSQL variables (docs/compatibility.md).
struct StorageSettings {
  adapters::S3Settings s3;
  std::string base_url;                               // BASE_URL, without a trailing slash
  std::chrono::seconds presigned_url_expiry{604800};  // PRESIGNED_URL_EXPIRY
  adapters::PostgresSettings postgres;
};

// Reads and validates every variable at once; throws core::SetupError listing
// each problem (secrets are never part of a message). Required: MINIO_ENDPOINT,
// MINIO_ACCESS_KEY, MINIO_SECRET_KEY, MINIO_BUCKET, POSTGRES_DSN; the others
// default to the structs' initialisers, BASE_URL to
// {http|https}://MINIO_ENDPOINT/MINIO_BUCKET (README lists them all).
StorageSettings load_storage_settings(const EnvironmentReader& environment);
// The same, adding its problems to `reader` (for a larger set of settings).
StorageSettings read_storage_settings(SettingsReader& reader);

}  // namespace mc::service
