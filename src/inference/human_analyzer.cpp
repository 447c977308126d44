#include "inference/human_analyzer.hpp"

#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "core/fitdit_mask.hpp"
#include "core/labels.hpp"
#include "core/parsing.hpp"
#include "core/pose.hpp"

namespace mc::inference {

namespace {

constexpr int kAtrInputSize = 512;
constexpr int kAtrClasses = 18;
constexpr int kLipInputSize = 473;
constexpr int kLipClasses = 20;

template <typename Work>
auto timed(std::chrono::nanoseconds& elapsed, Work work) {
  const auto start = std::chrono::steady_clock::now();
  auto result = work();
  elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

std::vector<std::unique_ptr<HumanAnalyzer>> load_analyzers(const ModelSettings& settings, int instances,
                                                           const ComputeDevice& device) {
  const CheckpointPaths checkpoints = locate_checkpoints(settings.checkpoints_dir, settings.pose_model);
  ModelSettings each = settings;
  if (each.runtime.intra_op_threads <= 0) each.runtime.intra_op_threads = default_intra_op_threads(instances);
  std::vector<std::unique_ptr<HumanAnalyzer>> analyzers;
  for (int i = 0; i < std::max(1, instances); ++i) {
    analyzers.push_back(std::make_unique<HumanAnalyzer>(checkpoints, each, device));
  }
  return analyzers;
}

}  // namespace

HumanAnalyzer::HumanAnalyzer(const CheckpointPaths& checkpoints, const ModelSettings& settings,
                             const ComputeDevice& device)
    : atr_(checkpoints.atr, kAtrInputSize, kAtrClasses, settings.atr_output, settings.runtime, device),
      lip_(checkpoints.lip, kLipInputSize, kLipClasses, settings.lip_output, settings.runtime, device),
      openpose_(checkpoints.pose_model == PoseModel::kOpenPose
                    ? std::make_optional<PoseNetwork>(checkpoints.pose, settings.runtime, device)
                    : std::nullopt) {
  if (checkpoints.pose_model == PoseModel::kDwpose) {
    dwpose_.emplace(checkpoints.dwpose_detector, checkpoints.dwpose_pose, settings.runtime, device);
  }
}

HumanAnalysis HumanAnalyzer::analyze(const cv::Mat& person_bgr) {
  HumanAnalysis analysis;
  const cv::Size size = person_bgr.size();
  const cv::Mat atr = timed(analysis.atr_time, [&] {
    const cv::Mat logits = atr_.fusion_logits(core::parsing_input_blob(person_bgr, kAtrInputSize));
    return core::refine_atr_labels(core::parsing_labels(logits, kAtrInputSize, size));
  });
  const cv::Mat lip = timed(analysis.lip_time, [&] {
    const cv::Mat logits = lip_.fusion_logits(core::parsing_input_blob(person_bgr, kLipInputSize));
    return core::parsing_labels(logits, kLipInputSize, size);
  });
  analysis.parse = core::merge_neck(atr, lip);
  const core::PoseResult pose = timed(analysis.pose_time, [&] {
    if (dwpose_) {
      core::dwpose::DwposeResult found = dwpose_->analyze(person_bgr);
      analysis.hands = std::move(found.hands);
      analysis.wholebody = core::fitdit::pose_data(found.person, size);
      return std::move(found.pose);
    }
    const core::PoseInput input = core::pose_input_blob(person_bgr);
    const PoseNetwork::Outputs outputs = openpose_->forward(input.blob);
    return core::choose_person(
        core::detect_people(core::upsample_pose_outputs(outputs.paf, outputs.heatmap, input.unpadded)));
  });
  analysis.keypoints = pose.keypoints;
  analysis.warnings = pose.warnings;
  analysis.keypoint_scores = pose.scores;
  analysis.people_found = pose.people_found;
  return analysis;
}

AnalyzerPool::LogRoute::LogRoute(spdlog::logger& log) : log_(&log) { route_ort_logs(log_); }

AnalyzerPool::LogRoute::~LogRoute() {
  if (routed_ort_logger() == log_) route_ort_logs(nullptr);
}

AnalyzerPool::AnalyzerPool(const ModelSettings& settings, int instances, spdlog::logger& log)
    : route_(log),
      device_(resolve_compute_device(settings.gpu_id, settings.runtime.precision, log)),
      analyzers_(load_analyzers(settings, instances, device_)),
      instances_(instances) {}

void AnalyzerPool::warm_up() {
  const cv::Mat blank(1024, 768, CV_8UC3, cv::Scalar(128, 128, 128));
  std::vector<Lease> all;  // every instance at once, so that each runs once
  for (int i = 0; i < instances_; ++i) all.push_back(analyzers_.acquire());
  for (auto& analyzer : all) {
    try {
      analyzer->analyze(blank);
    } catch (const core::InputError&) {
      // "no person detected": expected; every network has run.
    }
  }
}

}  // namespace mc::inference
