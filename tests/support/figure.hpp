#pragma once

#include <filesystem>

#include <opencv2/core.hpp>

namespace mc::test_support {

// A photo of a parse map for the colour-keyed test parsers: every label painted
// in its palette colour (palette.json written by tests/models/make_test_models.py).
// Returns 8-bit BGR.
cv::Mat paint_figure(const cv::Mat& parse, const std::filesystem::path& palette_json);

// Fraction of pixels where two label maps agree.
double label_agreement(const cv::Mat& a, const cv::Mat& b);

// Pixels of `expected` whose (2 * margin + 1)^2 neighbourhood holds one label
// only, and how many of them `actual` labels differently.
struct InteriorCheck {
  int interior = 0;
  int wrong = 0;
};
InteriorCheck interior_mismatches(const cv::Mat& expected, const cv::Mat& actual, int margin);

// Intersection over union of two 0/255 masks (1 when both are empty).
double mask_iou(const cv::Mat& a, const cv::Mat& b);

}  // namespace mc::test_support
