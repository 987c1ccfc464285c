#include "inner_product_kernel.h"

#include <algorithm>
#include <bit>

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

float InnerProductFloatInt8Portable(const float* query, const std::int8_t* code, std::size_t size) {
  float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    for (std::size_t lane = 0; lane < 8; ++lane) sum[lane] += query[i + lane] * static_cast<float>(code[i + lane]);
  }
  float total = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
  for (; i < size; ++i) total += query[i] * static_cast<float>(code[i]);
  return total;
}

std::int32_t InnerProductInt8Portable(const std::int8_t* a, const std::int8_t* b, std::size_t size) {
  std::int32_t total = 0;
  for (std::size_t i = 0; i < size; ++i) total += static_cast<std::int32_t>(a[i]) * b[i];
  return total;
}

std::uint32_t HammingDistancePortable(const std::uint64_t* a, const std::uint64_t* b, std::size_t words) {
  std::uint32_t total = 0;
  for (std::size_t i = 0; i < words; ++i) total += static_cast<std::uint32_t>(std::popcount(a[i] ^ b[i]));
  return total;
}

// One code against `count` consecutive codes. Inlined into a portable and a POPCNT-enabled
// wrapper below: std::popcount becomes the POPCNT instruction in the latter. The 8-word (512-d)
// case is unrolled so the query stays in registers across the codes.
[[gnu::always_inline]] inline void HammingDistancesBody(const std::uint64_t* query, const std::uint64_t* codes,
                                                        std::size_t count, std::size_t words,
                                                        std::uint32_t* distances) {
  if (words == 8) {
    const std::uint64_t q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
    const std::uint64_t q4 = query[4], q5 = query[5], q6 = query[6], q7 = query[7];
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t* code = codes + i * 8;
      distances[i] = static_cast<std::uint32_t>(
          (std::popcount(q0 ^ code[0]) + std::popcount(q1 ^ code[1])) +
          (std::popcount(q2 ^ code[2]) + std::popcount(q3 ^ code[3])) +
          (std::popcount(q4 ^ code[4]) + std::popcount(q5 ^ code[5])) +
          (std::popcount(q6 ^ code[6]) + std::popcount(q7 ^ code[7])));
    }
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t* code = codes + i * words;
    std::uint32_t total = 0;
    for (std::size_t w = 0; w < words; ++w) total += static_cast<std::uint32_t>(std::popcount(query[w] ^ code[w]));
    distances[i] = total;
  }
}

void HammingDistancesPortable(const std::uint64_t* query, const std::uint64_t* codes, std::size_t count,
                              std::size_t words, std::uint32_t* distances) {
  HammingDistancesBody(query, codes, count, words, distances);
}

#if defined(__x86_64__)
__attribute__((target("popcnt"))) void HammingDistancesPopcnt(const std::uint64_t* query, const std::uint64_t* codes,
                                                             std::size_t count, std::size_t words,
                                                             std::uint32_t* distances) {
  HammingDistancesBody(query, codes, count, words, distances);
}

__attribute__((target("popcnt"))) std::uint32_t HammingDistancePopcnt(const std::uint64_t* a, const std::uint64_t* b,
                                                                     std::size_t words) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < words; ++i) total += static_cast<std::uint64_t>(__builtin_popcountll(a[i] ^ b[i]));
  return static_cast<std::uint32_t>(total);
}

bool DetectPopcnt() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("popcnt");
}

__attribute__((target("avx2,fma"))) float HorizontalSum(__m256 sum) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  return _mm_cvtss_f32(half);
}

__attribute__((target("avx2,fma"))) float InnerProductAvx2(const float* a, const float* b, std::size_t size) {
  __m256 sum0 = _mm256_setzero_ps();
  __m256 sum1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), sum0);
    sum1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), sum1);
  }
  for (; i + 8 <= size; i += 8) sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), sum0);
  float total = HorizontalSum(_mm256_add_ps(sum0, sum1));
  for (; i < size; ++i) total += a[i] * b[i];
  return total;
}

// Eight int8 values widened to eight floats.
__attribute__((target("avx2,fma"))) __m256 LoadInt8AsFloat(const std::int8_t* code) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(code));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
}

__attribute__((target("avx2,fma"))) float InnerProductFloatInt8Avx2(const float* query, const std::int8_t* code,
                                                                   std::size_t size) {
  __m256 sum0 = _mm256_setzero_ps();
  __m256 sum1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), LoadInt8AsFloat(code + i), sum0);
    sum1 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i + 8), LoadInt8AsFloat(code + i + 8), sum1);
  }
  for (; i + 8 <= size; i += 8) sum0 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), LoadInt8AsFloat(code + i), sum0);
  float total = HorizontalSum(_mm256_add_ps(sum0, sum1));
  for (; i < size; ++i) total += query[i] * static_cast<float>(code[i]);
  return total;
}

__attribute__((target("avx2,fma"))) std::int32_t InnerProductInt8Avx2(const std::int8_t* a, const std::int8_t* b,
                                                                     std::size_t size) {
  // 16 int8 -> 16 int16 per operand; madd_epi16 adds adjacent products into 8 int32 lanes.
  __m256i sum = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    const __m256i wide_a = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i wide_b = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    sum = _mm256_add_epi32(sum, _mm256_madd_epi16(wide_a, wide_b));
  }
  __m128i half = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
  std::int32_t total = _mm_cvtsi128_si32(half);
  for (; i < size; ++i) total += static_cast<std::int32_t>(a[i]) * b[i];
  return total;
}

// Sign codes 8 floats at a time: the sign bits of (x > 0) for 8 lanes (ordered compare: false for
// NaN and for -0.0, as the scalar x > 0.0f), placed at the lanes' bit positions.
__attribute__((target("avx2"))) void EncodeSignsAvx2(const float* x, std::size_t dimension, std::uint64_t* words) {
  const __m256 zero = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= dimension; i += 8) {
    const auto mask =
        static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_GT_OQ)));
    words[i / 64] |= std::uint64_t{mask} << (i % 64);
  }
  for (; i < dimension; ++i) words[i / 64] |= std::uint64_t{x[i] > 0.0f} << (i % 64);
}

bool DetectAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
bool DetectAvx2() { return false; }
bool DetectPopcnt() { return false; }
#endif

const bool kHasAvx2 = DetectAvx2();
const bool kHasPopcnt = DetectPopcnt();

}  // namespace

float InnerProduct(const float* a, const float* b, std::size_t size) {
#if defined(__x86_64__)
  if (kHasAvx2) return InnerProductAvx2(a, b, size);
#endif
  return InnerProductPortable(a, b, size);
}

float InnerProductFloatInt8(const float* query, const std::int8_t* code, std::size_t size) {
#if defined(__x86_64__)
  if (kHasAvx2) return InnerProductFloatInt8Avx2(query, code, size);
#endif
  return InnerProductFloatInt8Portable(query, code, size);
}

std::int32_t InnerProductInt8(const std::int8_t* a, const std::int8_t* b, std::size_t size) {
#if defined(__x86_64__)
  if (kHasAvx2) return InnerProductInt8Avx2(a, b, size);
#endif
  return InnerProductInt8Portable(a, b, size);
}

std::uint32_t HammingDistance(const std::uint64_t* a, const std::uint64_t* b, std::size_t words) {
#if defined(__x86_64__)
  if (kHasPopcnt) return HammingDistancePopcnt(a, b, words);
#endif
  return HammingDistancePortable(a, b, words);
}

void HammingDistances(const std::uint64_t* query, const std::uint64_t* codes, std::size_t count, std::size_t words,
                      std::uint32_t* distances) {
#if defined(__x86_64__)
  if (kHasPopcnt) {
    HammingDistancesPopcnt(query, codes, count, words, distances);
    return;
  }
#endif
  HammingDistancesPortable(query, codes, count, words, distances);
}

bool InnerProductUsesAvx2() { return kHasAvx2; }

std::size_t SignWords(std::size_t dimension) { return (dimension + 63) / 64; }

void EncodeSigns(const float* x, std::size_t dimension, std::uint64_t* words) {
  std::fill(words, words + SignWords(dimension), std::uint64_t{0});
#if defined(__x86_64__)
  if (kHasAvx2) {
    EncodeSignsAvx2(x, dimension, words);
    return;
  }
#endif
  for (std::size_t i = 0; i < dimension; ++i) words[i / 64] |= std::uint64_t{x[i] > 0.0f} << (i % 64);
}

}  // namespace abis::face
