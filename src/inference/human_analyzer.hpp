#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/pool.hpp"
#include "inference/dwpose_networks.hpp"
#include "inference/human_analysis.hpp"
#include "inference/model_settings.hpp"
#include "inference/networks.hpp"

namespace mc::inference {

// One instance of the networks (ATR, LIP, and OpenPose's or DWPose's pose
// networks as checkpoints.pose_model says), each its own ONNX
// Runtime session with its own thread pool (settings.runtime).
// Not thread-safe: one request at a time; an AnalyzerPool shares several.
class HumanAnalyzer {
 public:
  HumanAnalyzer(const CheckpointPaths& checkpoints, const ModelSettings& settings, const ComputeDevice& device);

  // Runs each network exactly once on the 768 x 1024 BGR person image.
  // Throws core::InputError("no person detected") when the pose finds nobody.
  HumanAnalysis analyze(const cv::Mat& person_bgr);

  ParsingNetwork& atr() { return atr_; }
  ParsingNetwork& lip() { return lip_; }
  // OpenPose's network; only with POSE_MODEL=openpose.
  PoseNetwork& pose() { return openpose_.value(); }

 private:
  ParsingNetwork atr_;
  ParsingNetwork lip_;
  std::optional<PoseNetwork> openpose_;
  std::optional<DwposeNetworks> dwpose_;
};

// A fixed set of analyzers handed out one request at a time. With one
// instance, requests take turns; several instances run requests in parallel.
class AnalyzerPool {
 public:
  // Locates the checkpoints and loads `instances` analyzers (throws
  // core::SetupError). With no intra-op thread count set, each analyzer's
  // forward passes get the machine's cores divided by `instances`.
  // ONNX Runtime's own log messages go to `log` while the pool lives.
  AnalyzerPool(const ModelSettings& settings, int instances, spdlog::logger& log);
  AnalyzerPool(const AnalyzerPool&) = delete;
  AnalyzerPool& operator=(const AnalyzerPool&) = delete;

  // Gives its analyzer back when it goes.
  using Lease = core::Pool<HumanAnalyzer>::Lease;

  // Waits for a free analyzer.
  [[nodiscard]] Lease acquire() { return analyzers_.acquire(); }
  // As acquire(), waiting at most `timeout`; nothing when it passes.
  [[nodiscard]] std::optional<Lease> try_acquire_for(std::chrono::steady_clock::duration timeout) {
    return analyzers_.try_acquire_for(timeout);
  }

  // Runs every analyzer once on a blank image, so that the first request
  // does not pay for ONNX Runtime's lazy initialisation. Call before use.
  void warm_up();

  // Where and in which precision the networks run (INFERENCE_PRECISION and
  // GPU_ID as resolved: bf16 asked for on a CPU without it runs fp32).
  [[nodiscard]] const ComputeDevice& device() const { return device_; }

 private:
  // Routes ONNX Runtime's log messages to `log` while it lives. Declared
  // before the analyzers, so that it ends after them (their sessions may
  // still log), also when loading them fails.
  class LogRoute {
   public:
    explicit LogRoute(spdlog::logger& log);
    ~LogRoute();
    LogRoute(const LogRoute&) = delete;
    LogRoute& operator=(const LogRoute&) = delete;

   private:
    spdlog::logger* log_;
  };

  LogRoute route_;
  ComputeDevice device_;
  core::Pool<HumanAnalyzer> analyzers_;
  int instances_;
};

}  // namespace mc::inference
