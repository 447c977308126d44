#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/types.hpp>

namespace mc::core {

// 18 OpenPose body keypoints (docs/algorithm.md section 3 step 8) in 384 x 512 pixel coordinates.
// A missing part is (0, 0).
inline constexpr std::size_t kKeypointCount = 18;
using Keypoints = std::array<cv::Point2f, kKeypointCount>;

enum KeypointId : std::size_t {
  kNose = 0,
  kNeckPoint = 1,
  kRightShoulder = 2,
  kRightElbow = 3,
  kRightWrist = 4,
  kLeftShoulder = 5,
  kLeftElbow = 6,
  kLeftWrist = 7,
  kRightHip = 8,
  kRightKnee = 9,
  kRightAnkle = 10,
  kLeftHip = 11,
  kLeftKnee = 12,
  kLeftAnkle = 13,
  kRightEye = 14,
  kLeftEye = 15,
  kRightEar = 16,
  kLeftEar = 17,
};

// The hand keypoints a whole-body pose network gives (DWPose: 21 per hand), only the points it
// sees (score > 0.3), in 384 x 512 pixels: [0] the left hand, [1] the right. Empty without.
using HandKeypoints = std::array<std::vector<cv::Point2f>, 2>;

// Reads {"pose_keypoints_2d": [[x, y], ... 18 pairs]}. Throws InputError naming
// the problem (missing field, wrong count, non-numeric or non-finite value).
Keypoints keypoints_from_json(const nlohmann::json& document);

// The inverse of keypoints_from_json.
nlohmann::json keypoints_to_json(const Keypoints& keypoints);

}  // namespace mc::core
