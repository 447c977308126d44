#include "support/mannequin.hpp"

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

namespace mc::test_support {

using namespace mc::core;

namespace {
cv::Scalar label(int id) { return cv::Scalar(id); }
}  // namespace

Mannequin make_mannequin(const MannequinOptions& options) {
  Mannequin m;
  m.parse = cv::Mat::zeros(kImageHeight, kImageWidth, CV_8UC1);
  cv::Mat& p = m.parse;

  // Head: hair behind the face, optional hat and sunglasses on top.
  cv::ellipse(p, {384, 100}, {66, 45}, 0, 0, 360, label(kHair), cv::FILLED);
  cv::ellipse(p, {384, 150}, {58, 72}, 0, 0, 360, label(kFace), cv::FILLED);
  if (options.hat) cv::rectangle(p, {326, 40}, {442, 80}, label(kHat), cv::FILLED);
  if (options.sunglasses) cv::rectangle(p, {340, 128}, {428, 150}, label(kSunglasses), cv::FILLED);
  cv::rectangle(p, {356, 215}, {412, 270}, label(kNeck), cv::FILLED);

  // Lower body first, so that the torso overlaps its waist.
  switch (options.lower) {
    case LowerGarment::kPants:
      cv::rectangle(p, {272, 560}, {380, 900}, label(kPants), cv::FILLED);
      cv::rectangle(p, {388, 560}, {496, 900}, label(kPants), cv::FILLED);
      cv::rectangle(p, {272, 560}, {496, 620}, label(kPants), cv::FILLED);
      break;
    case LowerGarment::kSkirt:
    case LowerGarment::kDress: {
      const std::array<cv::Point, 4> skirt = {{{272, 540}, {496, 540}, {540, 760}, {228, 760}}};
      cv::fillConvexPoly(p, skirt.data(), 4, label(options.lower == LowerGarment::kSkirt ? kSkirt : kDress));
      break;
    }
  }
  if (options.lower == LowerGarment::kPants) {
    cv::rectangle(p, {288, 900}, {364, 950}, label(kRightLeg), cv::FILLED);
    cv::rectangle(p, {404, 900}, {480, 950}, label(kLeftLeg), cv::FILLED);
  } else {
    cv::rectangle(p, {290, 760}, {364, 950}, label(kRightLeg), cv::FILLED);
    cv::rectangle(p, {404, 760}, {478, 950}, label(kLeftLeg), cv::FILLED);
  }
  cv::rectangle(p, {262, 950}, {372, 1000}, label(kRightShoe), cv::FILLED);
  cv::rectangle(p, {396, 950}, {506, 1000}, label(kLeftShoe), cv::FILLED);

  const int torso = options.lower == LowerGarment::kDress ? kDress : kUpperClothes;
  cv::rectangle(p, {268, 268}, {500, 560}, label(torso), cv::FILLED);

  // Arms, the person's right on the image's left. They continue past the wrist: the hands.
  cv::line(p, {290, 300}, {222, 440}, label(kRightArm), 44);
  cv::line(p, {222, 440}, {168, 700}, label(kRightArm), 40);
  cv::line(p, {478, 300}, {546, 440}, label(kLeftArm), 44);
  cv::line(p, {546, 440}, {600, 700}, label(kLeftArm), 40);

  if (options.bag) cv::rectangle(p, {652, 520}, {740, 660}, label(kBag), cv::FILLED);

  // Keypoints at half resolution.
  auto& k = m.keypoints;
  k[kNose] = {192, 80};
  k[kNeckPoint] = {192, 128};
  k[kRightShoulder] = {145, 150};
  k[kRightElbow] = {111, 220};
  k[kRightWrist] = {95, 295};
  k[kLeftShoulder] = {239, 150};
  k[kLeftElbow] = {273, 220};
  k[kLeftWrist] = {289, 295};
  k[kRightHip] = {163, 290};
  k[kRightKnee] = {163, 370};
  k[kRightAnkle] = {163, 468};
  k[kLeftHip] = {221, 290};
  k[kLeftKnee] = {221, 370};
  k[kLeftAnkle] = {221, 468};
  k[kRightEye] = {180, 70};
  k[kLeftEye] = {204, 70};
  k[kRightEar] = {165, 76};
  k[kLeftEar] = {219, 76};
  return m;
}

cv::Point2f extended_wrist_full(const core::Keypoints& keypoints, bool right_side) {
  const cv::Point2f elbow = keypoints[right_side ? kRightElbow : kLeftElbow];
  const cv::Point2f wrist = keypoints[right_side ? kRightWrist : kLeftWrist];
  return (elbow + 1.2F * (wrist - elbow)) * 2.0F;
}

cv::Mat label_region(const cv::Mat& parse, int id) {
  cv::Mat region;
  cv::compare(parse, cv::Scalar(id), region, cv::CMP_EQ);
  return region;
}

cv::Mat inset(const cv::Mat& region, int margin) {
  if (margin <= 0) return region.clone();
  cv::Mat out;
  cv::erode(region, out, cv::Mat::ones(2 * margin + 1, 2 * margin + 1, CV_8UC1), cv::Point(-1, -1), 1,
            cv::BORDER_CONSTANT, cv::Scalar(0));
  return out;
}

int masked_pixels(const cv::Mat& mask, const cv::Mat& region) {
  cv::Mat both;
  cv::bitwise_and(mask, region, both);
  return cv::countNonZero(both);
}

}  // namespace mc::test_support
