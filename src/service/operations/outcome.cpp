#include "service/operations/outcome.hpp"

#include <chrono>

#include "core/result_messages.hpp"

namespace mc::service {

namespace {

std::string now_iso() { return core::iso8601_utc(std::chrono::system_clock::now()); }

}  // namespace

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kInvalidRequest:
      return "invalid_request";
    case FailureKind::kImageUnavailable:
      return "image_unavailable";
    case FailureKind::kInvalidImage:
      return "invalid_image";
    case FailureKind::kNoPerson:
      return "no_person";
    case FailureKind::kInference:
      return "inference";
    case FailureKind::kInfrastructure:
      return "infrastructure";
    case FailureKind::kInternal:
      return "internal";
  }
  return "internal";
}

std::string_view outcome_kind_name(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kCompleted:
      return "completed";
    case OutcomeKind::kAnsweredFromRecord:
      return "answered_from_record";
    case OutcomeKind::kFailed:
      return "failed";
  }
  return "failed";
}

nlohmann::json Outcome::Poison::message(std::size_t max_original_bytes) const {
  return core::poison_message(who, error, original, retry_count, processed_at, max_original_bytes);
}

Outcome completed_outcome(const core::RequestIdentity& who, const std::map<core::MaskType, std::string>& mask_urls) {
  return Outcome{OutcomeKind::kCompleted, std::nullopt, who.user_id, core::completed_result(who, mask_urls, now_iso()),
                 std::nullopt};
}

Outcome answered_from_record(const core::RequestIdentity& who, const std::map<core::MaskType, std::string>& mask_urls) {
  return Outcome{OutcomeKind::kAnsweredFromRecord, std::nullopt, who.user_id,
                 core::completed_result(who, mask_urls, now_iso()), std::nullopt};
}

Outcome failed_outcome(FailureKind kind, const core::RequestIdentity& who, const std::string& error,
                       std::string_view message, int retry_count) {
  const std::string at = now_iso();
  return Outcome{OutcomeKind::kFailed, kind, who.user_id, core::failed_result(who, error, at),
                 Outcome::Poison{who, error, std::string(message), retry_count, at}};
}

}  // namespace mc::service
