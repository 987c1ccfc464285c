// The matcher's fast path: a fixed-length binary signature of a fingerprint, compared by one
// AND + popcount over 64 words. It is a Bloom filter of MCC locality-sensitive hash keys, in the
// spirit of Cappelli, Ferrara, Maltoni, "Fingerprint indexing based on Minutia Cylinder-Code",
// IEEE TPAMI 33(5), 2011: each valid cylinder is hashed by `kSignatureHashes` functions, each
// reading `kSignatureKeyBits` fixed cells near the cylinder centre (cells there are almost always
// valid); every non-zero key sets one bit. Two impressions of a finger share cylinders with
// similar central cells, so they share keys. It is invariant to rotation and translation like the
// cylinders. Used to pre-select 1:N candidates before full LSS-R, never as the final score.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>

#include "abis/finger/mcc.h"

namespace abis::finger {

inline constexpr int kSignatureWords = 64;  // 4096 bits
inline constexpr int kSignatureHashes = 48;
inline constexpr int kSignatureKeyBits = 12;

struct alignas(64) FingerSignature {
  std::array<std::uint64_t, kSignatureWords> bits{};
  std::uint32_t set_bits = 0;  // popcount of `bits`
};

FingerSignature BuildFingerSignature(const MccTemplate& cylinders);

// Similarity in [0, 1]: |a AND b| / sqrt(|a| |b|) (0 when either is empty).
double CompareSignatures(const FingerSignature& a, const FingerSignature& b);

}  // namespace abis::finger
