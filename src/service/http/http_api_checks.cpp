#include "service/http/http_api_checks.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "service/settings/http_api_settings.hpp"

namespace mc::service {

namespace {

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// Compares digests, so that neither the content nor the length of the token
// shows in the time taken.
bool same_secret(std::string_view given, const std::string& expected) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace

bool bearer_matches(std::string_view authorization, const std::string& token) {
  authorization = trimmed(authorization);
  const auto space = authorization.find(' ');
  const bool bearer =
      space != std::string_view::npos && same_text_ignoring_case(authorization.substr(0, space), "Bearer");
  // Compared whatever the scheme, so that the time taken does not tell it.
  const bool same = same_secret(bearer ? trimmed(authorization.substr(space)) : authorization, token);
  return bearer && same;
}

bool is_json_media_type(std::string_view content_type) {
  return same_text_ignoring_case(trimmed(content_type.substr(0, content_type.find(';'))), "application/json");
}

bool host_allowed(std::string_view host, const std::string& bind_address, int port) {
  host = trimmed(host);
  std::string suffix(1, ':');
  suffix += std::to_string(port);
  std::string_view name = host;
  if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix) {
    name.remove_suffix(suffix.size());
  } else if (port != 80) {  // no port named: 80
    return false;
  }
  // (Strings appended to, not `"[" + address + "]"`: GCC 12 warns falsely there.)
  std::string bound;
  if (bind_address.find(':') != std::string::npos) bound.append("[").append(bind_address).append("]");
  if (bound.empty()) bound = bind_address;
  if (same_text_ignoring_case(name, bound)) return true;
  return is_loopback_address(bind_address) && same_text_ignoring_case(name, "localhost");
}

bool origin_allowed(std::string_view origin, std::string_view host) {
  origin = trimmed(origin);
  if (origin.empty()) return true;
  std::string own = "http://";
  own.append(trimmed(host));
  return !host.empty() && same_text_ignoring_case(origin, own);
}

}  // namespace mc::service
