// options.profile and options.category (issue 31): what a request may ask,
// and the errors a sender reads for what it may not.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/mask_options.hpp"
#include "core/mask_request.hpp"

namespace {

using namespace mc::core;
using nlohmann::json;

std::string error_of(const json& options) {
  try {
    parse_mask_options(options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(ProfileOptions, AProfileWithItsCategory) {
  const MaskOptions options = parse_mask_options({{"profile", "ootd_dc"}, {"category", "dresses"}});
  EXPECT_EQ(options.profile, MaskProfile::kOotdDc);
  EXPECT_EQ(options.category, Category::kDresses);
  EXPECT_FALSE(options.is_default());
  EXPECT_FALSE(options.report) << "a profile does not ask for the report";
  // Stored with the record and read back the same.
  const MaskOptions again = parse_mask_options(mask_options_json(options));
  EXPECT_EQ(again.profile, MaskProfile::kOotdDc);
  EXPECT_EQ(again.category, Category::kDresses);
}

TEST(ProfileOptions, TheCategoryDefaultsToUpperBodyAndSeedIsTheDefault) {
  EXPECT_EQ(parse_mask_options({{"profile", "idm_hd"}}).category, Category::kUpperBody);
  EXPECT_TRUE(parse_mask_options({{"profile", "seed"}}).is_default());
  EXPECT_TRUE(parse_mask_options(json::object()).is_default());
  EXPECT_EQ(mask_options_json(parse_mask_options({{"profile", "seed"}})), json::object());
}

TEST(ProfileOptions, RefusesAnUnknownProfileNamingTheKnownOnes) {
  EXPECT_EQ(error_of({{"profile", "catvton"}}),
            "options.profile must be one of seed, ootd_hd, ootd_dc, idm_hd, idm_dc, fitdit (got \"catvton\")");
  EXPECT_EQ(error_of({{"profile", 3}}),
            "options.profile must be one of seed, ootd_hd, ootd_dc, idm_hd, idm_dc, fitdit (got 3)");
}

TEST(ProfileOptions, FitDitsOtherNamesPointToFitdit) {
  EXPECT_NE(error_of({{"profile", "fitdit_hd"}})
                .find("options.profile \"fitdit_hd\" is not available: FitDiT's profile "
                      "is fitdit"),
            std::string::npos);
}

TEST(ProfileOptions, FitditTakesItsFourOffsets) {
  const MaskOptions options =
      parse_mask_options({{"profile", "fitdit"},
                          {"category", "dresses"},
                          {"fitdit_offsets", {{"top", -200}, {"bottom", 12}, {"left", 0}, {"right", 200.0}}}});
  EXPECT_EQ(options.profile, MaskProfile::kFitdit);
  EXPECT_EQ(options.category, Category::kDresses);
  EXPECT_EQ(options.fitdit_offsets.top, -200);
  EXPECT_EQ(options.fitdit_offsets.bottom, 12);
  EXPECT_EQ(options.fitdit_offsets.right, 200);
  EXPECT_FALSE(options.report);
  // Stored with the record and read back the same.
  const MaskOptions again = parse_mask_options(mask_options_json(options));
  EXPECT_EQ(again.fitdit_offsets.top, -200);
  EXPECT_EQ(again.fitdit_offsets.right, 200);
  EXPECT_EQ(again.category, Category::kDresses);
  EXPECT_EQ(parse_mask_options({{"profile", "fitdit"}}).category, Category::kUpperBody);
}

TEST(ProfileOptions, RefusesFitditOffsetsOutOfRangeOrWithoutFitdit) {
  EXPECT_EQ(error_of({{"profile", "fitdit"}, {"fitdit_offsets", {{"top", 201}}}}),
            "options.fitdit_offsets.top must be an integer from -200 to 200 (got 201)");
  EXPECT_EQ(error_of({{"profile", "fitdit"}, {"fitdit_offsets", {{"left", 1.5}}}}),
            "options.fitdit_offsets.left must be an integer from -200 to 200 (got 1.5)");
  EXPECT_EQ(error_of({{"profile", "fitdit"}, {"fitdit_offsets", {{"middle", 1}}}}),
            "options.fitdit_offsets.middle is not a side (known: top, bottom, left, right)");
  EXPECT_EQ(error_of({{"profile", "fitdit"}, {"fitdit_offsets", 5}}),
            "options.fitdit_offsets must be an object of top, bottom, left, right (got 5)");
  EXPECT_EQ(error_of({{"profile", "idm_hd"}, {"fitdit_offsets", {{"top", 1}}}}),
            "options.fitdit_offsets needs options.profile fitdit (got profile idm_hd)");
  EXPECT_EQ(error_of({{"fitdit_offsets", {{"top", 1}}}}),
            "options.fitdit_offsets needs options.profile fitdit (got profile seed)");
  EXPECT_EQ(error_of({{"profile", "fitdit"}, {"offsets", {{"top", 1}}}}),
            "options.profile fitdit makes the model's exact mask and takes no other option (got options.offsets)");
}

TEST(ProfileOptions, RefusesACategoryTheProfileLacks) {
  EXPECT_EQ(error_of({{"profile", "ootd_hd"}, {"category", "lower_body"}}),
            "options.profile ootd_hd has no category \"lower_body\" (its categories: upper_body)");
  EXPECT_EQ(error_of({{"profile", "idm_dc"}, {"category", "shoes"}}),
            "options.profile idm_dc has no category \"shoes\" (its categories: upper_body, lower_body, dresses)");
  EXPECT_EQ(error_of({{"category", "dresses"}}),
            "options.profile seed takes no options.category (seed makes mask_types; a category needs "
            "another profile)");
}

TEST(ProfileOptions, AProfileTakesNoShapingOption) {
  EXPECT_EQ(error_of({{"profile", "ootd_hd"}, {"dilate_px", 4}}),
            "options.profile ootd_hd makes the model's exact mask and takes no other option (got options.dilate_px)");
  EXPECT_NE(error_of({{"profile", "idm_hd"}, {"report", true}}).find("(got options.report)"), std::string::npos);
}

TEST(ProfileOptions, ARequestCarriesItsProfile) {
  const MaskRequest request = parse_mask_request(
      R"({"user_id": "u", "image": {"type": "url", "data": "http://x/y.png"},
          "options": {"profile": "idm_dc", "category": "lower_body"}})",
      {MaskType::kUpperBody}, [] { return std::string("req-1"); });
  EXPECT_EQ(request.options.profile, MaskProfile::kIdmDc);
  EXPECT_EQ(request.options.category, Category::kLowerBody);
}

}  // namespace
