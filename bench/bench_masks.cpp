// Mask engine timings: all seven types from one parse map and keypoints, and
// each type alone, for both genders. Run:
//   build/release/mc_bench_masks --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// BM_Options: what the per-request options (issue 20) add to one mask type
// on a 768 x 1024 image, and BM_MaskInfo the report; the issue's budget is
// 25 ms per type (the PNG encoding of the extra outputs not included).
// BM_CachedRequest (issue 31): what a request costs once its analysis is
// cached (no network runs): the masks and their PNG files, for the seed's 7
// types against one profile's mask (and its grey mask for ootd_*).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "app/allocator_tuning.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_options.hpp"
#include "core/mask_profiles.hpp"
#include "core/mask_report.hpp"
#include "support/mannequin.hpp"

namespace {

using namespace mc::core;

void BM_AllSevenTypes(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const auto gender = state.range(0) == 0 ? Gender::kMale : Gender::kFemale;
  for (auto _ : state) {
    auto result = generate_masks(m.parse, m.keypoints, gender, kAllMaskTypes);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_AllSevenTypes)->ArgName("female")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_SingleType(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const std::array<MaskType, 1> types = {kAllMaskTypes[static_cast<std::size_t>(state.range(0))]};
  const auto gender = state.range(1) == 0 ? Gender::kMale : Gender::kFemale;
  state.SetLabel(std::string(mask_type_name(types[0])));
  for (auto _ : state) {
    auto result = generate_masks(m.parse, m.keypoints, gender, types);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_SingleType)
    ->ArgNames({"type", "female"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

// The options of one case, as a request would send them.
const std::array<const char*, 9> kOptionCases = {
    R"({"dilate_px": 200})",
    R"({"dilate_px": -50})",
    R"({"dilate_percent": 20})",
    R"({"offsets": {"top": 500, "bottom": -500, "left": 500, "right": -500}})",
    R"({"protect": ["hands", "face", "hair", "hat", "bag", "shoes", "neck"]})",
    R"({"feather_px": 100})",
    R"({"feather_px": 10, "outputs": ["agnostic", "cutout"]})",
    R"({"dilate_px": 200, "offsets": {"top": 500, "left": -500}, "protect": ["hands", "face", "hair", "hat", "bag",
        "shoes", "neck"], "feather_px": 100, "outputs": ["agnostic", "cutout"]})",
    // The most expensive of all: every side out by 500 (the mask's box becomes the image).
    R"({"dilate_px": 200, "offsets": {"top": 500, "bottom": 500, "left": 500, "right": 500}, "protect": ["hands",
        "face", "hair", "hat", "bag", "shoes", "neck"], "feather_px": 100, "outputs": ["soft", "agnostic", "cutout"]})",
};

void BM_Options(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const std::array<MaskType, 1> types = {MaskType::kUpperBody};
  const cv::Mat mask = generate_masks(m.parse, m.keypoints, Gender::kFemale, types).masks.at(0).second;
  cv::Mat photo(mask.size(), CV_8UC3);
  cv::randu(photo, 0, 256);
  const MaskOptions options =
      parse_mask_options(nlohmann::json::parse(kOptionCases[static_cast<std::size_t>(state.range(0))]));
  state.SetLabel(kOptionCases[static_cast<std::size_t>(state.range(0))]);
  for (auto _ : state) {
    // Per request: the shaper; per type: the shaping and the images.
    const MaskShaper shaper(options, m.parse, m.keypoints);
    ShapedMask shaped = shaper.shape(mask);
    if (options.wants(MaskOutput::kAgnostic)) benchmark::DoNotOptimize(agnostic_image(photo, shaped.mask));
    if (options.wants(MaskOutput::kCutout)) {
      benchmark::DoNotOptimize(cutout_image(photo, options.feather_px ? shaped.soft : shaped.mask));
    }
    benchmark::DoNotOptimize(shaped);
  }
}
BENCHMARK(BM_Options)->DenseRange(0, static_cast<int>(kOptionCases.size()) - 1)->Unit(benchmark::kMillisecond);

void BM_MaskInfo(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const auto masks = generate_masks(m.parse, m.keypoints, Gender::kFemale, kAllMaskTypes).masks;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mask_info(masks, m.parse, m.keypoints, {1, 0.8}, {}));
  }
  state.SetLabel("all 7 types");
}
BENCHMARK(BM_MaskInfo)->Unit(benchmark::kMillisecond);

std::size_t encoded_bytes(const cv::Mat& image) {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", image, png);
  return png.size();
}

// Arg 0: the seed's 7 types (female); 1..4: ootd_hd, ootd_dc, idm_hd, idm_dc of
// upper_body. Encoding on one thread (the service encodes in parallel).
void BM_CachedRequest(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const auto profile = kAllProfiles[static_cast<std::size_t>(state.range(0))];
  state.SetLabel(profile == MaskProfile::kSeed ? "seed, 7 types" : std::string(profile_name(profile)));
  for (auto _ : state) {
    std::size_t bytes = 0;
    if (profile == MaskProfile::kSeed) {
      for (const auto& [type, mask] : generate_masks(m.parse, m.keypoints, Gender::kFemale, kAllMaskTypes).masks) {
        bytes += encoded_bytes(mask);
      }
    } else {
      const ProfileMask made = profile_mask(m.parse, m.keypoints, profile, Category::kUpperBody);
      bytes += encoded_bytes(made.mask);
      if (!made.gray.empty()) bytes += encoded_bytes(made.gray);
    }
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_CachedRequest)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

// The profile's mask rule alone, per profile and category.
void BM_ProfileMask(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  const auto profile = kAllProfiles[static_cast<std::size_t>(state.range(0))];
  const auto category = static_cast<Category>(state.range(1));
  state.SetLabel(std::string(profile_name(profile)) + " " + std::string(category_name(category)));
  for (auto _ : state) benchmark::DoNotOptimize(profile_mask(m.parse, m.keypoints, profile, category));
}
// Every category of each profile: ootd_hd has only upper_body (0).
BENCHMARK(BM_ProfileMask)->Args({1, 0})->ArgsProduct({{2, 3, 4}, {0, 1, 2}})->Unit(benchmark::kMillisecond);

// fitdit (POSE_MODEL=dwpose): the rule and, as a cached request, with its mask and grey mask
// encoded. The mannequin's 18 points (x 2) stand for DWPose's; feet, face and hands absent.
void BM_FitditMask(benchmark::State& state) {
  const auto m = mc::test_support::make_mannequin();
  fitdit::WholeBodyPoints points{};
  for (std::size_t i = 0; i < m.keypoints.size(); ++i) points[i] = m.keypoints[i] * 2.0F;
  const auto category = static_cast<Category>(state.range(0));
  const bool encode = state.range(1) == 1;
  state.SetLabel(std::string(category_name(category)) + (encode ? ", encoded" : ""));
  for (auto _ : state) {
    const ProfileMask made = profile_mask(m.parse, m.keypoints, MaskProfile::kFitdit, category, &points);
    std::size_t bytes = 0;
    if (encode) bytes = encoded_bytes(made.mask) + encoded_bytes(made.gray);
    benchmark::DoNotOptimize(bytes);
    benchmark::DoNotOptimize(made);
  }
}
BENCHMARK(BM_FitditMask)->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  mc::app::tune_allocator_for_images();  // as the maskcomponent program does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
