#pragma once

#include <optional>
#include <string>

#include "adapters/postgres_connections.hpp"
#include "core/request_record.hpp"

namespace mc::adapters {

// user_mask_outputs, the Python service's table: one row per user naming
// the masks of their latest request. Failures throw DependencyError.
// Thread-safe.
class PostgresUserMasks {
 public:
  explicit PostgresUserMasks(PostgresConnections& connections) : connections_(connections) {}

  // The Python service's upsert: every mask column is set; types not in `row`
  // become NULL. With a position (Kafka's, or an HTTP request's accept time),
  // the row is left alone (and false returned) when the request that wrote
  // it was accepted after `position`: by offset within one partition, else by
  // time (README "Row order").
  bool upsert(const core::UserMasksRow& row, const core::MessagePosition& position = {});
  std::optional<core::UserMasksRow> find(const std::string& user_id);

 private:
  PostgresConnections& connections_;
};

}  // namespace mc::adapters
