#include "adapters/postgres_schema.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

namespace {

using Columns = std::vector<std::pair<std::string, std::string>>;

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
const Columns kLaterRequestColumns = {
    {"message_partition", "INTEGER"}, {"message_offset", "BIGINT"}, {"message_time", "BIGINT"}, {"options", "JSONB"}};

// Every column of the Python service's table with its type, for adding missing ones.
Columns user_mask_output_columns() {
  Columns columns = {{"gender", "TEXT"}, {"request_id", "TEXT"}};
  for (const core::MaskType type : core::kAllMaskTypes) {
    columns.emplace_back(mask_column(type), "TEXT");
  }
  columns.emplace_back("updated_at", "TIMESTAMP WITH TIME ZONE DEFAULT now()");
  return columns;
}

// Serialises schema changes between processes starting together.
constexpr long kSchemaLock = 0x6d61736b;  // "mask"

// Adds the columns of `wanted` that `table` lacks, each as a change.
void add_missing_columns(pqxx::work& txn, const std::string& table, const Columns& wanted, MigrationReport& report) {
  const pqxx::result existing = txn.exec_params(
      "SELECT column_name FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = $1",
      table);
  std::vector<std::string> present;
  for (const auto& row : existing) present.push_back(row[0].as<std::string>());
  for (const auto& [column, type] : wanted) {
    if (std::find(present.begin(), present.end(), column) != present.end()) continue;
    txn.exec0("ALTER TABLE " + table + " ADD COLUMN " + txn.quote_name(column) + " " + type);
    report.changes.push_back("added column " + table + "." + column);
  }
}

// The first release keyed records by request_id alone, so that two users'
// equal request_ids shared one record.
void key_requests_by_user(pqxx::work& txn, MigrationReport& report) {
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

}  // namespace

MigrationReport PostgresSchema::ensure() {
  return with_connection(connections_, "schema", [&](pqxx::connection& connection) {
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
      add_missing_columns(txn, "user_mask_outputs", user_mask_output_columns(), report);
    }
    if (!table_exists("mask_requests")) {
      txn.exec0(create_mask_requests_sql());
      report.changes.push_back("created table mask_requests");
    } else {
      add_missing_columns(txn, "mask_requests", kLaterRequestColumns, report);
      key_requests_by_user(txn, report);
    }
    txn.commit();
    return report;
  });
}

}  // namespace mc::adapters
