#include "core/person_image.hpp"

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

namespace mc::core {

cv::Mat to_person_image(const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
  const int crop_width = std::max(1, bgr.rows * 3 / 4);
  const int left = (bgr.cols - crop_width) / 2;
  cv::Mat cropped;
  if (left >= 0) {
    cropped = bgr(cv::Rect(left, 0, crop_width, bgr.rows));
  } else {
    // The crop box extends past the image: the missing columns are black.
    const int pad_left = -left;
    const int pad_right = crop_width - bgr.cols - pad_left;
    cv::copyMakeBorder(bgr, cropped, 0, 0, pad_left, pad_right, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  if (cropped.cols == kImageWidth && cropped.rows == kImageHeight) return cropped.clone();
  const bool shrinking = cropped.rows > kImageHeight;
  cv::Mat person;
  cv::resize(cropped, person, cv::Size(kImageWidth, kImageHeight), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  return person;
}

}  // namespace mc::core
