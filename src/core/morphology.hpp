#pragma once

#include <opencv2/core.hpp>

namespace mc::core {

// Structuring elements as the reference builds them.
cv::Mat ellipse_kernel(int size);  // cv2.getStructuringElement(MORPH_ELLIPSE, (size, size))
cv::Mat square_kernel(int size);   // np.ones((size, size))

// The bounding box of the non-zero pixels grown by `margin` on every side and
// clipped to the image; empty when the mask is all zero.
cv::Rect grown_box(const cv::Mat& mask, int margin);

// Closes `mask` (close_iterations) and then opens it (open_iterations), in place.
// Both reach at most kernel-radius x iterations beyond the mask's bounding box,
// so the work is done on that box plus a margin: the same pixels as on the
// whole image (OpenCV reads a ROI's outside neighbours from the parent, all
// zero here), for a fraction of the cost when the mask covers part of the image.
void close_then_open(cv::Mat& mask, const cv::Mat& kernel, int close_iterations, int open_iterations);

// Pillow NEAREST 2x enlargement (pillow::resize_nearest) of the non-zero part
// of a binary mask; the rest stays zero.
cv::Mat enlarge_twice(const cv::Mat& mask);

}  // namespace mc::core
