#include "core/person_image.hpp"

#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/labels.hpp"

namespace mc::core {

namespace {

std::int64_t crop_width_of(std::int64_t height) { return std::max<std::int64_t>(1, height * 3 / 4); }

}  // namespace

std::string person_canvas_problem(std::int64_t width, std::int64_t height, std::uint64_t max_canvas_pixels) {
  const std::int64_t crop_width = crop_width_of(height);
  if (crop_width <= width) return "";  // a view into the image: no new buffer
  const auto pixels = static_cast<std::uint64_t>(crop_width) * static_cast<std::uint64_t>(height);
  if (pixels <= max_canvas_pixels) return "";
  char text[256];
  std::snprintf(text, sizeof text,
                "image is too narrow: %lld x %lld pads to %lld x %lld = %.1f MP for the 3:4 crop, over the limit "
                "of %.1f MP",
                static_cast<long long>(width), static_cast<long long>(height), static_cast<long long>(crop_width),
                static_cast<long long>(height), static_cast<double>(pixels) / 1e6,
                static_cast<double>(max_canvas_pixels) / 1e6);
  return text;
}

cv::Mat to_person_image(const cv::Mat& bgr, std::uint64_t max_canvas_pixels) {
  CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
  if (const std::string problem = person_canvas_problem(bgr.cols, bgr.rows, max_canvas_pixels); !problem.empty()) {
    throw InputError(problem);
  }
  const int crop_width = static_cast<int>(crop_width_of(bgr.rows));
  // Truncated towards zero: one column short gives 0, not -1 (the odd
  // extra column goes to the right).
  const int left = (bgr.cols - crop_width) / 2;
  cv::Mat cropped;
  if (crop_width <= bgr.cols) {
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
