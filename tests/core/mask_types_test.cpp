#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"
#include "core/mask_types.hpp"

namespace {

using namespace mc::core;

TEST(MaskTypes, NamesRoundTrip) {
  for (MaskType type : kAllMaskTypes) {
    EXPECT_EQ(mask_type_from_name(mask_type_name(type)), type);
  }
  EXPECT_EQ(mask_file_name(MaskType::kUpperBodyTshirts), "upper_body_tshirts_mask.png");
  EXPECT_FALSE(mask_type_from_name("Upper_Body").has_value());
}

TEST(MaskTypes, ParsesCommaSeparatedLists) {
  const auto types = parse_mask_type_list("upper_body, dress,lower_body");
  EXPECT_EQ(types, (std::vector<MaskType>{MaskType::kUpperBody, MaskType::kDress, MaskType::kLowerBody}));
}

TEST(MaskTypes, RejectsUnknownRepeatedAndEmptyEntries) {
  try {
    parse_mask_type_list("upper_body,skirts");
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("unknown mask type \"skirts\""), std::string::npos) << error.what();
  }
  EXPECT_THROW(parse_mask_type_list("dress,dress"), InputError);
  EXPECT_THROW(parse_mask_type_list(""), InputError);
  EXPECT_THROW(parse_mask_type_list("dress,,lower_body"), InputError);
}

TEST(MaskRecipes, FollowTheGenderTable) {
  // docs/algorithm.md section 5, row by row.
  const auto male_upper = mask_recipe(MaskType::kUpperBody, Gender::kMale);
  EXPECT_EQ(male_upper.parts, (std::vector<PartSpec>{{Category::kUpperBody, 2, false}}));
  const auto female_upper = mask_recipe(MaskType::kUpperBody, Gender::kFemale);
  EXPECT_EQ(female_upper.parts,
            (std::vector<PartSpec>{{Category::kUpperBody, 3, false}, {Category::kLowerBody, 2, false}}));
  const auto male_ethnic = mask_recipe(MaskType::kEthnicCombined, Gender::kMale);
  EXPECT_EQ(male_ethnic.parts,
            (std::vector<PartSpec>{{Category::kUpperBody, 1, false}, {Category::kLowerBody, 10, true}}));
  const auto female_ethnic = mask_recipe(MaskType::kEthnicCombined, Gender::kFemale);
  EXPECT_EQ(female_ethnic.parts,
            (std::vector<PartSpec>{{Category::kUpperBody, 5, false}, {Category::kLowerBody, 13, true}}));
  for (Gender gender : {Gender::kMale, Gender::kFemale}) {
    EXPECT_EQ(mask_recipe(MaskType::kBaggyLower, gender).parts,
              (std::vector<PartSpec>{{Category::kLowerBody, 7, true}}));
    EXPECT_EQ(mask_recipe(MaskType::kDress, gender).parts, (std::vector<PartSpec>{{Category::kDresses, 2, false}}));
    EXPECT_EQ(mask_recipe(MaskType::kLowerBody, gender).parts,
              (std::vector<PartSpec>{{Category::kLowerBody, 2, false}}));
    EXPECT_FALSE(mask_recipe(MaskType::kLowerBody, gender).union_of_parts);
    EXPECT_TRUE(mask_recipe(MaskType::kUpperBodyCoat, gender).union_of_parts);
  }
}

}  // namespace
