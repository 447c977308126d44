#include "adapters/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <regex>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/mask_types.hpp"
#include "core/request_status.hpp"

namespace mc::adapters {

namespace {

constexpr std::string_view kCreateUserMaskOutputs = R"(
CREATE TABLE IF NOT EXISTS user_mask_outputs (
    user_id TEXT PRIMARY KEY,
    gender TEXT,
    request_id TEXT,
    upper_body_mask TEXT,
    upper_body_tshirts_mask TEXT,
    upper_body_coat_mask TEXT,
    lower_body_mask TEXT,
    ethnic_combined_mask TEXT,
    baggy_lower_mask TEXT,
    dress_mask TEXT,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now()
))";

// A status as an SQL literal: 'completed'.
std::string status_literal(core::RequestStatus status) {
  std::string literal(1, '\'');
  literal.append(core::request_status_text(status));
  literal.push_back('\'');
  return literal;
}

std::string create_mask_requests_sql() {
  std::string statuses;
  for (const core::RequestStatus status : core::kAllRequestStatuses) {
    if (!statuses.empty()) statuses += ", ";
    statuses += status_literal(status);
  }
  return R"(
CREATE TABLE IF NOT EXISTS mask_requests (
    request_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    gender TEXT,
    mask_types TEXT[] NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ()" +
         statuses + R"()),
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    filenames JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    completed_at TIMESTAMP WITH TIME ZONE,
    message_partition INTEGER,
    message_offset BIGINT,
    message_time BIGINT,
    options JSONB,
    PRIMARY KEY (user_id, request_id)
))";
}

// Columns mask_requests gained after its first release, for adding them.
const std::vector<std::pair<std::string, std::string>> kLaterRequestColumns = {
    {"message_partition", "INTEGER"}, {"message_offset", "BIGINT"}, {"message_time", "BIGINT"}, {"options", "JSONB"}};

// Every column of the Python service's table with its type, for adding missing ones.
std::vector<std::pair<std::string, std::string>> user_mask_output_columns() {
  std::vector<std::pair<std::string, std::string>> columns = {{"gender", "TEXT"}, {"request_id", "TEXT"}};
  for (const core::MaskType type : core::kAllMaskTypes) {
    columns.emplace_back(std::string(core::mask_type_name(type)) + "_mask", "TEXT");
  }
  columns.emplace_back("updated_at", "TIMESTAMP WITH TIME ZONE DEFAULT now()");
  return columns;
}

// Serialises schema changes between processes starting together.
constexpr long kSchemaLock = 0x6d61736b;  // "mask"

std::string mask_column(core::MaskType type) { return std::string(core::mask_type_name(type)) + "_mask"; }

std::string types_array(const std::vector<core::MaskType>& types) {
  std::string text = "{";
  for (const core::MaskType type : types) {
    if (text.size() > 1) text.push_back(',');
    text.append(core::mask_type_name(type));
  }
  text.push_back('}');
  return text;
}

std::string filenames_json(const std::map<core::MaskType, std::string>& filenames) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [type, name] : filenames) object[std::string(core::mask_type_name(type))] = name;
  return object.dump();
}

// A gender as stored: its text, or NULL.
std::optional<std::string> gender_value(const std::optional<core::Gender>& gender) {
  if (!gender) return std::nullopt;
  return std::string(core::gender_text(*gender));
}

// A stored gender: none for NULL or a text that is not one of ours.
std::optional<core::Gender> stored_gender(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return core::gender_from_text(field.as<std::string>());
}

// Connection problems, a server shutting down, serialisation failures,
// deadlocks, a statement cancelled by statement_timeout (57014), a lock not
// available (55P03) and insufficient resources (class 53) pass with time.
bool transient_sqlstate(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0 || state == "40001" ||
         state == "40P01" || state == "57014" || state == "55P03";
}

// A libpqxx failure as a DependencyError: SQL errors classified by their
// SQLSTATE, everything else a connection problem (transient).
DependencyError database_error(const pqxx::failure& error, const std::string& action) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    const bool transient = transient_sqlstate(sql->sqlstate());
    return {transient ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
            "Database error: " + action + ": " + redact_dsn(error.what())};
  }
  return {DependencyError::Kind::kTransient, "Database connection failed: " + action + ": " + redact_dsn(error.what())};
}

// Appends one URI parameter to a libpq connection URI.
void add_parameter(std::string& dsn, const std::string& parameter) {
  dsn += (dsn.find('?') == std::string::npos ? "?" : "&");
  dsn += parameter;
}

}  // namespace

namespace {

// Where the user information of a URI DSN ends: its last '@' before the
// query, or, when a password holds '?' itself, its last '@' at all. A
// password may hold '@', ':', '/' unencoded; cutting at the last '@' never
// leaves a piece of it behind (at worst it redacts more than the password).
std::size_t credentials_end(std::string_view rest) {
  const std::size_t query = rest.find('?');
  const std::size_t before_query = rest.substr(0, query).rfind('@');
  return before_query != std::string_view::npos ? before_query : rest.rfind('@');
}

}  // namespace

std::optional<std::string> dsn_problem(const std::string& dsn) {
  if (dsn.rfind("postgresql://", 0) != 0 && dsn.rfind("postgres://", 0) != 0) {
    return std::string("must start with postgresql:// (postgresql://user:password@host:5432/database)");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "cannot be parsed";
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return "is not a valid connection URI (" + message + ")";
  }
  PQconninfoFree(options);
  // libpq ends the user information at the first '@': the rest of such a
  // password would be taken for the host and could be echoed in its errors.
  const std::string_view rest = std::string_view(dsn).substr(dsn.find("://") + 3);
  const std::size_t at = credentials_end(rest);
  if (at != std::string_view::npos && rest.substr(0, at).find('@') != std::string_view::npos) {
    return std::string("has an unencoded '@' in its user or password (write it as %40)");
  }
  return std::nullopt;
}

std::string redact_dsn(const std::string& dsn) {
  std::string redacted = dsn;
  if (const std::size_t scheme = redacted.find("://"); scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t at = credentials_end(std::string_view(redacted).substr(start));
    if (at != std::string::npos) {
      const std::size_t colon = redacted.find(':', start);
      if (colon != std::string::npos && colon < start + at) redacted.replace(colon + 1, start + at - colon - 1, "***");
    }
  }
  static const std::regex kPasswordParameter("(password=)[^&\\s]*");
  return std::regex_replace(redacted, kPasswordParameter, "$1***");
}

struct PostgresStore::Connection {
  explicit Connection(const std::string& dsn) : connection(dsn) {}
  pqxx::connection connection;
};

PostgresStore::PostgresStore(PostgresSettings settings)
    : settings_(std::move(settings)),
      connections_([this] { return connect(); }, static_cast<std::size_t>(std::max(1, settings_.pool_size))) {
  connect_dsn_ = settings_.dsn;
  if (connect_dsn_.find("connect_timeout=") == std::string::npos) {
    add_parameter(connect_dsn_, "connect_timeout=" + std::to_string(settings_.connect_timeout.count()));
  }
  // A server or network that stops answering must not hold a worker (or a
  // claim) forever: the client gives up on unacknowledged data after 30 s and
  // probes idle connections; the server does the same for ours, so that the
  // session (and its advisory locks) of an instance that vanished ends soon.
  if (connect_dsn_.find("keepalives") == std::string::npos) {
    add_parameter(connect_dsn_, "keepalives=1&keepalives_idle=10&keepalives_interval=5&keepalives_count=3");
  }
  if (connect_dsn_.find("tcp_user_timeout=") == std::string::npos)
    add_parameter(connect_dsn_, "tcp_user_timeout=30000");
  // A DSN with its own options keeps them.
  if (connect_dsn_.find("options=") == std::string::npos) {
    std::string options =
        "options=-c%20tcp_keepalives_idle%3D10%20-c%20tcp_keepalives_interval%3D5"
        "%20-c%20tcp_keepalives_count%3D3";
    if (settings_.statement_timeout.count() > 0) {
      options += "%20-c%20statement_timeout%3D" + std::to_string(settings_.statement_timeout.count());
    }
    add_parameter(connect_dsn_, options);
  }
}

PostgresStore::~PostgresStore() = default;

std::unique_ptr<PostgresStore::Connection> PostgresStore::connect() {
  return std::make_unique<Connection>(connect_dsn_);
}

template <typename Work>
auto PostgresStore::with_connection(const std::string& action, Work work) {
  // A free pooled connection, or a new one when fewer than pool_size are open.
  auto lease = [&] {
    try {
      return connections_.try_acquire_for(settings_.connect_timeout);
    } catch (const pqxx::failure& error) {
      throw database_error(error, action);
    } catch (const std::exception& error) {
      throw DependencyError(DependencyError::Kind::kPermanent, "Database error: " + action + ": " + error.what());
    }
  }();
  if (!lease) {
    throw DependencyError(DependencyError::Kind::kTransient, "Database connection failed: " + action + ": all " +
                                                                 std::to_string(settings_.pool_size) +
                                                                 " pooled connections stayed busy");
  }
  // The lease gives the connection back when it goes, unless it is broken
  // (discarded: the next call connects again).
  try {
    return work((*lease)->connection);
  } catch (const pqxx::failure& error) {
    DependencyError failure = database_error(error, action);
    if (failure.transient()) lease->discard();  // a permanent SQL error leaves the connection usable
    throw failure;
  } catch (const std::exception& error) {
    // Not the server's doing (a conversion, a malformed stored value): the
    // connection's state is unknown, so it is dropped, and retrying would
    // meet the same problem.
    lease->discard();
    throw DependencyError(DependencyError::Kind::kPermanent, "Database error: " + action + ": " + error.what());
  } catch (...) {
    lease->discard();
    throw;
  }
}

MigrationReport PostgresStore::ensure_schema() {
  return with_connection("schema", [&](pqxx::connection& connection) {
    MigrationReport report;
    pqxx::work txn(connection);
    // Re-keying a large table may take longer than the statement timeout.
    txn.exec0("SET LOCAL statement_timeout = 0");
    txn.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLock);
    auto table_exists = [&](const std::string& name) {
      return txn.exec_params1("SELECT to_regclass($1) IS NOT NULL", name)[0].as<bool>();
    };
    if (!table_exists("user_mask_outputs")) {
      txn.exec0(std::string(kCreateUserMaskOutputs));
      report.changes.push_back("created table user_mask_outputs");
    } else {
      const pqxx::result existing = txn.exec_params(
          "SELECT column_name FROM information_schema.columns "
          "WHERE table_schema = current_schema() AND table_name = 'user_mask_outputs'");
      std::vector<std::string> present;
      for (const auto& row : existing) present.push_back(row[0].as<std::string>());
      for (const auto& [column, type] : user_mask_output_columns()) {
        if (std::find(present.begin(), present.end(), column) != present.end()) continue;
        txn.exec0("ALTER TABLE user_mask_outputs ADD COLUMN " + txn.quote_name(column) + " " + type);
        report.changes.push_back("added column user_mask_outputs." + column);
      }
    }
    if (!table_exists("mask_requests")) {
      txn.exec0(create_mask_requests_sql());
      report.changes.push_back("created table mask_requests");
    } else {
      const pqxx::result existing = txn.exec_params(
          "SELECT column_name FROM information_schema.columns "
          "WHERE table_schema = current_schema() AND table_name = 'mask_requests'");
      std::vector<std::string> present;
      for (const auto& row : existing) present.push_back(row[0].as<std::string>());
      for (const auto& [column, type] : kLaterRequestColumns) {
        if (std::find(present.begin(), present.end(), column) != present.end()) continue;
        txn.exec0("ALTER TABLE mask_requests ADD COLUMN " + txn.quote_name(column) + " " + type);
        report.changes.push_back("added column mask_requests." + column);
      }
      // The first release keyed records by request_id alone, so that two
      // users' equal request_ids shared one record.
      const std::string key = txn.exec1(
                                     "SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_index i "
                                     "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                                     "WHERE i.indrelid = 'mask_requests'::regclass AND i.indisprimary")[0]
                                  .as<std::string>("");
      if (key != "request_id,user_id") {
        txn.exec0("ALTER TABLE mask_requests DROP CONSTRAINT IF EXISTS mask_requests_pkey");
        txn.exec0("ALTER TABLE mask_requests ADD PRIMARY KEY (user_id, request_id)");
        report.changes.push_back("changed the primary key of mask_requests to (user_id, request_id)");
      }
    }
    txn.commit();
    return report;
  });
}

bool PostgresStore::upsert_user_masks(const UserMasksRow& row, const MessagePosition& position) {
  std::vector<const char*> filenames;
  std::string columns;
  std::string placeholders;
  std::string updates;
  int parameter = 4;
  for (const core::MaskType type : core::kAllMaskTypes) {
    const auto found = row.filenames.find(type);
    filenames.push_back(found == row.filenames.end() ? nullptr : found->second.c_str());
    const std::string column = mask_column(type);
    columns += ", " + column;
    placeholders += ", $" + std::to_string(parameter++);
    updates += ", " + column + " = EXCLUDED." + column;
  }
  const std::string sql = "INSERT INTO user_mask_outputs (user_id, gender, request_id" + columns +
                          ", updated_at) VALUES ($1, $2, $3" + placeholders +
                          ", now()) ON CONFLICT (user_id) DO UPDATE SET gender = EXCLUDED.gender, "
                          "request_id = EXCLUDED.request_id" +
                          updates + ", updated_at = now()";
  // Keep the row when the request that wrote it came later in Kafka.
  const std::string guard =
      " WHERE NOT EXISTS (SELECT 1 FROM mask_requests r WHERE r.user_id = user_mask_outputs.user_id "
      "AND r.request_id = user_mask_outputs.request_id AND r.request_id <> EXCLUDED.request_id "
      "AND r.message_partition IS NOT NULL AND CASE WHEN r.message_partition = $" +
      std::to_string(parameter) + "::integer THEN r.message_offset > $" + std::to_string(parameter + 1) +
      "::bigint ELSE r.message_time > $" + std::to_string(parameter + 2) + "::bigint END)";
  return with_connection("upsert user_mask_outputs", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    const pqxx::result written = position.partition < 0
                                     ? txn.exec_params(sql, row.user_id, gender_value(row.gender), row.request_id,
                                                       pqxx::prepare::make_dynamic_params(filenames))
                                     : txn.exec_params(sql + guard, row.user_id, gender_value(row.gender),
                                                       row.request_id, pqxx::prepare::make_dynamic_params(filenames),
                                                       position.partition, position.offset, position.timestamp_ms);
    txn.commit();
    return written.affected_rows() > 0;
  });
}

std::optional<UserMasksRow> PostgresStore::find_user_masks(const std::string& user_id) {
  return with_connection("read user_mask_outputs", [&](pqxx::connection& connection) -> std::optional<UserMasksRow> {
    pqxx::read_transaction txn(connection);
    const pqxx::result result = txn.exec_params("SELECT * FROM user_mask_outputs WHERE user_id = $1", user_id);
    if (result.empty()) return std::nullopt;
    const pqxx::row& found = result[0];
    UserMasksRow row;
    row.user_id = found["user_id"].as<std::string>();
    row.gender = stored_gender(found["gender"]);
    row.request_id = found["request_id"].is_null() ? "" : found["request_id"].as<std::string>();
    for (const core::MaskType type : core::kAllMaskTypes) {
      const pqxx::field field = found[mask_column(type)];
      if (!field.is_null()) row.filenames[type] = field.as<std::string>();
    }
    return row;
  });
}

bool PostgresStore::record_request_started(const RequestRecord& record) {
  const auto& position = record.position;
  const std::string processing = status_literal(core::RequestStatus::kProcessing);
  const std::string completed = status_literal(core::RequestStatus::kCompleted);
  return with_connection("record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    const pqxx::result started = txn.exec_params(
        "INSERT INTO mask_requests (request_id, user_id, gender, mask_types, status, attempts, message_partition, "
        "message_offset, message_time) VALUES ($1, $2, $3, $4::text[], " +
            processing +
            ", 1, NULLIF($5::integer, -1), "
            "CASE WHEN $5::integer < 0 THEN NULL ELSE $6::bigint END, CASE WHEN $5::integer < 0 THEN NULL ELSE "
            "$7::bigint "
            "END) "
            "ON CONFLICT (user_id, request_id) DO UPDATE SET status = " +
            processing +
            ", error = NULL, "
            "attempts = mask_requests.attempts + 1, updated_at = now(), gender = EXCLUDED.gender, "
            "mask_types = EXCLUDED.mask_types, message_partition = EXCLUDED.message_partition, "
            "message_offset = EXCLUDED.message_offset, message_time = EXCLUDED.message_time, options = NULL "
            "WHERE mask_requests.status <> " +
            completed,
        record.request_id, record.user_id, gender_value(record.gender), types_array(record.mask_types),
        std::max<std::int32_t>(position.partition, -1), position.offset, position.timestamp_ms);
    txn.commit();
    return started.affected_rows() > 0;
  });
}

void PostgresStore::record_request_completed(const std::string& user_id, const std::string& request_id,
                                             const std::map<core::MaskType, std::string>& filenames) {
  with_connection("record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params("UPDATE mask_requests SET status = " + status_literal(core::RequestStatus::kCompleted) +
                        ", error = NULL, filenames = $3::jsonb, "
                        "updated_at = now(), completed_at = now() WHERE user_id = $1 AND request_id = $2",
                    user_id, request_id, filenames_json(filenames));
    txn.commit();
  });
}

void PostgresStore::record_request_options(const std::string& user_id, const std::string& request_id,
                                           const nlohmann::json& options) {
  with_connection("record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params(
        "UPDATE mask_requests SET options = $3::jsonb, updated_at = now() WHERE user_id = $1 AND "
        "request_id = $2 AND status <> " +
            status_literal(core::RequestStatus::kCompleted),
        user_id, request_id, options.dump());
    txn.commit();
  });
}

void PostgresStore::record_request_failed(const std::string& user_id, const std::string& request_id,
                                          const std::string& error) {
  with_connection("record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params("UPDATE mask_requests SET status = " + status_literal(core::RequestStatus::kFailed) +
                        ", error = $3, updated_at = now() WHERE user_id = $1 AND request_id = $2 AND status <> " +
                        status_literal(core::RequestStatus::kCompleted),
                    user_id, request_id, error);
    txn.commit();
  });
}

void PostgresStore::check() {
  // A connection of its own: workers holding every pooled one is no outage.
  const std::lock_guard lock(check_mutex_);
  try {
    if (!check_connection_) check_connection_ = connect();
    pqxx::nontransaction txn(check_connection_->connection);
    txn.exec("SELECT 1");
  } catch (const pqxx::failure& error) {
    check_connection_.reset();
    throw database_error(error, "check");
  }
}

std::optional<RequestRecord> PostgresStore::find_request(const std::string& user_id, const std::string& request_id) {
  return with_connection("read request", [&](pqxx::connection& connection) -> std::optional<RequestRecord> {
    pqxx::read_transaction txn(connection);
    const pqxx::result result = txn.exec_params(
        "SELECT request_id, user_id, gender, array_to_string(mask_types, ','), status, "
        "COALESCE(error, ''), attempts, filenames::text, options::text FROM mask_requests WHERE user_id = $1 AND "
        "request_id = $2",
        user_id, request_id);
    if (result.empty()) return std::nullopt;
    const pqxx::row& row = result[0];
    RequestRecord record;
    record.request_id = row[0].as<std::string>();
    record.user_id = row[1].as<std::string>();
    record.gender = stored_gender(row[2]);
    const std::string types = row[3].as<std::string>();
    if (!types.empty()) record.mask_types = core::parse_mask_type_list(types);
    const std::string status = row[4].as<std::string>();
    const auto known = core::request_status_from_text(status);
    // The table's CHECK allows no other; a conversion error is a permanent failure.
    if (!known) throw std::runtime_error("unknown request status \"" + status + "\"");
    record.status = *known;
    record.error = row[5].as<std::string>();
    record.attempts = row[6].as<int>();
    const nlohmann::json filenames = nlohmann::json::parse(row[7].as<std::string>());
    for (const auto& [name, file] : filenames.items()) {
      record.filenames[core::parse_mask_type_list(name).at(0)] = file.get<std::string>();
    }
    if (!row[8].is_null()) record.options = nlohmann::json::parse(row[8].as<std::string>());
    return record;
  });
}

std::optional<PostgresStore::Claim> PostgresStore::try_claim_request(const std::string& user_id,
                                                                     const std::string& request_id) {
  // Ids cannot hold control characters, so the separator keys one pair only.
  std::string key = user_id + '\x1f' + request_id;
  const std::lock_guard lock(claims_mutex_);
  if (claimed_.count(key) != 0) return std::nullopt;
  try {
    if (!claims_connection_) claims_connection_ = connect();
    pqxx::nontransaction txn(claims_connection_->connection);
    const bool locked = txn.exec_params1("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key)[0].as<bool>();
    if (!locked) return std::nullopt;
  } catch (const pqxx::failure& error) {
    claims_connection_.reset();  // its locks, if any, lapse with it
    throw database_error(error, "claim request");
  }
  claimed_.insert(key);
  return Claim(*this, std::move(key));
}

void PostgresStore::release_claim(const std::string& key) noexcept {
  const std::lock_guard lock(claims_mutex_);
  claimed_.erase(key);
  if (!claims_connection_) return;
  try {
    pqxx::nontransaction txn(claims_connection_->connection);
    txn.exec_params("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key);
  } catch (...) {
    claims_connection_.reset();  // closing the session releases every lock it held
  }
}

}  // namespace mc::adapters
