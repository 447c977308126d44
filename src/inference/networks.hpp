#pragma once

#include <filesystem>
#include <string>

#include <opencv2/dnn.hpp>

#include "inference/checkpoints.hpp"
#include "inference/compute_device.hpp"

namespace mc::inference {

// One SCHP parsing network (ATR at 512 or LIP at 473). Loaded and warmed up
// once. Not thread-safe: one thread at a time (cv::dnn::Net is not).
class ParsingNetwork {
 public:
  // `output_name` empty: the second output the file declares (fusion).
  ParsingNetwork(const std::filesystem::path& path, int input_size, int classes, const std::string& output_name,
                 const ComputeDevice& device);

  // [1, C, ceil(S/4), ceil(S/4)] fusion logits for a [1, 3, S, S] input blob.
  cv::Mat fusion_logits(const cv::Mat& blob);

  [[nodiscard]] int input_size() const { return input_size_; }
  [[nodiscard]] const std::string& output_name() const { return output_name_; }

 private:
  cv::dnn::Net net_;
  int input_size_;
  int classes_;
  std::string output_name_;
  std::filesystem::path path_;
};

// The OpenPose body network, from the converted ONNX or the CMU Caffe files.
// Not thread-safe: one thread at a time.
class PoseNetwork {
 public:
  PoseNetwork(const PoseCheckpoint& checkpoint, const ComputeDevice& device);

  struct Outputs {
    cv::Mat paf;      // [1, 38, h, w]
    cv::Mat heatmap;  // [1, 19, h, w], ReLU applied as in the users' PyTorch network
  };
  Outputs forward(const cv::Mat& blob);

 private:
  cv::dnn::Net net_;
  std::string paf_name_;
  std::string heatmap_name_;
  bool apply_heatmap_relu_ = false;  // the Caffe original has no ReLU there
};

}  // namespace mc::inference
