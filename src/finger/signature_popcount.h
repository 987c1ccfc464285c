// Popcount kernels over a FingerSignature's 64 words: the fast path of 1:1 comparison and of the
// 1:N pre-selection scan. AVX2 (Harley-Seal style nibble lookup) or POPCNT, chosen once at run
// time from the CPU's features; a portable fallback otherwise. Internal to src/finger/.
#pragma once

#include <cstdint>

namespace abis::finger::internal {

// |words| over kSignatureWords words.
std::uint32_t PopcountWords(const std::uint64_t* words);
// |a AND b| over kSignatureWords words. REQUIRES: a and b 32-byte aligned.
std::uint32_t PopcountAndWords(const std::uint64_t* a, const std::uint64_t* b);

}  // namespace abis::finger::internal
