#pragma once

#include <array>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"

namespace mc::core {

// Pre- and post-processing of the OpenPose body network (docs/algorithm.md section 3).
// Pure functions: the forward pass itself lives in the inference layer.

inline constexpr int kPafChannels = 38;
inline constexpr int kHeatmapChannels = 19;  // 18 parts + background

struct PoseInput {
  cv::Mat blob;       // [1, 3, H', W'] float, padded to a multiple of 8
  cv::Size unpadded;  // the scaled image before padding
};

// docs/algorithm.md section 3 steps 1-2: the person image (BGR, any size) to the network input.
PoseInput pose_input_blob(const cv::Mat& bgr_person);

// Network outputs brought to 384 x 512 (docs/algorithm.md section 3 step 3): one CV_32F plane per channel.
struct PoseMaps {
  std::vector<cv::Mat> paf;      // 38 planes
  std::vector<cv::Mat> heatmap;  // 19 planes (the last is background)
};

// `paf` [1, 38, h, w] and `heatmap` [1, 19, h, w] at stride 8 of the padded input.
PoseMaps upsample_pose_outputs(const cv::Mat& paf, const cv::Mat& heatmap, cv::Size unpadded);

struct Peak {
  cv::Point position;  // 384 x 512 pixels
  float score = 0.0f;
  int id = 0;  // running index over all parts
};

struct Person {
  std::vector<int> part_peak;  // 18 entries: peak id or -1
  double score = 0.0;
  double part_count = 0.0;  // the reference's running count, used for its filter
  [[nodiscard]] int assigned_parts() const;
};

struct PoseDetection {
  std::vector<std::vector<Peak>> peaks;  // per part 0..17
  std::vector<Person> people;            // after the reference's filter, in its order
};

// docs/algorithm.md section 3 steps 4-6: peaks, limb scoring and the greedy person assembly.
PoseDetection detect_people(const PoseMaps& maps);

// The single steps of detect_people, exposed for the differential tests.
inline constexpr int kLimbCount = 19;

// docs/algorithm.md section 3 step 4 for one heatmap plane: peaks in row-major order, numbered from `first_id`.
std::vector<Peak> find_peaks(const cv::Mat& heatmap, int first_id);

struct LimbConnection {
  int peak_a;  // running peak ids
  int peak_b;
  double score;  // mean PAF projection plus the distance prior
};

// docs/algorithm.md section 3 step 5 for limb `limb` (0..18, spec order): the accepted connections in
// the order the greedy matching takes them.
std::vector<LimbConnection> connect_limb(int limb, const std::vector<Peak>& candidates_a,
                                         const std::vector<Peak>& candidates_b, const PoseMaps& maps);

struct PoseResult {
  Keypoints keypoints{};
  std::array<float, kKeypointCount> scores{};  // each keypoint's peak score; 0 when missing
  std::vector<std::string> warnings;
  int people_found = 0;
};

// docs/algorithm.md section 3 steps 7-8: the person with the most parts (ties: larger score), with a
// warning when there are several. Throws InputError("no person detected").
PoseResult choose_person(const PoseDetection& detection);

}  // namespace mc::core
