#pragma once

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/mask_engine.hpp"

namespace mc::app {

// A BGR picture of a label map, one fixed colour per label (0 is black).
cv::Mat colorize_labels(const cv::Mat& labels);

// One labelled panel per mask: `background` (BGR, 768 x 1024) at half size with
// the mask overlaid in colour, four panels to a row.
// `extra_panels` (title, BGR 768 x 1024 image) follow, drawn as they are.
cv::Mat render_preview(const cv::Mat& background, const core::GeneratedMasks& masks,
                       const std::vector<std::pair<std::string, cv::Mat>>& extra_panels = {});

}  // namespace mc::app
