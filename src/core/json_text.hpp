#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mc::core {

// Messages nested deeper than this are refused: a valid request is two levels
// deep, and serialising a value is recursive, so a hostile depth would
// exhaust the stack when the message is echoed in a poison message.
constexpr std::size_t kMaxJsonDepth = 32;

// Why `text` cannot be a JSON document we accept: not UTF-8, not JSON, or
// nested deeper than `max_depth`. Empty when it can.
std::string json_text_problem(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// `text` parsed, or nothing when json_text_problem() finds a problem.
std::optional<nlohmann::json> parse_json_text(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

}  // namespace mc::core
