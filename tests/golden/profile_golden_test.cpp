// The mask profiles against goldens made by the try-on projects' own code
// (tests/golden/profiles/make_profile_goldens.py, tests/golden/README): every
// profile's mask of every case must match pixel for pixel.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/keypoints.hpp"
#include "core/mask_profiles.hpp"
#include "core/pillow_resize.hpp"

namespace {

using namespace mc;
namespace fs = std::filesystem;

const fs::path kProfilesDir = fs::path(MC_GOLDEN_DIR) / "profiles";

struct Case {
  std::string name;
  cv::Mat parse;
  core::Keypoints keypoints{};
};

// The golden figures' inputs stay in their own folders (tests/golden/<name>);
// generated cases carry theirs.
std::vector<Case> load_cases() {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(kProfilesDir)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    fs::path inputs = entry.path();
    if (!fs::exists(inputs / "parse.png")) inputs = fs::path(MC_GOLDEN_DIR) / name;
    Case c{name, cv::imread((inputs / "parse.png").string(), cv::IMREAD_UNCHANGED)};
    std::ifstream json(inputs / "keypoints.json");
    c.keypoints = core::keypoints_from_json(nlohmann::json::parse(json));
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> loaded = load_cases();
  return loaded;
}

cv::Mat golden(const Case& c, core::MaskProfile profile, core::Category category) {
  const fs::path path =
      kProfilesDir / c.name /
      (std::string(core::profile_name(profile)) + "_" + std::string(core::category_name(category)) + ".png");
  return cv::imread(path.string(), cv::IMREAD_UNCHANGED);
}

int differing_pixels(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return static_cast<int>(a.total() + b.total());
  return cv::countNonZero(a != b);
}

class ProfileGolden : public ::testing::TestWithParam<core::MaskProfile> {};

TEST_P(ProfileGolden, MatchesTheReferenceCodeOnEveryCase) {
  const core::MaskProfile profile = GetParam();
  int compared_cases = 0;
  for (const Case& c : cases()) {
    ASSERT_FALSE(c.parse.empty()) << c.name;
    for (const core::Category category : core::profile_categories(profile)) {
      const cv::Mat expected = golden(c, profile, category);
      ASSERT_FALSE(expected.empty()) << c.name << " " << core::category_name(category);
      const core::ProfileMask ours = core::profile_mask(c.parse, c.keypoints, profile, category);
      EXPECT_EQ(differing_pixels(ours.mask, expected), 0) << c.name << " " << core::category_name(category);
      if (!ours.gray.empty()) {
        // OOTDiffusion's mask_gray: 127 exactly where the mask is.
        EXPECT_EQ(differing_pixels(ours.gray, expected / 255 * 127), 0) << c.name;
      }
    }
    ++compared_cases;
  }
  EXPECT_GE(compared_cases, 30);
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileGolden,
                         ::testing::Values(core::MaskProfile::kOotdHd, core::MaskProfile::kOotdDc,
                                           core::MaskProfile::kIdmHd, core::MaskProfile::kIdmDc),
                         [](const auto& param_info) { return std::string(core::profile_name(param_info.param)); });

// The comparison can fail: one constant of the rule changed (the arm width
// 60 of hd becomes 59) breaks the match on some case.
TEST(ProfileGoldenSensitivity, AnotherArmWidthDiffers) {
  int differing_cases = 0;
  for (const Case& c : cases()) {
    const cv::Mat work = core::reference_mask_location(c.parse, c.keypoints, 59, core::Category::kUpperBody);
    const cv::Mat full = core::pillow::resize_nearest(work, cv::Size(768, 1024));
    if (differing_pixels(full, golden(c, core::MaskProfile::kOotdHd, core::Category::kUpperBody)) > 0) {
      ++differing_cases;
    }
  }
  EXPECT_GT(differing_cases, 0);
}

TEST(ProfileNames, CategoriesPerProfile) {
  EXPECT_EQ(core::profile_from_name("ootd_hd"), core::MaskProfile::kOotdHd);
  EXPECT_EQ(core::profile_from_name("fitdit_hd"), std::nullopt);
  EXPECT_TRUE(core::profile_has_category(core::MaskProfile::kOotdDc, core::Category::kDresses));
  EXPECT_FALSE(core::profile_has_category(core::MaskProfile::kOotdHd, core::Category::kLowerBody));
  EXPECT_TRUE(core::profile_categories(core::MaskProfile::kSeed).empty());
}

}  // namespace
