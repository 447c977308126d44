#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mc::core {

// Where a request stands: the `status` of its mask_requests record, and of
// the result message (completed or failed).
enum class RequestStatus { kProcessing, kCompleted, kFailed };

inline constexpr std::array<RequestStatus, 3> kAllRequestStatuses = {RequestStatus::kProcessing,
                                                                     RequestStatus::kCompleted, RequestStatus::kFailed};

// "processing", "completed", "failed": stored and published as is.
std::string_view request_status_text(RequestStatus status);
std::optional<RequestStatus> request_status_from_text(std::string_view text);

}  // namespace mc::core
