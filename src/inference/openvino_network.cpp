#include "inference/openvino_network.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/errors.hpp"

#ifdef MC_HAVE_OPENVINO
#include <algorithm>
#include <cstring>

#include <openvino/openvino.hpp>
#endif

namespace mc::inference {

namespace {

bool has_flag(std::string_view flags, std::string_view flag) {
  std::istringstream words{std::string(flags)};
  std::string word;
  while (words >> word) {
    if (word == flag) return true;
  }
  return false;
}

#ifdef MC_HAVE_OPENVINO
// One OpenVINO core per process: it loads the CPU plugin and the ONNX front
// end once; compile_model and infer are thread-safe on it.
ov::Core& core() {
  static ov::Core instance;
  return instance;
}
#endif

}  // namespace

std::string bf16_instructions(std::string_view cpu_flags) {
  if (has_flag(cpu_flags, "amx_bf16")) return "AMX-BF16";
  if (has_flag(cpu_flags, "avx512_bf16")) return "AVX512-BF16";
  return "";
}

std::string cpu_bf16_instructions() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) return bf16_instructions(line.substr(line.find(':') + 1));
  }
  return "";
}

#ifdef MC_HAVE_OPENVINO

std::string openvino_version() {
  // "2026.4.1-22982-e213a147257-releases/2026/4": the release is what names it.
  const std::string build = ov::get_openvino_version().buildNumber;
  return build.substr(0, build.find('-'));
}

std::string openvino_bf16_problem() {
  try {
    const std::vector<std::string> capabilities = core().get_property("CPU", ov::device::capabilities);
    if (std::find(capabilities.begin(), capabilities.end(), ov::device::capability::BF16) == capabilities.end()) {
      return "OpenVINO's CPU plugin offers no BF16 on this CPU";
    }
  } catch (const std::exception& error) {
    return std::string("OpenVINO's CPU plugin cannot be loaded: ") + error.what();
  }
  return "";
}

struct OpenVinoNetwork::Compiled {
  ov::CompiledModel model;
  ov::InferRequest request;
  std::vector<ov::Output<const ov::Node>> outputs;
};

OpenVinoNetwork::OpenVinoNetwork(const std::filesystem::path& path, const std::vector<std::string>& outputs,
                                 int threads)
    : path_(path), compiled_(std::make_unique<Compiled>()) {
  try {
    const std::shared_ptr<ov::Model> model = core().read_model(path.string());
    if (model->inputs().size() != 1) {
      throw core::SetupError(path.string() + ": has " + std::to_string(model->inputs().size()) +
                             " inputs; expected one image input");
    }
    // Latency: one stream, all `threads` on the one request, as ONNX
    // Runtime's intra-op pool runs it.
    compiled_->model = core().compile_model(model, "CPU", ov::hint::inference_precision(ov::element::bf16),
                                            ov::hint::performance_mode(ov::hint::PerformanceMode::LATENCY),
                                            ov::inference_num_threads(threads));
    for (const std::string& name : outputs) compiled_->outputs.push_back(compiled_->model.output(name));
    compiled_->request = compiled_->model.create_infer_request();
  } catch (const ov::Exception& error) {
    throw core::SetupError(path.string() + ": cannot be loaded by OpenVINO: " + error.what());
  }
}

std::vector<cv::Mat> OpenVinoNetwork::forward(const cv::Mat& blob) {
  CV_Assert(blob.type() == CV_32F && blob.isContinuous());
  try {
    const ov::Shape shape(blob.size.p, blob.size.p + blob.dims);
    // OpenVINO only reads the input; the tensor wraps the caller's pixels.
    compiled_->request.set_input_tensor(ov::Tensor(ov::element::f32, shape, const_cast<float*>(blob.ptr<float>())));
    compiled_->request.infer();
    std::vector<cv::Mat> results;
    for (const auto& output : compiled_->outputs) {
      const ov::Tensor tensor = compiled_->request.get_tensor(output);
      if (tensor.get_element_type() != ov::element::f32) {
        throw core::SetupError(path_.string() + ": an output is not a float tensor");
      }
      const ov::Shape& dims = tensor.get_shape();
      const std::vector<int> sizes(dims.begin(), dims.end());
      cv::Mat result(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
      std::memcpy(result.data, tensor.data(), tensor.get_byte_size());
      results.push_back(result);
    }
    return results;
  } catch (const ov::Exception& error) {
    throw std::runtime_error(path_.string() + ": OpenVINO forward pass failed: " + error.what());
  }
}

#else

std::string openvino_version() { return ""; }

std::string openvino_bf16_problem() { return "this build has no OpenVINO (scripts/setup.sh installs it)"; }

struct OpenVinoNetwork::Compiled {};

OpenVinoNetwork::OpenVinoNetwork(const std::filesystem::path& path, const std::vector<std::string>& /*outputs*/,
                                 int /*threads*/)
    : path_(path) {
  throw core::SetupError(path.string() + ": " + openvino_bf16_problem());
}

std::vector<cv::Mat> OpenVinoNetwork::forward(const cv::Mat& /*blob*/) { return {}; }

#endif

OpenVinoNetwork::~OpenVinoNetwork() = default;

}  // namespace mc::inference
