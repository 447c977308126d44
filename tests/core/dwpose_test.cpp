// core::dwpose's steps on hand-made network outputs (the whole pipeline is compared with
// rtmlib in tests/inference/dwpose_reference_test.cpp), and the hand region of `protect`.
#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "core/dwpose.hpp"
#include "core/errors.hpp"
#include "core/mask_options.hpp"

namespace {

namespace dwpose = mc::core::dwpose;

cv::Mat detector_output() {
  const std::array<int, 3> shape{1, 8400, 6};
  return {3, shape.data(), CV_32F, cv::Scalar(0)};
}

void set_cell(cv::Mat& output, int index, std::array<float, 6> values) {
  for (int i = 0; i < 6; ++i) output.ptr<float>(0, index)[i] = values[static_cast<std::size_t>(i)];
}

TEST(DwposeBoxes, GridCellsDecodeToBoxesAndNmsKeepsTheBest) {
  cv::Mat output = detector_output();
  // Stride-32 cells start after 80 x 80 + 40 x 40 = 8000; cell (x 5, y 3) is 8000 + 3 * 20 + 5.
  const int cell = 8000 + 3 * 20 + 5;
  set_cell(output, cell, {0.5F, 0.25F, std::log(4.0F), std::log(8.0F), 0.9F, 0.8F});
  set_cell(output, cell + 1, {0.0F, 0.25F, std::log(4.0F), std::log(8.0F), 0.9F, 0.7F});   // overlaps: dropped
  set_cell(output, cell + 10, {0.5F, 0.5F, std::log(2.0F), std::log(2.0F), 0.5F, 0.58F});  // 0.29: not above 0.3
  set_cell(output, 100, {0.5F, 0.5F, std::log(2.0F), std::log(2.0F), 0.6F, 0.6F});         // stride 8, 0.36: kept
  const auto boxes = dwpose::person_boxes(output, 0.5);
  ASSERT_EQ(boxes.size(), 2U);
  // centre ((5.5) * 32, (3.25) * 32) = (176, 104), size 128 x 256, then / 0.5.
  EXPECT_FLOAT_EQ(boxes[0].x1, (176.0F - 64.0F) / 0.5F);
  EXPECT_FLOAT_EQ(boxes[0].y1, (104.0F - 128.0F) / 0.5F);
  EXPECT_FLOAT_EQ(boxes[0].x2, (176.0F + 64.0F) / 0.5F);
  EXPECT_FLOAT_EQ(boxes[0].y2, (104.0F + 128.0F) / 0.5F);
  EXPECT_FLOAT_EQ(boxes[0].score, 0.9F * 0.8F);
  EXPECT_FLOAT_EQ(boxes[1].score, 0.6F * 0.6F);
}

TEST(DwposeBoxes, AnOutputOfAnotherShapeIsRefused) {
  const std::array<int, 3> shape{1, 100, 85};
  EXPECT_THROW(dwpose::person_boxes(cv::Mat(3, shape.data(), CV_32F, cv::Scalar(0)), 1.0), std::runtime_error);
}

TEST(DwposeSimcc, ArgmaxOverSplitBinsMinimumScoreAndTheInverseCrop) {
  const std::array<int, 3> x_shape{1, 133, 576};
  const std::array<int, 3> y_shape{1, 133, 768};
  cv::Mat x(3, x_shape.data(), CV_32F, cv::Scalar(0));
  cv::Mat y(3, y_shape.data(), CV_32F, cv::Scalar(0));
  x.ptr<float>(0, 0)[288] = 0.9F;  // keypoint 0 at the crop's centre column
  y.ptr<float>(0, 0)[100] = 0.4F;
  y.ptr<float>(0, 1)[10] = -0.1F;  // keypoint 1: no positive response
  dwpose::Crop crop;
  crop.center = {100.0, 200.0};
  crop.scale = {144.0, 192.0};  // half the input size: a network pixel is half an image pixel
  const dwpose::WholeBody body = dwpose::decode_simcc(x, y, crop);
  EXPECT_DOUBLE_EQ(body.points[0].x, 144.0 / 288.0 * 144.0 + 100.0 - 72.0);
  EXPECT_DOUBLE_EQ(body.points[0].y, 50.0 / 384.0 * 192.0 + 200.0 - 96.0);
  EXPECT_FLOAT_EQ(static_cast<float>(body.scores[0]), 0.4F);
  // DWPose's location -1 for a score <= 0, back through the crop.
  EXPECT_DOUBLE_EQ(body.points[1].x, -0.5 / 288.0 * 144.0 + 100.0 - 72.0);
  EXPECT_EQ(body.scores[1], 0.0);
}

dwpose::WholeBody person_with(double score) {
  dwpose::WholeBody body;
  for (std::size_t i = 0; i < body.points.size(); ++i) {
    body.points[i] = {static_cast<double>(i), 2.0 * static_cast<double>(i)};
    body.scores[i] = score;
  }
  return body;
}

TEST(DwposeOpenPose, NeckIsTheShouldersMeanShownWhenBothScoreAbovePointThree) {
  dwpose::WholeBody body = person_with(0.9);
  body.scores[5] = 0.31;
  body.scores[6] = 0.31;
  dwpose::OpenPosePerson mapped = dwpose::to_openpose(body);
  EXPECT_EQ(mapped.points[1], cv::Point2d(5.5, 11.0));
  EXPECT_EQ(mapped.scores[1], 1.0);
  EXPECT_EQ(mapped.points[2], body.points[6]) << "OpenPose's right shoulder is COCO's 6";
  EXPECT_EQ(mapped.points[5], body.points[5]);
  EXPECT_EQ(mapped.points[0], body.points[0]);
  EXPECT_EQ(mapped.points[14], body.points[2]) << "right eye";
  EXPECT_EQ(mapped.points[17], body.points[3]) << "left ear";
  EXPECT_EQ(mapped.points[18], body.points[17]) << "then the feet, face and hands in COCO-WholeBody's order";
  EXPECT_EQ(mapped.points[133], body.points[132]);
  body.scores[6] = 0.3;
  EXPECT_EQ(dwpose::to_openpose(body).scores[1], 0.0);
}

TEST(DwposeChoice, MostVisibleBodyPointsThenTheirScoreInWorkPixels) {
  dwpose::WholeBody weak = person_with(0.5);
  dwpose::WholeBody strong = person_with(0.6);
  dwpose::WholeBody fewer = person_with(0.95);
  fewer.scores[0] = 0.1;
  strong.scores[100] = 0.2;  // a left-hand point it does not see
  const auto result = dwpose::choose_person(
      {dwpose::to_openpose(fewer), dwpose::to_openpose(weak), dwpose::to_openpose(strong)}, 3, cv::Size(768, 1024));
  EXPECT_EQ(result.pose.people_found, 3);
  EXPECT_FLOAT_EQ(result.pose.scores[0], 0.6F);
  EXPECT_EQ(result.pose.keypoints[0], cv::Point2f(0.0F, 0.0F));
  EXPECT_EQ(result.pose.keypoints[5], cv::Point2f(2.5F, 5.0F)) << "COCO 5 at (5, 10), halved to 384 x 512";
  EXPECT_EQ(result.hands[0].size(), 20U);
  EXPECT_EQ(result.hands[1].size(), 21U);
  ASSERT_EQ(result.pose.warnings.size(), 1U);
  EXPECT_EQ(result.pose.warnings[0], "3 people detected; using the one with the most body parts (18 of 18)");
}

// DWPose places joints beyond the frame (and a degenerate box can make them
// NaN); OpenPose never reports such points, and the mask rules draw from them.
TEST(DwposeChoice, PointsOutsideTheImageOrNotFiniteAreNotVisible) {
  dwpose::WholeBody body = person_with(0.9);
  body.points[7] = {-10.0, 10.0};                                    // left elbow, OpenPose 6
  body.points[9] = {std::numeric_limits<double>::quiet_NaN(), 5.0};  // left wrist, OpenPose 7
  body.points[10] = {10.0, 2000.0};                                  // right wrist, OpenPose 4
  body.points[91] = {800.0, 5.0};                                    // a left-hand point
  const auto result = dwpose::choose_person({dwpose::to_openpose(body)}, 1, cv::Size(768, 1024));
  for (const std::size_t hidden : {4U, 6U, 7U}) {
    EXPECT_EQ(result.pose.keypoints[hidden], cv::Point2f(0.0F, 0.0F)) << hidden;
    EXPECT_EQ(result.pose.scores[hidden], 0.0F) << hidden;
  }
  EXPECT_EQ(result.pose.keypoints[5], cv::Point2f(2.5F, 5.0F)) << "a point inside is kept";
  EXPECT_EQ(result.hands[0].size(), 20U);
  EXPECT_EQ(result.hands[1].size(), 21U);
}

TEST(DwposeChoice, NoVisibleBodyPointIsNoPerson) {
  EXPECT_THROW(dwpose::choose_person({dwpose::to_openpose(person_with(0.2))}, 0, cv::Size(768, 1024)),
               mc::core::InputError);
  EXPECT_THROW(dwpose::choose_person({}, 0, cv::Size(768, 1024)), mc::core::InputError);
}

TEST(HandRegion, ProtectCoversTheHandsHullInsteadOfTheWristDisc) {
  mc::core::Keypoints keypoints{};
  keypoints[mc::core::kLeftElbow] = {100.0F, 100.0F};
  keypoints[mc::core::kLeftWrist] = {100.0F, 140.0F};
  keypoints[mc::core::kRightElbow] = {300.0F, 100.0F};
  keypoints[mc::core::kRightWrist] = {300.0F, 140.0F};
  mc::core::HandKeypoints hands;
  hands[0] = {{150.0F, 300.0F}, {170.0F, 300.0F}, {160.0F, 330.0F}};  // left hand, away from its wrist
  const auto discs = mc::core::hand_discs(keypoints, hands);
  ASSERT_EQ(discs.size(), 1U) << "the right side keeps its disc";
  EXPECT_EQ(discs[0].centre, cv::Point2d(600.0, 320.0));
  const auto regions = mc::core::hand_regions(hands);
  ASSERT_EQ(regions.size(), 1U);
  EXPECT_EQ(regions[0].margin, 15) << "0.25 x the hull's longer side (60 px at 768 x 1024)";
  const cv::Mat parse(1024, 768, CV_8UC1, cv::Scalar(0));
  const cv::Mat covered = mc::core::protection_mask(parse, {mc::core::ProtectedPart::kHands}, discs, regions);
  EXPECT_EQ(covered.at<std::uint8_t>(620, 320), 255) << "inside the hull";
  EXPECT_EQ(covered.at<std::uint8_t>(600, 290), 255) << "within the margin";
  EXPECT_EQ(covered.at<std::uint8_t>(600, 270), 0) << "beyond it";
  EXPECT_EQ(covered.at<std::uint8_t>(320, 200), 0) << "no disc at the left wrist";
  EXPECT_EQ(covered.at<std::uint8_t>(320, 600), 255) << "the right wrist's disc";
}

}  // namespace
