// Micro-benchmarks of the two matcher stages on synthetic minutiae (one thread):
//   BM_SignatureCompare  - the fast path (AND + popcount over 4096 bits)
//   BM_MccCompare        - full MCC local similarities + LSS-R on prepared cylinders
//   BM_PrepareTemplate   - cylinders + signature of one template
#include <benchmark/benchmark.h>

#include "abis/finger/finger_gallery.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/synthetic_minutiae.h"

namespace {

using namespace abis::finger;

std::vector<PreparedFingerTemplate> Prepared(int count) {
  std::vector<PreparedFingerTemplate> templates;
  for (int i = 0; i < count; ++i) {
    const MinutiaeTemplate finger = SyntheticFinger(static_cast<std::uint64_t>(i));
    templates.push_back(PrepareFingerTemplate(SyntheticImpression(finger, i, TypicalImpressionOptions(i))));
  }
  return templates;
}

void BM_SignatureCompare(benchmark::State& state) {
  const auto templates = Prepared(64);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompareSignatures(templates[i % 64].signature, templates[(i * 7 + 1) % 64].signature));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SignatureCompare);

void BM_MccCompare(benchmark::State& state) {
  const auto templates = Prepared(64);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompareMcc(templates[i % 64].cylinders, templates[(i * 7 + 1) % 64].cylinders).score);
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MccCompare);

void BM_PrepareTemplate(benchmark::State& state) {
  const MinutiaeTemplate finger = SyntheticFinger(1);
  for (auto _ : state) benchmark::DoNotOptimize(PrepareFingerTemplate(finger).signature.set_bits);
}
BENCHMARK(BM_PrepareTemplate);

}  // namespace

BENCHMARK_MAIN();
