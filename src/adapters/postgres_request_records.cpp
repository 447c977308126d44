#include "adapters/postgres_request_records.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

namespace {

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

}  // namespace

bool PostgresRequestRecords::started(const core::RequestRecord& record) {
  const auto& position = record.position;
  const std::string processing = status_literal(core::RequestStatus::kProcessing);
  const std::string completed = status_literal(core::RequestStatus::kCompleted);
  return with_connection(connections_, "record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    const pqxx::result started = txn.exec_params(
        "INSERT INTO mask_requests (request_id, user_id, gender, mask_types, status, attempts, message_partition, "
        "message_offset, message_time) VALUES ($1, $2, $3, $4::text[], " +
            processing +
            ", 1, NULLIF($5::integer, -1), "
            // An HTTP request (no partition) keeps its accept time: the row order spans both paths.
            "CASE WHEN $5::integer < 0 THEN NULL ELSE $6::bigint END, CASE WHEN $5::integer < 0 AND $7::bigint <= 0 "
            "THEN NULL ELSE $7::bigint END) "
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

void PostgresRequestRecords::completed(const std::string& user_id, const std::string& request_id,
                                       const std::map<core::MaskType, std::string>& filenames) {
  with_connection(connections_, "record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params("UPDATE mask_requests SET status = " + status_literal(core::RequestStatus::kCompleted) +
                        ", error = NULL, filenames = $3::jsonb, "
                        "updated_at = now(), completed_at = now() WHERE user_id = $1 AND request_id = $2",
                    user_id, request_id, filenames_json(filenames));
    txn.commit();
  });
}

void PostgresRequestRecords::failed(const std::string& user_id, const std::string& request_id,
                                    const std::string& error) {
  with_connection(connections_, "record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params("UPDATE mask_requests SET status = " + status_literal(core::RequestStatus::kFailed) +
                        ", error = $3, updated_at = now() WHERE user_id = $1 AND request_id = $2 AND status <> " +
                        status_literal(core::RequestStatus::kCompleted),
                    user_id, request_id, error);
    txn.commit();
  });
}

void PostgresRequestRecords::options(const std::string& user_id, const std::string& request_id,
                                     const nlohmann::json& options) {
  with_connection(connections_, "record request", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    txn.exec_params(
        "UPDATE mask_requests SET options = $3::jsonb, updated_at = now() WHERE user_id = $1 AND "
        "request_id = $2 AND status <> " +
            status_literal(core::RequestStatus::kCompleted),
        user_id, request_id, options.dump());
    txn.commit();
  });
}

std::optional<core::RequestRecord> PostgresRequestRecords::find(const std::string& user_id,
                                                                const std::string& request_id) {
  return with_connection(
      connections_, "read request", [&](pqxx::connection& connection) -> std::optional<core::RequestRecord> {
        pqxx::read_transaction txn(connection);
        const pqxx::result result = txn.exec_params(
            "SELECT request_id, user_id, gender, array_to_string(mask_types, ','), status, "
            "COALESCE(error, ''), attempts, filenames::text, options::text FROM mask_requests WHERE user_id = $1 "
            "AND request_id = $2",
            user_id, request_id);
        if (result.empty()) return std::nullopt;
        const pqxx::row& row = result[0];
        core::RequestRecord record;
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

}  // namespace mc::adapters
