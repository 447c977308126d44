#pragma once

#include <array>
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gender.hpp"

namespace mc::core {

enum class MaskType {
  kUpperBody,
  kUpperBodyTshirts,
  kUpperBodyCoat,
  kLowerBody,
  kEthnicCombined,
  kBaggyLower,
  kDress,
};

inline constexpr std::array<MaskType, 7> kAllMaskTypes = {
    MaskType::kUpperBody,      MaskType::kUpperBodyTshirts, MaskType::kUpperBodyCoat, MaskType::kLowerBody,
    MaskType::kEthnicCombined, MaskType::kBaggyLower,       MaskType::kDress};

// The wire name, e.g. "upper_body_tshirts".
std::string_view mask_type_name(MaskType type);
std::optional<MaskType> mask_type_from_name(std::string_view name);
// "upper_body, dress" -> {kUpperBody, kDress}. Throws InputError naming an unknown
// or repeated type, or an empty list.
std::vector<MaskType> parse_mask_type_list(std::string_view comma_separated);
// The PNG file name of a mask: "{mask_type}_mask.png".
std::string mask_file_name(MaskType type);

// The garment category of one mask part (docs/algorithm.md section 4).
enum class Category { kUpperBody, kLowerBody, kDresses };

// One category mask at a dilation radius, with or without shoes masked.
struct PartSpec {
  Category category;
  int radius;
  bool mask_shoes;
  auto operator<=>(const PartSpec&) const = default;
};

// How a mask type is built from parts for a gender (docs/algorithm.md section 5;
// the column is gender_column(gender)).
struct MaskRecipe {
  std::vector<PartSpec> parts;
  // Union types OR their parts and close the result with a 7 x 7 ellipse.
  bool union_of_parts;
};

MaskRecipe mask_recipe(MaskType type, Gender gender);

}  // namespace mc::core
