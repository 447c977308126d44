#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mc::core {

// Everything we publish, store or log must be valid UTF-8, while what arrives
// from Kafka may be any bytes. These helpers make outside text safe to carry.

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with each byte that is not part of a well-formed sequence replaced by
// U+FFFD, so that it can go into JSON and logs.
std::string to_valid_utf8(std::string_view text);

// Valid UTF-8 of at most `max_bytes` bytes: `text` made valid, then cut at a
// character boundary with "...(N bytes)" appended when it was longer. Error
// texts and echoed user strings go through this so that no sender can make
// our messages arbitrarily large.
std::string bounded_text(std::string_view text, std::size_t max_bytes);

// The length in bytes of the longest prefix of valid UTF-8 `text` that fits
// in `max_bytes` without splitting a character.
std::size_t utf8_prefix_length(std::string_view text, std::size_t max_bytes);

}  // namespace mc::core
