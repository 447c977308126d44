#pragma once

// What the PostgreSQL parts share inside the adapter (their .cpp files only:
// it includes libpqxx): the connection, the error mapping, how values are
// stored.

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "adapters/dependency_error.hpp"
#include "adapters/postgres_connections.hpp"
#include "core/gender.hpp"
#include "core/mask_types.hpp"
#include "core/request_status.hpp"

namespace mc::adapters {

struct PostgresConnection {
  explicit PostgresConnection(const std::string& dsn) : connection(dsn) {}
  pqxx::connection connection;
};

// A libpqxx failure as a DependencyError: SQL errors classified by their
// SQLSTATE, everything else a connection problem (transient).
DependencyError database_error(const pqxx::failure& error, const std::string& action);

// Runs `work` on a pooled connection, its failures as DependencyError. A
// connection that broke (or whose state is unknown) is dropped, one that met
// a permanent SQL error kept.
template <typename Work>
auto with_connection(PostgresConnections& connections, const std::string& action, Work work) {
  PostgresConnections::Lease lease = connections.lease(action);
  try {
    return work(lease->connection);
  } catch (const pqxx::failure& error) {
    DependencyError failure = database_error(error, action);
    if (failure.transient()) lease.discard();  // a permanent SQL error leaves the connection usable
    throw failure;
  } catch (const std::exception& error) {
    // Not the server's doing (a conversion, a malformed stored value): the
    // connection's state is unknown, so it is dropped, and retrying would
    // meet the same problem.
    lease.discard();
    throw DependencyError(DependencyError::Kind::kPermanent, "Database error: " + action + ": " + error.what());
  } catch (...) {
    lease.discard();
    throw;
  }
}

// A status as an SQL literal: 'completed'.
std::string status_literal(core::RequestStatus status);

// The user_mask_outputs column of a mask type: dress_mask.
std::string mask_column(core::MaskType type);

// A gender as stored: its text, or NULL.
std::optional<std::string> gender_value(const std::optional<core::Gender>& gender);

// A stored gender: none for NULL or a text that is not one of ours.
std::optional<core::Gender> stored_gender(const pqxx::field& field);

}  // namespace mc::adapters
