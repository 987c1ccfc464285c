#include "mcc_local_similarity.h"

#include <bit>
#include <cmath>

namespace abis::finger::internal {
namespace {

struct PairKernelInput {
  const MccTemplate* a;
  const MccTemplate* b;
  float min_direction_cosine;
  int min_matchable_bits;
  float* out;
};

[[gnu::always_inline]] inline void ComputeAll(const PairKernelInput& in) {
  const MccTemplate& a = *in.a;
  const MccTemplate& b = *in.b;
  const std::size_t nb = b.size();
  std::vector<float> cos_b(nb), sin_b(nb);
  for (std::size_t j = 0; j < nb; ++j) {
    cos_b[j] = std::cos(b.centres[j].angle);
    sin_b[j] = std::sin(b.centres[j].angle);
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const float cos_a = std::cos(a.centres[i].angle);
    const float sin_a = std::sin(a.centres[i].angle);
    const std::uint64_t* cells_a = a.cells[i].data();
    const std::uint64_t* valid_a = a.validity[i].data();
    float* row = in.out + i * nb;
    for (std::size_t j = 0; j < nb; ++j) {
      row[j] = 0;
      if (cos_a * cos_b[j] + sin_a * sin_b[j] < in.min_direction_cosine) continue;
      const std::uint64_t* cells_b = b.cells[j].data();
      const std::uint64_t* valid_b = b.validity[j].data();
      int common = 0, count_a = 0, count_b = 0, count_xor = 0;
      for (int w = 0; w < kMccWords; ++w) {
        const std::uint64_t mask = valid_a[w] & valid_b[w];
        const std::uint64_t bits_a = cells_a[w] & mask;
        const std::uint64_t bits_b = cells_b[w] & mask;
        common += std::popcount(mask);
        count_a += std::popcount(bits_a);
        count_b += std::popcount(bits_b);
        count_xor += std::popcount(bits_a ^ bits_b);
      }
      if (common < in.min_matchable_bits) continue;
      const float norms = std::sqrt(static_cast<float>(count_a)) + std::sqrt(static_cast<float>(count_b));
      if (norms <= 0) continue;
      row[j] = 1.0f - std::sqrt(static_cast<float>(count_xor)) / norms;
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("popcnt")]] void ComputeAllPopcnt(const PairKernelInput& in) { ComputeAll(in); }
#endif
void ComputeAllPortable(const PairKernelInput& in) { ComputeAll(in); }

}  // namespace

void ComputeLocalSimilarities(const MccTemplate& a, const MccTemplate& b, const MccParameters& parameters,
                              std::vector<float>& similarity) {
  similarity.assign(a.size() * b.size(), 0.0f);
  if (similarity.empty()) return;
  const PairKernelInput input{&a, &b,
                              static_cast<float>(std::cos(parameters.max_direction_difference)) - 1e-6f,
                              static_cast<int>(std::lround(parameters.min_matchable_fraction * kMccBits)),
                              similarity.data()};
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) {
    ComputeAllPopcnt(input);
    return;
  }
#endif
  ComputeAllPortable(input);
}

}  // namespace abis::finger::internal
