#pragma once

#include <memory>
#include <mutex>

#include "adapters/postgres_connections.hpp"

namespace mc::adapters {

// The readiness check: SELECT 1 on a connection of its own, which busy
// workers holding every pooled connection cannot fail. Thread-safe.
class PostgresHealthCheck {
 public:
  explicit PostgresHealthCheck(const PostgresConnections& connections);
  ~PostgresHealthCheck();
  PostgresHealthCheck(const PostgresHealthCheck&) = delete;
  PostgresHealthCheck& operator=(const PostgresHealthCheck&) = delete;

  // Throws DependencyError when the server does not answer.
  void check();

 private:
  const PostgresConnections& connections_;
  std::mutex mutex_;
  std::unique_ptr<PostgresConnection> connection_;
};

}  // namespace mc::adapters
