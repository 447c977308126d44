#include "core/mask_types.hpp"

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"

namespace mc::core {

namespace {
struct NamedType {
  MaskType type;
  std::string_view name;
};
constexpr std::array<NamedType, 7> kNames = {{
    {MaskType::kUpperBody, "upper_body"},
    {MaskType::kUpperBodyTshirts, "upper_body_tshirts"},
    {MaskType::kUpperBodyCoat, "upper_body_coat"},
    {MaskType::kLowerBody, "lower_body"},
    {MaskType::kEthnicCombined, "ethnic_combined"},
    {MaskType::kBaggyLower, "baggy_lower"},
    {MaskType::kDress, "dress"},
}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::string known_names() {
  std::string names;
  for (const auto& entry : kNames) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}
}  // namespace

std::string_view mask_type_name(MaskType type) {
  for (const auto& entry : kNames) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

std::optional<MaskType> mask_type_from_name(std::string_view name) {
  for (const auto& entry : kNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

std::vector<MaskType> parse_mask_type_list(std::string_view comma_separated) {
  std::vector<MaskType> types;
  std::size_t start = 0;
  while (start <= comma_separated.size()) {
    const std::size_t end = std::min(comma_separated.find(',', start), comma_separated.size());
    const std::string_view name = trim(comma_separated.substr(start, end - start));
    if (name.empty()) {
      throw InputError("mask types: empty entry in \"" + std::string(comma_separated) + "\"");
    }
    const auto type = mask_type_from_name(name);
    if (!type) {
      throw InputError("unknown mask type \"" + std::string(name) + "\" (known: " + known_names() + ")");
    }
    if (std::find(types.begin(), types.end(), *type) != types.end()) {
      throw InputError("mask type \"" + std::string(name) + "\" is listed twice");
    }
    types.push_back(*type);
    start = end + 1;
  }
  return types;
}

std::string mask_file_name(MaskType type) { return std::string(mask_type_name(type)) + "_mask.png"; }

MaskRecipe mask_recipe(MaskType type, Gender gender) {
  const bool male = gender_column(gender) == GenderColumn::kMale;
  constexpr auto upper = Category::kUpperBody;
  constexpr auto lower = Category::kLowerBody;
  // The table of docs/algorithm.md section 5. Shoes are masked only in baggy_lower and in
  // the lower part of ethnic_combined.
  switch (type) {
    case MaskType::kUpperBody:
      return male ? MaskRecipe{{{upper, 2, false}}, true} : MaskRecipe{{{upper, 3, false}, {lower, 2, false}}, true};
    case MaskType::kUpperBodyTshirts:
    case MaskType::kUpperBodyCoat:
      return male ? MaskRecipe{{{upper, 2, false}, {lower, 2, false}}, true}
                  : MaskRecipe{{{upper, 3, false}, {lower, 2, false}}, true};
    case MaskType::kLowerBody:
      return {{{lower, 2, false}}, false};
    case MaskType::kEthnicCombined:
      return male ? MaskRecipe{{{upper, 1, false}, {lower, 10, true}}, true}
                  : MaskRecipe{{{upper, 5, false}, {lower, 13, true}}, true};
    case MaskType::kBaggyLower:
      return {{{lower, 7, true}}, false};
    case MaskType::kDress:
      return {{{Category::kDresses, 2, false}}, false};
  }
  throw InputError("unknown mask type");
}

}  // namespace mc::core
