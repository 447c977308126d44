#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/gender.hpp"
#include "core/mask_types.hpp"
#include "core/request_status.hpp"

// What is stored of a request, as plain data: the service's processor and the
// PostgreSQL adapter both speak it, neither depending on the other for it.
namespace mc::core {

// Where a request's message sat in Kafka, or when an HTTP request arrived:
// orders two requests of one user. Same partition: the later offset is newer.
// Otherwise (other partitions, HTTP, both): the later accept time is newer
// (the Kafka message's timestamp, the HTTP request's arrival). An HTTP
// request has a negative partition and its arrival in timestamp_ms; with
// neither (the command-line tools) nothing blocks a write.
struct MessagePosition {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = 0;
};

// One row of user_mask_outputs: filenames by mask type (absent = NULL).
struct UserMasksRow {
  std::string user_id;
  std::optional<Gender> gender;  // stored as its text; none: NULL (or a text we do not know, when read)
  std::string request_id;
  std::map<MaskType, std::string> filenames;
};

// One row of mask_requests, our audit of every request.
struct RequestRecord {
  std::string request_id;
  std::string user_id;
  std::optional<Gender> gender;  // as in UserMasksRow
  std::vector<MaskType> mask_types;
  RequestStatus status = RequestStatus::kProcessing;
  std::string error;
  int attempts = 0;
  std::map<MaskType, std::string> filenames;
  MessagePosition position;
  // What the request's options made (issue 20): {"options", "artifacts"
  // {type: {output: filename}}, "mask_info"}; none for a request without.
  std::optional<nlohmann::json> options;
};

}  // namespace mc::core
