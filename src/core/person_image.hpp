#pragma once

#include <opencv2/core.hpp>

namespace mc::core {

// docs/algorithm.md section 1, steps 2-3: centre-crop an 8-bit BGR image to aspect 3:4
// (full height kept; black columns where it is narrower) and resize it to
// 768 x 1024 (area interpolation when shrinking, bicubic when enlarging).
cv::Mat to_person_image(const cv::Mat& bgr);

}  // namespace mc::core
