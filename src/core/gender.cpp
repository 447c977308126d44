#include "core/gender.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mc::core {

namespace {

struct GenderName {
  Gender gender;
  std::string_view text;     // published and stored
  std::string_view spelled;  // the long form accepted on input
};
constexpr std::array<GenderName, 3> kGenders = {{
    {Gender::kMale, "M", "MALE"},
    {Gender::kFemale, "F", "FEMALE"},
    {Gender::kOther, "other", "OTHER"},
}};

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string_view gender_text(Gender gender) {
  for (const auto& entry : kGenders) {
    if (entry.gender == gender) return entry.text;
  }
  return "other";
}

std::optional<Gender> gender_from_text(std::string_view text) {
  for (const auto& entry : kGenders) {
    if (iequals(text, entry.text) || iequals(text, entry.spelled)) return entry.gender;
  }
  return std::nullopt;
}

GenderColumn gender_column(Gender gender) {
  return gender == Gender::kMale ? GenderColumn::kMale : GenderColumn::kFemale;
}

}  // namespace mc::core
