#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include <opencv2/core.hpp>

namespace mc::core {

// Class ids of the final parse map (docs/algorithm.md section 2: ATR labels plus the derived neck).
enum Label : std::uint8_t {
  kBackground = 0,
  kHat = 1,
  kHair = 2,
  kSunglasses = 3,
  kUpperClothes = 4,
  kSkirt = 5,
  kPants = 6,
  kDress = 7,
  kBelt = 8,
  kLeftShoe = 9,
  kRightShoe = 10,
  kFace = 11,
  kLeftLeg = 12,
  kRightLeg = 13,
  kLeftArm = 14,
  kRightArm = 15,
  kBag = 16,
  kScarf = 17,
  kNeck = 18,
};

inline constexpr int kMaxLabel = kNeck;

// Full-resolution parse map and mask size (W x H).
inline constexpr int kImageWidth = 768;
inline constexpr int kImageHeight = 1024;
// Resolution at which masks are computed and keypoints are expressed.
inline constexpr int kWorkWidth = 384;
inline constexpr int kWorkHeight = 512;

// A set of label ids, as a 256-entry bitmap usable with cv::LUT.
class LabelSet {
 public:
  LabelSet() = default;
  LabelSet(std::initializer_list<int> labels) {
    for (int label : labels) add(label);
  }
  void add(int label) { member_[static_cast<std::size_t>(label & 0xFF)] = true; }
  void add(const LabelSet& other) {
    for (std::size_t i = 0; i < member_.size(); ++i) member_[i] = member_[i] || other.member_[i];
  }
  [[nodiscard]] bool contains(int label) const { return member_[static_cast<std::size_t>(label & 0xFF)]; }
  // 0/255 image of the pixels of `labels` (CV_8UC1) whose label is in the set.
  [[nodiscard]] cv::Mat select(const cv::Mat& labels) const;

 private:
  std::array<bool, 256> member_{};
};

}  // namespace mc::core
