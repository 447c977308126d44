#include "adapters/postgres_connections.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "adapters/postgres_dsn.hpp"
#include "adapters/postgres_sql.hpp"

namespace mc::adapters {

namespace {

// Appends one URI parameter to a libpq connection URI.
void add_parameter(std::string& dsn, const std::string& parameter) {
  dsn += (dsn.find('?') == std::string::npos ? "?" : "&");
  dsn += parameter;
}

}  // namespace

PostgresConnections::PostgresConnections(PostgresSettings settings)
    : settings_(std::move(settings)),
      pool_([this] { return connect(); }, static_cast<std::size_t>(std::max(1, settings_.pool_size))) {
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

PostgresConnections::~PostgresConnections() = default;

std::unique_ptr<PostgresConnection> PostgresConnections::connect() const {
  // libpq's connection errors quote the values it could not use, which may be
  // pieces of the password: they leave here redacted, with their type.
  try {
    return std::make_unique<PostgresConnection>(connect_dsn_);
  } catch (const pqxx::broken_connection& error) {
    throw pqxx::broken_connection(redact_driver_text(error.what(), settings_.dsn));
  } catch (const pqxx::sql_error& error) {
    throw pqxx::sql_error(redact_driver_text(error.what(), settings_.dsn), "", error.sqlstate().c_str());
  } catch (const pqxx::failure& error) {
    throw pqxx::failure(redact_driver_text(error.what(), settings_.dsn));
  } catch (const std::exception& error) {
    throw std::runtime_error(redact_driver_text(error.what(), settings_.dsn));
  }
}

PostgresConnections::Lease PostgresConnections::lease(const std::string& action) {
  // A free pooled connection, or a new one when fewer than pool_size are open.
  std::optional<Lease> lease = [&] {
    try {
      return pool_.try_acquire_for(settings_.connect_timeout);
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
  return std::move(*lease);
}

}  // namespace mc::adapters
