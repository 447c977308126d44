// Photo-to-masks stage timings with the architecture-faithful random-weight
// models (bench/make_random_models.py). Run:
//   /usr/bin/python3 bench/make_random_models.py build/bench_models
//   MC_BENCH_CHECKPOINTS=build/bench_models build/release/mc_bench_pipeline
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true   (one line)
// Stages: decode (a 1200 x 1600 JPEG to the 768 x 1024 person image), the
// three forward passes alone on ONNX Runtime and, side by side, on OpenCV DNN
// (BM_OpenCv*: the engine the Python service uses; kept here only for the
// comparison), each model stage with its pre- and post-processing, masks (all
// 7 types), encode (7 PNGs), the total for 7 types and for one type, and
// throughput (BM_Throughput*: images per minute over several images, for the
// ways of sharing the cores between analyzers and requests).
// MC_BENCH_INTRA_OP_THREADS (default: all cores) and MC_BENCH_SPINNING=1 vary
// the ONNX Runtime sessions of the single-image benchmarks.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "adapters/image_decoding.hpp"
#include "adapters/local_files.hpp"
#include "adapters/png_codec.hpp"
#include "app/allocator_tuning.hpp"
#include "core/errors.hpp"
#include "core/mask_engine.hpp"
#include "core/parsing.hpp"
#include "core/person_image.hpp"
#include "core/pose.hpp"
#include "inference/human_analyzer.hpp"
#include "inference/onnx_graph.hpp"
#include "support/mannequin.hpp"

namespace {

using namespace mc;

constexpr int kAtrSize = 512;
constexpr int kLipSize = 473;

// The same network on OpenCV DNN (CPU, OpenCV's own thread pool over all cores).
struct OpenCvNetwork {
  cv::dnn::Net net;
  std::vector<cv::String> outputs;

  OpenCvNetwork() = default;
  OpenCvNetwork(const std::filesystem::path& path, std::vector<std::string> chosen)
      : net(cv::dnn::readNetFromONNX(path.string())), outputs(chosen.begin(), chosen.end()) {
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  }
  std::vector<cv::Mat> forward(const cv::Mat& blob) {
    net.setInput(blob);
    std::vector<cv::Mat> results;
    net.forward(results, outputs);
    return results;
  }
};

const char* env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

inference::ModelSettings bench_settings(int intra_op_threads) {
  inference::ModelSettings settings;
  settings.gpu_id = -1;  // the CPU: the figures in docs/inference.md are the CPU's
  settings.checkpoints_dir = env_or("MC_BENCH_CHECKPOINTS", "");
  settings.runtime.intra_op_threads = intra_op_threads;
  settings.runtime.allow_spinning = std::string(env_or("MC_BENCH_SPINNING", "0")) == "1";
  settings.runtime.graph_optimization = env_or("MC_BENCH_OPTIMIZATION", "all");
  return settings;
}

struct Setup {
  std::unique_ptr<inference::HumanAnalyzer> analyzer;
  OpenCvNetwork opencv_atr;
  OpenCvNetwork opencv_lip;
  OpenCvNetwork opencv_pose;
  std::string jpeg;
  cv::Mat person;
  test_support::Mannequin figure;  // parse map and keypoints for the mask stage
};

Setup& setup() {
  static Setup instance = [] {
    Setup s;
    const char* dir = std::getenv("MC_BENCH_CHECKPOINTS");
    if (dir == nullptr) return s;
    auto log = spdlog::stderr_color_st("bench");
    const int intra = std::atoi(env_or("MC_BENCH_INTRA_OP_THREADS", "0"));
    const inference::CheckpointPaths paths = inference::locate_checkpoints(dir, inference::PoseModel::kOpenPose);
    s.analyzer = std::make_unique<inference::HumanAnalyzer>(
        paths, bench_settings(intra > 0 ? intra : inference::default_intra_op_threads(1)),
        inference::resolve_compute_device(-1, "fp32", *log));
    std::cerr << "ONNX Runtime: " << Ort::GetVersionString() << ", intra-op threads "
              << (intra > 0 ? intra : inference::default_intra_op_threads(1)) << "; OpenCV " << CV_VERSION
              << ", threads " << cv::getNumThreads() << "\n";
    s.opencv_atr = OpenCvNetwork(paths.atr, {inference::onnx_declared_outputs(paths.atr).at(1)});
    s.opencv_lip = OpenCvNetwork(paths.lip, {inference::onnx_declared_outputs(paths.lip).at(1)});
    s.opencv_pose = OpenCvNetwork(paths.pose, inference::onnx_declared_outputs(paths.pose));
    s.figure = test_support::make_mannequin();
    cv::Mat photo(1600, 1200, CV_8UC3);
    cv::randu(photo, 0, 255);
    cv::GaussianBlur(photo, photo, {0, 0}, 3);  // photo-like: not incompressible noise
    std::vector<std::uint8_t> bytes;
    cv::imencode(".jpg", photo, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
    s.jpeg.assign(bytes.begin(), bytes.end());
    s.person = core::to_person_image(adapters::decode_image(s.jpeg), core::kDefaultMaxImagePixels);
    return s;
  }();
  return instance;
}

bool ready(benchmark::State& state) {
  if (setup().analyzer) return true;
  state.SkipWithError("set MC_BENCH_CHECKPOINTS to the folder bench/make_random_models.py wrote");
  return false;
}

cv::Mat atr_stage(inference::HumanAnalyzer& analyzer, const cv::Mat& person) {
  const cv::Mat logits = analyzer.atr().fusion_logits(core::parsing_input_blob(person, kAtrSize));
  return core::refine_atr_labels(core::parsing_labels(logits, kAtrSize, person.size()));
}

cv::Mat lip_stage(inference::HumanAnalyzer& analyzer, const cv::Mat& person) {
  const cv::Mat logits = analyzer.lip().fusion_logits(core::parsing_input_blob(person, kLipSize));
  return core::parsing_labels(logits, kLipSize, person.size());
}

// Random weights find nobody (or nonsense); the stage's cost is what counts.
core::Keypoints pose_stage(inference::HumanAnalyzer& analyzer, const cv::Mat& person, const core::Keypoints& fallback) {
  const core::PoseInput input = core::pose_input_blob(person);
  const auto outputs = analyzer.pose().forward(input.blob);
  const auto detection = core::detect_people(core::upsample_pose_outputs(outputs.paf, outputs.heatmap, input.unpadded));
  try {
    return core::choose_person(detection).keypoints;
  } catch (const core::InputError&) {
    return fallback;
  }
}

std::vector<std::vector<std::uint8_t>> encode_all(const core::GeneratedMasks& masks) {
  std::vector<std::vector<std::uint8_t>> files;
  for (const auto& [type, mask] : masks.masks) files.push_back(adapters::encode_png(mask));  // as the service does
  return files;
}

void BM_Decode(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state)
    benchmark::DoNotOptimize(core::to_person_image(adapters::decode_image(setup().jpeg), core::kDefaultMaxImagePixels));
}

void BM_ForwardAtr(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::parsing_input_blob(setup().person, kAtrSize);
  for (auto _ : state) benchmark::DoNotOptimize(setup().analyzer->atr().fusion_logits(blob));
}

void BM_ForwardLip(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::parsing_input_blob(setup().person, kLipSize);
  for (auto _ : state) benchmark::DoNotOptimize(setup().analyzer->lip().fusion_logits(blob));
}

void BM_ForwardPose(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::pose_input_blob(setup().person).blob;
  for (auto _ : state) benchmark::DoNotOptimize(setup().analyzer->pose().forward(blob));
}

// OpenCV DNN on the same blobs (the first pass allocates: one untimed pass first).
void BM_OpenCvForwardAtr(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::parsing_input_blob(setup().person, kAtrSize);
  setup().opencv_atr.forward(blob);
  for (auto _ : state) benchmark::DoNotOptimize(setup().opencv_atr.forward(blob));
}

void BM_OpenCvForwardLip(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::parsing_input_blob(setup().person, kLipSize);
  setup().opencv_lip.forward(blob);
  for (auto _ : state) benchmark::DoNotOptimize(setup().opencv_lip.forward(blob));
}

void BM_OpenCvForwardPose(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat blob = core::pose_input_blob(setup().person).blob;
  setup().opencv_pose.forward(blob);
  for (auto _ : state) benchmark::DoNotOptimize(setup().opencv_pose.forward(blob));
}

void BM_StageParseAtr(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(atr_stage(*setup().analyzer, setup().person));
}

void BM_StageParseLip(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(lip_stage(*setup().analyzer, setup().person));
}

void BM_StagePose(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pose_stage(*setup().analyzer, setup().person, setup().figure.keypoints));
  }
}

// Everything around the forward passes, on outputs captured once.
void BM_AroundParseAtr(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat person = setup().person;
  const cv::Mat logits = setup().analyzer->atr().fusion_logits(core::parsing_input_blob(person, kAtrSize));
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::parsing_input_blob(person, kAtrSize));
    benchmark::DoNotOptimize(core::refine_atr_labels(core::parsing_labels(logits, kAtrSize, person.size())));
  }
}

void BM_AroundParseLip(benchmark::State& state) {
  if (!ready(state)) return;
  const cv::Mat person = setup().person;
  const cv::Mat logits = setup().analyzer->lip().fusion_logits(core::parsing_input_blob(person, kLipSize));
  const cv::Mat atr(person.size(), CV_8UC1, cv::Scalar(11));
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::parsing_input_blob(person, kLipSize));
    benchmark::DoNotOptimize(core::merge_neck(atr, core::parsing_labels(logits, kLipSize, person.size())));
  }
}

void BM_AroundPose(benchmark::State& state) {
  if (!ready(state)) return;
  const core::PoseInput input = core::pose_input_blob(setup().person);
  const auto outputs = setup().analyzer->pose().forward(input.blob);
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::pose_input_blob(setup().person));
    benchmark::DoNotOptimize(
        core::detect_people(core::upsample_pose_outputs(outputs.paf, outputs.heatmap, input.unpadded)));
  }
}

void BM_StageMasks(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        core::generate_masks(setup().figure.parse, setup().figure.keypoints, core::Gender::kMale, core::kAllMaskTypes));
  }
}

void BM_StageEncode(benchmark::State& state) {
  if (!ready(state)) return;
  const auto masks =
      core::generate_masks(setup().figure.parse, setup().figure.keypoints, core::Gender::kMale, core::kAllMaskTypes);
  for (auto _ : state) benchmark::DoNotOptimize(encode_all(masks));
}

// One image as `generate` and the service run it (the random parse map is
// replaced by the figure's for the masks, so that the mask work is realistic).
void one_image(inference::HumanAnalyzer& analyzer, std::span<const core::MaskType> types) {
  auto& s = setup();
  const cv::Mat person = core::to_person_image(adapters::decode_image(s.jpeg), core::kDefaultMaxImagePixels);
  const cv::Mat parse = core::merge_neck(atr_stage(analyzer, person), lip_stage(analyzer, person));
  const core::Keypoints keypoints = pose_stage(analyzer, person, s.figure.keypoints);
  benchmark::DoNotOptimize(parse);
  benchmark::DoNotOptimize(keypoints);
  const auto masks = core::generate_masks(s.figure.parse, s.figure.keypoints, core::Gender::kMale, types);
  benchmark::DoNotOptimize(encode_all(masks));
}

void BM_Total(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) one_image(*setup().analyzer, core::kAllMaskTypes);
}

void BM_TotalOneType(benchmark::State& state) {
  if (!ready(state)) return;
  const std::array<core::MaskType, 1> upper{core::MaskType::kUpperBody};
  for (auto _ : state) one_image(*setup().analyzer, upper);
}

// Throughput: `images` images (all 7 types each) taken by `workers` threads
// at once; reports images per minute. Each benchmark loads its own analyzers.
constexpr int kThroughputImages = 8;

void run_images(benchmark::State& state, int workers, const std::function<void()>& image) {
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        while (next.fetch_add(1) < kThroughputImages) image();
      });
    }
    for (auto& thread : threads) thread.join();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  state.counters["images_per_min"] = 60.0 * kThroughputImages * static_cast<double>(state.iterations()) / seconds;
}

// The service's shape: SERVICE_CONCURRENCY = range(0) requests in flight, an
// AnalyzerPool of INFERENCE_INSTANCES = range(1) analyzers with
// ORT_INTRA_OP_THREADS = range(2) (0: cores / instances, the default).
void BM_ThroughputService(benchmark::State& state) {
  if (!ready(state)) return;
  auto log = spdlog::stderr_color_st("bench_pool_" + std::to_string(state.range(0)) + "_" +
                                     std::to_string(state.range(1)) + "_" + std::to_string(state.range(2)));
  inference::AnalyzerPool pool(bench_settings(static_cast<int>(state.range(2))), static_cast<int>(state.range(1)),
                               *log);
  run_images(state, static_cast<int>(state.range(0)), [&] {
    auto analyzer = pool.acquire();
    one_image(*analyzer, core::kAllMaskTypes);
  });
}

// The three networks of different requests at once: one analyzer with
// range(1) intra-op threads, each network locked on its own, range(0)
// requests in flight (request 2's ATR runs while request 1's LIP does).
void BM_ThroughputPipelined(benchmark::State& state) {
  if (!ready(state)) return;
  inference::HumanAnalyzer analyzer(
      inference::locate_checkpoints(env_or("MC_BENCH_CHECKPOINTS", ""), inference::PoseModel::kOpenPose),
      bench_settings(static_cast<int>(state.range(1))), inference::ComputeDevice{});
  std::mutex atr_lock;
  std::mutex lip_lock;
  std::mutex pose_lock;
  auto& s = setup();
  run_images(state, static_cast<int>(state.range(0)), [&] {
    const cv::Mat person = core::to_person_image(adapters::decode_image(s.jpeg), core::kDefaultMaxImagePixels);
    cv::Mat atr;
    cv::Mat lip;
    core::Keypoints keypoints;
    {
      const std::lock_guard lock(atr_lock);
      atr = atr_stage(analyzer, person);
    }
    {
      const std::lock_guard lock(lip_lock);
      lip = lip_stage(analyzer, person);
    }
    {
      const std::lock_guard lock(pose_lock);
      keypoints = pose_stage(analyzer, person, s.figure.keypoints);
    }
    benchmark::DoNotOptimize(core::merge_neck(atr, lip));
    benchmark::DoNotOptimize(keypoints);
    const auto masks =
        core::generate_masks(s.figure.parse, s.figure.keypoints, core::Gender::kMale, core::kAllMaskTypes);
    benchmark::DoNotOptimize(encode_all(masks));
  });
}

BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardPose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenCvForwardAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenCvForwardLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenCvForwardPose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageParseAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageParseLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StagePose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundParseAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundParseLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundPose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageMasks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageEncode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Total)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TotalOneType)->Unit(benchmark::kMillisecond);
// {SERVICE_CONCURRENCY, INFERENCE_INSTANCES, ORT_INTRA_OP_THREADS}
BENCHMARK(BM_ThroughputService)
    ->ArgNames({"concurrency", "instances", "intra"})
    ->Args({1, 1, 0})
    ->Args({2, 1, 0})
    ->Args({4, 1, 0})
    ->Args({2, 2, 0})
    ->Args({4, 2, 0})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
// {requests in flight, ORT_INTRA_OP_THREADS}
BENCHMARK(BM_ThroughputPipelined)
    ->ArgNames({"in_flight", "intra"})
    ->Args({2, 1})
    ->Args({3, 1})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

}  // namespace

int main(int argc, char** argv) {
  app::tune_allocator_for_images();  // as the maskcomponent program does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
