#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/dependency_error.hpp"
#include "core/mask_types.hpp"

namespace mc::adapters {

// POSTGRES_DSN must be a postgresql:// (or postgres://) URI that libpq can
// parse. Returns the problem, or nothing when it is valid.
std::optional<std::string> dsn_problem(const std::string& dsn);

// The DSN with its password replaced by "***", for logs and errors.
std::string redact_dsn(const std::string& dsn);

struct PostgresSettings {
  std::string dsn;
  int pool_size = 4;
  std::chrono::seconds connect_timeout{5};
};

// One row of user_mask_outputs: filenames by mask type (absent = NULL).
struct UserMasksRow {
  std::string user_id;
  std::string gender;
  std::string request_id;
  std::map<core::MaskType, std::string> filenames;
};

// One row of mask_requests, our audit of every request.
struct RequestRecord {
  std::string request_id;
  std::string user_id;
  std::string gender;
  std::vector<core::MaskType> mask_types;
  std::string status;  // processing, completed, failed
  std::string error;
  int attempts = 0;
  std::map<core::MaskType, std::string> filenames;
};

// What ensure_schema changed, one line per change ("created table ...",
// "added column ..."); empty when the schema was already current.
struct MigrationReport {
  std::vector<std::string> changes;
};

// PostgreSQL over libpqxx with a small connection pool. Connections are made
// on demand; one that breaks (server restart) is dropped and the next call
// connects again. Failures throw DependencyError: transient for connection
// problems, permanent for SQL errors. Thread-safe.
class PostgresStore {
 public:
  explicit PostgresStore(PostgresSettings settings);
  ~PostgresStore();
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // user_mask_outputs exactly as the seed has it (missing columns of an
  // older table added) and mask_requests. Safe to run concurrently.
  MigrationReport ensure_schema();

  // The seed's upsert: every mask column is set; types not in `row` become NULL.
  void upsert_user_masks(const UserMasksRow& row);
  std::optional<UserMasksRow> find_user_masks(const std::string& user_id);

  // Records that a request started (attempts + 1, status processing).
  void record_request_started(const RequestRecord& record);
  void record_request_completed(const std::string& request_id, const std::map<core::MaskType, std::string>& filenames);
  void record_request_failed(const std::string& request_id, const std::string& error);
  std::optional<RequestRecord> find_request(const std::string& request_id);

 private:
  struct Connection;  // one libpqxx connection
  std::unique_ptr<Connection> connect();
  template <typename Work>
  auto with_connection(const std::string& action, Work work);

  PostgresSettings settings_;
  std::string connect_dsn_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

}  // namespace mc::adapters
