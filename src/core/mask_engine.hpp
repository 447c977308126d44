#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/category_mask.hpp"
#include "core/keypoints.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

struct GeneratedMasks {
  // One 768 x 1024 CV_8UC1 0/255 mask per requested type, in request order.
  // Types with identical results share one buffer (cv::Mat is reference
  // counted): treat them as read-only, clone() before drawing on one.
  std::vector<std::pair<MaskType, cv::Mat>> masks;
  // How many distinct (category, radius, shoes) parts were computed.
  std::size_t parts_computed = 0;
};

// docs/algorithm.md section 5: every requested mask type from one parse map (768 x 1024,
// labels 0..18) and the keypoints (384 x 512 coordinates). Each distinct part is
// computed once, however many types share it. A label map of another size is
// resized with nearest neighbour first. Throws InputError on a map that is not
// single-channel 8-bit or holds a label above 18.
GeneratedMasks generate_masks(const cv::Mat& parse_full, const Keypoints& keypoints, Gender gender,
                              std::span<const MaskType> types);

// One part as a mask type uses it: the category mask at full size, closed with a
// 5 x 5 ellipse (2 iterations) and opened with it (1 iteration).
cv::Mat part_mask(const PartInputs& inputs, const PartSpec& part);

}  // namespace mc::core
