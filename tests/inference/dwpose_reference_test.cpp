// DWPose's pipeline (core::dwpose on inference::DwposeNetworks) against rtmlib, the
// reference (tests/inference/dwpose_reference.py), on the fixture networks: the same
// person boxes, and every person's 134 points within 0.5 px and scores within 1e-4,
// on pictures with no, one and several people and people partly out of frame.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/dwpose.hpp"
#include "core/errors.hpp"
#include "inference/dwpose_networks.hpp"
#include "inference/onnx_runtime.hpp"
#include "support/cli_run.hpp"

namespace {

namespace fs = std::filesystem;
namespace dwpose = mc::core::dwpose;

const fs::path kModels = fs::path(MC_TEST_MODELS_DIR) / "one_person" / "dwpose";
constexpr double kPixelTolerance = 0.5;
constexpr double kScoreTolerance = 1e-4;
constexpr int kPictures = 24;

class DwposeReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir() = fs::temp_directory_path() / ("mc_dwpose_reference_" + std::to_string(::getpid()));
    fs::remove_all(dir());
    fs::create_directories(dir());
    const fs::path python = MC_RTMLIB_PYTHON;
    ASSERT_TRUE(fs::exists(python)) << python << " is missing: scripts/setup.sh makes rtmlib's venv";
    const auto run = mc::test_support::run_command(
        python.string() + " " + MC_DWPOSE_REFERENCE + " --models " + kModels.string() + " --images " + dir().string() +
        " --json " + (dir() / "reference.json").string() + " --count " + std::to_string(kPictures));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    std::ifstream in(dir() / "reference.json");
    reference() = nlohmann::json::parse(in);
  }
  static void TearDownTestSuite() { fs::remove_all(dir()); }

  static fs::path& dir() {
    static fs::path path;
    return path;
  }
  static nlohmann::json& reference() {
    static nlohmann::json document;
    return document;
  }
};

TEST_F(DwposeReference, BoxesPointsAndScoresMatchRtmlib) {
  ASSERT_EQ(reference().size(), static_cast<std::size_t>(kPictures));
  mc::inference::RuntimeSettings settings;
  settings.intra_op_threads = 1;
  mc::inference::DwposeNetworks networks(kModels / "yolox_l.onnx", kModels / "dw-ll_ucoco_384.onnx", settings, {});
  int without_people = 0, with_one = 0, with_several = 0, out_of_frame = 0, neck_shown = 0, neck_hidden = 0;
  for (const auto& expected : reference()) {
    const std::string image_path = expected.at("image");
    SCOPED_TRACE(image_path);
    const cv::Mat image = cv::imread(image_path, cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty());
    const auto found = networks.find_people(image);

    const auto& boxes = expected.at("boxes");
    ASSERT_EQ(found.boxes.size(), boxes.size());
    without_people += boxes.empty() ? 1 : 0;
    with_one += boxes.size() == 1 ? 1 : 0;
    with_several += boxes.size() > 1 ? 1 : 0;
    for (std::size_t b = 0; b < boxes.size(); ++b) {
      const dwpose::Box& box = found.boxes[b];
      EXPECT_NEAR(box.x1, boxes[b][0].get<double>(), kPixelTolerance);
      EXPECT_NEAR(box.y1, boxes[b][1].get<double>(), kPixelTolerance);
      EXPECT_NEAR(box.x2, boxes[b][2].get<double>(), kPixelTolerance);
      EXPECT_NEAR(box.y2, boxes[b][3].get<double>(), kPixelTolerance);
      if (box.x1 < 0 || box.y1 < 0 || box.x2 > static_cast<float>(image.cols) ||
          box.y2 > static_cast<float>(image.rows)) {
        ++out_of_frame;
      }
    }

    const auto& people = expected.at("people");
    ASSERT_EQ(found.people.size(), people.size());
    for (std::size_t p = 0; p < people.size(); ++p) {
      SCOPED_TRACE("person " + std::to_string(p));
      const auto& points = people[p].at("points");
      const auto& scores = people[p].at("scores");
      ASSERT_EQ(points.size(), static_cast<std::size_t>(dwpose::kOpenPoseCount));
      const dwpose::OpenPosePerson& ours = found.people[p];
      for (std::size_t k = 0; k < points.size(); ++k) {
        SCOPED_TRACE("point " + std::to_string(k));
        EXPECT_NEAR(ours.points[k].x, points[k][0].get<double>(), kPixelTolerance);
        EXPECT_NEAR(ours.points[k].y, points[k][1].get<double>(), kPixelTolerance);
        EXPECT_NEAR(ours.scores[k], scores[k].get<double>(), kScoreTolerance);
      }
      (ours.scores[1] > 0.5 ? neck_shown : neck_hidden) += 1;
    }
  }
  // The pictures cover what the issue asks for; otherwise the comparison proves less than it says.
  EXPECT_GT(without_people, 0);
  EXPECT_GT(with_one, 0);
  EXPECT_GT(with_several, 0);
  EXPECT_GT(out_of_frame, 0);
  EXPECT_GT(neck_shown, 0);
  EXPECT_GT(neck_hidden, 0);
}

}  // namespace
