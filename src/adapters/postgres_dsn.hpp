#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mc::adapters {

// POSTGRES_DSN must be a postgresql:// (or postgres://) URI that libpq can
// parse, with any '@' or '/' of the user or password percent-encoded (%40,
// %2F). Returns the problem, or nothing when it is valid; the problem never
// holds the password or a piece of it.
std::optional<std::string> dsn_problem(const std::string& dsn);

// The DSN with its password replaced by "***", for logs and errors: from the
// first ':' after "://" to the last '@' of the authority, so that a password
// holding '@' (or ':', '/') leaves nothing of itself behind.
std::string redact_dsn(const std::string& dsn);

// Text from libpq or libpqxx about `dsn` with the password taken out: the
// DSN itself redacted, the password as written and as libpq decodes it
// replaced by "***", and so is every quoted value sharing four characters in
// a row with it (libpq quotes what it cannot use: a password holding a stray
// '%', or one cut at '/' and taken for a port or a database).
std::string redact_driver_text(std::string_view text, const std::string& dsn);

}  // namespace mc::adapters
