#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <onnxruntime_cxx_api.h>
#include <opencv2/core.hpp>

#include "inference/checkpoints.hpp"
#include "inference/onnx_runtime.hpp"
#include "inference/openvino_network.hpp"

namespace mc::inference {

// One ONNX Runtime session with its input and chosen outputs. Inputs are
// read from the caller's cv::Mat and outputs written straight into the
// cv::Mats returned (no copies) once the output shapes of an input shape are
// known: the load-time warm-up learns them for the network's usual input.
// Not thread-safe: one forward pass at a time (Run itself would be, but the
// pre-allocated outputs are per call). On a bf16 device the network is
// OpenVINO's instead (openvino_network.hpp), with the same inputs and outputs.
class OnnxNetwork {
 public:
  OnnxNetwork(const std::filesystem::path& path, std::vector<std::string> outputs, const RuntimeSettings& settings,
              const ComputeDevice& device);

  // [1, 3, H, W] float blob in, one float cv::Mat per chosen output.
  std::vector<cv::Mat> forward(const cv::Mat& blob);

 private:
  std::filesystem::path path_;
  std::unique_ptr<OpenVinoNetwork> openvino_;  // set on a bf16 device; then session_ is empty
  Ort::Session session_;
  Ort::MemoryInfo memory_;
  std::string input_name_;
  std::vector<std::string> output_names_;
  std::map<std::vector<int>, std::vector<std::vector<int>>> output_shapes_;  // by input shape
};

// One SCHP parsing network (ATR at 512 or LIP at 473). Loaded and warmed up
// once. Not thread-safe: one thread at a time.
class ParsingNetwork {
 public:
  // `output_name` empty: the second output the file declares (fusion).
  ParsingNetwork(const std::filesystem::path& path, int input_size, int classes, const std::string& output_name,
                 const RuntimeSettings& settings, const ComputeDevice& device);

  // [1, C, ceil(S/4), ceil(S/4)] fusion logits for a [1, 3, S, S] input blob.
  cv::Mat fusion_logits(const cv::Mat& blob);

  [[nodiscard]] int input_size() const { return input_size_; }
  [[nodiscard]] const std::string& output_name() const { return output_name_; }

 private:
  int input_size_;
  int classes_;
  std::string output_name_;
  OnnxNetwork network_;
};

// The OpenPose body network as tools/convert_openpose.py writes it (outputs
// paf then heatmap, the heatmap after its ReLU). Not thread-safe: one thread at a time.
class PoseNetwork {
 public:
  PoseNetwork(const std::filesystem::path& onnx, const RuntimeSettings& settings, const ComputeDevice& device);

  struct Outputs {
    cv::Mat paf;      // [1, 38, h, w]
    cv::Mat heatmap;  // [1, 19, h, w]
  };
  Outputs forward(const cv::Mat& blob);

 private:
  OnnxNetwork network_;
};

}  // namespace mc::inference
