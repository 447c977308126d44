#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/label_map.hpp"

namespace {

using mc::core::InputError;
using mc::core::normalize_label_map;

TEST(LabelMap, ResizesOtherSizesWithNearestNeighbour) {
  cv::Mat small(512, 384, CV_8UC1, cv::Scalar(0));
  small(cv::Rect(0, 0, 192, 512)).setTo(7);
  const cv::Mat full = normalize_label_map(small);
  ASSERT_EQ(full.size(), cv::Size(768, 1024));
  EXPECT_EQ(full.at<std::uint8_t>(500, 383), 7);
  EXPECT_EQ(full.at<std::uint8_t>(500, 384), 0);
  double max_value = 0;
  cv::minMaxLoc(full, nullptr, &max_value);
  EXPECT_EQ(max_value, 7.0) << "nearest neighbour invents no labels";
}

TEST(LabelMap, RejectsWrongChannelsDepthAndLabels) {
  EXPECT_THROW(normalize_label_map(cv::Mat(1024, 768, CV_8UC3, cv::Scalar(0))), InputError);
  EXPECT_THROW(normalize_label_map(cv::Mat(1024, 768, CV_16UC1, cv::Scalar(0))), InputError);
  EXPECT_THROW(normalize_label_map(cv::Mat()), InputError);
  try {
    normalize_label_map(cv::Mat(1024, 768, CV_8UC1, cv::Scalar(42)));
    FAIL();
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "label map holds label 42; labels must be 0..18");
  }
}

}  // namespace
