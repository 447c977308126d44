// docs/algorithm.md section 2: the pure pre- and post-processing around the SCHP networks.
#include <gtest/gtest.h>

#include <array>

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"
#include "core/parsing.hpp"

namespace {

using namespace mc::core;

cv::Mat logits_blob(const std::vector<cv::Mat>& planes) {
  const std::array<int, 4> shape{1, static_cast<int>(planes.size()), planes[0].rows, planes[0].cols};
  cv::Mat blob(4, shape.data(), CV_32F);
  for (int c = 0; c < shape[1]; ++c) {
    planes[static_cast<std::size_t>(c)].copyTo(cv::Mat(shape[2], shape[3], CV_32F, blob.ptr<float>(0, c)));
  }
  return blob;
}

TEST(ParsingAffine, ScalesUniformlyAndCentresThePersonImage) {
  const cv::Mat m = parsing_affine({768, 1024}, 512);
  const double scale = 511.0 / 1023.0;
  EXPECT_NEAR(m.at<double>(0, 0), scale, 1e-9);
  EXPECT_NEAR(m.at<double>(1, 1), scale, 1e-9);
  EXPECT_NEAR(m.at<double>(0, 1), 0.0, 1e-9);
  EXPECT_NEAR(m.at<double>(1, 0), 0.0, 1e-9);
  // The image centre lands on the input centre: black bars left and right.
  EXPECT_NEAR(m.at<double>(0, 0) * 383.5 + m.at<double>(0, 2), 255.5, 1e-6);
  EXPECT_NEAR(m.at<double>(1, 1) * 511.5 + m.at<double>(1, 2), 255.5, 1e-6);
}

TEST(ParsingInput, NormalisesBgrWithTheSchpMeanAndStd) {
  const cv::Mat image(1024, 768, CV_8UC3, cv::Scalar(200, 100, 50));  // B, G, R
  const cv::Mat blob = parsing_input_blob(image, 473);
  ASSERT_EQ(blob.size[1], 3);
  ASSERT_EQ(blob.size[2], 473);
  const std::array<double, 3> expected{(200 / 255.0 - 0.406) / 0.225, (100 / 255.0 - 0.456) / 0.224,
                                       (50 / 255.0 - 0.485) / 0.229};
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(blob.ptr<float>(0, c)[236 * 473 + 236], expected[static_cast<std::size_t>(c)], 1e-5) << c;
    // The bars left and right are black before normalisation.
    EXPECT_NEAR(blob.ptr<float>(0, c)[236 * 473 + 5],
                -ParsingNormalization{}.mean[static_cast<std::size_t>(c)] /
                    ParsingNormalization{}.std[static_cast<std::size_t>(c)],
                1e-5);
  }
}

TEST(ParsingLabels, UpsamplesWithAlignedCornersAndFirstMaximumWins) {
  // S x S image: the warp is the identity, so only the upsampling shows.
  // Class 1 rises 0 -> 1 across two columns; upsampled to 5 columns it reads
  // 0, .25, .5, .75, 1. Class 0 is 0.5 everywhere: column 2 ties, class 0 wins.
  const cv::Mat constant(2, 2, CV_32F, cv::Scalar(0.5));
  const cv::Mat ramp = (cv::Mat_<float>(2, 2) << 0, 1, 0, 1);
  const cv::Mat labels = parsing_labels(logits_blob({constant, ramp}), 5, {5, 5});
  const std::array<int, 5> expected{0, 0, 0, 1, 1};
  for (int x = 0; x < 5; ++x) EXPECT_EQ(labels.at<std::uint8_t>(2, x), expected[static_cast<std::size_t>(x)]) << x;
}

TEST(ParsingLabels, WarpsBackToTheImageSize) {
  // One class wins on the left half of the network input, another on the right.
  cv::Mat left(64, 64, CV_32F, cv::Scalar(0));
  left(cv::Rect(0, 0, 32, 64)).setTo(1);
  const cv::Mat right = 1 - left;
  const cv::Mat labels = parsing_labels(logits_blob({left, right}), 256, {768, 1024});
  ASSERT_EQ(labels.size(), cv::Size(768, 1024));
  EXPECT_EQ(labels.at<std::uint8_t>(512, 300), 0);
  EXPECT_EQ(labels.at<std::uint8_t>(512, 468), 1);
}

TEST(AtrRefinement, FillsSmallHolesKeepsBigOnesAndArms) {
  cv::Mat labels(400, 400, CV_8UC1, cv::Scalar(kBackground));
  cv::rectangle(labels, {50, 50}, {350, 350}, kUpperClothes, cv::FILLED);
  cv::rectangle(labels, {80, 80}, {100, 100}, kBackground, cv::FILLED);  // small hole: 441 px
  cv::rectangle(labels, {200, 200}, {300, 300}, kBag, cv::FILLED);       // big hole: 10201 px
  cv::rectangle(labels, {60, 300}, {120, 340}, kLeftArm, cv::FILLED);    // arm inside the region
  cv::rectangle(labels, {360, 0}, {399, 60}, kHair, cv::FILLED);         // outside the region
  const cv::Mat refined = refine_atr_labels(labels);
  EXPECT_EQ(refined.at<std::uint8_t>(90, 90), kUpperClothes);
  EXPECT_EQ(refined.at<std::uint8_t>(250, 250), kBag);
  EXPECT_EQ(refined.at<std::uint8_t>(320, 90), kLeftArm);
  EXPECT_EQ(refined.at<std::uint8_t>(10, 380), kHair);
  EXPECT_EQ(refined.at<std::uint8_t>(10, 10), kBackground);
}

TEST(AtrRefinement, KeepsTheReferenceWrapAroundForArmsInsideABigHole) {
  cv::Mat labels(400, 400, CV_8UC1, cv::Scalar(kBackground));
  cv::rectangle(labels, {50, 50}, {350, 350}, kUpperClothes, cv::FILLED);
  cv::rectangle(labels, {150, 150}, {250, 250}, kBag, cv::FILLED);       // big hole
  cv::rectangle(labels, {190, 190}, {210, 210}, kRightArm, cv::FILLED);  // arm island inside it
  const cv::Mat refined = refine_atr_labels(labels);
  EXPECT_EQ(refined.at<std::uint8_t>(160, 160), kBag);
  EXPECT_EQ(refined.at<std::uint8_t>(200, 200), kUpperClothes) << "255 + 1 wraps to 0 in uint8";
}

TEST(Neck, IsAtrFaceWhereLipDoesNotSayFace) {
  const cv::Mat atr = (cv::Mat_<std::uint8_t>(1, 3) << kFace, kFace, kHair);
  const cv::Mat lip = (cv::Mat_<std::uint8_t>(1, 3) << 13, 10, 10);
  const cv::Mat merged = merge_neck(atr, lip);
  EXPECT_EQ(merged.at<std::uint8_t>(0, 0), kFace);
  EXPECT_EQ(merged.at<std::uint8_t>(0, 1), kNeck);
  EXPECT_EQ(merged.at<std::uint8_t>(0, 2), kHair);
}

}  // namespace
