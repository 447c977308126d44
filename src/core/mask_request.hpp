#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mask_options.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// One request from the `mask_input` topic (docs/compatibility.md).
struct MaskRequest {
  enum class ImageKind { kUrl, kBase64 };
  std::string user_id;
  Gender gender = Gender::kOther;  // an absent or unknown gender is kOther
  std::string request_id;
  std::vector<MaskType> mask_types;
  ImageKind image_kind = ImageKind::kUrl;
  std::string image_data;             // the URL, or base64 without any data-URL prefix
  std::vector<std::string> warnings;  // e.g. an unknown gender taken as "other"
  MaskOptions options;                // `options` (issue 20); the default when absent
};

struct RequestIdentity;

// A Kafka message read once: its JSON document when it is one we accept (valid
// UTF-8, at most kMaxJsonDepth deep, an object), else the problem; and the
// best-effort identity of its sender.
struct IncomingMessage;
IncomingMessage read_message(std::string_view raw);

// Parses and validates a message. Throws InputError naming the problem
// (malformed JSON, a missing or wrong-typed field, an unsafe id, an unknown
// mask type). `new_request_id` makes an id when the message has none.
MaskRequest parse_mask_request(std::string_view message, const std::vector<MaskType>& default_types,
                               const std::function<std::string()>& new_request_id);
MaskRequest parse_mask_request(const IncomingMessage& message, const std::vector<MaskType>& default_types,
                               const std::function<std::string()>& new_request_id);

// A fresh random request id: "req-" and 24 hex digits.
std::string generate_request_id();

// The request id of a Kafka message that has none: "kafka-<topic>-<partition>-<offset>",
// the same for every delivery of that message, so a redelivery is answered
// from its record. The topic is cut so that the id keeps within 255 bytes
// (Kafka topic names are letters, digits and . _ -, all allowed in ids).
std::string derived_request_id(std::string_view topic, std::int32_t partition, std::int64_t offset);
// Reserved for derived ids: a request that sends an id with this prefix is
// refused, or it could claim the record (and masks) of a later message.
constexpr std::string_view kDerivedRequestIdPrefix = "kafka-";

// Ids become object key and URL path segments. Allowed: 1 to 255 bytes (MinIO's
// limit for a path segment) of ASCII letters, digits and - _ . @ + = : , ~;
// "." and ".." alone are refused. Returns the problem, quoting at most the
// offending byte (\xNN when not printable ASCII), or an empty string.
std::string id_problem(std::string_view id);

// The best-effort user_id / request_id of a message that failed to parse, for
// the failed result and the poison message. Each is valid UTF-8 of at most
// kMaxEchoedIdBytes (longer ones are cut, with their length appended).
constexpr std::size_t kMaxEchoedIdBytes = 255;
struct RequestIdentity {
  std::string user_id;
  // The gender as normalised (an unknown or non-string one is kOther); none
  // when the message is not a JSON object we read (published as "").
  std::optional<Gender> gender;
  std::string request_id;
};
RequestIdentity identify_request(std::string_view message);

struct IncomingMessage {
  std::optional<nlohmann::json> document;  // set when problem is empty
  std::string problem;
  RequestIdentity who;
};

}  // namespace mc::core
