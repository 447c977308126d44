#pragma once

#include "adapters/postgres_claims.hpp"
#include "adapters/postgres_connections.hpp"
#include "adapters/postgres_dsn.hpp"
#include "adapters/postgres_health_check.hpp"
#include "adapters/postgres_request_records.hpp"
#include "adapters/postgres_schema.hpp"
#include "adapters/postgres_user_masks.hpp"

namespace mc::adapters {

// PostgreSQL over libpqxx: one part per job, the statement-running ones
// sharing one pool of connections (see PostgresConnections). Connections are
// made on demand; failures throw DependencyError (transient for connection
// problems, permanent for SQL errors). Thread-safe.
class PostgresStore {
 public:
  explicit PostgresStore(PostgresSettings settings)
      : connections_(std::move(settings)),
        schema_(connections_),
        requests_(connections_),
        user_masks_(connections_),
        claims_(connections_),
        health_(connections_) {}
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  PostgresSchema& schema() { return schema_; }
  PostgresRequestRecords& requests() { return requests_; }
  PostgresUserMasks& user_masks() { return user_masks_; }
  PostgresClaims& claims() { return claims_; }
  PostgresHealthCheck& health() { return health_; }

 private:
  PostgresConnections connections_;  // first: the parts use it
  PostgresSchema schema_;
  PostgresRequestRecords requests_;
  PostgresUserMasks user_masks_;
  PostgresClaims claims_;
  PostgresHealthCheck health_;
};

}  // namespace mc::adapters
