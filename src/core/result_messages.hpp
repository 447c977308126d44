#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/mask_request.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// ISO 8601 UTC with seconds: 2025-11-26T12:00:00Z.
std::string iso8601_utc(std::chrono::system_clock::time_point when);

// The Python service's success message on mask_output.
nlohmann::json completed_result(const RequestIdentity& who, const std::map<MaskType, std::string>& mask_urls,
                                const std::string& processed_at);

// What a request's options asked for (issue 20), added to its completed
// result: `artifacts` {type: {output: URL}} and, when not null, `mask_info`.
void add_option_results(nlohmann::json& result, const nlohmann::json& artifacts, const nlohmann::json& mask_info);

// Error texts in results and poison messages are cut to this many bytes.
constexpr std::size_t kMaxErrorBytes = 2048;

// The Python service's error message on mask_output. `error` is made valid UTF-8 and
// cut to kMaxErrorBytes.
nlohmann::json failed_result(const RequestIdentity& who, const std::string& error, const std::string& processed_at);

// The Python service's poison message on mask_input_poison. `original_message` carries
// the message as the sender sent it:
//  - JSON we accept (valid UTF-8, at most kMaxJsonDepth deep): the parsed value;
//  - other valid UTF-8 text: that text, as a string;
//  - bytes that are not UTF-8: the text with each bad byte replaced by U+FFFD,
//    and `original_message_base64` with the exact bytes.
// When the message is longer than `max_original_bytes`, only its first
// `max_original_bytes` bytes are carried (as text, or text and base64), and
// `original_message_truncated` (true) and `original_message_bytes` (the full
// length) are added.
nlohmann::json poison_message(const RequestIdentity& who, const std::string& error, std::string_view original_message,
                              int retry_count, const std::string& processed_at,
                              std::size_t max_original_bytes = std::string_view::npos);

}  // namespace mc::core
