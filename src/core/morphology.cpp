#include "core/morphology.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "core/pillow_resize.hpp"

namespace mc::core {

cv::Mat ellipse_kernel(int size) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(size, size)); }

cv::Mat square_kernel(int size) { return cv::Mat::ones(size, size, CV_8UC1); }

cv::Rect grown_box(const cv::Mat& mask, int margin) {
  const cv::Rect box = cv::boundingRect(mask);
  if (box.empty()) return {};
  return cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
         cv::Rect(0, 0, mask.cols, mask.rows);
}

void close_then_open(cv::Mat& mask, const cv::Mat& kernel, int close_iterations, int open_iterations) {
  const int radius = std::max(kernel.rows, kernel.cols) / 2 + 1;
  const cv::Rect roi = grown_box(mask, radius * (close_iterations + 1) + 2);
  if (roi.empty()) return;
  cv::Mat window = mask(roi);
  if (close_iterations > 0) {
    cv::morphologyEx(window, window, cv::MORPH_CLOSE, kernel, cv::Point(-1, -1), close_iterations);
  }
  if (open_iterations > 0) {
    cv::morphologyEx(window, window, cv::MORPH_OPEN, kernel, cv::Point(-1, -1), open_iterations);
  }
}

cv::Mat enlarge_twice(const cv::Mat& mask) {
  cv::Mat large = cv::Mat::zeros(mask.rows * 2, mask.cols * 2, mask.type());
  const cv::Rect box = grown_box(mask, 0);
  if (box.empty()) return large;
  // Pillow's 2x map reads source x / 2 for output x (0.25 + 0.5 x is exact in
  // double), so enlarging the box alone gives the same pixels as the whole image.
  pillow::resize_nearest(mask(box), cv::Size(box.width * 2, box.height * 2))
      .copyTo(large(cv::Rect(box.x * 2, box.y * 2, box.width * 2, box.height * 2)));
  return large;
}

}  // namespace mc::core
