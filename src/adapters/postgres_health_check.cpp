#include "adapters/postgres_health_check.hpp"

#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

PostgresHealthCheck::PostgresHealthCheck(const PostgresConnections& connections) : connections_(connections) {}

PostgresHealthCheck::~PostgresHealthCheck() = default;

void PostgresHealthCheck::check() {
  // A connection of its own: workers holding every pooled one is no outage.
  const std::lock_guard lock(mutex_);
  try {
    if (!connection_) connection_ = connections_.connect();
    pqxx::nontransaction txn(connection_->connection);
    txn.exec("SELECT 1");
  } catch (const pqxx::failure& error) {
    connection_.reset();
    throw database_error(error, "check");
  }
}

}  // namespace mc::adapters
