#pragma once

#include <filesystem>
#include <string>

#include <onnxruntime_cxx_api.h>

#include "inference/model_settings.hpp"

namespace spdlog {
class logger;
}

namespace mc::inference {

// Threads per forward pass when none are set: the machine's cores shared out
// between `instances` analyzers, at least 1.
[[nodiscard]] int default_intra_op_threads(int instances);

// Where the networks run: the CPU, or ONNX Runtime's CUDA execution provider
// on `gpu_id`; on the CPU in fp32, or in bf16 through OpenVINO.
struct ComputeDevice {
  bool cuda = false;
  int gpu_id = -1;
  std::string bf16;  // "AMX-BF16" or "AVX512-BF16": bf16 through OpenVINO on these instructions; empty: fp32
};

// "bf16" or "fp32": what the networks' outputs are computed in (part of the
// analysis cache key, the start-up log and /metrics).
[[nodiscard]] std::string precision_name(const ComputeDevice& device);
// "onnxruntime-cpu", "onnxruntime-cuda" or "openvino".
[[nodiscard]] std::string engine_name(const ComputeDevice& device);

// Resolves GPU_ID and INFERENCE_PRECISION once per process: GPU_ID -1 is the
// CPU. For >= 0 the CUDA execution provider is loaded; when it cannot be (not
// installed, no CUDA libraries, no such device), logs one warning on `log`
// and returns the CPU. On the CPU, `precision` "bf16" checks the CPU's
// flags and OpenVINO's CPU plugin and logs what runs the networks; without
// AMX-BF16 or AVX512-BF16, or without OpenVINO, it logs one warning and stays
// fp32. CUDA stays fp32 (one warning).
ComputeDevice resolve_compute_device(int gpu_id, const std::string& precision, spdlog::logger& log);

// The process's one ONNX Runtime environment (created on first use), with
// Microsoft's telemetry off. Its log messages (warnings and worse) go to the
// logger given to route_ort_logs, as "onnxruntime: ..." lines (JSON in the
// service), else to stderr.
Ort::Env& ort_env();

// Turns ONNX Runtime's telemetry off for the process (ORT_DISABLE_TELEMETRY=1).
// main() calls it before any thread starts; ort_env() again for other users.
void disable_ort_telemetry();

// The loaded ONNX Runtime library's version ("1.29.0").
std::string onnxruntime_version();

// Sends ONNX Runtime's log messages to `log` (nullptr: back to stderr). The
// logger must outlive the routing; AnalyzerPool routes for its lifetime.
void route_ort_logs(spdlog::logger* log);
[[nodiscard]] spdlog::logger* routed_ort_logger();

// A session for the ONNX file at `path` with these settings on `device`.
// Throws core::SetupError naming the file when ONNX Runtime refuses it.
Ort::Session make_session(const std::filesystem::path& path, const RuntimeSettings& settings,
                          const ComputeDevice& device);

}  // namespace mc::inference
