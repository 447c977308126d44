#include "core/labels.hpp"

#include <opencv2/core.hpp>

namespace mc::core {

cv::Mat LabelSet::select(const cv::Mat& labels) const {
  cv::Mat lut(1, 256, CV_8UC1);
  for (int i = 0; i < 256; ++i) lut.at<std::uint8_t>(i) = contains(i) ? 255 : 0;
  cv::Mat out;
  cv::LUT(labels, lut, out);
  return out;
}

}  // namespace mc::core
