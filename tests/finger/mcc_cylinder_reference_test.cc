// Pins the exact output of the cylinder builder (BuildMccTemplate) and of the Bloom signature
// (BuildFingerSignature): speed work must leave every bit unchanged. The cylinder digests were
// computed with the original, straightforward builder (one hypot per hull edge and cell, every
// contributor tested for every cell) before it was optimised, and still hold. The signature digest
// pins the 8192-bit, 128-function signature (docs/FINGER_SCALE.md); the 4096-bit, 48-function one
// it replaced gave 0x585229f9464efebf on the same cylinders. The parameters are spelled out so
// that a change of the library defaults does not move the reference.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

#include "abis/finger/mcc.h"
#include "abis/finger/mcc_signature.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

class Fnv1a {
 public:
  void Add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) hash_ = (hash_ ^ bytes[i]) * 0x100000001B3ull;
  }
  template <typename T>
  void AddValue(const T& value) {
    Add(&value, sizeof(value));
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xCBF29CE484222325ull;
};

MccParameters PaperCylinderParameters() {
  MccParameters parameters;
  parameters.radius = 70;
  parameters.sigma_spatial = 28.0 / 3.0;
  parameters.sigma_directional = 2 * std::numbers::pi / 9;
  parameters.mu_psi = 0.01;
  parameters.hull_offset = 50;
  parameters.min_valid_cell_fraction = 0.75;
  parameters.min_neighbour_minutiae = 2;
  return parameters;
}

// Templates covering the builder's paths: typical impressions, a dense finger, a sparse one, a
// 569 ppi one (rescaled), a tiny one (fails minM), one with duplicated points.
std::vector<MinutiaeTemplate> ReferenceTemplates() {
  std::vector<MinutiaeTemplate> templates;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    templates.push_back(SyntheticImpression(SyntheticFinger(seed), seed + 1000, TypicalImpressionOptions(seed)));
  }
  templates.push_back(SyntheticFinger(77, {500, 500, 120, 6}));
  templates.push_back(SyntheticFinger(78, {300, 400, 12, 30}));
  MinutiaeTemplate high_resolution = SyntheticFinger(79, {340, 455, 45, 13});
  high_resolution.resolution_ppi = 569;
  templates.push_back(high_resolution);
  MinutiaeTemplate tiny;
  tiny.width = 100;
  tiny.height = 100;
  tiny.minutiae = {{10, 10, 0.5, MinutiaType::kEnding, 50}, {20, 30, 2.0, MinutiaType::kBifurcation, 50}};
  templates.push_back(tiny);
  MinutiaeTemplate duplicated = SyntheticFinger(80);
  duplicated.minutiae.push_back(duplicated.minutiae.front());
  duplicated.minutiae.push_back(duplicated.minutiae.back());
  templates.push_back(duplicated);
  return templates;
}

std::uint64_t CylinderDigest(const std::vector<MinutiaeTemplate>& templates, const MccParameters& parameters,
                             std::size_t* cylinder_count) {
  Fnv1a hash;
  *cylinder_count = 0;
  for (const MinutiaeTemplate& minutiae : templates) {
    const MccTemplate cylinders = BuildMccTemplate(minutiae, parameters);
    *cylinder_count += cylinders.size();
    hash.AddValue(cylinders.size());
    for (std::size_t c = 0; c < cylinders.size(); ++c) {
      hash.AddValue(cylinders.centres[c].x);
      hash.AddValue(cylinders.centres[c].y);
      hash.AddValue(cylinders.centres[c].angle);
      hash.AddValue(cylinders.centres[c].minutia_index);
      hash.Add(cylinders.cells[c].data(), sizeof(MccBits));
      hash.Add(cylinders.validity[c].data(), sizeof(MccBits));
      hash.AddValue(cylinders.valid_cell_bits[c]);
    }
  }
  return hash.value();
}

TEST(MccCylinderReferenceTest, CylindersAreBitIdenticalToTheReferenceImplementation) {
  std::size_t cylinders = 0;
  const std::uint64_t digest = CylinderDigest(ReferenceTemplates(), PaperCylinderParameters(), &cylinders);
  EXPECT_EQ(cylinders, 1722u);
  EXPECT_EQ(digest, 0x39fdba4ddb75cee5ull) << std::hex << "digest 0x" << digest;
}

TEST(MccCylinderReferenceTest, CylindersWithAnotherRadiusAndHullOffsetAreBitIdentical) {
  MccParameters parameters = PaperCylinderParameters();
  parameters.radius = 60;
  parameters.hull_offset = 30;
  parameters.sigma_spatial = 8;
  std::size_t cylinders = 0;
  const std::uint64_t digest = CylinderDigest(ReferenceTemplates(), parameters, &cylinders);
  EXPECT_EQ(cylinders, 1422u);
  EXPECT_EQ(digest, 0x5f9bbbc3a9ff7625ull) << std::hex << "digest 0x" << digest;
}

TEST(MccCylinderReferenceTest, SignaturesArePinned) {
  Fnv1a hash;
  for (const MinutiaeTemplate& minutiae : ReferenceTemplates()) {
    const FingerSignature signature = BuildFingerSignature(BuildMccTemplate(minutiae, PaperCylinderParameters()));
    hash.Add(signature.bits.data(), sizeof(signature.bits));
    hash.AddValue(signature.set_bits);
  }
  EXPECT_EQ(hash.value(), 0xa4ccbc31d1cd884cull) << std::hex << "digest 0x" << hash.value();
}

}  // namespace
}  // namespace abis::finger
