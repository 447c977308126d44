#include "adapters/postgres_dsn.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace mc::adapters {

namespace {

// A quoted value is redacted when it holds this many characters of the
// password in a row (or the whole of a shorter password).
constexpr std::size_t kRecognisableRun = 4;

// Where the user information of a URI DSN ends: its last '@' before the
// query, or, when a password holds '?' itself, its last '@' at all. A
// password may hold '@', ':', '/' unencoded; cutting at the last '@' never
// leaves a piece of it behind (at worst it redacts more than the password).
std::size_t credentials_end(std::string_view rest) {
  const std::size_t query = rest.find('?');
  const std::size_t before_query = rest.substr(0, query).rfind('@');
  return before_query != std::string_view::npos ? before_query : rest.rfind('@');
}

// The password as the DSN writes it and as libpq reads it (decoded), and the
// value of a password= parameter: every form a driver might quote.
std::vector<std::string> password_forms(const std::string& dsn) {
  std::vector<std::string> forms;
  if (const std::size_t scheme = dsn.find("://"); scheme != std::string::npos) {
    const std::string_view rest = std::string_view(dsn).substr(scheme + 3);
    const std::size_t at = credentials_end(rest);
    const std::size_t colon = rest.find(':');
    if (at != std::string_view::npos && colon < at) forms.emplace_back(rest.substr(colon + 1, at - colon - 1));
  }
  static const std::regex kPasswordParameter("password=([^&\\s]*)");
  for (auto match = std::sregex_iterator(dsn.begin(), dsn.end(), kPasswordParameter); match != std::sregex_iterator();
       ++match) {
    forms.push_back((*match)[1]);
  }
  if (PQconninfoOption* options = PQconninfoParse(dsn.c_str(), nullptr)) {
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val != nullptr && std::string_view(option->keyword) == "password") forms.emplace_back(option->val);
    }
    PQconninfoFree(options);
  }
  forms.erase(std::remove(forms.begin(), forms.end(), std::string()), forms.end());
  return forms;
}

bool recognisable(std::string_view value, const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    if (form.size() <= kRecognisableRun) {
      if (value.find(form) != std::string_view::npos) return true;
      continue;
    }
    for (std::size_t start = 0; start + kRecognisableRun <= form.size(); ++start) {
      if (value.find(std::string_view(form).substr(start, kRecognisableRun)) != std::string_view::npos) return true;
    }
  }
  return false;
}

std::string replace_all(std::string text, const std::string& secret) {
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

std::optional<std::string> dsn_problem(const std::string& dsn) {
  if (dsn.rfind("postgresql://", 0) != 0 && dsn.rfind("postgres://", 0) != 0) {
    return std::string("must start with postgresql:// (postgresql://user:password@host:5432/database)");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    std::string message = redact_driver_text(error != nullptr ? error : "cannot be parsed", dsn);
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    const bool percent = message.find("percent-encoded") != std::string::npos;
    return "is not a valid connection URI (" + message + ")" +
           (percent ? "; write a '%' of the user or password as %25" : "");
  }
  PQconninfoFree(options);
  // libpq ends the user information at the first '@' or '/': the rest of such
  // a password would be taken for the host, port or database.
  const std::string_view rest = std::string_view(dsn).substr(dsn.find("://") + 3);
  const std::size_t at = credentials_end(rest);
  if (at != std::string_view::npos && rest.substr(0, at).find('@') != std::string_view::npos) {
    return std::string("has an unencoded '@' in its user or password (write it as %40)");
  }
  const std::size_t query = rest.find('?');
  if (at != std::string_view::npos && at < query && rest.substr(0, at).find('/') != std::string_view::npos) {
    return std::string("has an unencoded '/' in its user or password (write it as %2F)");
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

std::string redact_driver_text(std::string_view text, const std::string& dsn) {
  std::string redacted = redact_dsn(std::string(text));
  const std::vector<std::string> forms = password_forms(dsn);
  for (const std::string& form : forms) redacted = replace_all(std::move(redacted), form);
  // Quoted values: a piece of the password libpq took for something else.
  std::string out;
  std::size_t done = 0;
  for (std::size_t open = redacted.find('"'); open != std::string::npos; open = redacted.find('"', done)) {
    const std::size_t close = redacted.find('"', open + 1);
    if (close == std::string::npos) break;
    const std::string_view value = std::string_view(redacted).substr(open + 1, close - open - 1);
    out.append(redacted, done, open + 1 - done);
    out += recognisable(value, forms) ? "***" : std::string(value);
    out += '"';
    done = close + 1;
  }
  out.append(redacted, done);
  return out;
}

}  // namespace mc::adapters
