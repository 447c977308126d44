// tools/convert_openpose.py on a random-weight body_pose_model.pth with the
// real key names: the ONNX it writes, run by our pose runner on ONNX Runtime,
// gives PyTorch's outputs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "inference/networks.hpp"
#include "inference/onnx_graph.hpp"
#include "support/cli_run.hpp"
#include "support/float_blobs.hpp"

namespace {

namespace fs = std::filesystem;
using mc::test_support::run_command;

const std::string kPython = MC_PYTHON3;
const fs::path kSource = MC_SOURCE_DIR;

class ConvertOpenPose : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, maybe in parallel: one folder each.
    dir() = fs::temp_directory_path() / ("mc_convert_openpose_" + std::to_string(::getpid()));
    fs::remove_all(dir());
    const auto made = run_command(kPython + " " + (kSource / "tests/tools/make_random_openpose.py").string() + " " +
                                  dir().string() + " 184 144 96 128");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    conversion() = run_command(kPython + " " + (kSource / "tools/convert_openpose.py").string() + " " + pth().string() +
                               " " + onnx().string());
  }
  static void TearDownTestSuite() { fs::remove_all(dir()); }

  static fs::path& dir() {
    static fs::path path;
    return path;
  }
  static mc::test_support::CliRun& conversion() {
    static mc::test_support::CliRun run;
    return run;
  }
  static fs::path pth() { return dir() / "openpose" / "ckpts" / "body_pose_model.pth"; }
  static fs::path onnx() { return dir() / "openpose" / "ckpts" / "body_pose_model.onnx"; }
};

TEST_F(ConvertOpenPose, ConvertedNetworkMatchesPyTorchAtAnySize) {
  ASSERT_EQ(conversion().exit_code, 0) << conversion().output;
  EXPECT_EQ(mc::inference::onnx_declared_outputs(onnx()), (std::vector<std::string>{"paf", "heatmap"}));
  mc::inference::PoseNetwork network(onnx(), mc::inference::RuntimeSettings{}, mc::inference::ComputeDevice{});
  for (const auto& [height, width] : {std::pair{184, 144}, std::pair{96, 128}}) {
    const fs::path folder = dir() / (std::to_string(height) + "x" + std::to_string(width));
    const auto outputs = network.forward(mc::test_support::read_float_blob(folder / "input.f32", 3, height, width));
    ASSERT_EQ(outputs.paf.size[2], height / 8);
    ASSERT_EQ(outputs.paf.size[3], width / 8);
    const cv::Mat paf = mc::test_support::read_float_blob(folder / "paf.f32", 38, height / 8, width / 8);
    const cv::Mat heatmap = mc::test_support::read_float_blob(folder / "heatmap.f32", 19, height / 8, width / 8);
    double heat_min = 0;
    cv::minMaxIdx(heatmap, &heat_min, nullptr);
    EXPECT_GE(heat_min, 0.0) << "PyTorch's heatmap passes through a ReLU";
    EXPECT_LT(mc::test_support::relative_error(outputs.paf, paf), 1e-4) << height << "x" << width;
    EXPECT_LT(mc::test_support::relative_error(outputs.heatmap, heatmap), 1e-4) << height << "x" << width;
  }
}

TEST(ConvertOpenPoseInput, RefusesFilesThatAreNotTheBodyModel) {
  const fs::path folder = fs::temp_directory_path() / ("mc_convert_junk_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  const fs::path junk = folder / "junk.pth";
  std::ofstream(junk) << "not a checkpoint";
  const auto run = run_command(kPython + " " + (kSource / "tools/convert_openpose.py").string() + " " + junk.string() +
                               " " + (folder / "junk.onnx").string());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("junk.pth: cannot be read as a PyTorch state dict"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(folder / "junk.onnx"));
  fs::remove_all(folder);
}

}  // namespace
