#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/pool.hpp"

namespace mc::adapters {

struct PostgresSettings {
  std::string dsn;                          // POSTGRES_DSN
  int pool_size = 4;                        // POSTGRES_POOL_SIZE
  std::chrono::seconds connect_timeout{5};  // POSTGRES_CONNECT_TIMEOUT; also the longest wait for a pooled connection
  std::chrono::milliseconds statement_timeout{30000};  // POSTGRES_STATEMENT_TIMEOUT_MS: server side; 0 = none
};

struct PostgresConnection;  // one libpqxx connection (postgres_sql.hpp)

// The connections to one database, shared by the store's parts: a pool of at
// most pool_size made on demand (a connection that breaks is dropped and the
// next call connects again), and single connections for the parts that must
// not wait for the pool (claims, the health check). Every connection gets
// connect, keepalive and statement timeouts unless the DSN sets its own.
// Thread-safe.
class PostgresConnections {
 public:
  explicit PostgresConnections(PostgresSettings settings);
  ~PostgresConnections();
  PostgresConnections(const PostgresConnections&) = delete;
  PostgresConnections& operator=(const PostgresConnections&) = delete;

  using Lease = core::Pool<PostgresConnection>::Lease;
  // A pooled connection, waiting at most connect_timeout; throws
  // DependencyError naming `action` when none comes or connecting fails.
  [[nodiscard]] Lease lease(const std::string& action);

  // A new connection outside the pool; throws libpqxx's errors, their text
  // redacted (redact_driver_text).
  [[nodiscard]] std::unique_ptr<PostgresConnection> connect() const;

 private:
  PostgresSettings settings_;
  std::string connect_dsn_;  // the DSN with our timeouts added
  core::Pool<PostgresConnection> pool_;
};

}  // namespace mc::adapters
