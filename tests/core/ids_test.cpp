// The ids a request may carry (they become object keys and URL path
// segments), the messages naming a refused one, and path-segment encoding.
#include <gtest/gtest.h>

#include <string>

#include "core/ids.hpp"
#include "core/mask_request.hpp"

namespace {

using mc::core::encode_path_segment;
using mc::core::id_problem;
using mc::core::quote_excerpt;

const std::string kAllowedList = "(allowed: letters, digits and - _ . @ + = : , ~)";

std::string refused_byte(const std::string& shown) {
  return "contains \"" + shown + "\", which is not allowed " + kAllowedList;
}

// A message quoting user text stays valid UTF-8: only printable ASCII.
bool printable_ascii(const std::string& text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) return false;
  }
  return true;
}

TEST(Ids, EveryAllowedCharacterPasses) {
  std::string all;
  for (char c = 'a'; c <= 'z'; ++c) all += c;
  for (char c = 'A'; c <= 'Z'; ++c) all += c;
  for (char c = '0'; c <= '9'; ++c) all += c;
  all += "-_.@+=:,~";
  EXPECT_EQ(id_problem(all), "");
  for (const char c : all) EXPECT_EQ(id_problem(std::string(1, c) + "x"), "") << c;
  EXPECT_EQ(id_problem("user@example.com"), "");
  EXPECT_EQ(id_problem("a..b"), "");
  EXPECT_EQ(id_problem("..."), "");
  EXPECT_EQ(id_problem(".hidden"), "");
  EXPECT_EQ(id_problem("42"), "");
}

TEST(Ids, LengthIsOneTo255Bytes) {
  EXPECT_EQ(id_problem(std::string(255, 'a')), "");
  EXPECT_EQ(id_problem(std::string(1, 'a')), "");
  EXPECT_EQ(id_problem(std::string(256, 'a')), "is 256 bytes long (at most 255 are allowed)");
  EXPECT_EQ(id_problem(std::string(100000, 'a')), "is 100000 bytes long (at most 255 are allowed)");
  EXPECT_EQ(id_problem(""), "is empty");
}

TEST(Ids, DotAndDotDotAloneAreRefused) {
  EXPECT_EQ(id_problem("."), "is \".\", which is not allowed");
  EXPECT_EQ(id_problem(".."), "is \"..\", which is not allowed");
}

TEST(Ids, EachDisallowedPrintableCharacterIsNamed) {
  for (const char c : std::string(" !\"#$%&'()*/;<>?[\\]^`{|}")) {
    const std::string shown = c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    EXPECT_EQ(id_problem(std::string("ab") + c + "cd"), refused_byte(shown)) << c;
  }
}

TEST(Ids, ControlBytesAndNonAsciiAreShownAsHex) {
  EXPECT_EQ(id_problem(std::string("a\0b", 3)), refused_byte("\\x00"));
  EXPECT_EQ(id_problem("a\nb"), refused_byte("\\x0A"));
  EXPECT_EQ(id_problem("a\tb"), refused_byte("\\x09"));
  EXPECT_EQ(id_problem("a\x7F"), refused_byte("\\x7F"));
  EXPECT_EQ(id_problem("caf\xC3\xA9"), refused_byte("\\xC3"));  // valid UTF-8, not ASCII
  EXPECT_EQ(id_problem("a\xFF\xFE"), refused_byte("\\xFF"));    // invalid UTF-8
  EXPECT_EQ(id_problem("\xC3"), refused_byte("\\xC3"));         // truncated sequence
  for (int byte = 0; byte < 256; ++byte) {
    const std::string problem = id_problem(std::string("a") + static_cast<char>(byte));
    EXPECT_TRUE(printable_ascii(problem)) << byte;
    EXPECT_LT(problem.size(), 120U) << byte;
  }
}

TEST(Ids, QuotedUserTextIsBoundedAndPrintable) {
  EXPECT_EQ(quote_excerpt("plain"), "plain");
  EXPECT_EQ(quote_excerpt("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
  EXPECT_EQ(quote_excerpt("\xE2\x82\xAC\n"), "\\xE2\\x82\\xAC\\x0A");
  EXPECT_EQ(quote_excerpt(std::string(1000, 'z')), std::string(64, 'z') + "...");
  EXPECT_EQ(quote_excerpt(std::string(64, 'z')), std::string(64, 'z'));
  EXPECT_EQ(quote_excerpt("abcdef", 3), "abc...");
}

TEST(PathSegments, UnreservedKeptEverythingElseUpperCaseHex) {
  EXPECT_EQ(encode_path_segment("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(encode_path_segment("req-123-001"), "req-123-001");
  EXPECT_EQ(encode_path_segment("a@b+c=d:e,f"), "a%40b%2Bc%3Dd%3Ae%2Cf");
  EXPECT_EQ(encode_path_segment("a b/c%"), "a%20b%2Fc%25");
  EXPECT_EQ(encode_path_segment("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(encode_path_segment(""), "");
}

}  // namespace
