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
