// Photo-to-masks stage timings with the architecture-faithful random-weight
// models (bench/make_random_models.py). Run:
//   /usr/bin/python3 bench/make_random_models.py build/bench_models
//   MC_BENCH_CHECKPOINTS=build/bench_models build/release/mc_bench_pipeline
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true   (one line)
// Stages: decode (a 1200 x 1600 JPEG to the 768 x 1024 person image), the
// three forward passes alone, each model stage with its pre- and
// post-processing, masks (all 7 types), encode (7 PNGs), and the total.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "adapters/image_decoding.hpp"
#include "adapters/local_files.hpp"
#include "app/allocator_tuning.hpp"
#include "core/errors.hpp"
#include "core/mask_engine.hpp"
#include "core/parsing.hpp"
#include "core/person_image.hpp"
#include "core/pose.hpp"
#include "inference/human_analyzer.hpp"
#include "support/mannequin.hpp"

namespace {

using namespace mc;

constexpr int kAtrSize = 512;
constexpr int kLipSize = 473;

struct Setup {
  std::unique_ptr<inference::HumanAnalyzer> analyzer;
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
    inference::ModelSettings settings;
    settings.checkpoints_dir = dir;
    s.analyzer = std::make_unique<inference::HumanAnalyzer>(
        inference::locate_checkpoints(dir), settings, inference::resolve_compute_device(-1, *log));
    s.figure = test_support::make_mannequin();
    cv::Mat photo(1600, 1200, CV_8UC3);
    cv::randu(photo, 0, 255);
    cv::GaussianBlur(photo, photo, {0, 0}, 3);  // photo-like: not incompressible noise
    std::vector<std::uint8_t> bytes;
    cv::imencode(".jpg", photo, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
    s.jpeg.assign(bytes.begin(), bytes.end());
    s.person = core::to_person_image(adapters::decode_image(s.jpeg));
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
  for (const auto& [type, mask] : masks.masks) cv::imencode(".png", mask, files.emplace_back());
  return files;
}

void BM_Decode(benchmark::State& state) {
  if (!ready(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(core::to_person_image(adapters::decode_image(setup().jpeg)));
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
    benchmark::DoNotOptimize(core::generate_masks(setup().figure.parse, setup().figure.keypoints,
                                                  core::Gender::kMale, core::kAllMaskTypes));
  }
}

void BM_StageEncode(benchmark::State& state) {
  if (!ready(state)) return;
  const auto masks =
      core::generate_masks(setup().figure.parse, setup().figure.keypoints, core::Gender::kMale, core::kAllMaskTypes);
  for (auto _ : state) benchmark::DoNotOptimize(encode_all(masks));
}

// One image, all 7 types, as `generate` runs it (the random parse map is
// replaced by the figure's for the masks, so that the mask work is realistic).
void BM_Total(benchmark::State& state) {
  if (!ready(state)) return;
  auto& s = setup();
  for (auto _ : state) {
    const cv::Mat person = core::to_person_image(adapters::decode_image(s.jpeg));
    const cv::Mat parse = core::merge_neck(atr_stage(*s.analyzer, person), lip_stage(*s.analyzer, person));
    const core::Keypoints keypoints = pose_stage(*s.analyzer, person, s.figure.keypoints);
    benchmark::DoNotOptimize(parse);
    benchmark::DoNotOptimize(keypoints);
    const auto masks = core::generate_masks(s.figure.parse, s.figure.keypoints, core::Gender::kMale, core::kAllMaskTypes);
    benchmark::DoNotOptimize(encode_all(masks));
  }
}

BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardPose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageParseAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageParseLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StagePose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundParseAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundParseLip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AroundPose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageMasks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageEncode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Total)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  app::tune_allocator_for_images();  // as the maskcomponent program does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
