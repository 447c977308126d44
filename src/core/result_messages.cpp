#include "core/result_messages.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "core/request_status.hpp"
#include "core/utf8.hpp"

namespace mc::core {

namespace {

// "" for a message whose gender could not be read at all.
std::string gender_field(const RequestIdentity& who) {
  return who.gender ? std::string(gender_text(*who.gender)) : std::string();
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::ostringstream text;
  text << std::put_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  return text.str();
}

nlohmann::json completed_result(const RequestIdentity& who, const std::map<MaskType, std::string>& mask_urls,
                                const std::string& processed_at) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& [type, url] : mask_urls) paths[std::string(mask_type_name(type))] = url;
  return {{"user_id", who.user_id},       {"gender", gender_field(who)},
          {"request_id", who.request_id}, {"status", std::string(request_status_text(RequestStatus::kCompleted))},
          {"mask_paths", paths},          {"processed_at", processed_at}};
}

void add_option_results(nlohmann::json& result, const nlohmann::json& artifacts, const nlohmann::json& mask_info) {
  result["artifacts"] = artifacts;
  if (!mask_info.is_null()) result["mask_info"] = mask_info;
}

nlohmann::json failed_result(const RequestIdentity& who, const std::string& error, const std::string& processed_at) {
  return {{"user_id", who.user_id},
          {"gender", gender_field(who)},
          {"request_id", who.request_id},
          {"status", std::string(request_status_text(RequestStatus::kFailed))},
          {"error", bounded_text(error, kMaxErrorBytes)},
          {"mask_paths", nlohmann::json::object()},
          {"processed_at", processed_at}};
}

nlohmann::json poison_message(const RequestIdentity& who, const std::string& error, std::string_view original_message,
                              int retry_count, const std::string& processed_at, std::size_t max_original_bytes) {
  nlohmann::json message = {{"user_id", who.user_id},
                            {"gender", gender_field(who)},
                            {"request_id", who.request_id},
                            {"status", std::string(request_status_text(RequestStatus::kFailed))},
                            {"error", bounded_text(error, kMaxErrorBytes)},
                            {"retry_count", retry_count},
                            {"processed_at", processed_at}};
  const bool truncated = original_message.size() > max_original_bytes;
  if (truncated) {
    message["original_message_truncated"] = true;
    message["original_message_bytes"] = original_message.size();
  } else if (auto parsed = parse_json_text(original_message, kMaxJsonDepth, kMaxRequestValues)) {
    message["original_message"] = std::move(*parsed);
    return message;
  }
  if (is_valid_utf8(original_message)) {
    // Whole characters only when cut.
    message["original_message"] =
        std::string(original_message.substr(0, utf8_prefix_length(original_message, max_original_bytes)));
  } else {
    const std::string_view carried = original_message.substr(0, max_original_bytes);
    message["original_message"] = to_valid_utf8(carried);
    message["original_message_base64"] = encode_base64(carried);
  }
  return message;
}

}  // namespace mc::core
