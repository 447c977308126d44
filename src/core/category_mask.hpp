#pragma once

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// Constants of docs/algorithm.md section 4.
inline constexpr int kArmLineWidth = 60;
inline constexpr double kWristExtension = 1.2;
inline constexpr double kNeckFraction = 0.4;

// What every part of one request shares: the 384 x 512 parse map, the head and
// neck regions and, for the upper-body and dress categories, the arm images
// drawn from the keypoints. Built once per request so that parts do not redo it.
class PartInputs {
 public:
  // parse_full: CV_8UC1 label map with labels 0..18, normally 768 x 1024 (other
  // sizes are resized with nearest neighbour). Throws InputError otherwise.
  PartInputs(const cv::Mat& parse_full, const Keypoints& keypoints);

  [[nodiscard]] const cv::Mat& parse() const { return parse_; }
  // Union of the left and right arm images (0/255), docs/algorithm.md section 4 step 3.
  [[nodiscard]] const cv::Mat& arm_images() const { return arm_images_; }
  // The arm images dilated with a 5 x 5 square, 4 iterations (step 6).
  [[nodiscard]] const cv::Mat& dilated_arm_images() const { return dilated_arm_images_; }
  // Parsed arm pixels outside their side's arm image (0/255): the hands.
  [[nodiscard]] const cv::Mat& hands() const { return hands_; }
  // Head pixels {1, 3, 11} (0/255).
  [[nodiscard]] const cv::Mat& head() const { return head_; }
  // Neck pixels, label 18 (0/255).
  [[nodiscard]] const cv::Mat& neck() const { return neck_; }

 private:
  cv::Mat parse_;
  cv::Mat arm_images_;
  cv::Mat dilated_arm_images_;
  cv::Mat hands_;
  cv::Mat head_;
  cv::Mat neck_;
};

enum class ArmSide { kRight, kLeft };

// Draws one side's arm image (docs/algorithm.md section 4 step 3) for a wrist that is present,
// pixel for pixel as the reference's Pillow 9.4 calls draw it: the polyline
// shoulder - elbow - extended wrist (the left side in the opposite order) of
// width kArmLineWidth with the "curve" joint, and a ring of width 30 in the
// 60 x 60 box around the unrounded shoulder. Exposed for tests. The mask
// profiles (core/mask_profiles.hpp) draw with another `width` (the ring then
// has width / 2 in a width x width box, integer halves) and `wrap_uint16`: the
// reference's uint16 cast wraps negative and too large vertices modulo 65536
// where seed clips them.
cv::Mat draw_arm_image(cv::Size size, cv::Point2f shoulder, cv::Point2f elbow, cv::Point2f wrist, ArmSide side,
                       int width = kArmLineWidth, bool wrap_uint16 = false);

// docs/algorithm.md section 4 step 8 on a 0/255 mask, in place: zero border, holes filled,
// closed twice then opened once with a 3 x 3 ellipse. Exposed for tests.
void fill_holes_and_smooth(cv::Mat& mask);

// docs/algorithm.md section 4 step 9: the first contour of largest absolute area, drawn
// filled (all zero when there is none). Exposed for tests.
cv::Mat largest_region(const cv::Mat& mask);

// The category mask of docs/algorithm.md section 4, steps 1 to 9, at 384 x 512 (0/255).
cv::Mat category_mask(const PartInputs& inputs, const PartSpec& part, double neck_fraction = kNeckFraction);

}  // namespace mc::core
