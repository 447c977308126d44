// `maskcomponent masks --profile` (issue 31) as a user runs it: the golden
// figure's parse map in, the reference code's mask out.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/cli_run.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kFigure = fs::path(MC_GOLDEN_DIR) / "male_pants";

class ProfileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    out = fs::temp_directory_path() /
          ("mc_profile_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(out);
  }
  void TearDown() override { fs::remove_all(out); }
  mc::test_support::CliRun masks(const std::string& extra) const {
    return mc::test_support::run_command(
        std::string(MC_CLI_PATH) + " masks --parse " + (kFigure / "parse.png").string() + " --keypoints " +
        (kFigure / "keypoints.json").string() + " --gender M --out " + out.string() + " " + extra);
  }
  fs::path out;
};

cv::Mat read(const fs::path& path) { return cv::imread(path.string(), cv::IMREAD_UNCHANGED); }

TEST_F(ProfileCli, WritesTheProfilesMaskAsTheReferenceCodeMadeIt) {
  const auto run = masks("--profile idm_dc --category dresses");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat mask = read(out / "idm_dc_dresses_mask.png");
  const cv::Mat golden = read(fs::path(MC_GOLDEN_DIR) / "profiles" / "male_pants" / "idm_dc_dresses.png");
  ASSERT_FALSE(mask.empty());
  ASSERT_EQ(mask.size(), golden.size());
  EXPECT_EQ(cv::countNonZero(mask != golden), 0);
  EXPECT_FALSE(fs::exists(out / "idm_dc_dresses_mask_gray.png")) << "IDM-VTON's code makes no grey mask";
  EXPECT_FALSE(fs::exists(out / "upper_body_mask.png")) << "no seed mask with a profile";
}

TEST_F(ProfileCli, OotdWritesTheGreyMaskBeside) {
  const auto run = masks("--profile ootd_hd");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat mask = read(out / "ootd_hd_upper_body_mask.png");
  const cv::Mat gray = read(out / "ootd_hd_upper_body_mask_gray.png");
  ASSERT_FALSE(mask.empty());
  ASSERT_FALSE(gray.empty());
  EXPECT_EQ(cv::countNonZero(gray != mask / 255 * 127), 0);
  EXPECT_GT(cv::countNonZero(mask), 0);
}

TEST_F(ProfileCli, RefusesAnUnknownProfileOrCategoryWritingNothing) {
  for (const auto& [extra, needle] :
       {std::pair<std::string, std::string>{"--profile ootd", "invalid --profile: options.profile must be one of"},
        {"--profile ootd_hd --category dresses", "options.profile ootd_hd has no category \"dresses\""},
        {"--profile ootd_dc --types dress", "--types and --profile cannot be given together"},
        {"--profile fitdit", "--profile fitdit needs DWPose's whole-body keypoints"}}) {
    const auto run = masks(extra);
    EXPECT_NE(run.exit_code, 0) << extra;
    EXPECT_NE(run.output.find(needle), std::string::npos) << run.output;
    EXPECT_FALSE(fs::exists(out)) << extra;
  }
}

}  // namespace
