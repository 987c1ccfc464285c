#include "abis/finger/mcc_signature.h"

#include <cmath>
#include <vector>

#include "signature_popcount.h"

namespace abis::finger {
namespace {

// Fixed cell positions read by each hash function, drawn once from a seeded generator among the
// bits whose spatial cell lies within kSignatureKeyRadius of the radius from the centre.
struct HashPositions {
  std::array<std::array<int, kSignatureKeyBits>, kSignatureHashes> bit_index{};
};

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

const HashPositions& Positions() {
  static const HashPositions positions = [] {
    // Spatial cell order matches mcc.cc: row-major over the 16x16 grid, keeping circle cells.
    std::vector<int> key_bits;
    int spatial_index = 0;
    for (int i = 0; i < kMccSpatialCells; ++i) {
      for (int j = 0; j < kMccSpatialCells; ++j) {
        const double u = i - (kMccSpatialCells - 1) / 2.0;
        const double v = j - (kMccSpatialCells - 1) / 2.0;
        const double radius_cells = kMccSpatialCells / 2.0;
        if (u * u + v * v > radius_cells * radius_cells) continue;
        if (u * u + v * v <= kSignatureKeyRadius * kSignatureKeyRadius * radius_cells * radius_cells) {
          for (int k = 0; k < kMccAngularCells; ++k) key_bits.push_back(spatial_index * kMccAngularCells + k);
        }
        ++spatial_index;
      }
    }
    HashPositions result;
    std::uint64_t state = 0x4D4343u;  // fixed seed: signatures must be reproducible
    for (auto& function : result.bit_index) {
      for (int& bit : function) bit = key_bits[SplitMix64(state) % key_bits.size()];
    }
    return result;
  }();
  return positions;
}

bool BitAt(const MccBits& bits, int index) { return (bits[index / 64] >> (index % 64)) & 1; }

}  // namespace

FingerSignature BuildFingerSignature(const MccTemplate& cylinders) {
  const HashPositions& positions = Positions();
  FingerSignature signature;
  for (std::size_t c = 0; c < cylinders.size(); ++c) {
    for (int h = 0; h < kSignatureHashes; ++h) {
      std::uint32_t key = 0;
      bool all_valid = true;
      for (int b = 0; b < kSignatureKeyBits; ++b) {
        const int index = positions.bit_index[h][b];
        all_valid = all_valid && BitAt(cylinders.validity[c], index);
        key = (key << 1) | static_cast<std::uint32_t>(BitAt(cylinders.cells[c], index));
      }
      if (!all_valid || key == 0) continue;
      std::uint64_t state = (static_cast<std::uint64_t>(h) << 32) | key;
      const std::uint64_t slot = SplitMix64(state) % (kSignatureWords * 64);
      signature.bits[slot / 64] |= std::uint64_t{1} << (slot % 64);
    }
  }
  signature.set_bits = internal::PopcountWords(signature.bits.data());
  return signature;
}

double CompareSignatures(const FingerSignature& a, const FingerSignature& b) {
  if (a.set_bits == 0 || b.set_bits == 0) return 0;
  const std::uint32_t common = internal::PopcountAndWords(a.bits.data(), b.bits.data());
  return common / std::sqrt(static_cast<double>(a.set_bits) * b.set_bits);
}

}  // namespace abis::finger
