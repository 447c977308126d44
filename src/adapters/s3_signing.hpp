#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::adapters {

// RFC 3986 percent-encoding as SigV4 wants it (core::encode_path_segment);
// with `keep_slash`, each '/'-separated segment is encoded and '/' kept.
std::string uri_encode(std::string_view text, bool keep_slash);

// ISO 8601 basic format of `when` in UTC, as x-amz-date wants it: 20150830T123600Z.
std::string amz_date(std::chrono::system_clock::time_point when);

using NameValues = std::vector<std::pair<std::string, std::string>>;

// The canonical query string of SigV4: each name and value encoded
// (uri_encode), sorted by name, then value, joined with '&'. Also what a
// client sends, so that the signed query is the sent one.
std::string canonical_query_string(const NameValues& parameters);

// Who signs, and for what: the credential scope's region and service.
struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

// One HTTP request as AWS Signature Version 4 sees it. Every header in
// `headers` is signed, so it must be exactly what is sent (Host and
// X-Amz-Date included); names in any case, values as sent (the signer trims
// them and folds runs of spaces, as the canonical form wants).
struct SigV4Request {
  std::string method;        // GET, PUT, HEAD, POST
  std::string path;          // absolute and unencoded: /bucket/key (encoded once, S3's rule)
  NameValues query;          // unencoded names and values, any order
  NameValues headers;        // every signed header
  std::string payload_hash;  // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
};

// The intermediate values as well as the signature, so that the tests can
// compare each with AWS's published ones.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string credential;      // AKID/20150830/us-east-1/service/aws4_request
  std::string signed_headers;  // host;x-amz-date
  std::string signature;       // lower-case hex
  // The Authorization header's value.
  [[nodiscard]] std::string authorization() const;
};

// Canonical request, string to sign and signing key of AWS Signature V4
// ("Create a signed AWS API request"), time-stamped `now`.
SigV4Signature sign_v4(const SigV4Request& request, const SigV4Credentials& credentials,
                       std::chrono::system_clock::time_point now);

// Query-string signing: the query of `request` plus X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders, signed
// with UNSIGNED-PAYLOAD. Returns the encoded query string to send, ending in
// X-Amz-Signature. `request.headers` are the signed headers (host at least).
std::string presign_v4_query(SigV4Request request, const SigV4Credentials& credentials,
                             std::chrono::system_clock::time_point now, long expires_seconds);

struct PresignRequest {
  std::string scheme = "http";  // http or https
  std::string host;             // host[:port] as sent in the Host header
  std::string path;             // absolute, unencoded: /bucket/key (path style)
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::chrono::system_clock::time_point now;
  long expires_seconds = 604800;
};

// A presigned GET URL (AWS Signature Version 4, query-string signing,
// UNSIGNED-PAYLOAD, signed header `host`), as in AWS's "Authenticating
// Requests: Using Query Parameters" documentation; presign_v4_query.
std::string presign_get_url(const PresignRequest& request);

}  // namespace mc::adapters
