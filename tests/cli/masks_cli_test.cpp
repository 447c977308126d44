// `maskcomponent masks` run as a user runs it: a real process, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "adapters/local_files.hpp"
#include "core/keypoints.hpp"
#include "support/cli_run.hpp"
#include "support/mannequin.hpp"

namespace {

namespace fs = std::filesystem;

using mc::test_support::CliRun;

CliRun run_cli(const std::string& arguments) {
  return mc::test_support::run_command(std::string(MC_CLI_PATH) + " " + arguments);
}

class MasksCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("mc_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto m = mc::test_support::make_mannequin();
    parse = dir / "parse.png";
    keypoints = dir / "keypoints.json";
    mc::adapters::write_png(parse, m.parse);
    write_text(keypoints, mc::core::keypoints_to_json(m.keypoints).dump());
  }
  void TearDown() override { fs::remove_all(dir); }

  static void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

  std::string args(const fs::path& parse_path, const fs::path& keypoints_path, const std::string& extra = "") {
    return "masks --parse " + parse_path.string() + " --keypoints " + keypoints_path.string() + " --out " +
           (dir / "out").string() + " " + extra;
  }

  // A failing run: non-zero exit and exactly one line naming the problem.
  void expect_error(const CliRun& run, const std::string& needle) {
    EXPECT_NE(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find(needle), std::string::npos) << run.output;
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing is written on bad input";
  }

  fs::path dir, parse, keypoints;
};

TEST_F(MasksCli, WritesAllSevenMasksByDefault) {
  const CliRun run = run_cli(args(parse, keypoints, "--gender M"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* type : {"upper_body", "upper_body_tshirts", "upper_body_coat", "lower_body", "ethnic_combined",
                           "baggy_lower", "dress"}) {
    const cv::Mat mask = cv::imread((dir / "out" / (std::string(type) + "_mask.png")).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(mask.empty()) << type;
    EXPECT_EQ(mask.type(), CV_8UC1);
    EXPECT_EQ(mask.size(), cv::Size(768, 1024));
    EXPECT_GT(cv::countNonZero(mask), 0) << type;
  }
}

TEST_F(MasksCli, WritesOnlyTheRequestedTypes) {
  // --mask-types is send's spelling, accepted by every command.
  for (const char* option : {"--types", "--mask-types"}) {
    fs::remove_all(dir / "out");
    const CliRun run = run_cli(args(parse, keypoints, std::string("--gender f ") + option + " dress,lower_body"));
    ASSERT_EQ(run.exit_code, 0) << option << "\n" << run.output;
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir / "out")) files.push_back(entry.path().filename().string());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(files, (std::vector<std::string>{"dress_mask.png", "lower_body_mask.png"})) << option;
  }
}

TEST_F(MasksCli, WritesAPreviewWithOnePanelPerType) {
  const CliRun run = run_cli(
      args(parse, keypoints, "--gender M --types dress,lower_body --preview " + (dir / "preview.png").string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat preview = cv::imread((dir / "preview.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(preview.empty());
  EXPECT_EQ(preview.channels(), 3);
  EXPECT_EQ(preview.cols, 2 * 384) << "two half-size panels side by side";
  EXPECT_GT(preview.rows, 512);
}

TEST_F(MasksCli, ResizesASmallerLabelMapFirst) {
  cv::Mat small;
  cv::resize(mc::test_support::make_mannequin().parse, small, cv::Size(384, 512), 0, 0, cv::INTER_NEAREST);
  mc::adapters::write_png(dir / "small.png", small);
  const CliRun run = run_cli(args(dir / "small.png", keypoints, "--gender M --types lower_body"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(cv::imread((dir / "out" / "lower_body_mask.png").string(), cv::IMREAD_UNCHANGED).size(),
            cv::Size(768, 1024));
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Issue 20: `--options '{}'` is byte-identical to no options.
TEST_F(MasksCli, EmptyOptionsWriteTheSameBytesAsNone) {
  ASSERT_EQ(run_cli(args(parse, keypoints, "--gender F")).exit_code, 0);
  fs::rename(dir / "out", dir / "plain");
  const CliRun run = run_cli(args(parse, keypoints, "--gender F --options '{}'"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "out")) {
    ++files;
    EXPECT_EQ(file_bytes(entry.path()), file_bytes(dir / "plain" / entry.path().filename())) << entry.path();
  }
  EXPECT_EQ(files, 7);
}

TEST_F(MasksCli, OptionsWriteTheSoftMaskAndTheReport) {
  const CliRun run = run_cli(
      args(parse, keypoints, "--gender M --types lower_body --options '{\"dilate_px\": 3, \"feather_px\": 8}'"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat mask = cv::imread((dir / "out" / "lower_body_mask.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat soft = cv::imread((dir / "out" / "lower_body_mask_soft.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(soft.type(), CV_8UC1);
  EXPECT_EQ(cv::countNonZero((soft >= 128) != mask), 0) << "the soft mask's middle is the mask's edge";
  std::ifstream info_file(dir / "out" / "mask_info.json");
  const nlohmann::json info = nlohmann::json::parse(info_file);
  EXPECT_DOUBLE_EQ(info["masks"]["lower_body"]["area_fraction"].get<double>(), cv::countNonZero(mask) / (768.0 * 1024));
  EXPECT_EQ(info["person_count"], nullptr) << "keypoints from a file: unknown";
}

TEST_F(MasksCli, InvalidOptions) {
  expect_error(run_cli(args(parse, keypoints, "--gender M --options '{\"dilate_px\": 500}'")),
               "invalid --options: options.dilate_px must be an integer from -50 to 200 (got 500)");
  expect_error(run_cli(args(parse, keypoints, "--gender M --options '{\"outputs\": [\"agnostic\"]}'")),
               "needs the photo (use generate)");
  expect_error(run_cli(args(parse, keypoints, "--gender M --options '{'")), "invalid --options: not valid JSON");
  // The request's depth limit: the same object, the same limits.
  expect_error(
      run_cli(args(parse, keypoints,
                   "--gender M --options '{\"dilate_px\": " + std::string(40, '[') + std::string(40, ']') + "}'")),
      "invalid --options: nested deeper than 32 levels");
  // Integral numbers are integers, null is absent (docs/algorithm.md section 8).
  const CliRun accepted = run_cli(args(parse, keypoints,
                                       "--gender M --types dress --options '{\"dilate_px\": 2.0, "
                                       "\"feather_px\": null}'"));
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;
}

TEST_F(MasksCli, MissingParseFile) {
  expect_error(run_cli(args(dir / "nope.png", keypoints, "--gender M")), "nope.png: no such file");
}

TEST_F(MasksCli, ParseFileIsNotAPng) {
  write_text(dir / "fake.png", "GIF89a this is not a png");
  expect_error(run_cli(args(dir / "fake.png", keypoints, "--gender M")), "fake.png: not a PNG file");
}

TEST_F(MasksCli, TruncatedPng) {
  const std::string bytes = mc::adapters::read_file(parse);
  write_text(dir / "cut.png", bytes.substr(0, 40));
  expect_error(run_cli(args(dir / "cut.png", keypoints, "--gender M")), "cut.png: corrupt or truncated PNG");
}

TEST_F(MasksCli, WrongChannelCount) {
  cv::Mat colour(1024, 768, CV_8UC3, cv::Scalar(1, 2, 3));
  mc::adapters::write_png(dir / "colour.png", colour);
  expect_error(run_cli(args(dir / "colour.png", keypoints, "--gender M")), "label map must have 1 channel, got 3");
}

TEST_F(MasksCli, LabelsAboveEighteen) {
  cv::Mat labels = mc::test_support::make_mannequin().parse.clone();
  labels.at<std::uint8_t>(10, 10) = 200;
  mc::adapters::write_png(dir / "labels.png", labels);
  expect_error(run_cli(args(dir / "labels.png", keypoints, "--gender M")), "holds label 200");
}

TEST_F(MasksCli, WrongKeypointCount) {
  nlohmann::json document = mc::core::keypoints_to_json(mc::test_support::make_mannequin().keypoints);
  document["pose_keypoints_2d"].erase(0);
  write_text(dir / "kp17.json", document.dump());
  expect_error(run_cli(args(parse, dir / "kp17.json", "--gender M")), "got 17 entries");
}

TEST_F(MasksCli, KeypointsNotJson) {
  write_text(dir / "kp.json", "{ not json");
  expect_error(run_cli(args(parse, dir / "kp.json", "--gender M")), "kp.json: not valid JSON");
}

TEST_F(MasksCli, MissingKeypointsFile) {
  expect_error(run_cli(args(parse, dir / "none.json", "--gender M")), "none.json: no such file");
}

TEST_F(MasksCli, UnknownMaskType) {
  expect_error(run_cli(args(parse, keypoints, "--gender M --types upper_body,cape")), "unknown mask type \"cape\"");
}

TEST_F(MasksCli, UnknownGender) { expect_error(run_cli(args(parse, keypoints, "--gender Q")), "unknown gender \"Q\""); }

TEST_F(MasksCli, MissingRequiredOption) {
  const CliRun run = run_cli("masks --parse " + parse.string() + " --out " + (dir / "out").string());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("--keypoints"), std::string::npos) << run.output;
}

TEST_F(MasksCli, HelpDocumentsEveryOption) {
  const CliRun run = run_cli("masks --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* option : {"--parse", "--keypoints", "--gender", "--types", "--out", "768 x 1024", "18 pairs"}) {
    EXPECT_NE(run.output.find(option), std::string::npos) << option;
  }
}

}  // namespace
