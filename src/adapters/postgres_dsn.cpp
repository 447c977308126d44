#include "adapters/postgres_dsn.hpp"

#include <libpq-fe.h>

#include <regex>
#include <string_view>

namespace mc::adapters {

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

}  // namespace mc::adapters
