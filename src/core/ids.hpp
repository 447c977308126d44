#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mc::core {

// RFC 3986 percent-encoding of one URL path segment: unreserved characters
// (letters, digits, - _ . ~) kept, every other byte as %XX in upper case, as
// SigV4's canonical URI wants it. Mask URLs and S3 request paths both use it,
// so a mask URL always names the object that was uploaded.
std::string encode_path_segment(std::string_view segment);

// User text made safe to quote in a message: at most `max_bytes` of it (then
// "..."), printable ASCII kept, '"' and '\' escaped, every other byte as \xNN,
// so the result is short and valid UTF-8 whatever the input.
std::string quote_excerpt(std::string_view text, std::size_t max_bytes = 64);

// Where a request's masks are stored, a contract with the Python service's
// users (docs/compatibility.md).
// {BASE_URL}/{user_id}/{request_id}/{filename}, each segment percent-encoded
// by encode_path_segment (ids of letters, digits and - _ . ~ unchanged),
// as S3Client::object_url encodes mask_object_key.
std::string mask_url(const std::string& base_url, const std::string& user_id, const std::string& request_id,
                     const std::string& filename);

// The object key {user_id}/{request_id}/{filename}.
std::string mask_object_key(const std::string& user_id, const std::string& request_id, const std::string& filename);

}  // namespace mc::core
