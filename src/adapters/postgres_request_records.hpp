#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/postgres_connections.hpp"
#include "core/request_record.hpp"

namespace mc::adapters {

// mask_requests, our audit of every request, keyed by (user_id, request_id).
// A completed record is never changed again: started returns false and
// failed does nothing then. Failures throw DependencyError: transient for
// connection problems, permanent for SQL errors. Thread-safe.
class PostgresRequestRecords {
 public:
  explicit PostgresRequestRecords(PostgresConnections& connections) : connections_(connections) {}

  // Sets status processing, attempts + 1 and the message position.
  bool started(const core::RequestRecord& record);
  void completed(const std::string& user_id, const std::string& request_id,
                 const std::map<core::MaskType, std::string>& filenames);
  void failed(const std::string& user_id, const std::string& request_id, const std::string& error);
  // Stores RequestRecord::options (column `options`, NULL until then); not once completed.
  void options(const std::string& user_id, const std::string& request_id, const nlohmann::json& options);
  std::optional<core::RequestRecord> find(const std::string& user_id, const std::string& request_id);

 private:
  PostgresConnections& connections_;
};

}  // namespace mc::adapters
