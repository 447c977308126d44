// Mask engine timings: all seven types from one parse map and keypoints, and
// each type alone, for both genders. Run:
//   build/release/mc_bench_masks --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "app/allocator_tuning.hpp"
#include "core/mask_engine.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  mc::app::tune_allocator_for_images();  // as the maskcomponent program does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
