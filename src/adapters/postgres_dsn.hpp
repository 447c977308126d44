#pragma once

#include <optional>
#include <string>

namespace mc::adapters {

// POSTGRES_DSN must be a postgresql:// (or postgres://) URI that libpq can
// parse, with any '@' of the user or password percent-encoded (%40). Returns
// the problem, or nothing when it is valid.
std::optional<std::string> dsn_problem(const std::string& dsn);

// The DSN with its password replaced by "***", for logs and errors: from the
// first ':' after "://" to the last '@' of the authority, so that a password
// holding '@' (or ':', '/') leaves nothing of itself behind.
std::string redact_dsn(const std::string& dsn);

}  // namespace mc::adapters
