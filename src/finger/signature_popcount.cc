#include "signature_popcount.h"

#include <bit>

#include "abis/finger/mcc_signature.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace abis::finger::internal {
namespace {

[[gnu::always_inline]] inline std::uint32_t ScalarAndCount(const std::uint64_t* a, const std::uint64_t* b) {
  std::uint32_t count = 0;
  for (int w = 0; w < kSignatureWords; ++w) count += static_cast<std::uint32_t>(std::popcount(a[w] & b[w]));
  return count;
}

std::uint32_t AndCountPortable(const std::uint64_t* a, const std::uint64_t* b) { return ScalarAndCount(a, b); }

#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("popcnt")]] std::uint32_t AndCountPopcnt(const std::uint64_t* a, const std::uint64_t* b) {
  return ScalarAndCount(a, b);
}

// Nibble-lookup popcount (Mula et al.) on 256-bit lanes, summed with SAD.
[[gnu::target("avx2")]] std::uint32_t AndCountAvx2(const std::uint64_t* a, const std::uint64_t* b) {
  const __m256i lookup = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                          2, 2, 3, 2, 3, 3, 4);
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  __m256i total = _mm256_setzero_si256();
  for (int w = 0; w < kSignatureWords; w += 4) {
    const __m256i x = _mm256_and_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(a + w)),
                                       _mm256_load_si256(reinterpret_cast<const __m256i*>(b + w)));
    const __m256i low = _mm256_shuffle_epi8(lookup, _mm256_and_si256(x, low_mask));
    const __m256i high = _mm256_shuffle_epi8(lookup, _mm256_and_si256(_mm256_srli_epi16(x, 4), low_mask));
    total = _mm256_add_epi64(total, _mm256_sad_epu8(_mm256_add_epi8(low, high), _mm256_setzero_si256()));
  }
  return static_cast<std::uint32_t>(_mm256_extract_epi64(total, 0) + _mm256_extract_epi64(total, 1) +
                                    _mm256_extract_epi64(total, 2) + _mm256_extract_epi64(total, 3));
}
#endif

using AndCountFunction = std::uint32_t (*)(const std::uint64_t*, const std::uint64_t*);

AndCountFunction ChooseAndCount() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2")) return AndCountAvx2;
  if (__builtin_cpu_supports("popcnt")) return AndCountPopcnt;
#endif
  return AndCountPortable;
}

}  // namespace

std::uint32_t PopcountWords(const std::uint64_t* words) {
  std::uint32_t count = 0;
  for (int w = 0; w < kSignatureWords; ++w) count += static_cast<std::uint32_t>(std::popcount(words[w]));
  return count;
}

std::uint32_t PopcountAndWords(const std::uint64_t* a, const std::uint64_t* b) {
  static const AndCountFunction and_count = ChooseAndCount();
  return and_count(a, b);
}

}  // namespace abis::finger::internal
