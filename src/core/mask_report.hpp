#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// The mask report (`mask_info`, docs/algorithm.md section 8): what a caller
// needs to judge the masks before spending a diffusion run on them.

// What the pose step knew; unknown (nothing) when the keypoints came from a file.
struct PoseFacts {
  std::optional<int> person_count;
  // Mean peak score of the chosen person's keypoints that are present.
  std::optional<double> keypoint_confidence;
};

// The mean of `scores` over the keypoints that are present; nothing when none is.
std::optional<double> mean_keypoint_score(const Keypoints& keypoints, const std::array<float, kKeypointCount>& scores);

enum class View { kFront, kBack, kSide };
std::string_view view_name(View view);

// From the shoulders, nose and ears (384 x 512 keypoints): unknown (nothing)
// when neither shoulder is present; side when one is missing or the
// shoulders lie less than 0.1 x `height_px` / 2 apart horizontally (10
// when the height is 0); else back when the nose is missing and an ear is
// present, or the right shoulder (2) lies right of the left one (5) in the
// picture; else front.
std::optional<View> view_of(const Keypoints& keypoints, double height_px);

// The box of the present keypoints in 768 x 1024 pixels ([x0, y0, x1, y1],
// 2 x the keypoints); nothing when none is present.
std::optional<cv::Rect2d> keypoint_box(const Keypoints& keypoints);

// The report of one request's final masks (768 x 1024, 0/255):
// {"masks": {type: {"bbox": [x0, y0, x1, y1] (last column and row
//  included) or null, "area_fraction": mask pixels / all pixels, "empty"}},
//  "person_count", "person_box", "keypoint_confidence", "view" (each null
//  when unknown), "warnings": [...]}.
// Warnings, in this order: several people; `extra_warnings` (the shaper's);
// a dress made from upper and lower garments (a `dress` requested and the
// parse map holding upper clothes and a skirt or pants but no dress label);
// each empty mask ("{type}: mask is empty").
nlohmann::json mask_info(const std::vector<std::pair<MaskType, cv::Mat>>& masks, const cv::Mat& parse_full,
                         const Keypoints& keypoints, const PoseFacts& pose,
                         const std::vector<std::string>& extra_warnings);

}  // namespace mc::core
