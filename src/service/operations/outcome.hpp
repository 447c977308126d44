#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/mask_request.hpp"
#include "core/mask_types.hpp"

namespace mc::service {

// Why a request failed: one small fixed set (a metrics label,
// `failure_class`), set where the failure is made; the error text says the rest.
enum class FailureKind {
  kInvalidRequest,    // the message is not a request we accept ("Invalid request: ...")
  kImageUnavailable,  // the image could not be fetched: refused for good, or after MAX_RETRIES
  kInvalidImage,      // the image bytes: not decodable, too large, not an image ("Invalid image data: ...")
  kNoPerson,          // the analysis found nobody in the image
  kInference,         // the analysis failed on the image ("Mask generation failed: ...")
  kInfrastructure,    // S3 or PostgreSQL refused the request for good ("Infrastructure refused the request: ...")
  kInternal,          // an exception escaped the processor ("Mask generation failed: ...")
};

inline constexpr std::array<FailureKind, 7> kAllFailureKinds = {
    FailureKind::kInvalidRequest, FailureKind::kImageUnavailable, FailureKind::kInvalidImage, FailureKind::kNoPerson,
    FailureKind::kInference,      FailureKind::kInfrastructure,   FailureKind::kInternal};

// Stable snake_case: "invalid_request", "image_unavailable", "invalid_image",
// "no_person", "inference", "infrastructure", "internal".
std::string_view failure_kind_name(FailureKind kind);

// How a message ended: computed and completed, answered again from its
// completed record (a duplicate), or failed.
enum class OutcomeKind { kCompleted, kAnsweredFromRecord, kFailed };

// "completed", "answered_from_record", "failed".
std::string_view outcome_kind_name(OutcomeKind kind);

// What one message produced: the result for mask_output and, for a hopeless
// message, what its poison message is made of (built when published, so that
// an oversize one can be made again with the original message cut).
struct Outcome {
  struct Poison {
    core::RequestIdentity who;
    std::string error;
    std::string original;
    int retry_count = 0;
    std::string processed_at;
    [[nodiscard]] nlohmann::json message(std::size_t max_original_bytes = std::string::npos) const;
  };
  OutcomeKind kind = OutcomeKind::kFailed;
  std::optional<FailureKind> failure;  // set exactly when kind is kFailed
  std::string key;                     // user_id (the result's Kafka key)
  nlohmann::json result;
  std::optional<Poison> poison;
};

// The completed result of a request computed now.
Outcome completed_outcome(const core::RequestIdentity& who, const std::map<core::MaskType, std::string>& mask_urls);

// The completed result of a request answered from its completed record.
Outcome answered_from_record(const core::RequestIdentity& who, const std::map<core::MaskType, std::string>& mask_urls);

// The failed result and poison message for `message`, whatever its bytes.
Outcome failed_outcome(FailureKind kind, const core::RequestIdentity& who, const std::string& error,
                       std::string_view message, int retry_count);

}  // namespace mc::service
