// Mask engine timings: all seven types from one parse map and keypoints, and
// each type alone. Run: build/release/bench/mc_bench_masks --benchmark_repetitions=10
#include <benchmark/benchmark.h>

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
  state.SetLabel(std::string(mask_type_name(types[0])));
  for (auto _ : state) {
    auto result = generate_masks(m.parse, m.keypoints, Gender::kFemale, types);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_SingleType)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
