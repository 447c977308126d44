#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/dependency_error.hpp"
#include "core/gender.hpp"
#include "core/mask_types.hpp"
#include "core/pool.hpp"
#include "core/request_status.hpp"

namespace mc::adapters {

// POSTGRES_DSN must be a postgresql:// (or postgres://) URI that libpq can
// parse, with any '@' of the user or password percent-encoded (%40). Returns
// the problem, or nothing when it is valid.
std::optional<std::string> dsn_problem(const std::string& dsn);

// The DSN with its password replaced by "***", for logs and errors: from the
// first ':' after "://" to the last '@' of the authority, so that a password
// holding '@' (or ':', '/') leaves nothing of itself behind.
std::string redact_dsn(const std::string& dsn);

struct PostgresSettings {
  std::string dsn;
  int pool_size = 4;
  std::chrono::seconds connect_timeout{5};             // also the longest wait for a pooled connection
  std::chrono::milliseconds statement_timeout{30000};  // server side; 0 = none
};

// Where a request's message sat in Kafka: orders two requests of one user.
// Same partition: the later offset is newer. Different partitions: the later
// message timestamp is newer. A negative partition means "no position" (the
// command-line tools), which never blocks a write.
struct MessagePosition {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = 0;
};

// One row of user_mask_outputs: filenames by mask type (absent = NULL).
struct UserMasksRow {
  std::string user_id;
  std::optional<core::Gender> gender;  // stored as its text; none: NULL (or a text we do not know, when read)
  std::string request_id;
  std::map<core::MaskType, std::string> filenames;
};

// One row of mask_requests, our audit of every request.
struct RequestRecord {
  std::string request_id;
  std::string user_id;
  std::optional<core::Gender> gender;  // as in UserMasksRow
  std::vector<core::MaskType> mask_types;
  core::RequestStatus status = core::RequestStatus::kProcessing;
  std::string error;
  int attempts = 0;
  std::map<core::MaskType, std::string> filenames;
  MessagePosition position;
  // What the request's options made (issue 20): {"options", "artifacts"
  // {type: {output: filename}}, "mask_info"}; none for a request without.
  std::optional<nlohmann::json> options;
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

  // user_mask_outputs exactly as the Python service has it (missing columns of an
  // older table added) and mask_requests. Safe to run concurrently.
  MigrationReport ensure_schema();

  // The Python service's upsert: every mask column is set; types not in `row` become NULL.
  // With a position, the row is left alone (and false returned) when the
  // request that wrote it was consumed after `position` (see MessagePosition).
  bool upsert_user_masks(const UserMasksRow& row, const MessagePosition& position = {});
  std::optional<UserMasksRow> find_user_masks(const std::string& user_id);

  // mask_requests is keyed by (user_id, request_id). A completed record is
  // never changed again: started returns false and failed does nothing then.
  // Started sets status processing, attempts + 1 and the message position.
  bool record_request_started(const RequestRecord& record);
  void record_request_completed(const std::string& user_id, const std::string& request_id,
                                const std::map<core::MaskType, std::string>& filenames);
  void record_request_failed(const std::string& user_id, const std::string& request_id, const std::string& error);
  // Stores RequestRecord::options (column `options`, NULL until then); not once completed.
  void record_request_options(const std::string& user_id, const std::string& request_id, const nlohmann::json& options);
  std::optional<RequestRecord> find_request(const std::string& user_id, const std::string& request_id);

  // While a Claim lives, no other holder (this process or another using the
  // same database) gets one for the same request: a session advisory lock on
  // a connection of its own, so that a process that dies releases its claims
  // with its connection. Should that connection break, its claims lapse.
  class Claim {
   public:
    Claim(PostgresStore& store, std::string key) : store_(&store), key_(std::move(key)) {}
    Claim(Claim&& other) noexcept : store_(std::exchange(other.store_, nullptr)), key_(std::move(other.key_)) {}
    Claim& operator=(Claim&&) = delete;
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() {
      if (store_ != nullptr) store_->release_claim(key_);
    }

   private:
    PostgresStore* store_;
    std::string key_;
  };
  // Runs SELECT 1 on a connection of its own (the readiness check, which
  // busy workers must not fail); throws DependencyError when the server
  // does not answer.
  void check();

  // A claim, or nothing when someone holds it now.
  std::optional<Claim> try_claim_request(const std::string& user_id, const std::string& request_id);

 private:
  struct Connection;  // one libpqxx connection
  std::unique_ptr<Connection> connect();
  template <typename Work>
  auto with_connection(const std::string& action, Work work);
  void release_claim(const std::string& key) noexcept;

  PostgresSettings settings_;
  std::string connect_dsn_;
  core::Pool<Connection> connections_;  // at most pool_size, made on demand
  std::mutex claims_mutex_;
  std::unique_ptr<Connection> claims_connection_;  // holds the advisory locks
  std::set<std::string> claimed_;                  // keys held by this process
  std::mutex check_mutex_;
  std::unique_ptr<Connection> check_connection_;  // check() only
};

}  // namespace mc::adapters
