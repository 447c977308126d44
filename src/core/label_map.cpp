#include "core/label_map.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/pillow_resize.hpp"

namespace mc::core {

cv::Mat normalize_label_map(const cv::Mat& labels) {
  if (labels.empty()) throw InputError("label map is empty");
  if (labels.channels() != 1) {
    throw InputError("label map must have 1 channel, got " + std::to_string(labels.channels()));
  }
  if (labels.depth() != CV_8U) throw InputError("label map must be 8-bit");
  double max_label = 0.0;
  cv::minMaxLoc(labels, nullptr, &max_label);
  if (max_label > kMaxLabel) {
    throw InputError("label map holds label " + std::to_string(static_cast<int>(max_label)) + "; labels must be 0.." +
                     std::to_string(kMaxLabel));
  }
  if (labels.cols == kImageWidth && labels.rows == kImageHeight) return labels;
  // The reference resizes label maps with Pillow's NEAREST.
  return pillow::resize_nearest(labels, cv::Size(kImageWidth, kImageHeight));
}

}  // namespace mc::core
