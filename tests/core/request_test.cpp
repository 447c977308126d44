// The mask_input message format (docs/compatibility.md) and its validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/mask_request.hpp"
#include "core/request_status.hpp"
#include "core/result_messages.hpp"

namespace {

using namespace mc::core;

const std::vector<MaskType> kDefaults = {MaskType::kUpperBody, MaskType::kDress};

MaskRequest parse(const std::string& text) {
  return parse_mask_request(text, kDefaults, [] { return std::string("req-generated"); });
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(MaskRequestParsing, ReadsTheOptionsAndNamesABadOne) {
  const std::string head = R"({"user_id": "1", "image": {"type": "url", "data": "http://example.com/a.jpg"})";
  EXPECT_TRUE(parse(head + "}").options.is_default());
  EXPECT_TRUE(parse(head + R"(, "options": {}})").options.is_default());
  EXPECT_EQ(parse(head + R"(, "options": {"dilate_px": 5}})").options.dilate_px, 5);
  EXPECT_EQ(error_of(head + R"(, "options": {"dilate_px": 500}})"),
            "options.dilate_px must be an integer from -50 to 200 (got 500)");
}

TEST(MaskRequestParsing, ReadsTheSeedsUrlExample) {
  const MaskRequest request = parse(R"({"user_id": "123", "gender": "M", "request_id": "req-123-001",
      "mask_types": ["upper_body", "lower_body", "ethnic_combined"],
      "image": {"type": "url", "data": "http://example.com/user_image.jpg"}})");
  EXPECT_EQ(request.user_id, "123");
  EXPECT_EQ(request.gender, Gender::kMale);
  EXPECT_EQ(request.request_id, "req-123-001");
  EXPECT_EQ(request.mask_types,
            (std::vector<MaskType>{MaskType::kUpperBody, MaskType::kLowerBody, MaskType::kEthnicCombined}));
  EXPECT_EQ(request.image_kind, MaskRequest::ImageKind::kUrl);
  EXPECT_EQ(request.image_data, "http://example.com/user_image.jpg");
}

TEST(MaskRequestParsing, AcceptsIntegerIdsCommaTypesDataUrlsAndDefaults) {
  const MaskRequest request = parse(R"({"user_id": 456, "gender": "female", "mask_types": "dress, lower_body",
      "image": {"type": "base64", "data": "data:image/png;base64,iVBORw0KGgo="}})");
  EXPECT_EQ(request.user_id, "456");
  EXPECT_EQ(request.gender, Gender::kFemale);
  EXPECT_EQ(request.request_id, "req-generated");
  EXPECT_EQ(request.mask_types, (std::vector<MaskType>{MaskType::kDress, MaskType::kLowerBody}));
  EXPECT_EQ(request.image_kind, MaskRequest::ImageKind::kBase64);
  EXPECT_EQ(request.image_data, "iVBORw0KGgo=");
  EXPECT_EQ(parse(R"({"user_id": "1", "image": {"type": "url", "data": "http://x/y"}})").mask_types, kDefaults);
}

TEST(MaskRequestParsing, GenderIsNormalisedAndUnknownOnesBecomeOtherWithAWarning) {
  for (const auto& [given, expected] : std::vector<std::pair<std::string, std::string>>{{"M", "M"},
                                                                                        {"male", "M"},
                                                                                        {"MALE", "M"},
                                                                                        {"f", "F"},
                                                                                        {"Female", "F"},
                                                                                        {"other", "other"},
                                                                                        {"OTHER", "other"}}) {
    const MaskRequest request =
        parse(R"({"user_id": "1", "gender": ")" + given + R"(", "image": {"type": "url", "data": "http://x/y"}})");
    EXPECT_EQ(gender_text(request.gender), expected) << given;
    EXPECT_TRUE(request.warnings.empty()) << given;
  }
  const MaskRequest unknown = parse(R"({"user_id": "1", "gender": "x", "image": {"type": "url", "data": "http://x"}})");
  EXPECT_EQ(unknown.gender, Gender::kOther);
  ASSERT_EQ(unknown.warnings.size(), 1U);
  EXPECT_EQ(unknown.warnings[0], "unknown gender \"x\" taken as \"other\"");
  EXPECT_EQ(parse(R"({"user_id": "1", "image": {"type": "url", "data": "http://x"}})").gender, Gender::kOther);
}

TEST(MaskRequestParsing, RefusesBadMessagesNamingTheProblem) {
  const std::string image = R"("image": {"type": "url", "data": "http://x/y"})";
  EXPECT_EQ(error_of("{oops"), "message is not valid JSON");
  EXPECT_EQ(error_of("[1, 2]"), "message must be a JSON object");
  EXPECT_EQ(error_of("{" + image + "}"), "user_id is required");
  EXPECT_EQ(error_of(R"({"user_id": 1.5, )" + image + "}"), "user_id must be a string or an integer");
  EXPECT_EQ(error_of(R"({"user_id": "1"})"), "image is required");
  EXPECT_EQ(error_of(R"({"user_id": "1", "image": "http://x"})"), "image must be an object with type and data");
  EXPECT_EQ(error_of(R"({"user_id": "1", "image": {"type": "file", "data": "x"}})"),
            "image.type must be \"url\" or \"base64\" (got \"file\")");
  EXPECT_EQ(error_of(R"({"user_id": "1", "image": {"type": "url", "data": ""}})"), "image.data is empty");
  EXPECT_EQ(error_of(R"({"user_id": "1", "mask_types": [], )" + image + "}"), "mask_types is empty");
  EXPECT_NE(error_of(R"({"user_id": "1", "mask_types": ["cape"], )" + image + "}").find("cape"), std::string::npos);
  EXPECT_EQ(error_of(R"({"user_id": "1", "gender": 3, )" + image + "}"), "gender must be a string");
  EXPECT_NE(error_of(R"({"user_id": "1", "mask_types": "dress,dress", )" + image + "}").find("listed twice"),
            std::string::npos);
}

// Issue 27: a 35 MB body of empty arrays took 860 MB as a tree. The count of
// values is bounded before any tree is built; the image's long string is one.
TEST(MaskRequestParsing, RefusesAMessageOfMoreValuesThanTheLimitBeforeBuildingIt) {
  std::string arrays = "[]";
  for (int i = 1; i < 1'000'000; ++i) arrays += ",[]";
  const std::string image = R"("image": {"type": "base64", "data": ")" + std::string(1 << 20, 'A') + "\"}";
  const std::string refused = error_of(R"({"user_id": "1", "padding": [)" + arrays + "], " + image + "}");
  EXPECT_NE(refused.find("more than " + std::to_string(kMaxRequestValues) + " JSON values"), std::string::npos)
      << refused;
  const IncomingMessage message = read_message(R"({"user_id": "u-1", "request_id": "r-1", "x": [)" + arrays + "]}");
  EXPECT_FALSE(message.document) << "no tree was built";
  EXPECT_EQ(message.problem, refused);
  EXPECT_EQ(message.who.user_id, "") << "nothing is read from a refused message";
  // Within the limit, and with a long image: accepted.
  std::string some = "[]";
  for (std::size_t i = 1; i + 20 < kMaxRequestValues; ++i) some += ",[]";
  EXPECT_EQ(parse(R"({"user_id": "1", "padding": [)" + some + "], " + image + "}").image_data.size(), 1U << 20U);
}

TEST(MaskRequestParsing, RefusesIdsThatWouldBreakKeysOrUrls) {
  const std::string image = R"(, "image": {"type": "url", "data": "http://x/y"}})";
  const std::string allowed = " (allowed: letters, digits and - _ . @ + = : , ~)";
  EXPECT_EQ(error_of(R"({"user_id": "a/b")" + image), "user_id contains \"/\", which is not allowed" + allowed);
  EXPECT_EQ(error_of(R"({"user_id": "..")" + image), "user_id is \"..\", which is not allowed");
  EXPECT_EQ(error_of(R"({"user_id": "a\u0001b")" + image),
            "user_id contains \"\\x01\", which is not allowed" + allowed);
  EXPECT_EQ(error_of(R"({"user_id": "")" + image), "user_id is empty");
  EXPECT_EQ(error_of(R"({"user_id": ")" + std::string(256, 'a') + "\"" + image),
            "user_id is 256 bytes long (at most 255 are allowed)");
  EXPECT_EQ(error_of(R"({"user_id": "1", "request_id": "r?x")" + image),
            "request_id contains \"?\", which is not allowed" + allowed);
  EXPECT_EQ(parse(R"({"user_id": ")" + std::string(255, 'a') + "\"" + image).user_id.size(), 255U);
  EXPECT_EQ(parse(R"({"user_id": "anna@example.com", "request_id": "a..b")" + image).request_id, "a..b");
}

TEST(MaskRequestParsing, TheDerivedIdPrefixIsReservedForMessagesWithoutAnId) {
  const std::string image = R"(, "image": {"type": "url", "data": "http://x/y"}})";
  const std::string reserved =
      "request_id starts with \"kafka-\", which is reserved for the ids the service gives messages without a "
      "request_id";
  EXPECT_EQ(error_of(R"({"user_id": "1", "request_id": "kafka-mask_input-0-7")" + image), reserved);
  EXPECT_EQ(error_of(R"({"user_id": "1", "request_id": "kafka-")" + image), reserved);
  for (const char* id : {"Kafka-mask_input-0-7", "kafka_1", "my-kafka-1", "kafka"}) {
    EXPECT_EQ(parse(R"({"user_id": "1", "request_id": ")" + std::string(id) + "\"" + image).request_id, id);
  }
  const MaskRequest derived = parse_mask_request(R"({"user_id": "1")" + image, kDefaults,
                                                 [] { return derived_request_id("mask_input", 0, 7); });
  EXPECT_EQ(derived.request_id, "kafka-mask_input-0-7") << "the service's own derived ids still apply";
}

TEST(ResultMessages, FollowTheSeedsFormats) {
  const RequestIdentity who{"123", Gender::kMale, "req-123-001"};
  const auto done = completed_result(who, {{MaskType::kDress, "http://h/masks/123/req-123-001/dress_mask.png"}},
                                     "2025-11-26T12:00:00Z");
  EXPECT_EQ(done, nlohmann::json::parse(R"({"user_id": "123", "gender": "M", "request_id": "req-123-001",
      "status": "completed", "mask_paths": {"dress": "http://h/masks/123/req-123-001/dress_mask.png"},
      "processed_at": "2025-11-26T12:00:00Z"})"));
  const auto failed = failed_result(who, "Failed to download image: HTTP 404", "2025-11-26T12:00:00Z");
  EXPECT_EQ(failed, nlohmann::json::parse(R"({"user_id": "123", "gender": "M", "request_id": "req-123-001",
      "status": "failed", "error": "Failed to download image: HTTP 404", "mask_paths": {},
      "processed_at": "2025-11-26T12:00:00Z"})"));
  const auto poison = poison_message(who, "Max retries exceeded: x", R"({"user_id": "123"})", 5, "t");
  EXPECT_EQ(poison["original_message"], nlohmann::json::parse(R"({"user_id": "123"})"));
  EXPECT_EQ(poison["retry_count"], 5);
  EXPECT_EQ(poison_message(who, "e", "{broken", 0, "t")["original_message"], "{broken");
  EXPECT_EQ(iso8601_utc(std::chrono::system_clock::from_time_t(1764158400)), "2025-11-26T12:00:00Z");
}

TEST(RequestStatus, TextIsWhatIsStoredAndPublished) {
  EXPECT_EQ(request_status_text(RequestStatus::kProcessing), "processing");
  EXPECT_EQ(request_status_text(RequestStatus::kCompleted), "completed");
  EXPECT_EQ(request_status_text(RequestStatus::kFailed), "failed");
  for (const RequestStatus status : kAllRequestStatuses) {
    EXPECT_EQ(request_status_from_text(request_status_text(status)), status);
  }
  EXPECT_FALSE(request_status_from_text("Completed"));
  EXPECT_FALSE(request_status_from_text(""));
}

}  // namespace
