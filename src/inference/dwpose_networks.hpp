#pragma once

#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "core/dwpose.hpp"
#include "inference/networks.hpp"

namespace mc::inference {

// DWPose's two networks as the official ONNX files have them: YOLOX-L
// (yolox_l.onnx, input [1, 3, 640, 640], output [1, 8400, 85]) and RTMPose-l
// whole-body (dw-ll_ucoco_384.onnx, input [1, 3, 384, 288], outputs simcc_x
// and simcc_y). The decoding is core::dwpose's. Not thread-safe: one thread at a time.
class DwposeNetworks {
 public:
  DwposeNetworks(const std::filesystem::path& detector, const std::filesystem::path& pose,
                 const RuntimeSettings& settings, const ComputeDevice& device);

  struct People {
    std::vector<core::dwpose::Box> boxes;              // the detector's, best first
    std::vector<core::dwpose::OpenPosePerson> people;  // one per box, or one for the whole image
  };
  // Everyone on the BGR image (any size), in image pixels.
  People find_people(const cv::Mat& image);

  // The person the masks are made for (core::dwpose::choose_person). Throws
  // core::InputError("no person detected").
  core::dwpose::DwposeResult analyze(const cv::Mat& image);

 private:
  OnnxNetwork detector_;
  OnnxNetwork pose_;
};

}  // namespace mc::inference
