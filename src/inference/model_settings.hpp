#pragma once

#include <filesystem>
#include <string>

// The networks' settings, apart from ONNX Runtime's C++ header, so that the
// service's settings (and every file that reads them) need not include it.

namespace mc::inference {

// How ONNX Runtime runs each session (ORT_INTRA_OP_THREADS,
// ORT_INTER_OP_THREADS, ORT_GRAPH_OPTIMIZATION, INFERENCE_PRECISION).
struct RuntimeSettings {
  int intra_op_threads = 0;                // threads one forward pass uses; 0: default_intra_op_threads(1)
  int inter_op_threads = 1;                // > 1: independent branches of a graph run in parallel
  std::string graph_optimization = "all";  // disable, basic, extended, layout or all
  bool allow_spinning = false;             // idle pool threads busy-wait (the benchmark compares; not a variable)
  // fp32 (ONNX Runtime's CPU or CUDA provider), or bf16: the CPU through
  // OpenVINO where it has AMX-BF16 or AVX512-BF16 (docs/inference.md).
  std::string precision = "fp32";
};

// The precision names RuntimeSettings::precision accepts.
[[nodiscard]] bool is_inference_precision(const std::string& name);

// The graph optimisation names RuntimeSettings::graph_optimization accepts.
[[nodiscard]] bool is_graph_optimization(const std::string& name);

// Which pose network finds the body keypoints (POSE_MODEL): OpenPose's body
// network, or DWPose's two (docs/models.md).
enum class PoseModel { kOpenPose, kDwpose };

// "openpose" or "dwpose".
[[nodiscard]] const char* pose_model_name(PoseModel model);
// The PoseModel named `name`; throws core::SetupError naming the choices.
[[nodiscard]] PoseModel parse_pose_model(const std::string& name);

struct ModelSettings {
  std::filesystem::path checkpoints_dir = "./checkpoints";  // CHECKPOINTS_DIR
  int gpu_id = 0;                                           // GPU_ID: -1 the CPU, >= 0 a CUDA device
  std::string atr_output;                                   // PARSING_ATR_OUTPUT; empty: the second declared output
  std::string lip_output;                                   // PARSING_LIP_OUTPUT; likewise
  PoseModel pose_model = PoseModel::kOpenPose;              // POSE_MODEL
  RuntimeSettings runtime;
};

}  // namespace mc::inference
