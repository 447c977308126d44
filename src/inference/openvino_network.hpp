#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

// INFERENCE_PRECISION=bf16: the networks run in bf16 on the CPU through
// OpenVINO (PyPI's openvino wheel, scripts/setup.sh), on AMX-BF16 or
// AVX512-BF16. ONNX Runtime's own CPU provider has no bf16 path on x86, and
// its OpenVINO execution provider plugin (onnxruntime-ep-openvino) offers
// Intel CPUs only (its device filter), so OpenVINO is called directly,
// behind OnnxNetwork (docs/inference.md).

namespace mc::inference {

// What runs bf16 on this CPU, from the kernel's CPU flags (/proc/cpuinfo's
// "flags" line): "AMX-BF16" (amx_bf16), else "AVX512-BF16" (avx512_bf16),
// else empty (bf16 would be emulated, slower than fp32).
[[nodiscard]] std::string bf16_instructions(std::string_view cpu_flags);
// The same for the CPU this process runs on.
[[nodiscard]] std::string cpu_bf16_instructions();

// OpenVINO's version ("2026.4.1-..."); empty in a build without OpenVINO.
[[nodiscard]] std::string openvino_version();
// Why OpenVINO cannot run bf16 on this CPU (not built in, its CPU plugin
// does not load or does not offer BF16); empty when it can.
[[nodiscard]] std::string openvino_bf16_problem();

// One ONNX network compiled by OpenVINO for the CPU with bf16 inference
// precision (inputs and outputs stay float). Not thread-safe: one forward
// pass at a time. Throws core::SetupError naming the file when OpenVINO
// refuses it.
class OpenVinoNetwork {
 public:
  OpenVinoNetwork(const std::filesystem::path& path, const std::vector<std::string>& outputs, int threads);
  ~OpenVinoNetwork();
  OpenVinoNetwork(const OpenVinoNetwork&) = delete;
  OpenVinoNetwork& operator=(const OpenVinoNetwork&) = delete;

  // [1, 3, H, W] float blob in, one float cv::Mat per chosen output (copied).
  std::vector<cv::Mat> forward(const cv::Mat& blob);

 private:
  struct Compiled;
  std::filesystem::path path_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace mc::inference
