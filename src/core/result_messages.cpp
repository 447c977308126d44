#include "core/result_messages.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace mc::core {

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
  return {{"user_id", who.user_id},     {"gender", who.gender},  {"request_id", who.request_id},
          {"status", "completed"},      {"mask_paths", paths},   {"processed_at", processed_at}};
}

nlohmann::json failed_result(const RequestIdentity& who, const std::string& error, const std::string& processed_at) {
  return {{"user_id", who.user_id}, {"gender", who.gender},        {"request_id", who.request_id},
          {"status", "failed"},     {"error", error},              {"mask_paths", nlohmann::json::object()},
          {"processed_at", processed_at}};
}

nlohmann::json poison_message(const RequestIdentity& who, const std::string& error, std::string_view original_message,
                              int retry_count, const std::string& processed_at) {
  nlohmann::json original = nlohmann::json::parse(original_message, nullptr, false);
  if (original.is_discarded()) original = std::string(original_message);
  return {{"user_id", who.user_id}, {"gender", who.gender}, {"request_id", who.request_id},
          {"status", "failed"},     {"error", error},       {"original_message", original},
          {"retry_count", retry_count}, {"processed_at", processed_at}};
}

}  // namespace mc::core
