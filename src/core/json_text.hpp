#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mc::core {

// Messages nested deeper than this are refused: a valid request is two levels
// deep, and serialising a value is recursive, so a hostile depth would
// exhaust the stack when the message is echoed in a poison message.
constexpr std::size_t kMaxJsonDepth = 32;

// The most values (objects, arrays, strings, numbers, booleans, nulls) a
// request may have; a request has a few dozen. A parsed value costs up to
// ~25 times its text ("[]," is 3 bytes, the array about 80), so its count,
// not the body's bytes, bounds the tree: within it a body costs its bytes
// (the strings) and at most ~100 KB more.
constexpr std::size_t kMaxRequestValues = 1000;

// Why `text` cannot be a JSON document we accept: not UTF-8, not JSON,
// nested deeper than `max_depth`, or more than `max_values` values. Empty
// when it can. Walks the text without building a tree.
std::string json_text_problem(std::string_view text, std::size_t max_depth = kMaxJsonDepth,
                              std::size_t max_values = SIZE_MAX);

// `text` parsed, or nothing when json_text_problem() finds a problem (then
// `problem`, when given, says it). One pass: the limits are checked while the
// tree is built, which stops at the first value past them.
std::optional<nlohmann::json> parse_json_text(std::string_view text, std::size_t max_depth = kMaxJsonDepth,
                                              std::size_t max_values = SIZE_MAX, std::string* problem = nullptr);

}  // namespace mc::core
