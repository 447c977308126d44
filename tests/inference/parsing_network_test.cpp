// The parsing runner on the colour-keyed test models: the right pre- and
// post-processing recovers a painted figure, and each wrong choice docs/algorithm.md section 2
// warns about (channel order, mean, std, warp, output) visibly does not.
#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "adapters/local_files.hpp"
#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/parsing.hpp"
#include "inference/networks.hpp"
#include "inference/onnx_graph.hpp"
#include "support/figure.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mc;

const fs::path kModels = fs::path(MC_TEST_MODELS_DIR) / "one_person";
const fs::path kAtr = kModels / "humanparsing" / "parsing_atr.onnx";
constexpr int kAtrSize = 512;

class ParsingNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const cv::Mat parse = adapters::read_label_png(fs::path(MC_GOLDEN_DIR) / "male_pants" / "parse.png");
    photo = test_support::paint_figure(parse, kModels / "palette.json");
    // What ATR alone should say: the neck (18) is face (11) to ATR.
    expected = parse.clone();
    expected.setTo(core::kFace, parse == core::kNeck);
  }

  // Runs ATR on `blob` through the post-processing of docs/algorithm.md section 2, then counts
  // interior pixels (8 px from any boundary) labelled wrongly.
  int wrong_interior_pixels(inference::ParsingNetwork& network, const cv::Mat& blob) {
    const cv::Mat labels = core::parsing_labels(network.fusion_logits(blob), kAtrSize, photo.size());
    return test_support::interior_mismatches(expected, labels, 8).wrong;
  }

  inference::ParsingNetwork network(const std::string& output = "") {
    return inference::ParsingNetwork(kAtr, kAtrSize, 18, output, inference::RuntimeSettings{},
                                     inference::ComputeDevice{});
  }

  cv::Mat photo;
  cv::Mat expected;
};

TEST_F(ParsingNetworkTest, ReadsTheDeclaredOutputOrderNotTheSortedOne) {
  EXPECT_EQ(inference::onnx_declared_outputs(kAtr), (std::vector<std::string>{"1187", "1191", "1160"}));
  EXPECT_EQ(network().output_name(), "1191");
}

TEST_F(ParsingNetworkTest, TheSpecPipelineRecoversTheFigure) {
  auto atr = network();
  EXPECT_EQ(wrong_interior_pixels(atr, core::parsing_input_blob(photo, kAtrSize)), 0);
}

TEST_F(ParsingNetworkTest, RgbInsteadOfBgrIsCaught) {
  auto atr = network();
  cv::Mat rgb;
  cv::cvtColor(photo, rgb, cv::COLOR_BGR2RGB);
  EXPECT_GT(wrong_interior_pixels(atr, core::parsing_input_blob(rgb, kAtrSize)), 100000);
}

TEST_F(ParsingNetworkTest, MeanInRgbOrderIsCaught) {
  auto atr = network();
  core::ParsingNormalization swapped;
  std::swap(swapped.mean[0], swapped.mean[2]);
  EXPECT_GT(wrong_interior_pixels(atr, core::parsing_input_blob(photo, kAtrSize, swapped)), 100000);
}

TEST_F(ParsingNetworkTest, MissingStdIsCaught) {
  auto atr = network();
  core::ParsingNormalization no_std;
  no_std.std = {1.0, 1.0, 1.0};
  EXPECT_GT(wrong_interior_pixels(atr, core::parsing_input_blob(photo, kAtrSize, no_std)), 100000);
}

TEST_F(ParsingNetworkTest, StretchingInsteadOfTheAffineWarpIsCaught) {
  auto atr = network();
  cv::Mat stretched;
  cv::resize(photo, stretched, cv::Size(kAtrSize, kAtrSize), 0, 0, cv::INTER_LINEAR);
  // Feed the stretched picture as if it were the warped one (identity warp for an S x S image).
  const cv::Mat blob = core::parsing_input_blob(stretched, kAtrSize);
  EXPECT_GT(wrong_interior_pixels(atr, blob), 10000);
}

TEST_F(ParsingNetworkTest, TheFirstOutputOrTheFirstSortedOneIsCaught) {
  for (const char* wrong : {"1187", "1160"}) {
    if (std::string(wrong) == "1160") {
      // The edge output has 2 channels, not 18: loading refuses it.
      EXPECT_THROW(network(wrong), core::SetupError);
      continue;
    }
    auto atr = network(wrong);
    EXPECT_GT(wrong_interior_pixels(atr, core::parsing_input_blob(photo, kAtrSize)), 100000) << wrong;
  }
}

TEST_F(ParsingNetworkTest, AnUnknownOutputNameListsTheDeclaredOnes) {
  try {
    network("fusion");
    FAIL() << "expected SetupError";
  } catch (const core::SetupError& error) {
    EXPECT_NE(std::string(error.what()).find("has no output named \"fusion\" (it declares 1187, 1191, 1160)"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
