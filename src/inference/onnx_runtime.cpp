#include "inference/onnx_runtime.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "inference/openvino_network.hpp"

namespace mc::inference {

namespace {

constexpr std::array<std::pair<const char*, GraphOptimizationLevel>, 5> kOptimizationLevels{{
    {"disable", ORT_DISABLE_ALL},
    {"basic", ORT_ENABLE_BASIC},
    {"extended", ORT_ENABLE_EXTENDED},
    {"layout", ORT_ENABLE_LAYOUT},
    {"all", ORT_ENABLE_ALL},
}};

GraphOptimizationLevel optimization_level(const std::string& name) {
  for (const auto& [level_name, level] : kOptimizationLevels) {
    if (name == level_name) return level;
  }
  throw core::SetupError("ORT_GRAPH_OPTIMIZATION must be disable, basic, extended, layout or all (got \"" + name +
                         "\")");
}

std::mutex g_log_mutex;
spdlog::logger* g_log = nullptr;   // guarded by g_log_mutex
std::string* g_capture = nullptr;  // while set, messages are collected here instead

spdlog::level::level_enum spdlog_level(OrtLoggingLevel severity) {
  switch (severity) {
    case ORT_LOGGING_LEVEL_VERBOSE:
      return spdlog::level::trace;
    case ORT_LOGGING_LEVEL_INFO:
      return spdlog::level::debug;
    case ORT_LOGGING_LEVEL_WARNING:
      return spdlog::level::warn;
    case ORT_LOGGING_LEVEL_ERROR:
      return spdlog::level::err;
    case ORT_LOGGING_LEVEL_FATAL:
      return spdlog::level::critical;
  }
  return spdlog::level::err;
}

void ort_log(void* /*param*/, OrtLoggingLevel severity, const char* /*category*/, const char* /*logid*/,
             const char* /*code_location*/, const char* message) noexcept {
  try {
    const std::lock_guard lock(g_log_mutex);
    std::string text(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (g_capture != nullptr) {
      *g_capture += (g_capture->empty() ? "" : "; ") + text;
    } else if (g_log != nullptr) {
      g_log->log(spdlog_level(severity), "onnxruntime: {}", text);
    } else {
      std::fprintf(stderr, "onnxruntime: %s\n", text.c_str());
    }
  } catch (...) {  // logging never throws into ONNX Runtime
  }
}

// Collects ONNX Runtime's messages while it lives.
class CapturedOrtLog {
 public:
  CapturedOrtLog() {
    const std::lock_guard lock(g_log_mutex);
    g_capture = &text_;
  }
  ~CapturedOrtLog() {
    const std::lock_guard lock(g_log_mutex);
    g_capture = nullptr;
  }
  CapturedOrtLog(const CapturedOrtLog&) = delete;
  CapturedOrtLog& operator=(const CapturedOrtLog&) = delete;
  std::string text() {
    const std::lock_guard lock(g_log_mutex);
    return text_;
  }

 private:
  std::string text_;
};

void append_cuda(Ort::SessionOptions& options, int gpu_id) {
  OrtCUDAProviderOptions cuda{};
  cuda.device_id = gpu_id;
  options.AppendExecutionProvider_CUDA(cuda);
}

}  // namespace

bool is_graph_optimization(const std::string& name) {
  return std::any_of(kOptimizationLevels.begin(), kOptimizationLevels.end(),
                     [&](const auto& level) { return name == level.first; });
}

bool is_inference_precision(const std::string& name) { return name == "fp32" || name == "bf16"; }

std::string precision_name(const ComputeDevice& device) { return device.bf16.empty() ? "fp32" : "bf16"; }

std::string engine_name(const ComputeDevice& device) {
  if (device.cuda) return "onnxruntime-cuda";
  return device.bf16.empty() ? "onnxruntime-cpu" : "openvino";
}

int default_intra_op_threads(int instances) {
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, instances));
}

void disable_ort_telemetry() {
  // Read when the first environment is made; DisableTelemetryEvents() alone
  // still leaves the store open. Set only when unset: setenv races getenv.
  const char* current = std::getenv("ORT_DISABLE_TELEMETRY");
  if (current == nullptr || std::string_view(current) != "1") ::setenv("ORT_DISABLE_TELEMETRY", "1", 1);
}

Ort::Env& ort_env() {
  static Ort::Env env = [] {
    disable_ort_telemetry();
    Ort::Env created(ORT_LOGGING_LEVEL_WARNING, "maskcomponent", ort_log, nullptr);
    created.DisableTelemetryEvents();
    return created;
  }();
  return env;
}

void route_ort_logs(spdlog::logger* log) {
  const std::lock_guard lock(g_log_mutex);
  g_log = log;
}

spdlog::logger* routed_ort_logger() {
  const std::lock_guard lock(g_log_mutex);
  return g_log;
}

namespace {

ComputeDevice resolve_cuda(int gpu_id, spdlog::logger& log) {
  ort_env();
  CapturedOrtLog details;  // ONNX Runtime logs why the library did not load: one warning says it all
  try {
    // Appending the provider loads libonnxruntime_providers_cuda.so and the CUDA libraries it needs.
    Ort::SessionOptions probe;
    append_cuda(probe, gpu_id);
  } catch (const Ort::Exception& error) {
    const std::string why = details.text();
    log.warn(
        "GPU_ID={} asks for CUDA, but ONNX Runtime's CUDA execution provider cannot be used ({}{}{}); running "
        "on the CPU",
        gpu_id, error.what(), why.empty() ? "" : ": ", why);
    return {};
  }
  return {true, gpu_id, {}};
}

}  // namespace

ComputeDevice resolve_compute_device(int gpu_id, const std::string& precision, spdlog::logger& log) {
  ComputeDevice device = gpu_id < 0 ? ComputeDevice{} : resolve_cuda(gpu_id, log);
  if (precision != "bf16") return device;
  if (device.cuda) {
    log.warn("INFERENCE_PRECISION=bf16 is for the CPU; GPU_ID={} runs CUDA in fp32", gpu_id);
    return device;
  }
  const std::string instructions = cpu_bf16_instructions();
  if (instructions.empty()) {
    log.warn(
        "INFERENCE_PRECISION=bf16 needs a CPU with AMX-BF16 or AVX512-BF16, and this one has neither; running "
        "fp32");
    return device;
  }
  const std::string problem = openvino_bf16_problem();
  if (!problem.empty()) {
    log.warn("INFERENCE_PRECISION=bf16: {}; running fp32", problem);
    return device;
  }
  device.bf16 = instructions;
  log.info("INFERENCE_PRECISION=bf16: the networks run in bf16 through OpenVINO {} on the CPU's {}", openvino_version(),
           instructions);
  return device;
}

Ort::Session make_session(const std::filesystem::path& path, const RuntimeSettings& settings,
                          const ComputeDevice& device) {
  Ort::Env& env = ort_env();
  try {
    Ort::SessionOptions options;
    options.SetIntraOpNumThreads(settings.intra_op_threads > 0 ? settings.intra_op_threads
                                                               : default_intra_op_threads(1));
    options.SetInterOpNumThreads(std::max(1, settings.inter_op_threads));
    options.SetExecutionMode(settings.inter_op_threads > 1 ? ORT_PARALLEL : ORT_SEQUENTIAL);
    options.SetGraphOptimizationLevel(optimization_level(settings.graph_optimization));
    // By default idle pool threads sleep instead of spinning: several
    // analyzers and the mask work share the cores between forward passes.
    const char* spinning = settings.allow_spinning ? "1" : "0";
    options.AddConfigEntry("session.intra_op.allow_spinning", spinning);
    options.AddConfigEntry("session.inter_op.allow_spinning", spinning);
    if (device.cuda) append_cuda(options, device.gpu_id);

    return Ort::Session(env, path.c_str(), options);
  } catch (const Ort::Exception& error) {
    throw core::SetupError(path.string() + ": cannot be loaded by ONNX Runtime: " + error.what());
  }
}

std::string onnxruntime_version() { return Ort::GetVersionString(); }

}  // namespace mc::inference
