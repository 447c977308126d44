#pragma once

#include <opencv2/core.hpp>

namespace mc::core::pillow {

// PIL.Image.resize(size, Image.NEAREST) of Pillow 9.4 on a single-plane image
// of any depth. Pillow walks the source with an accumulated double step
// (x0 = in / out * 0.5, then += in / out per output pixel) and truncates, so
// output x reads source floor(0.5 * s + x * s) with that sum's rounding, not
// OpenCV's INTER_NEAREST(_EXACT) source pixel: on a 2:1 shrink Pillow reads
// 2x + 1 where OpenCV reads 2x. A same-size resize is a copy.
cv::Mat resize_nearest(const cv::Mat& src, cv::Size size);

}  // namespace mc::core::pillow

namespace mc::core::pillow {

// PIL.Image.resize(size) of Pillow 9.4 with its default filter for mode "L",
// BICUBIC (a = -0.5, support 2 scaled by the shrink factor), on a CV_8UC1
// image: libImaging/Resample.c's horizontal pass, rounded and clipped to 8
// bits, then its vertical pass, both with its 22-bit fixed-point weights. A
// same-size resize is a copy.
cv::Mat resize_bicubic(const cv::Mat& src, cv::Size size);

}  // namespace mc::core::pillow
