#include "inference/networks.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "core/errors.hpp"
#include "core/pose.hpp"
#include "inference/onnx_graph.hpp"

namespace mc::inference {

namespace {

template <typename Load>
cv::dnn::Net load_net(const std::filesystem::path& path, Load load) {
  try {
    cv::dnn::Net net = load();
    if (net.empty()) throw core::SetupError(path.string() + ": OpenCV DNN loaded an empty network");
    return net;
  } catch (const cv::Exception& error) {
    throw core::SetupError(path.string() + ": cannot be loaded by OpenCV DNN: " + error.msg);
  }
}

std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

cv::Mat zero_blob(int height, int width) {
  const std::array<int, 4> shape{1, 3, height, width};
  return cv::Mat(4, shape.data(), CV_32F, cv::Scalar(0));
}

void check_channels(const cv::Mat& output, int channels, const std::string& what) {
  if (output.dims != 4 || output.size[0] != 1 || output.size[1] != channels) {
    throw core::SetupError(what + " has " + std::to_string(output.dims >= 2 ? output.size[1] : 0) +
                           " channels; expected " + std::to_string(channels));
  }
}

}  // namespace

ParsingNetwork::ParsingNetwork(const std::filesystem::path& path, int input_size, int classes,
                               const std::string& output_name, const ComputeDevice& device)
    : input_size_(input_size), classes_(classes), path_(path) {
  const std::vector<std::string> declared = onnx_declared_outputs(path);
  if (output_name.empty()) {
    if (declared.size() < 2) {
      throw core::SetupError(path.string() + ": declares " + std::to_string(declared.size()) +
                             " output(s); SCHP declares parsing, fusion, edge");
    }
    output_name_ = declared[1];
  } else {
    if (std::find(declared.begin(), declared.end(), output_name) == declared.end()) {
      throw core::SetupError(path.string() + ": has no output named \"" + output_name + "\" (it declares " +
                             join(declared) + ")");
    }
    output_name_ = output_name;
  }
  net_ = load_net(path, [&] { return cv::dnn::readNetFromONNX(path.string()); });
  use_device(net_, device);
  // The first forward pass allocates and tunes; do it now, not on the first image.
  const cv::Mat logits = fusion_logits(zero_blob(input_size_, input_size_));
  check_channels(logits, classes_, path.string() + " output " + output_name_);
}

cv::Mat ParsingNetwork::fusion_logits(const cv::Mat& blob) {
  net_.setInput(blob);  // SCHP has one input (`input.1`)
  return net_.forward(output_name_).clone();
}

PoseNetwork::PoseNetwork(const PoseCheckpoint& checkpoint, const ComputeDevice& device) {
  if (checkpoint.is_caffe()) {
    net_ = load_net(checkpoint.caffe_model, [&] {
      return cv::dnn::readNetFromCaffe(checkpoint.caffe_prototxt.string(), checkpoint.caffe_model.string());
    });
    paf_name_ = "Mconv7_stage6_L1";
    heatmap_name_ = "Mconv7_stage6_L2";
    apply_heatmap_relu_ = true;
  } else {
    const std::vector<std::string> declared = onnx_declared_outputs(checkpoint.onnx);
    if (declared.size() != 2) {
      throw core::SetupError(checkpoint.onnx.string() + ": declares " + std::to_string(declared.size()) +
                             " outputs; expected paf and heatmap (make it with tools/convert_openpose.py)");
    }
    net_ = load_net(checkpoint.onnx, [&] { return cv::dnn::readNetFromONNX(checkpoint.onnx.string()); });
    paf_name_ = declared[0];
    heatmap_name_ = declared[1];
  }
  use_device(net_, device);
  const Outputs outputs = forward(zero_blob(184, 144));
  check_channels(outputs.paf, core::kPafChannels, "pose network PAF output");
  check_channels(outputs.heatmap, core::kHeatmapChannels, "pose network heatmap output");
}

PoseNetwork::Outputs PoseNetwork::forward(const cv::Mat& blob) {
  net_.setInput(blob);
  std::vector<cv::Mat> results;
  net_.forward(results, std::vector<cv::String>{paf_name_, heatmap_name_});
  Outputs outputs{results.at(0).clone(), results.at(1).clone()};
  if (apply_heatmap_relu_) cv::max(outputs.heatmap, 0.0, outputs.heatmap);
  return outputs;
}

}  // namespace mc::inference
