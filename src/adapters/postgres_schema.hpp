#pragma once

#include <string>
#include <vector>

#include "adapters/postgres_connections.hpp"

namespace mc::adapters {

// What PostgresSchema::ensure changed, one line per change ("created table
// ...", "added column ..."); empty when the schema was already current.
struct MigrationReport {
  std::vector<std::string> changes;
};

// The tables: user_mask_outputs exactly as the Python service has it, and
// our mask_requests.
class PostgresSchema {
 public:
  explicit PostgresSchema(PostgresConnections& connections) : connections_(connections) {}

  // Creates what is missing, adds the columns an older table lacks and
  // re-keys a first-release mask_requests. Safe to run concurrently
  // (serialised by an advisory lock).
  MigrationReport ensure();

 private:
  PostgresConnections& connections_;
};

}  // namespace mc::adapters
