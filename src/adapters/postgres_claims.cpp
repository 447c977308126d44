#include "adapters/postgres_claims.hpp"

#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

PostgresClaims::PostgresClaims(const PostgresConnections& connections) : connections_(connections) {}

PostgresClaims::~PostgresClaims() = default;

std::optional<PostgresClaims::Claim> PostgresClaims::try_claim(const std::string& user_id,
                                                               const std::string& request_id) {
  // Ids cannot hold control characters, so the separator keys one pair only.
  std::string key = user_id + '\x1f' + request_id;
  const std::lock_guard lock(mutex_);
  if (claimed_.count(key) != 0) return std::nullopt;
  try {
    if (!connection_) connection_ = connections_.connect();
    pqxx::nontransaction txn(connection_->connection);
    const bool locked = txn.exec_params1("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key)[0].as<bool>();
    if (!locked) return std::nullopt;
  } catch (const pqxx::failure& error) {
    connection_.reset();  // its locks, if any, lapse with it
    throw database_error(error, "claim request");
  }
  claimed_.insert(key);
  return Claim(*this, std::move(key));
}

void PostgresClaims::release(const std::string& key) noexcept {
  const std::lock_guard lock(mutex_);
  claimed_.erase(key);
  if (!connection_) return;
  try {
    pqxx::nontransaction txn(connection_->connection);
    txn.exec_params("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key);
  } catch (...) {
    connection_.reset();  // closing the session releases every lock it held
  }
}

}  // namespace mc::adapters
