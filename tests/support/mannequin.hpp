#pragma once

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"

namespace mc::test_support {

enum class LowerGarment { kPants, kSkirt, kDress };

struct MannequinOptions {
  LowerGarment lower = LowerGarment::kPants;
  bool hat = true;
  bool sunglasses = true;
  bool bag = true;
};

// A standing figure drawn with known labels: 768 x 1024 parse map and the
// matching 18 keypoints (384 x 512 coordinates). Arms hang away from the body
// and the parsed arms run on past the wrists (the hands).
struct Mannequin {
  cv::Mat parse;
  core::Keypoints keypoints{};
};

Mannequin make_mannequin(const MannequinOptions& options = {});

// The extended wrist of docs/algorithm.md section 4 (elbow + 1.2 (wrist - elbow)) at full resolution.
cv::Point2f extended_wrist_full(const core::Keypoints& keypoints, bool right_side);

// 0/255 image of the pixels of `parse` carrying `label`.
cv::Mat label_region(const cv::Mat& parse, int label);

// `region` shrunk by `margin` pixels on every side (a square erosion).
cv::Mat inset(const cv::Mat& region, int margin);

// How many pixels of `region` are 255 in `mask`.
int masked_pixels(const cv::Mat& mask, const cv::Mat& region);

}  // namespace mc::test_support
