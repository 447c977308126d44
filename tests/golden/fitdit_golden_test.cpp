// FitDiT's mask (core/fitdit_mask) against goldens made by FitDiT's own code
// (tests/golden/profiles/make_fitdit_goldens.py, tests/golden/README): every
// category of every case, with offsets 0 and with the case's offsets, must
// match pixel for pixel.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.hpp"
#include "core/fitdit_mask.hpp"
#include "core/mask_profiles.hpp"

namespace {

using namespace mc;
namespace fs = std::filesystem;
using core::Category;
using core::fitdit::Offsets;

const fs::path kProfilesDir = fs::path(MC_GOLDEN_DIR) / "profiles";
constexpr Category kCategories[] = {Category::kUpperBody, Category::kLowerBody, Category::kDresses};

struct Case {
  std::string name;
  cv::Mat parse;
  core::fitdit::WholeBodyPoints points{};
  Offsets offsets;
};

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(kProfilesDir)) {
    if (!entry.is_directory()) continue;
    Case c;
    c.name = entry.path().filename().string();
    fs::path inputs = entry.path();
    if (!fs::exists(inputs / "parse.png")) inputs = fs::path(MC_GOLDEN_DIR) / c.name;
    c.parse = cv::imread((inputs / "parse.png").string(), cv::IMREAD_UNCHANGED);
    std::ifstream file(entry.path() / "wholebody.json");
    const nlohmann::json json = nlohmann::json::parse(file);
    const auto& points = json.at("points");
    if (points.size() != c.points.size()) throw std::runtime_error(c.name + ": wholebody.json needs 134 points");
    for (std::size_t i = 0; i < c.points.size(); ++i) {
      c.points[i] = {points[i].at(0).get<float>(), points[i].at(1).get<float>()};
    }
    const auto& o = json.at("offsets");
    c.offsets = {o.at("top").get<int>(), o.at("bottom").get<int>(), o.at("left").get<int>(), o.at("right").get<int>()};
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> loaded = load_cases();
  return loaded;
}

cv::Mat golden(const Case& c, Category category, bool with_offsets) {
  const std::string file =
      "fitdit_" + std::string(core::category_name(category)) + (with_offsets ? "_offsets" : "") + ".png";
  return cv::imread((kProfilesDir / c.name / file).string(), cv::IMREAD_UNCHANGED);
}

int differing_pixels(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return static_cast<int>(a.total() + b.total());
  return cv::countNonZero(a != b);
}

class FitditGolden : public ::testing::TestWithParam<Category> {};

TEST_P(FitditGolden, MatchesFitditsCodeOnEveryCase) {
  const Category category = GetParam();
  int compared_cases = 0;
  for (const Case& c : cases()) {
    ASSERT_FALSE(c.parse.empty()) << c.name;
    for (const bool with_offsets : {false, true}) {
      const cv::Mat expected = golden(c, category, with_offsets);
      ASSERT_FALSE(expected.empty()) << c.name;
      const core::ProfileMask ours =
          core::fitdit::mask_location(c.parse, c.points, category, with_offsets ? c.offsets : Offsets{});
      EXPECT_EQ(differing_pixels(ours.mask, expected), 0) << c.name << (with_offsets ? " with offsets" : "");
      // mask_gray: 128 exactly where the mask is.
      EXPECT_EQ(differing_pixels(ours.gray, expected / 255 * 128), 0) << c.name;
    }
    ++compared_cases;
  }
  EXPECT_GE(compared_cases, 30);
}

INSTANTIATE_TEST_SUITE_P(Fitdit, FitditGolden, ::testing::ValuesIn(kCategories),
                         [](const auto& param_info) { return std::string(core::category_name(param_info.param)); });

// The comparison can fail: one pixel more of a pad (left offset -1 is pad_x1 + 1) breaks the
// match on some case of every category.
TEST(FitditGoldenSensitivity, OnePixelMorePadDiffers) {
  for (const Category category : kCategories) {
    int differing_cases = 0;
    for (const Case& c : cases()) {
      const core::ProfileMask ours = core::fitdit::mask_location(c.parse, c.points, category, Offsets{0, 0, -1, 0});
      if (differing_pixels(ours.mask, golden(c, category, false)) > 0) ++differing_cases;
    }
    EXPECT_GT(differing_cases, 0) << core::category_name(category);
  }
}

TEST(FitditValidation, RefusesOffsetsBeyondTheSliders) {
  const Case& c = cases().front();
  EXPECT_THROW(core::fitdit::mask_location(c.parse, c.points, Category::kUpperBody, Offsets{201, 0, 0, 0}),
               core::InputError);
  EXPECT_THROW(core::fitdit::mask_location(c.parse, c.points, Category::kDresses, Offsets{0, 0, 0, -201}),
               core::InputError);
  EXPECT_NO_THROW(core::fitdit::mask_location(c.parse, c.points, Category::kDresses, Offsets{200, -200, -200, 200}));
}

TEST(FitditValidation, RefusesNegativeOrNonFinitePoints) {
  const Case& c = cases().front();
  core::fitdit::WholeBodyPoints points = c.points;
  points[4] = {-1.0F, 10.0F};
  EXPECT_THROW(core::fitdit::mask_location(c.parse, points, Category::kUpperBody), core::InputError);
  points[4] = {std::numeric_limits<float>::quiet_NaN(), 10.0F};
  EXPECT_THROW(core::fitdit::mask_location(c.parse, points, Category::kUpperBody), core::InputError);
}

}  // namespace
