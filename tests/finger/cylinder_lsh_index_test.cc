// The cylinder-LSH pre-selection index: keys are reproducible, the mate of a probe ranks first in a
// small synthetic gallery, and empty probes or indexes return nothing.
#include "abis/finger/cylinder_lsh_index.h"

#include <gtest/gtest.h>

#include "abis/finger/finger_gallery.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

MccTemplate Impression(std::uint64_t finger, int impression) {
  const MinutiaeTemplate master = SyntheticFinger(0xB0B0 + finger);
  const std::uint64_t seed = (finger << 4) + static_cast<std::uint64_t>(impression);
  return PrepareFingerTemplate(SyntheticImpression(master, seed, TypicalImpressionOptions(seed))).cylinders;
}

TEST(CylinderLshIndexTest, KeysAreReproducibleAndSharedByImpressionsOfOneFinger) {
  const MccTemplate first = Impression(3, 0);
  const CylinderLshKeys keys = BuildCylinderLshKeys(first);
  ASSERT_EQ(keys.cylinders(), first.size());
  EXPECT_EQ(keys.keys, BuildCylinderLshKeys(first).keys);
  EXPECT_TRUE(BuildCylinderLshKeys(MccTemplate{}).keys.empty());
}

TEST(CylinderLshIndexTest, RanksTheMateFirstAmongFiftyFingers) {
  constexpr int kFingers = 50;
  std::vector<CylinderLshKeys> gallery;
  for (int f = 0; f < kFingers; ++f) gallery.push_back(BuildCylinderLshKeys(Impression(f, 0)));
  CylinderLshIndex index;
  index.Build(gallery);
  EXPECT_EQ(index.size(), static_cast<std::size_t>(kFingers));
  EXPECT_GT(index.MemoryBytes(), 0u);
  int first = 0;
  for (int f = 0; f < kFingers; f += 5) {
    const std::vector<CylinderLshIndex::Scored> ranked = index.Query(BuildCylinderLshKeys(Impression(f, 1)), 3).value();
    ASSERT_FALSE(ranked.empty());
    EXPECT_LE(ranked.size(), 3u);
    for (std::size_t r = 1; r < ranked.size(); ++r) EXPECT_GE(ranked[r - 1].score, ranked[r].score);
    first += ranked[0].slot == static_cast<std::uint32_t>(f);
  }
  EXPECT_GE(first, 9);  // of 10 probes
}

TEST(CylinderLshIndexTest, AnEmptyProbeOrIndexReturnsNothing) {
  CylinderLshIndex empty;
  empty.Build({});
  EXPECT_TRUE(empty.Query(BuildCylinderLshKeys(Impression(1, 1)), 10).value().empty());
  CylinderLshIndex index;
  index.Build({BuildCylinderLshKeys(Impression(1, 0))});
  EXPECT_TRUE(index.Query(CylinderLshKeys{}, 10).value().empty());
  EXPECT_EQ(index.Query(BuildCylinderLshKeys(Impression(1, 1)), 10).value().size(), 1u);
}

}  // namespace
}  // namespace abis::finger
