#include "core/category_mask.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/label_map.hpp"
#include "core/labels.hpp"
#include "core/morphology.hpp"
#include "core/pillow_draw.hpp"
#include "core/pillow_resize.hpp"

namespace mc::core {

namespace {

// Reference quirk: the reference casts the polyline's six numbers to uint16,
// which truncates them and wraps negative ones to huge values. We keep the
// truncation but clip to the uint16 range instead of wrapping (docs/algorithm.md section 4
// step 3). The argument is double: the reference computes in float64.
int to_uint16_clipped(double value) {
  return static_cast<int>(
      std::clamp(std::trunc(value), 0.0, static_cast<double>(std::numeric_limits<std::uint16_t>::max())));
}

// The reference's own cast, kept by the mask profiles: numpy 1.24 on x86-64
// truncates to a 64-bit integer and keeps its low 16 bits.
int to_uint16_wrapped(double value) {
  const double truncated = std::trunc(value);
  // Beyond the int64 range numpy's result is unspecified; clip there.
  constexpr double kLimit = 9.0e18;
  const auto whole = static_cast<std::int64_t>(std::clamp(truncated, -kLimit, kLimit));
  return static_cast<int>(static_cast<std::uint16_t>(static_cast<std::uint64_t>(whole) & 0xFFFFU));
}

bool wrist_missing(cv::Point2f wrist) { return wrist.x <= 1.0F && wrist.y <= 1.0F; }

// docs/algorithm.md section 4 step 6: the dilated neck without the head, rows above the
// cut-off cleared so that only the lower (1 - f) share of the neck is masked.
cv::Mat neck_region(const cv::Mat& neck_labels, const cv::Mat& head, int radius, double neck_fraction) {
  cv::Mat neck;
  cv::dilate(neck_labels, neck, square_kernel(radius), cv::Point(-1, -1), 1);
  neck.setTo(0, head);
  cv::Mat rows;
  cv::reduce(neck, rows, 1, cv::REDUCE_MAX);
  int first = -1;
  int last = -1;
  for (int y = 0; y < rows.rows; ++y) {
    if (rows.at<std::uint8_t>(y) != 0) {
      if (first < 0) first = y;
      last = y;
    }
  }
  if (first >= 0) {
    const int cutoff = first + static_cast<int>((last - first) * (1.0 - neck_fraction));
    neck.rowRange(0, std::clamp(cutoff, 0, neck.rows)).setTo(0);
  }
  return neck;
}

}  // namespace

// Everything outside the mask's bounding box is background connected to the
// border, so the flood fill runs on the box grown by a zero ring.
void fill_holes_and_smooth(cv::Mat& mask) {
  mask.row(0).setTo(0);
  mask.row(mask.rows - 1).setTo(0);
  mask.col(0).setTo(0);
  mask.col(mask.cols - 1).setTo(0);
  const cv::Rect roi = grown_box(mask, 1);
  if (roi.empty()) return;
  cv::Mat window = mask(roi);
  cv::Mat reached = window.clone();
  cv::floodFill(reached, cv::Point(0, 0), cv::Scalar(255));
  cv::Mat holes;
  cv::bitwise_not(reached, holes);
  cv::bitwise_or(window, holes, window);
  close_then_open(mask, ellipse_kernel(3), 2, 1);
}

cv::Mat largest_region(const cv::Mat& mask) {
  cv::Mat out = cv::Mat::zeros(mask.size(), CV_8UC1);
  const cv::Rect roi = grown_box(mask, 1);
  if (roi.empty()) return out;
  std::vector<std::vector<cv::Point>> contours;
  std::vector<cv::Vec4i> hierarchy;
  cv::findContours(mask(roi), contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_TC89_L1, roi.tl());
  if (contours.empty()) return out;
  std::size_t best = 0;
  double best_area = -1.0;
  for (std::size_t i = 0; i < contours.size(); ++i) {
    const double area = std::abs(cv::contourArea(contours[i], true));
    if (area > best_area) {  // first maximum wins, as Python's list.index(max(...))
      best_area = area;
      best = i;
    }
  }
  cv::drawContours(out, contours, static_cast<int>(best), cv::Scalar(255), cv::FILLED);
  return out;
}

cv::Mat draw_arm_image(cv::Size size, cv::Point2f shoulder, cv::Point2f elbow, cv::Point2f wrist, ArmSide side,
                       int width, bool wrap_uint16) {
  cv::Mat image = cv::Mat::zeros(size, CV_8UC1);
  // float64 as in the reference (numpy arrays of Python floats).
  const cv::Point2d s(shoulder);
  const cv::Point2d e(elbow);
  const cv::Point2d extended_wrist = e + kWristExtension * (cv::Point2d(wrist) - e);
  // Reference quirk kept: a missing shoulder or elbow is (0, 0) and is drawn there.
  auto cast = wrap_uint16 ? to_uint16_wrapped : to_uint16_clipped;
  auto vertex = [cast](cv::Point2d p) { return cv::Point(cast(p.x), cast(p.y)); };
  std::array<cv::Point, 3> polyline = {vertex(s), vertex(e), vertex(extended_wrist)};
  // The reference lists the left arm from the wrist; Pillow's wide lines and
  // joints are not symmetric in the direction, so the order matters.
  if (side == ArmSide::kLeft) std::reverse(polyline.begin(), polyline.end());
  pillow::line(image, polyline, width, true);
  // The shoulder ring uses the unrounded shoulder (Pillow's C layer truncates the box).
  const double half = width / 2;
  pillow::arc(image, {s.x - half, s.y - half, s.x + half, s.y + half}, 0.0, 360.0, width / 2);
  return image;
}

PartInputs::PartInputs(const cv::Mat& parse_full, const Keypoints& keypoints) {
  // The reference shrinks with Pillow's NEAREST (OpenCV's nearest modes read other pixels).
  parse_ = pillow::resize_nearest(normalize_label_map(parse_full), cv::Size(kWorkWidth, kWorkHeight));

  struct Side {
    KeypointId shoulder, elbow, wrist;
    Label arm_label;
    ArmSide side;
  };
  const std::array<Side, 2> sides = {{{kRightShoulder, kRightElbow, kRightWrist, kRightArm, ArmSide::kRight},
                                      {kLeftShoulder, kLeftElbow, kLeftWrist, kLeftArm, ArmSide::kLeft}}};
  arm_images_ = cv::Mat::zeros(parse_.size(), CV_8UC1);
  hands_ = cv::Mat::zeros(parse_.size(), CV_8UC1);
  for (const auto& side : sides) {
    const cv::Mat parsed_arm = LabelSet{side.arm_label}.select(parse_);
    // A missing wrist falls back to the parsed arm of that side.
    const cv::Mat arm_image = wrist_missing(keypoints[side.wrist])
                                  ? parsed_arm
                                  : draw_arm_image(parse_.size(), keypoints[side.shoulder], keypoints[side.elbow],
                                                   keypoints[side.wrist], side.side);
    cv::bitwise_or(arm_images_, arm_image, arm_images_);
    cv::Mat hand;
    cv::bitwise_not(arm_image, hand);
    cv::bitwise_and(hand, parsed_arm, hand);
    cv::bitwise_or(hands_, hand, hands_);
  }
  cv::dilate(arm_images_, dilated_arm_images_, square_kernel(5), cv::Point(-1, -1), 4);
  head_ = LabelSet{kHat, kSunglasses, kFace}.select(parse_);
  neck_ = LabelSet{kNeck}.select(parse_);
}

cv::Mat category_mask(const PartInputs& inputs, const PartSpec& part, double neck_fraction) {
  if (part.radius < 1) throw InputError("dilation radius must be at least 1");
  const cv::Mat& parse = inputs.parse();
  LabelSet fixed_labels{kHat, kSunglasses, kBag};
  if (!part.mask_shoes) fixed_labels.add(LabelSet{kLeftShoe, kRightShoe});
  LabelSet target_labels;
  switch (part.category) {
    case Category::kDresses:
      target_labels = {kUpperClothes, kSkirt, kPants, kDress};
      break;
    case Category::kUpperBody:
      target_labels = {kUpperClothes, kDress};
      fixed_labels.add(LabelSet{kSkirt, kPants});
      break;
    case Category::kLowerBody:
      target_labels = {kSkirt, kPants, kLeftLeg, kRightLeg};
      if (part.mask_shoes) target_labels.add(LabelSet{kLeftShoe, kRightShoe});
      fixed_labels.add(LabelSet{kUpperClothes, kLeftArm, kRightArm});
      break;
  }
  const cv::Mat& head = inputs.head();
  cv::Mat fixed = fixed_labels.select(parse);
  const bool draws_arms = part.category != Category::kLowerBody;
  if (draws_arms) cv::bitwise_or(fixed, inputs.hands(), fixed);
  cv::bitwise_or(fixed, head, fixed);

  cv::Mat target = target_labels.select(parse);
  cv::dilate(target, target, square_kernel(part.radius), cv::Point(-1, -1), 5);
  if (draws_arms) {
    if (neck_fraction > 0.0) {
      cv::bitwise_or(target, neck_region(inputs.neck(), head, part.radius, neck_fraction), target);
    }
    cv::bitwise_or(target, inputs.dilated_arm_images(), target);
  }

  // Step 7: keep = (changeable and not target) or fixed; mask = not keep.
  // changeable (background plus every label not in fixed_labels) is exactly
  // not fixed_labels, and fixed contains fixed_labels, so keep = not target or
  // fixed and mask = target and not fixed.
  cv::Mat mask;
  cv::bitwise_not(fixed, mask);
  cv::bitwise_and(mask, target, mask);
  fill_holes_and_smooth(mask);
  return largest_region(mask);
}

}  // namespace mc::core
