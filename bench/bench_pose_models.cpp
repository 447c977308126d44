// OpenPose against DWPose per image, in one run (issue 30): each pose stage whole (its
// forward passes with their pre- and post-processing) on the 768 x 1024 person image, and
// the memory each model set adds to the process once loaded and warmed (resident set growth, a counter).
// MC_BENCH_CHECKPOINTS: a folder with openpose/ckpts/body_pose_model.onnx and
// dwpose/yolox_l.onnx + dwpose/dw-ll_ucoco_384.onnx (the real files, or the random-weight
// exports of bench/make_random_models.py and bench/make_dwpose_random_models.py). Run:
//   MC_BENCH_CHECKPOINTS=... build/release/mc_bench_pose_models --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// Timings only: no pass/fail.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/pose.hpp"
#include "inference/dwpose_networks.hpp"
#include "inference/networks.hpp"

namespace {

using namespace mc;

// Resident memory now (/proc/self/statm's second field, in pages).
double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long total = 0;
  long resident = 0;
  statm >> total >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

std::filesystem::path checkpoints() {
  const char* dir = std::getenv("MC_BENCH_CHECKPOINTS");
  return dir != nullptr ? dir : "";
}

inference::RuntimeSettings runtime() {
  inference::RuntimeSettings settings;
  settings.intra_op_threads = inference::default_intra_op_threads(1);
  return settings;
}

// A person-sized photo-like picture (blurred noise): random weights find whatever they find.
const cv::Mat& person() {
  static const cv::Mat image = [] {
    cv::Mat picture(1024, 768, CV_8UC3);
    cv::randu(picture, 0, 255);
    cv::GaussianBlur(picture, picture, {0, 0}, 3);
    return picture;
  }();
  return image;
}

void BM_OpenPoseStage(benchmark::State& state) {
  // Loaded once per process (repetitions would reuse the memory freed by the last): run one
  // model per process (--benchmark_filter) for its memory figure.
  static double loaded = 0.0;
  static const auto network = [] {
    const double before = rss_mib();
    auto made = std::make_unique<inference::PoseNetwork>(checkpoints() / "openpose" / "ckpts" / "body_pose_model.onnx",
                                                         runtime(), inference::ComputeDevice{});
    loaded = rss_mib() - before;
    return made;
  }();
  state.counters["loaded_rss_mib"] = loaded;
  for (auto _ : state) {
    const core::PoseInput input = core::pose_input_blob(person());
    const auto outputs = network->forward(input.blob);
    const auto detection =
        core::detect_people(core::upsample_pose_outputs(outputs.paf, outputs.heatmap, input.unpadded));
    benchmark::DoNotOptimize(detection.people.size());
  }
}

void BM_DwposeStage(benchmark::State& state) {
  static double loaded = 0.0;
  static const auto networks = [] {
    const double before = rss_mib();
    const auto dir = checkpoints() / "dwpose";
    auto made = std::make_unique<inference::DwposeNetworks>(dir / "yolox_l.onnx", dir / "dw-ll_ucoco_384.onnx",
                                                            runtime(), inference::ComputeDevice{});
    loaded = rss_mib() - before;
    return made;
  }();
  state.counters["loaded_rss_mib"] = loaded;
  std::size_t people = 0;
  for (auto _ : state) {
    const auto found = networks->find_people(person());
    people = found.people.size();
    benchmark::DoNotOptimize(people);
  }
  state.counters["pose_passes"] = static_cast<double>(people);  // RTMPose runs once per person
}

}  // namespace

BENCHMARK(BM_DwposeStage)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OpenPoseStage)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
