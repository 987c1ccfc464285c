#include "inner_product_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace abis::face {
namespace {

float InnerProductPortable(const float* a, const float* b, std::size_t size) {
  float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    for (std::size_t lane = 0; lane < 8; ++lane) sum[lane] += a[i + lane] * b[i + lane];
  }
  float total = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
  for (; i < size; ++i) total += a[i] * b[i];
  return total;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float InnerProductAvx2(const float* a, const float* b, std::size_t size) {
  __m256 sum0 = _mm256_setzero_ps();
  __m256 sum1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), sum0);
    sum1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), sum1);
  }
  for (; i + 8 <= size; i += 8) sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), sum0);
  const __m256 sum = _mm256_add_ps(sum0, sum1);
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  float total = _mm_cvtss_f32(half);
  for (; i < size; ++i) total += a[i] * b[i];
  return total;
}

bool DetectAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
bool DetectAvx2() { return false; }
#endif

const bool kHasAvx2 = DetectAvx2();

}  // namespace

float InnerProduct(const float* a, const float* b, std::size_t size) {
#if defined(__x86_64__)
  if (kHasAvx2) return InnerProductAvx2(a, b, size);
#endif
  return InnerProductPortable(a, b, size);
}

bool InnerProductUsesAvx2() { return kHasAvx2; }

}  // namespace abis::face
