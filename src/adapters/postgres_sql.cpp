#include "adapters/postgres_sql.hpp"

#include "adapters/postgres_dsn.hpp"

namespace mc::adapters {

namespace {

// Connection problems, a server shutting down, serialisation failures,
// deadlocks, a statement cancelled by statement_timeout (57014), a lock not
// available (55P03) and insufficient resources (class 53) pass with time.
bool transient_sqlstate(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0 || state == "40001" ||
         state == "40P01" || state == "57014" || state == "55P03";
}

}  // namespace

DependencyError database_error(const pqxx::failure& error, const std::string& action) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    const bool transient = transient_sqlstate(sql->sqlstate());
    return {transient ? DependencyError::Kind::kTransient : DependencyError::Kind::kPermanent,
            "Database error: " + action + ": " + redact_dsn(error.what())};
  }
  return {DependencyError::Kind::kTransient, "Database connection failed: " + action + ": " + redact_dsn(error.what())};
}

std::string status_literal(core::RequestStatus status) {
  std::string literal(1, '\'');
  literal.append(core::request_status_text(status));
  literal.push_back('\'');
  return literal;
}

std::string mask_column(core::MaskType type) { return std::string(core::mask_type_name(type)) + "_mask"; }

std::optional<std::string> gender_value(const std::optional<core::Gender>& gender) {
  if (!gender) return std::nullopt;
  return std::string(core::gender_text(*gender));
}

std::optional<core::Gender> stored_gender(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return core::gender_from_text(field.as<std::string>());
}

}  // namespace mc::adapters
