#include "core/request_status.hpp"

namespace mc::core {

std::string_view request_status_text(RequestStatus status) {
  switch (status) {
    case RequestStatus::kProcessing:
      return "processing";
    case RequestStatus::kCompleted:
      return "completed";
    case RequestStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<RequestStatus> request_status_from_text(std::string_view text) {
  for (const RequestStatus status : kAllRequestStatuses) {
    if (request_status_text(status) == text) return status;
  }
  return std::nullopt;
}

}  // namespace mc::core
