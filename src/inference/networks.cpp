#include "inference/networks.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "core/errors.hpp"
#include "core/pose.hpp"
#include "inference/onnx_graph.hpp"

namespace mc::inference {

namespace {

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

std::vector<int> shape_of(const cv::Mat& mat) { return {mat.size.p, mat.size.p + mat.dims}; }

std::vector<std::int64_t> to_int64(const std::vector<int>& shape) { return {shape.begin(), shape.end()}; }

Ort::Value tensor_over(const Ort::MemoryInfo& memory, const cv::Mat& mat) {
  const std::vector<std::int64_t> shape = to_int64(shape_of(mat));
  // ONNX Runtime does not write to inputs; the C API takes a non-const pointer.
  return Ort::Value::CreateTensor<float>(memory, const_cast<float*>(mat.ptr<float>()), mat.total(), shape.data(),
                                         shape.size());
}

std::string choose_parsing_output(const std::filesystem::path& path, const std::string& output_name) {
  const std::vector<std::string> declared = onnx_declared_outputs(path);
  if (output_name.empty()) {
    if (declared.size() < 2) {
      throw core::SetupError(path.string() + ": declares " + std::to_string(declared.size()) +
                             " output(s); SCHP declares parsing, fusion, edge");
    }
    return declared[1];
  }
  if (std::find(declared.begin(), declared.end(), output_name) == declared.end()) {
    throw core::SetupError(path.string() + ": has no output named \"" + output_name + "\" (it declares " +
                           join(declared) + ")");
  }
  return output_name;
}

std::vector<std::string> pose_outputs(const std::filesystem::path& onnx) {
  std::vector<std::string> declared = onnx_declared_outputs(onnx);
  if (declared.size() != 2) {
    throw core::SetupError(onnx.string() + ": declares " + std::to_string(declared.size()) +
                           " outputs; expected paf and heatmap (make it with tools/convert_openpose.py)");
  }
  return declared;
}

}  // namespace

OnnxNetwork::OnnxNetwork(const std::filesystem::path& path, std::vector<std::string> outputs,
                         const RuntimeSettings& settings, const ComputeDevice& device)
    : path_(path),
      openvino_(device.bf16.empty()
                    ? nullptr
                    : std::make_unique<OpenVinoNetwork>(
                          path, outputs,
                          settings.intra_op_threads > 0 ? settings.intra_op_threads : default_intra_op_threads(1))),
      session_(openvino_ ? Ort::Session(nullptr) : make_session(path, settings, device)),
      memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)),
      output_names_(std::move(outputs)) {
  if (openvino_) return;
  if (session_.GetInputCount() != 1) {
    throw core::SetupError(path.string() + ": has " + std::to_string(session_.GetInputCount()) +
                           " inputs; expected one image input");
  }
  Ort::AllocatorWithDefaultOptions allocator;
  input_name_ = session_.GetInputNameAllocated(0, allocator).get();
}

std::vector<cv::Mat> OnnxNetwork::forward(const cv::Mat& blob) {
  if (openvino_) return openvino_->forward(blob);
  CV_Assert(blob.type() == CV_32F && blob.isContinuous());
  const std::vector<int> input_shape = shape_of(blob);
  const Ort::Value input = tensor_over(memory_, blob);
  const char* input_name = input_name_.c_str();
  std::vector<const char*> output_names;
  for (const auto& name : output_names_) output_names.push_back(name.c_str());
  try {
    const auto known = output_shapes_.find(input_shape);
    if (known != output_shapes_.end()) {
      // The outputs' shapes are known: ONNX Runtime writes into our matrices.
      std::vector<cv::Mat> results;
      std::vector<Ort::Value> values;
      for (const auto& shape : known->second) {
        results.emplace_back(static_cast<int>(shape.size()), shape.data(), CV_32F);
        values.push_back(tensor_over(memory_, results.back()));
      }
      session_.Run(Ort::RunOptions{nullptr}, &input_name, &input, 1, output_names.data(), values.data(), values.size());
      return results;
    }
    // First pass at this input shape: ONNX Runtime allocates, we copy once and remember the shapes.
    std::vector<Ort::Value> values =
        session_.Run(Ort::RunOptions{nullptr}, &input_name, &input, 1, output_names.data(), output_names.size());
    std::vector<cv::Mat> results;
    std::vector<std::vector<int>> shapes;
    for (auto& value : values) {
      const auto info = value.GetTensorTypeAndShapeInfo();
      if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
        throw core::SetupError(path_.string() + ": an output is not a float tensor");
      }
      const std::vector<std::int64_t> dims = info.GetShape();
      const std::vector<int> shape(dims.begin(), dims.end());
      results.push_back(
          cv::Mat(static_cast<int>(shape.size()), shape.data(), CV_32F, value.GetTensorMutableData<float>()).clone());
      shapes.push_back(shape);
    }
    output_shapes_.emplace(input_shape, std::move(shapes));
    return results;
  } catch (const Ort::Exception& error) {
    throw std::runtime_error(path_.string() + ": ONNX Runtime forward pass failed: " + error.what());
  }
}

ParsingNetwork::ParsingNetwork(const std::filesystem::path& path, int input_size, int classes,
                               const std::string& output_name, const RuntimeSettings& settings,
                               const ComputeDevice& device)
    : input_size_(input_size),
      classes_(classes),
      output_name_(choose_parsing_output(path, output_name)),
      network_(path, {output_name_}, settings, device) {
  // The first forward pass allocates and learns the output shape; do it now, not on the first image.
  try {
    const cv::Mat logits = fusion_logits(zero_blob(input_size_, input_size_));
    check_channels(logits, classes_, path.string() + " output " + output_name_);
  } catch (const core::SetupError&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw core::SetupError(error.what());
  }
}

cv::Mat ParsingNetwork::fusion_logits(const cv::Mat& blob) { return network_.forward(blob).at(0); }

PoseNetwork::PoseNetwork(const std::filesystem::path& onnx, const RuntimeSettings& settings,
                         const ComputeDevice& device)
    : network_(onnx, pose_outputs(onnx), settings, device) {
  try {
    const Outputs outputs = forward(zero_blob(184, 144));
    check_channels(outputs.paf, core::kPafChannels, "pose network PAF output");
    check_channels(outputs.heatmap, core::kHeatmapChannels, "pose network heatmap output");
  } catch (const core::SetupError&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw core::SetupError(error.what());
  }
}

PoseNetwork::Outputs PoseNetwork::forward(const cv::Mat& blob) {
  std::vector<cv::Mat> results = network_.forward(blob);
  return {results.at(0), results.at(1)};
}

}  // namespace mc::inference
