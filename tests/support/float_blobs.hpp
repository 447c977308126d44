#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>

namespace mc::test_support {

// A [1, channels, height, width] float32 blob that a Python script wrote
// with numpy's tofile().
inline cv::Mat read_float_blob(const std::filesystem::path& path, int channels, int height, int width) {
  const std::array<int, 4> shape{1, channels, height, width};
  cv::Mat blob(4, shape.data(), CV_32F);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(blob.data), static_cast<std::streamsize>(blob.total() * sizeof(float)));
  EXPECT_TRUE(in.good()) << path;
  return blob;
}

// Largest difference relative to the largest reference value.
inline double relative_error(const cv::Mat& got, const cv::Mat& expected) {
  EXPECT_EQ(got.total(), expected.total());
  double largest = 0;
  cv::minMaxIdx(cv::abs(expected), nullptr, &largest);
  return cv::norm(got.reshape(1, 1), expected.reshape(1, 1), cv::NORM_INF) / std::max(largest, 1e-12);
}

}  // namespace mc::test_support
