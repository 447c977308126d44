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
            "options.profile must be one of seed, ootd_hd, ootd_dc, idm_hd, idm_dc (got \"catvton\")");
  EXPECT_EQ(error_of({{"profile", 3}}),
            "options.profile must be one of seed, ootd_hd, ootd_dc, idm_hd, idm_dc (got 3)");
}

TEST(ProfileOptions, FitDitIsAClearErrorUntilDwPose) {
  EXPECT_NE(error_of({{"profile", "fitdit_hd"}}).find("options.profile \"fitdit_hd\" is not available: FitDiT"),
            std::string::npos);
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
