#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include <opencv2/core.hpp>

#include "core/pose.hpp"

namespace mc::core::dwpose {

// Pre- and post-processing of DWPose's two networks (docs/algorithm.md section 3b): YOLOX-L
// finds the person boxes, RTMPose-l (SimCC heads) the 133 COCO-WholeBody keypoints in each.
// Pure functions, written to match DWPose's numpy code (preprocess/dwpose in FitDiT, the
// ControlNet annotator) number for number: where numpy computes in float32 so do we.

inline constexpr int kDetectorSize = 640;
inline constexpr int kPoseWidth = 288;
inline constexpr int kPoseHeight = 384;
inline constexpr int kWholeBodyCount = 133;
inline constexpr int kOpenPoseCount = 134;  // the 18 body points, then COCO-WholeBody 17..132
inline constexpr int kHandCount = 21;
inline constexpr double kSimccSplitRatio = 2.0;
inline constexpr double kVisibleScore = 0.3;  // DWPose draws and uses a point only above this
// The pose network runs on this many boxes at most (the highest scores): a
// crowd would otherwise cost one RTMPose pass per person, without bound.
inline constexpr std::size_t kMaxPeopleEstimated = 8;

struct Letterbox {
  cv::Mat blob;        // [1, 3, 640, 640] float, raw 0..255 pixels in the image's channel order
  double ratio = 1.0;  // network pixels per image pixel
};

// The image (8-bit, 3 channels, any size) scaled to fit 640 x 640, top left, padded with 114.
Letterbox detector_input(const cv::Mat& image);

struct Box {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // image pixels; may reach outside the image
  float score = 0;                       // objectness x person probability
};

// The detector's [1, 8400, 5 + classes] grid predictions to person boxes (class 0) with a score
// above 0.3, after NMS at IoU 0.45, highest score first. Throws std::runtime_error on another shape.
std::vector<Box> person_boxes(const cv::Mat& output, double ratio);

struct Crop {
  cv::Mat blob;        // [1, 3, 384, 288] float, normalised with ImageNet's mean and std
  cv::Point2d center;  // the box's centre
  cv::Point2d scale;   // the region cropped: the box x 1.25, widened to 3:4
};

// The top-down affine crop of `box` (or of the whole image for none) to the pose network's input.
Crop pose_input(const cv::Mat& image, const Box* box);

struct WholeBody {
  std::array<cv::Point2d, kWholeBodyCount> points{};  // image pixels
  std::array<double, kWholeBodyCount> scores{};
};

// SimCC decoding: arg-max over the x and y bins ([1, 133, 576] and [1, 133, 768]), divided by
// `split_ratio`, score the smaller of the two maxima, then back through the crop.
WholeBody decode_simcc(const cv::Mat& simcc_x, const cv::Mat& simcc_y, const Crop& crop,
                       double split_ratio = kSimccSplitRatio);

struct OpenPosePerson {
  std::array<cv::Point2d, kOpenPoseCount> points{};  // 0..17 OpenPose body, 18..23 feet,
  std::array<double, kOpenPoseCount> scores{};       // 24..91 face, 92..112 left hand, 113..133 right
};

// DWPose's mapping to OpenPose's order: the neck (1) is the mean of the shoulders, scored 1 when
// both shoulders score above 0.3 and 0 otherwise; the other body points are re-indexed.
OpenPosePerson to_openpose(const WholeBody& person);

struct DwposeResult {
  PoseResult pose;        // the 18 body points in 384 x 512 work pixels, (0, 0) and score 0 when not visible
  HandKeypoints hands;    // the chosen person's, in work pixels
  OpenPosePerson person;  // the chosen person as decoded, in the image's pixels
};

// docs/algorithm.md section 3b step 6: of `people` (detector order), the one with the most
// visible body points (ties: the larger sum of their scores, then the first), scaled from the
// `image_size` person image to work pixels. `boxes_found` is the number of detector boxes.
// A point counts as visible when it scores above 0.3 and lies inside the image (DWPose places
// joints outside the frame; OpenPose, whose points the mask rules take, never does).
// Throws InputError("no person detected") when that person shows no body point.
DwposeResult choose_person(const std::vector<OpenPosePerson>& people, int boxes_found, cv::Size image_size);

}  // namespace mc::core::dwpose
