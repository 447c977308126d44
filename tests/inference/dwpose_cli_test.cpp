// `generate` with POSE_MODEL=dwpose (issue 30): DWPose's networks find the keypoints, the
// masks and the report come out as with OpenPose, and a missing or unknown model is a
// setup error that says what to do.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "adapters/local_files.hpp"
#include "core/fitdit_mask.hpp"
#include "core/person_image.hpp"
#include "inference/dwpose_networks.hpp"
#include "support/cli_run.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(MC_TEST_MODELS_DIR) / "one_person";

class DwposeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("mc_dwpose_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    // Noise with two blobs the fixture detector takes for people (tests/models/make_dwpose_models.py).
    cv::Mat picture(1024, 768, CV_8UC3);
    cv::RNG rng(30);
    rng.fill(picture, cv::RNG::UNIFORM, cv::Scalar::all(20), cv::Scalar::all(110));
    for (const cv::Rect blob : {cv::Rect(180, 250, 110, 220), cv::Rect(520, 420, 100, 200)}) {
      cv::Mat area = picture(blob);
      rng.fill(area, cv::RNG::UNIFORM, cv::Scalar(200, 0, 150), cv::Scalar(256, 120, 256));
    }
    image = dir / "people.png";
    ASSERT_TRUE(cv::imwrite(image.string(), picture));
  }
  void TearDown() override { fs::remove_all(dir); }

  mc::test_support::CliRun generate(const std::string& pose_model, const fs::path& checkpoints,
                                    const std::string& extra = "") {
    return mc::test_support::run_command("env POSE_MODEL=" + pose_model + " " + MC_CLI_PATH + " generate --image " +
                                         image.string() + " --gender F --checkpoints " + checkpoints.string() +
                                         " --out " + (dir / "out").string() + " " + extra);
  }

  fs::path dir;
  fs::path image;
};

TEST_F(DwposeCli, KeypointsMasksAndReportComeFromDwpose) {
  const auto run =
      generate("dwpose", kModels, "--dump-keypoints --options '{\"report\": true, \"protect\": [\"hands\"]}'");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* name : {"upper_body_mask.png", "lower_body_mask.png", "dress_mask.png"}) {
    const cv::Mat mask = cv::imread((dir / "out" / name).string(), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(mask.size(), cv::Size(768, 1024)) << name;
  }

  // The same person image through the networks here: the CLI's keypoints are DWPose's choice.
  const cv::Mat person = mc::core::to_person_image(cv::imread(image.string(), cv::IMREAD_COLOR), 1U << 30);
  mc::inference::DwposeNetworks networks(kModels / "dwpose" / "yolox_l.onnx",
                                         kModels / "dwpose" / "dw-ll_ucoco_384.onnx", {}, {});
  const auto found = networks.find_people(person);
  ASSERT_GE(found.boxes.size(), 2U) << "the picture shows several people";
  const auto expected = networks.analyze(person);
  std::ifstream in(dir / "out" / "keypoints.json");
  const auto document = nlohmann::json::parse(in);
  const auto& pairs = document.at("pose_keypoints_2d");
  ASSERT_EQ(pairs.size(), 18U);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_NEAR(pairs[i][0].get<double>(), expected.pose.keypoints[i].x, 1e-3) << i;
    EXPECT_NEAR(pairs[i][1].get<double>(), expected.pose.keypoints[i].y, 1e-3) << i;
  }
  EXPECT_NE(
      run.output.find(std::to_string(found.boxes.size()) + " people detected; using the one with the most body parts"),
      std::string::npos)
      << run.output;
  std::ifstream info_in(dir / "out" / "mask_info.json");
  const auto info = nlohmann::json::parse(info_in);
  EXPECT_EQ(info["person_count"], found.boxes.size()) << "every person the detector found";
}

// Issue 31: --profile fitdit is FitDiT's mask of DWPose's chosen person, with the offsets given.
TEST_F(DwposeCli, FitditMasksTheChosenPersonsWholeBodyPoints) {
  const auto run = generate("dwpose", kModels,
                            "--profile fitdit --category dresses --dump-parse --options "
                            "'{\"fitdit_offsets\": {\"top\": -15, \"bottom\": 40, \"left\": 7, \"right\": -3}}'");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat mask = cv::imread((dir / "out" / "fitdit_dresses_mask.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat gray = cv::imread((dir / "out" / "fitdit_dresses_mask_gray.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(mask.empty()) << run.output;
  const cv::Mat person = mc::core::to_person_image(cv::imread(image.string(), cv::IMREAD_COLOR), 1U << 30);
  mc::inference::DwposeNetworks networks(kModels / "dwpose" / "yolox_l.onnx",
                                         kModels / "dwpose" / "dw-ll_ucoco_384.onnx", {}, {});
  const auto points = mc::core::fitdit::pose_data(networks.analyze(person).person, person.size());
  const auto expected = mc::core::fitdit::mask_location(mc::adapters::read_label_png(dir / "out" / "parse.png"), points,
                                                        mc::core::Category::kDresses, {-15, 40, 7, -3});
  EXPECT_EQ(cv::countNonZero(mask != expected.mask), 0);
  EXPECT_EQ(cv::countNonZero(gray != expected.gray), 0);
  EXPECT_GT(cv::countNonZero(mask), 0);
}

TEST_F(DwposeCli, FitditNeedsDwpose) {
  const auto run = generate("openpose", kModels, "--profile fitdit");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("--profile fitdit needs DWPose's whole-body keypoints"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "fitdit_upper_body_mask.png"));
}

TEST_F(DwposeCli, MissingDwposeFilesNameBothPathsAndWhereTheyArePublished) {
  const fs::path root = dir / "checkpoints";
  fs::create_directories(root);
  fs::copy(kModels / "humanparsing", root / "humanparsing", fs::copy_options::recursive);
  const auto run = generate("dwpose", root);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  for (const fs::path& path : {root / "dwpose" / "yolox_l.onnx", root / "dwpose" / "dw-ll_ucoco_384.onnx"}) {
    EXPECT_NE(run.output.find(path.string() + " (missing)"), std::string::npos) << run.output;
  }
  EXPECT_NE(run.output.find("https://huggingface.co/yzd-v/DWPose"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST_F(DwposeCli, AnUnknownPoseModelIsASetupError) {
  const auto run = generate("openpose2", kModels);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("POSE_MODEL must be openpose or dwpose (got \"openpose2\")"), std::string::npos)
      << run.output;
}

}  // namespace
