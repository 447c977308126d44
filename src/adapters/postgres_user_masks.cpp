#include "adapters/postgres_user_masks.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

bool PostgresUserMasks::upsert(const core::UserMasksRow& row, const core::MessagePosition& position) {
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
  // Keep the row when the request that wrote it was accepted later: by offset
  // within a Kafka partition, else by accept time (a Kafka message's
  // timestamp, an HTTP request's arrival). Without a time (the tools), write.
  const std::string guard =
      " WHERE NOT EXISTS (SELECT 1 FROM mask_requests r WHERE r.user_id = user_mask_outputs.user_id "
      "AND r.request_id = user_mask_outputs.request_id AND r.request_id <> EXCLUDED.request_id "
      "AND CASE WHEN r.message_partition = $" +
      std::to_string(parameter) + "::integer THEN r.message_offset > $" + std::to_string(parameter + 1) +
      "::bigint ELSE r.message_time > $" + std::to_string(parameter + 2) + "::bigint END)";
  const bool kafka = position.partition >= 0;
  const bool timed = kafka || position.timestamp_ms > 0;
  return with_connection(connections_, "upsert user_mask_outputs", [&](pqxx::connection& connection) {
    pqxx::work txn(connection);
    const pqxx::result written =
        !timed ? txn.exec_params(sql, row.user_id, gender_value(row.gender), row.request_id,
                                 pqxx::prepare::make_dynamic_params(filenames))
               : txn.exec_params(sql + guard, row.user_id, gender_value(row.gender), row.request_id,
                                 pqxx::prepare::make_dynamic_params(filenames),
                                 kafka ? std::optional<std::int32_t>(position.partition) : std::nullopt,
                                 position.offset, position.timestamp_ms);
    txn.commit();
    return written.affected_rows() > 0;
  });
}

std::optional<core::UserMasksRow> PostgresUserMasks::find(const std::string& user_id) {
  return with_connection(
      connections_, "read user_mask_outputs", [&](pqxx::connection& connection) -> std::optional<core::UserMasksRow> {
        pqxx::read_transaction txn(connection);
        const pqxx::result result = txn.exec_params("SELECT * FROM user_mask_outputs WHERE user_id = $1", user_id);
        if (result.empty()) return std::nullopt;
        const pqxx::row& found = result[0];
        core::UserMasksRow row;
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

}  // namespace mc::adapters
