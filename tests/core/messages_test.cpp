// Outside bytes made safe to publish: UTF-8 checks, bounded texts, JSON depth,
// and the poison message for any input.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/mask_request.hpp"
#include "core/result_messages.hpp"
#include "core/utf8.hpp"

namespace mc::core {
namespace {

using nlohmann::json;

// nlohmann's own UTF-8 check: dump() throws type_error 316 on invalid UTF-8.
bool nlohmann_accepts(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

TEST(Utf8, AgreesWithNlohmannOnRandomBytes) {
  std::mt19937 random(11);
  // Mostly multi-byte lead and continuation bytes, so that every rule is met.
  const std::string alphabet = "a\x7F\xC2\xDF\xE0\xED\xEF\xF0\xF4\xF5\x80\x8F\x90\x9F\xA0\xBF\xC0\xC1\xFF";
  for (int i = 0; i < 20000; ++i) {
    std::string text(random() % 8, ' ');
    for (auto& c : text) c = alphabet[random() % alphabet.size()];
    EXPECT_EQ(is_valid_utf8(text), nlohmann_accepts(text)) << i;
    const std::string repaired = to_valid_utf8(text);
    EXPECT_TRUE(is_valid_utf8(repaired));
    EXPECT_TRUE(nlohmann_accepts(repaired));
  }
}

TEST(Utf8, KnownSequences) {
  EXPECT_TRUE(is_valid_utf8("José \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("Jos\xE9"));           // Latin-1
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_EQ(to_valid_utf8("Jos\xE9!"), "Jos\xEF\xBF\xBD!");
}

TEST(Utf8, BoundedTextIsValidShortAndSaysHowLongItWas) {
  EXPECT_EQ(bounded_text("short", 64), "short");
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\xE2\x82\xAC";  // 3 bytes each
  const std::string cut = bounded_text(text, 100);
  EXPECT_LE(cut.size(), 100U);
  EXPECT_TRUE(is_valid_utf8(cut));
  EXPECT_NE(cut.find("...(3000 bytes)"), std::string::npos) << cut;
  EXPECT_TRUE(is_valid_utf8(bounded_text(std::string(5000, '\xFF'), 50)));
  EXPECT_LE(bounded_text(std::string(5000, '\xFF'), 50).size(), 50U);
}

TEST(JsonText, NamesEachProblem) {
  EXPECT_EQ(json_text_problem(R"({"a": [1, {"b": 2}]})"), "");
  EXPECT_EQ(json_text_problem("{broken"), "message is not valid JSON");
  EXPECT_EQ(json_text_problem("{} trailing"), "message is not valid JSON");
  EXPECT_EQ(json_text_problem("{\"a\": \"Jos\xE9\"}"), "message is not valid UTF-8");
  EXPECT_EQ(json_text_problem(std::string(33, '[') + std::string(33, ']')), "message is nested deeper than 32 levels");
  EXPECT_EQ(json_text_problem(std::string(32, '[') + std::string(32, ']')), "");
  // Far deeper than any stack would survive when serialised recursively.
  EXPECT_NE(json_text_problem(std::string(1'000'000, '[')).find("nested deeper"), std::string::npos);
}

TEST(RequestParsing, OddMessagesGiveClearErrors) {
  const std::vector<MaskType> defaults = {MaskType::kDress};
  auto error_of = [&](const std::string& message) {
    try {
      parse_mask_request(message, defaults, [] { return std::string("req-x"); });
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error_of(""), "message is empty");
  EXPECT_EQ(error_of("[1]"), "message must be a JSON object");
  EXPECT_EQ(error_of("\"text\""), "message must be a JSON object");
  EXPECT_EQ(error_of(R"({"user_id": "Jos)" + std::string("\xE9") + R"("})"), "message is not valid UTF-8");
  EXPECT_EQ(error_of(std::string(100000, '[')), "message is nested deeper than 32 levels");
}

TEST(RequestParsing, UnsignedIdsAboveInt64StayThemselves) {
  const std::string message =
      R"({"user_id": 18446744073709551615, "request_id": 9223372036854775808, "image": {"type": "url", "data": "x"}})";
  const MaskRequest request = parse_mask_request(message, {MaskType::kDress}, [] { return std::string("r"); });
  EXPECT_EQ(request.user_id, "18446744073709551615");
  EXPECT_EQ(request.request_id, "9223372036854775808");
  EXPECT_EQ(identify_request(message).user_id, "18446744073709551615");
  EXPECT_EQ(identify_request(R"({"user_id": -5})").user_id, "-5");
}

TEST(RequestIdentity, EchoedIdsAreBoundedAndValid) {
  const json message = {{"user_id", std::string(100000, 'u')}, {"request_id", 12345678901LL}};
  const RequestIdentity who = identify_request(message.dump());
  EXPECT_LE(who.user_id.size(), kMaxEchoedIdBytes);
  EXPECT_EQ(who.request_id, "12345678901");
  EXPECT_EQ(identify_request("\xFF\xFE").user_id, "");
  EXPECT_EQ(identify_request(std::string(100000, '[')).user_id, "");
}

TEST(RequestIdentity, GenderIsNormalisedAndEmptyOnlyWhenTheMessageIsNoObject) {
  EXPECT_EQ(identify_request(R"({"gender": "female"})").gender, Gender::kFemale);
  EXPECT_EQ(identify_request(R"({"gender": "x"})").gender, Gender::kOther);
  EXPECT_EQ(identify_request(R"({"gender": 3})").gender, Gender::kOther);
  EXPECT_EQ(identify_request(R"({})").gender, Gender::kOther);
  EXPECT_FALSE(identify_request("not json").gender);
  EXPECT_FALSE(identify_request("[1]").gender);
  // What the failed result and poison message of such messages carry.
  EXPECT_EQ(failed_result(identify_request("not json"), "e", "t")["gender"], "");
  EXPECT_EQ(poison_message(identify_request("[1]"), "e", "[1]", 0, "t")["gender"], "");
  EXPECT_EQ(failed_result(identify_request(R"({"gender": "x"})"), "e", "t")["gender"], "other");
}

TEST(PoisonMessage, CarriesAnyBytesAsValidJson) {
  const RequestIdentity who{"u", Gender::kMale, "r"};
  std::mt19937 random(5);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(random() % 300, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random() & 0xFF);
    const json poison = poison_message(who, "error " + bytes, bytes, 0, "t");
    const std::string wire = poison.dump();  // throws on invalid UTF-8
    EXPECT_TRUE(is_valid_utf8(wire));
    if (!is_valid_utf8(bytes)) {
      EXPECT_EQ(decode_base64(poison["original_message_base64"].get<std::string>()), bytes);
    } else {
      EXPECT_EQ(poison["original_message"], bytes);
    }
  }
}

TEST(PoisonMessage, ParsedWhenJsonTextWhenNotTruncatedWhenLong) {
  const RequestIdentity who{"u", Gender::kMale, "r"};
  EXPECT_EQ(poison_message(who, "e", R"({"user_id": "1"})", 0, "t")["original_message"]["user_id"], "1");
  EXPECT_EQ(poison_message(who, "e", "{broken", 0, "t")["original_message"], "{broken");
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_EQ(poison_message(who, "e", deep, 0, "t")["original_message"], deep) << "too deep to embed: text";

  const json big = {{"user_id", "1"}, {"padding", std::string(200000, 'p')}};
  const json cut = poison_message(who, "e", big.dump(), 0, "t", 65536);
  EXPECT_EQ(cut["original_message_truncated"], true);
  EXPECT_EQ(cut["original_message_bytes"], big.dump().size());
  EXPECT_EQ(cut["original_message"], big.dump().substr(0, 65536));
  EXPECT_FALSE(poison_message(who, "e", big.dump(), 0, "t").contains("original_message_truncated"));

  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";
  const json cut_inside = poison_message(who, "e", euros, 0, "t", 100);
  EXPECT_EQ(cut_inside["original_message"].get<std::string>().size(), 99U) << "whole characters only";
  EXPECT_FALSE(cut_inside.contains("original_message_base64"));
}

TEST(FailedResult, ErrorTextsAreBounded) {
  const RequestIdentity who{"u", Gender::kMale, "r"};
  const json result = failed_result(who, "unknown mask type " + std::string(600000, 'x'), "t");
  EXPECT_LE(result["error"].get<std::string>().size(), kMaxErrorBytes);
  EXPECT_LE(poison_message(who, std::string(600000, 'x'), "{}", 0, "t")["error"].get<std::string>().size(),
            kMaxErrorBytes);
}

}  // namespace
}  // namespace mc::core
