#pragma once

#include <opencv2/core.hpp>

namespace mc::core {

// Checks that `labels` is a single-channel 8-bit label map with ids 0..18 and
// brings it to 768 x 1024 with Pillow's nearest-neighbour resampling when it
// has another size. Throws InputError naming the problem.
cv::Mat normalize_label_map(const cv::Mat& labels);

}  // namespace mc::core
