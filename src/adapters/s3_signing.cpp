#include "adapters/s3_signing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "core/digest.hpp"
#include "core/ids.hpp"

namespace mc::adapters {

namespace {

std::string utc(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::ostringstream text;
  text << std::put_time(&parts, format);
  return text.str();
}

}  // namespace

std::string canonical_query_string(const NameValues& parameters) {
  NameValues query;
  query.reserve(parameters.size());
  for (const auto& [name, value] : parameters) query.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(query.begin(), query.end());
  std::string text;
  for (const auto& [name, value] : query) {
    if (!text.empty()) text += '&';
    text += name + "=" + value;
  }
  return text;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  if (!keep_slash) return core::encode_path_segment(text);
  std::string encoded;
  for (std::size_t start = 0;;) {
    const std::size_t slash = text.find('/', start);
    encoded += core::encode_path_segment(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return encoded;
    encoded += '/';
    start = slash + 1;
  }
}

std::string amz_date(std::chrono::system_clock::time_point when) { return utc(when, "%Y%m%dT%H%M%SZ"); }

std::string SigV4Signature::authorization() const {
  return "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

SigV4Signature sign_v4(const SigV4Request& request, const SigV4Credentials& credentials,
                       std::chrono::system_clock::time_point now) {
  const std::string date = utc(now, "%Y%m%d");
  const std::string timestamp = amz_date(now);
  const std::string scope = date + "/" + credentials.region + "/" + credentials.service + "/aws4_request";

  // Headers: lower-case names, sorted; values trimmed, runs of spaces folded,
  // repeated names joined with commas in the order given.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string folded;
    for (const char c : value) {
      const bool space = c == ' ' || c == '\t';
      if (space && (folded.empty() || folded.back() == ' ')) continue;
      folded += space ? ' ' : c;
    }
    while (!folded.empty() && folded.back() == ' ') folded.pop_back();
    auto [entry, inserted] = headers.emplace(key, folded);
    if (!inserted) entry->second += "," + folded;
  }
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SigV4Signature result;
  const std::string path = request.path.empty() ? "/" : uri_encode(request.path, true);
  result.canonical_request = request.method + "\n" + path + "\n" + canonical_query_string(request.query) + "\n" +
                             canonical_headers + "\n" + signed_headers + "\n" + request.payload_hash;
  result.string_to_sign =
      "AWS4-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + core::sha256_hex(result.canonical_request);
  std::string key = core::hmac_sha256("AWS4" + credentials.secret_key, date);
  key = core::hmac_sha256(key, credentials.region);
  key = core::hmac_sha256(key, credentials.service);
  key = core::hmac_sha256(key, "aws4_request");
  const std::string signature = core::hmac_sha256(key, result.string_to_sign);
  result.signature = core::to_hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
  result.credential = credentials.access_key + "/" + scope;
  result.signed_headers = std::move(signed_headers);
  return result;
}

std::string presign_v4_query(SigV4Request request, const SigV4Credentials& credentials,
                             std::chrono::system_clock::time_point now, long expires_seconds) {
  // The signed header names, as sign_v4 will list them.
  std::vector<std::string> names;
  for (const auto& header : request.headers) {
    std::string name = header.first;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (const auto& name : names) signed_headers += (signed_headers.empty() ? "" : ";") + name;

  const std::string scope = utc(now, "%Y%m%d") + "/" + credentials.region + "/" + credentials.service + "/aws4_request";
  request.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  request.query.emplace_back("X-Amz-Credential", credentials.access_key + "/" + scope);
  request.query.emplace_back("X-Amz-Date", amz_date(now));
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  request.query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  request.payload_hash = "UNSIGNED-PAYLOAD";
  const SigV4Signature signature = sign_v4(request, credentials, now);
  // What is sent is the canonical query string itself: the same encoding, the same order.
  return canonical_query_string(request.query) + "&X-Amz-Signature=" + signature.signature;
}

std::string presign_get_url(const PresignRequest& request) {
  SigV4Request get;
  get.method = "GET";
  get.path = request.path;
  get.headers = {{"host", request.host}};
  const SigV4Credentials credentials{request.access_key, request.secret_key, request.region, "s3"};
  return request.scheme + "://" + request.host + uri_encode(request.path, true) + "?" +
         presign_v4_query(get, credentials, request.now, request.expires_seconds);
}

}  // namespace mc::adapters
