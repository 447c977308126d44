#pragma once

#include <array>

#include <opencv2/core.hpp>

#include "core/mask_profiles.hpp"
#include "core/mask_types.hpp"

namespace mc::core::fitdit {

// FitDiT's mask (src/utils_mask.py get_mask_location, docs/algorithm.md section 9): a grey
// rectangle around the garment's parsed labels and DWPose's whole-body keypoints, padded
// per category and moved by four user offsets, with the head (and for lower_body the bag,
// for dresses the shoes and the bag) cut out. Pure.

// DWPose's 134 points in OpenPose's order (core/dwpose.hpp OpenPosePerson): body 0..17,
// feet 18..23, face 24..91, left hand 92..112, right hand 113..133.
inline constexpr int kPointCount = 134;
using WholeBodyPoints = std::array<cv::Point2f, kPointCount>;

// gradio_sd3.py's sliders: whole pixels in -200..200.
inline constexpr int kMaxOffset = 200;

struct Offsets {
  int top = 0;
  int bottom = 0;
  int left = 0;
  int right = 0;
};

// `parse_full`: a label map (768 x 1024; other sizes are first brought to it), at which size
// FitDiT's demo works for a 768 x 1024 photo. `points` in its pixels as generate_mask passes
// them: a point DWPose does not see is (0, 0), a negative coordinate is 0, and FitDiT reads
// a 0 coordinate as missing. Returns the 0/255 mask and the 0/128 grey mask (mask_gray).
// Throws InputError on a bad map, a non-finite point or an offset outside -200..200.
ProfileMask mask_location(const cv::Mat& parse_full, const WholeBodyPoints& points, Category category,
                          const Offsets& offsets = {});

}  // namespace mc::core::fitdit
