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

// The seed's success message on mask_output.
nlohmann::json completed_result(const RequestIdentity& who, const std::map<MaskType, std::string>& mask_urls,
                                const std::string& processed_at);

// The seed's error message on mask_output.
nlohmann::json failed_result(const RequestIdentity& who, const std::string& error, const std::string& processed_at);

// The seed's poison message on mask_input_poison. `original_message` is the
// parsed message, or the raw text when it was not JSON.
nlohmann::json poison_message(const RequestIdentity& who, const std::string& error, std::string_view original_message,
                              int retry_count, const std::string& processed_at);

}  // namespace mc::core
