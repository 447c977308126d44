#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "core/mask_profiles.hpp"

namespace mc::inference {

// What the three networks say about one person image.
struct HumanAnalysis {
  cv::Mat parse;  // 768 x 1024 labels 0..18
  core::Keypoints keypoints{};
  std::array<float, core::kKeypointCount> keypoint_scores{};  // peak scores, 0 for a missing part
  int people_found = 0;
  // The hand keypoints (0: left, 1: right; 384 x 512 pixels) where the pose network gives them
  // (DWPose); empty otherwise.
  core::HandKeypoints hands;
  // DWPose's 134 whole-body points as FitDiT reads them (768 x 1024 pixels, the profile
  // fitdit); none for OpenPose.
  std::optional<core::fitdit::WholeBodyPoints> wholebody;
  std::vector<std::string> warnings;
  // Stage durations, for logs and benchmarks.
  std::chrono::nanoseconds atr_time{};
  std::chrono::nanoseconds lip_time{};
  std::chrono::nanoseconds pose_time{};
};

}  // namespace mc::inference
