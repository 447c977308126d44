// ONNX Runtime against PyTorch on SCHP: a random-weight export of the network
// as AugmentCE2P.py defines it (bench/make_random_models.py; LIP's 20 classes
// at 473, the odd size), run through our runners, gives PyTorch's three
// outputs within float32 noise, with the graph optimisations on and off.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "inference/networks.hpp"
#include "inference/onnx_graph.hpp"
#include "support/cli_run.hpp"
#include "support/float_blobs.hpp"

namespace {

namespace fs = std::filesystem;
using mc::test_support::run_command;

const std::string kPython = MC_PYTHON3;
const fs::path kSource = MC_SOURCE_DIR;
constexpr int kClasses = 20;
constexpr int kSize = 473;
constexpr int kCells = 119;  // ceil(473 / 4)

class SchpParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir() = fs::temp_directory_path() / ("mc_schp_parity_" + std::to_string(::getpid()));
    fs::remove_all(dir());
    made() = run_command(kPython + " " + (kSource / "tests/tools/make_random_schp.py").string() + " " + dir().string() +
                         " " + std::to_string(kClasses) + " " + std::to_string(kSize));
  }
  static void TearDownTestSuite() { fs::remove_all(dir()); }

  static fs::path& dir() {
    static fs::path path;
    return path;
  }
  static mc::test_support::CliRun& made() {
    static mc::test_support::CliRun run;
    return run;
  }

  // Largest difference relative to the largest reference value, on outputs
  // of a random network that must not be degenerate.
  static double relative_error(const cv::Mat& got, const cv::Mat& expected) {
    EXPECT_EQ(got.dims, 4);
    double largest = 0;
    cv::minMaxIdx(cv::abs(expected), nullptr, &largest);
    EXPECT_GT(largest, 1e-3) << "the random network should not be degenerate";
    return mc::test_support::relative_error(got, expected);
  }
};

TEST_F(SchpParity, AllThreeOutputsMatchPyTorch) {
  ASSERT_EQ(made().exit_code, 0) << made().output;
  const fs::path onnx = dir() / "schp.onnx";
  const std::vector<std::string> declared = mc::inference::onnx_declared_outputs(onnx);
  ASSERT_EQ(declared.size(), 3U);
  const cv::Mat input = mc::test_support::read_float_blob(dir() / "input.f32", 3, kSize, kSize);
  const std::array<const char*, 3> names{"parsing", "fusion", "edge"};
  const std::array<int, 3> channels{kClasses, kClasses, 2};
  for (const char* optimization : {"all", "disable"}) {
    mc::inference::RuntimeSettings settings;
    settings.graph_optimization = optimization;
    mc::inference::OnnxNetwork network(onnx, declared, settings, mc::inference::ComputeDevice{});
    // Twice: the first pass lets ONNX Runtime allocate, the second writes into ours.
    for (int pass = 0; pass < 2; ++pass) {
      const std::vector<cv::Mat> outputs = network.forward(input);
      ASSERT_EQ(outputs.size(), 3U);
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        ASSERT_EQ(outputs[i].size[1], channels[i]) << names[i];
        ASSERT_EQ(outputs[i].size[2], kCells) << names[i];
        const cv::Mat expected =
            mc::test_support::read_float_blob(dir() / (std::string(names[i]) + ".f32"), channels[i], kCells, kCells);
        EXPECT_LT(relative_error(outputs[i], expected), 1e-4) << names[i] << ", " << optimization << ", pass " << pass;
      }
    }
  }
}

TEST_F(SchpParity, TheParsingRunnerReturnsTheFusionLogits) {
  ASSERT_EQ(made().exit_code, 0) << made().output;
  mc::inference::ParsingNetwork lip(dir() / "schp.onnx", kSize, kClasses, "", mc::inference::RuntimeSettings{},
                                    mc::inference::ComputeDevice{});
  const cv::Mat logits = lip.fusion_logits(mc::test_support::read_float_blob(dir() / "input.f32", 3, kSize, kSize));
  EXPECT_LT(relative_error(logits, mc::test_support::read_float_blob(dir() / "fusion.f32", kClasses, kCells, kCells)),
            1e-4);
}

}  // namespace
