#pragma once

#include <opencv2/core.hpp>

#include "core/mask_profiles.hpp"
#include "core/dwpose.hpp"
#include "core/mask_types.hpp"

namespace mc::core::fitdit {

// FitDiT's mask (src/utils_mask.py get_mask_location, docs/algorithm.md section 9): a grey
// rectangle around the garment's parsed labels and DWPose's whole-body keypoints, padded
// per category and moved by four user offsets, with the head (and for lower_body the bag,
// for dresses the shoes and the bag) cut out. Pure.

// WholeBodyPoints and Offsets: core/mask_profiles.hpp.

// `parse_full`: a label map (768 x 1024; other sizes are first brought to it), at which size
// FitDiT's demo works for a 768 x 1024 photo. `points` in its pixels as generate_mask passes
// them: a point DWPose does not see is (0, 0), a negative coordinate is 0, and FitDiT reads
// a 0 coordinate as missing. Returns the 0/255 mask and the 0/128 grey mask (mask_gray).
// Throws InputError on a bad map, a non-finite point or an offset outside -200..200.
ProfileMask mask_location(const cv::Mat& parse_full, const WholeBodyPoints& points, Category category,
                          const Offsets& offsets = {});

// The chosen person's points as gradio_sd3.py's generate_mask hands them to
// get_mask_location: DWPose's (preprocess/dwpose/__init__.py) divided by the image's size in
// float32, those scoring under 0.3 (or not finite) set to (0, 0), negative coordinates to 0, then multiplied
// back: in the pixels of the `image_size` image that DWPose saw.
WholeBodyPoints pose_data(const dwpose::OpenPosePerson& person, cv::Size image_size);

}  // namespace mc::core::fitdit
