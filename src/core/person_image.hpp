#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace mc::core {

// docs/algorithm.md section 1, steps 2-3: centre-crop an 8-bit BGR image to aspect 3:4
// (full height kept; black columns where it is narrower) and resize it to
// 768 x 1024 (area interpolation when shrinking, bicubic when enlarging).
// The black-padded crop of a narrow image is a buffer of its own: when it
// would hold more than `max_canvas_pixels` pixels (MAX_IMAGE_PIXELS; a
// 1 x 65535 image pads to 49151 x 65535), throws InputError naming the sizes.
cv::Mat to_person_image(const cv::Mat& bgr, std::uint64_t max_canvas_pixels);

// The problem to_person_image would report for a `width` x `height` image, or
// an empty string.
std::string person_canvas_problem(std::int64_t width, std::int64_t height, std::uint64_t max_canvas_pixels);

}  // namespace mc::core
