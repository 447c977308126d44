#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "inference/networks.hpp"

namespace mc::inference {

struct ModelSettings {
  std::filesystem::path checkpoints_dir = "./checkpoints";
  int gpu_id = -1;
  std::string atr_output;  // empty: the second declared output
  std::string lip_output;
  RuntimeSettings runtime;  // ORT_INTRA_OP_THREADS, ORT_INTER_OP_THREADS, ORT_GRAPH_OPTIMIZATION
};

// What the three networks say about one person image.
struct HumanAnalysis {
  cv::Mat parse;  // 768 x 1024 labels 0..18
  core::Keypoints keypoints{};
  std::vector<std::string> warnings;
  // Stage durations, for logs and benchmarks.
  std::chrono::nanoseconds atr_time{};
  std::chrono::nanoseconds lip_time{};
  std::chrono::nanoseconds pose_time{};
};

// One instance of the three networks (ATR, LIP, pose), each its own ONNX
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
  PoseNetwork& pose() { return pose_; }

 private:
  ParsingNetwork atr_;
  ParsingNetwork lip_;
  PoseNetwork pose_;
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
  ~AnalyzerPool();
  AnalyzerPool(const AnalyzerPool&) = delete;
  AnalyzerPool& operator=(const AnalyzerPool&) = delete;

  class Lease {
   public:
    Lease(AnalyzerPool& pool, HumanAnalyzer& analyzer) : pool_(&pool), analyzer_(&analyzer) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), analyzer_(other.analyzer_) { other.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->release(*analyzer_);
    }
    HumanAnalyzer* operator->() { return analyzer_; }
    HumanAnalyzer& operator*() { return *analyzer_; }

   private:
    AnalyzerPool* pool_;
    HumanAnalyzer* analyzer_;
  };

  // Waits for a free analyzer.
  Lease acquire();

  // Runs every analyzer once on a blank image, so that the first request
  // does not pay for ONNX Runtime's lazy initialisation. Call before use.
  void warm_up();

 private:
  void release(HumanAnalyzer& analyzer);

  spdlog::logger* log_;
  std::vector<std::unique_ptr<HumanAnalyzer>> analyzers_;
  std::vector<HumanAnalyzer*> idle_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace mc::inference
