#include "core/mask_request.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/json_text.hpp"
#include "core/utf8.hpp"

namespace mc::core {

namespace {

// MinIO refuses object key path segments over 255 bytes.
constexpr std::size_t kMaxIdBytes = 255;

// An id as text: ids may be strings or integers (the Python service's
// backends send both). Nothing for other JSON types.
std::optional<std::string> id_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  // is_number_integer() holds for unsigned values too: test unsigned first,
  // or 18446744073709551615 would become "-1".
  if (value.is_number_unsigned()) return std::to_string(value.get<unsigned long long>());
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return std::nullopt;
}

std::string id_field(const nlohmann::json& value, const char* name) {
  if (auto text = id_text(value)) return std::move(*text);
  throw InputError(std::string(name) + " must be a string or an integer");
}

void check_id(const std::string& id, const char* name) {
  const std::string problem = id_problem(id);
  if (!problem.empty()) throw InputError(std::string(name) + " " + problem);
}

std::vector<MaskType> mask_types_field(const nlohmann::json& value) {
  std::string list;
  if (value.is_string()) {
    list = value.get<std::string>();
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) throw InputError("mask_types must be a list of strings or a comma-separated string");
      if (!list.empty()) list.push_back(',');
      list.append(item.get<std::string>());
    }
  } else {
    throw InputError("mask_types must be a list of strings or a comma-separated string");
  }
  if (list.find_first_not_of(", ") == std::string::npos) throw InputError("mask_types is empty");
  std::vector<MaskType> types;
  for (const MaskType type : parse_mask_type_list(list)) {
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  return types;
}

RequestIdentity identify_document(const nlohmann::json& document) {
  RequestIdentity identity;
  // Echoed in results and logs: bounded, whatever the sender put there.
  auto text = [&](const char* name) -> std::string {
    if (!document.contains(name)) return "";
    return bounded_text(id_text(document[name]).value_or(""), kMaxEchoedIdBytes);
  };
  identity.user_id = text("user_id");
  identity.request_id = text("request_id");
  identity.gender = gender_from_text(text("gender")).value_or(Gender::kOther);
  return identity;
}

}  // namespace

std::string generate_request_id() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  char text[32];
  std::snprintf(text, sizeof text, "req-%016llx%08llx", static_cast<unsigned long long>(generator()),
                static_cast<unsigned long long>(generator() & 0xFFFFFFFF));
  return text;
}

std::string derived_request_id(std::string_view topic, std::int32_t partition, std::int64_t offset) {
  // Appended: GCC 12 takes the sum of literals for an overlapping copy (-Wrestrict).
  std::string position = std::to_string(partition);
  position.insert(0, 1, '-').append(1, '-').append(std::to_string(offset));
  const std::size_t room = kMaxIdBytes - kDerivedRequestIdPrefix.size() - position.size();
  return std::string(kDerivedRequestIdPrefix) + std::string(topic.substr(0, room)) + position;
}

std::string id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxIdBytes) {
    return "is " + std::to_string(id.size()) + " bytes long (at most " + std::to_string(kMaxIdBytes) + " are allowed)";
  }
  // Alone they are path steps, not names; inside a longer id they are harmless as '/' is refused.
  if (id == "." || id == "..") return "is \"" + std::string(id) + "\", which is not allowed";
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    const bool allowed = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                         std::string_view("-_.@+=:,~").find(c) != std::string_view::npos;
    if (!allowed) {
      return "contains \"" + quote_excerpt(std::string_view(&c, 1)) +
             "\", which is not allowed (allowed: letters, digits and - _ . @ + = : , ~)";
    }
  }
  return "";
}

IncomingMessage read_message(std::string_view raw) {
  IncomingMessage message;
  if (raw.empty()) {
    message.problem = "message is empty";
    return message;
  }
  // Bounded by its structure while the tree is built (HTTP bodies and
  // Kafka's held messages alike).
  message.document = parse_json_text(raw, kMaxJsonDepth, kMaxRequestValues, &message.problem);
  if (!message.document) return message;
  if (!message.document->is_object()) {
    message.problem = "message must be a JSON object";
    return message;
  }
  message.who = identify_document(*message.document);
  return message;
}

MaskRequest parse_mask_request(std::string_view message, const std::vector<MaskType>& default_types,
                               const std::function<std::string()>& new_request_id) {
  return parse_mask_request(read_message(message), default_types, new_request_id);
}

MaskRequest parse_mask_request(const IncomingMessage& message, const std::vector<MaskType>& default_types,
                               const std::function<std::string()>& new_request_id) {
  if (!message.problem.empty()) throw InputError(message.problem);
  const nlohmann::json& document = *message.document;

  MaskRequest request;
  if (!document.contains("user_id") || document["user_id"].is_null()) throw InputError("user_id is required");
  request.user_id = id_field(document["user_id"], "user_id");
  check_id(request.user_id, "user_id");

  if (document.contains("request_id") && !document["request_id"].is_null()) {
    request.request_id = id_field(document["request_id"], "request_id");
    check_id(request.request_id, "request_id");
    if (request.request_id.rfind(kDerivedRequestIdPrefix, 0) == 0) {
      throw InputError("request_id starts with \"" + std::string(kDerivedRequestIdPrefix) +
                       "\", which is reserved for the ids the service gives messages without a request_id");
    }
  } else {
    request.request_id = new_request_id();
  }

  std::string gender = "other";
  if (document.contains("gender") && !document["gender"].is_null()) {
    if (!document["gender"].is_string()) throw InputError("gender must be a string");
    gender = document["gender"].get<std::string>();
  }
  const std::optional<Gender> known = gender_from_text(gender);
  request.gender = known.value_or(Gender::kOther);
  if (!known) request.warnings.push_back("unknown gender \"" + bounded_text(gender, 64) + "\" taken as \"other\"");

  request.mask_types = document.contains("mask_types") && !document["mask_types"].is_null()
                           ? mask_types_field(document["mask_types"])
                           : default_types;

  if (document.contains("options")) request.options = parse_mask_options(document["options"]);

  if (!document.contains("image") || document["image"].is_null()) throw InputError("image is required");
  const nlohmann::json& image = document["image"];
  if (!image.is_object()) throw InputError("image must be an object with type and data");
  if (!image.contains("type") || !image["type"].is_string())
    throw InputError("image.type must be \"url\" or \"base64\"");
  if (!image.contains("data") || !image["data"].is_string()) throw InputError("image.data must be a string");
  const std::string type = image["type"].get<std::string>();
  std::string data = image["data"].get<std::string>();
  if (type == "url") {
    request.image_kind = MaskRequest::ImageKind::kUrl;
  } else if (type == "base64") {
    request.image_kind = MaskRequest::ImageKind::kBase64;
    // data:image/png;base64,....
    if (data.rfind("data:", 0) == 0) {
      const auto comma = data.find(',');
      if (comma == std::string::npos) throw InputError("image.data is a data URL without a comma");
      data.erase(0, comma + 1);
    }
  } else {
    throw InputError("image.type must be \"url\" or \"base64\" (got \"" + bounded_text(type, 64) + "\")");
  }
  if (data.empty()) throw InputError("image.data is empty");
  request.image_data = std::move(data);
  return request;
}

RequestIdentity identify_request(std::string_view message) { return read_message(message).who; }

}  // namespace mc::core
