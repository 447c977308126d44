#pragma once

#include <span>

#include <opencv2/core.hpp>

// The drawing calls of Pillow 9.4 that the arm images of docs/algorithm.md section 4 step 3
// use, ported from libImaging/Draw.c and PIL/ImageDraw.py so that the arm
// images match the reference pixel for pixel (tests/oracle runs Pillow itself
// against these). All draw on a CV_8UC1 image with value 255 and clip to it.
namespace mc::core::pillow {

// A bounding box as Pillow takes it: [x0, y0, x1, y1], corners included.
struct Box {
  double x0, y0, x1, y1;
};

// ImageDraw.line(points, fill=255, width=width, joint="curve" or None) with
// integer vertices: one wide segment per pair of consecutive points and, for
// joint="curve" and width > 4, a pie slice (plus width-3 gap lines for
// width > 8) at every inner vertex, as ImageDraw.py draws them.
void line(cv::Mat& image, std::span<const cv::Point> points, int width, bool curve_joint);

// ImageDraw.pieslice(box, start, end, fill=255): the box corners are cast to
// int as Pillow's C layer does (towards zero), the angles to float.
void pieslice(cv::Mat& image, const Box& box, double start, double end);

// ImageDraw.arc(box, start, end, fill=255, width=width), same casts.
void arc(cv::Mat& image, const Box& box, double start, double end, int width);

}  // namespace mc::core::pillow
