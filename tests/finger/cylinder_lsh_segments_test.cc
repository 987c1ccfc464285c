// The cylinder-LSH pre-selection of a changing gallery: after any sequence of additions and
// removals its scores equal those of one static index built over the templates still there (so the
// layout in segments never changes an answer), its state round-trips, and a damaged state is refused.
#include "abis/finger/cylinder_lsh_segments.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "../support/memory_gallery_state.h"
#include "abis/finger/finger_gallery.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

using abis::testing::MemoryStateReader;
using abis::testing::MemoryStateWriter;

CylinderLshKeys Keys(std::uint64_t finger, int impression) {
  const MinutiaeTemplate master = SyntheticFinger(0x5E6 + finger);
  const std::uint64_t seed = (finger << 4) + static_cast<std::uint64_t>(impression);
  return BuildCylinderLshKeys(
      PrepareFingerTemplate(SyntheticImpression(master, seed, TypicalImpressionOptions(seed))).cylinders);
}

// The segments' answer as finger -> score, and the same from one index over `fingers` (slot order).
std::map<std::uint64_t, float> SegmentScores(const CylinderLshSegments& segments,
                                             const std::vector<std::uint64_t>& finger_of_slot,
                                             const CylinderLshKeys& probe) {
  std::map<std::uint64_t, float> scores;
  const std::vector<CylinderLshIndex::Scored> ranked = segments.Query(probe, finger_of_slot.size()).value();
  for (const auto& scored : ranked) scores[finger_of_slot[scored.slot]] = scored.score;
  return scores;
}

std::map<std::uint64_t, float> StaticScores(const std::vector<std::uint64_t>& fingers, const CylinderLshKeys& probe) {
  std::vector<CylinderLshKeys> keys;
  for (const std::uint64_t finger : fingers) keys.push_back(Keys(finger, 0));
  CylinderLshIndex index;
  index.Build(keys);
  std::map<std::uint64_t, float> scores;
  const std::vector<CylinderLshIndex::Scored> ranked = index.Query(probe, fingers.size()).value();
  for (const auto& scored : ranked) scores[fingers[scored.slot]] = scored.score;
  return scores;
}

TEST(CylinderLshSegmentsTest, ScoresEqualOneStaticIndexAfterAddsAndRemovals) {
  CylinderLshSegments segments;
  std::vector<std::uint64_t> finger_of_slot;  // mirrors the gallery's swap-remove
  std::mt19937 random(7);
  std::uint64_t next_finger = 0;
  for (int step = 0; step < 700; ++step) {
    if (!finger_of_slot.empty() && random() % 4 == 0) {
      const auto slot = static_cast<std::uint32_t>(random() % finger_of_slot.size());
      segments.SwapRemove(slot);
      finger_of_slot[slot] = finger_of_slot.back();
      finger_of_slot.pop_back();
    } else {
      ASSERT_TRUE(segments.Add(Keys(next_finger, 0)).ok());
      finger_of_slot.push_back(next_finger++);
    }
  }
  ASSERT_EQ(segments.size(), finger_of_slot.size());
  EXPECT_GE(segments.segment_count(), 1u);  // the test must cross segments and the fresh list
  for (const std::uint64_t probe_finger :
       {finger_of_slot[0], finger_of_slot[finger_of_slot.size() / 2], finger_of_slot.back(), next_finger + 1}) {
    const CylinderLshKeys probe = Keys(probe_finger, 1);
    EXPECT_EQ(SegmentScores(segments, finger_of_slot, probe), StaticScores(finger_of_slot, probe))
        << "probe finger " << probe_finger;
  }
  // The mate of a probe ranks first.
  const auto best = segments.Query(Keys(finger_of_slot[5], 1), 1).value();
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(finger_of_slot[best[0].slot], finger_of_slot[5]);
  // The probe's cylinders scored in parallel parts give the same list, scores and order.
  for (unsigned slices : {2u, 3u, 7u, 1000u}) {
    const CylinderLshKeys probe = Keys(finger_of_slot[9], 1);
    const auto whole = segments.Query(probe, 50).value();
    const auto parts = segments.Query(probe, 50, {}, slices).value();
    ASSERT_EQ(parts.size(), whole.size()) << slices;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(parts[i].slot, whole[i].slot) << slices << " slices, rank " << i;
      EXPECT_EQ(parts[i].score, whole[i].score) << slices << " slices, rank " << i;
    }
  }
}

TEST(CylinderLshSegmentsTest, StateRoundTripsAndDamageIsRefused) {
  CylinderLshSegments segments;
  std::vector<std::uint64_t> finger_of_slot;
  for (std::uint64_t f = 0; f < 150; ++f) {  // two segments' worth and a partly filled fresh list
    ASSERT_TRUE(segments.Add(Keys(f, 0)).ok());
    finger_of_slot.push_back(f);
  }
  segments.SwapRemove(3);
  finger_of_slot[3] = finger_of_slot.back();
  finger_of_slot.pop_back();
  MemoryStateWriter writer;
  ASSERT_TRUE(segments.SaveState(writer).ok());

  CylinderLshSegments loaded;
  MemoryStateReader reader(writer.bytes());
  const Status status = loaded.LoadState(reader, segments.size());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(reader.at_end());
  const CylinderLshKeys probe = Keys(42, 1);
  EXPECT_EQ(SegmentScores(loaded, finger_of_slot, probe), SegmentScores(segments, finger_of_slot, probe));

  // Loaded with the postings left in the state: the same scores; templates added until segments
  // merge (reading the postings in) keep them equal to one static index; a state damaged since
  // loading fails the query instead of answering without postings.
  CylinderLshSegments deferred;
  MemoryStateReader deferring(writer.bytes(), /*defer=*/true);
  ASSERT_TRUE(deferred.LoadState(deferring, segments.size()).ok());
  EXPECT_EQ(SegmentScores(deferred, finger_of_slot, probe), SegmentScores(segments, finger_of_slot, probe));
  EXPECT_GT(deferring.source()->reads(), 0u);
  std::vector<std::uint64_t> grown = finger_of_slot;
  for (std::uint64_t f = 1000; f < 1000 + 4 * CylinderLshSegments::kFreshLimit; ++f) {
    ASSERT_TRUE(deferred.Add(Keys(f, 0)).ok());
    grown.push_back(f);
  }
  EXPECT_EQ(SegmentScores(deferred, grown, probe), StaticScores(grown, probe));
  CylinderLshSegments damaged_later;
  MemoryStateReader damaged_source(writer.bytes(), /*defer=*/true);
  ASSERT_TRUE(damaged_later.LoadState(damaged_source, segments.size()).ok());
  damaged_source.source()->fail();
  EXPECT_EQ(damaged_later.Query(probe, 10).status().code(), StatusCode::kDataLoss);

  // Another slot count, or a posting naming a slot that does not exist, is refused.
  CylinderLshSegments refused;
  MemoryStateReader wrong_size(writer.bytes());
  EXPECT_EQ(refused.LoadState(wrong_size, segments.size() + 1).code(), StatusCode::kDataLoss);
  std::vector<std::uint8_t> damaged = writer.bytes();
  // The first segment's slot list starts after 4 words; point its first entry past the end.
  const std::uint32_t bad_slot = 100000;
  std::memcpy(damaged.data() + 32, &bad_slot, sizeof bad_slot);
  MemoryStateReader damaged_reader(damaged);
  EXPECT_EQ(refused.LoadState(damaged_reader, segments.size()).code(), StatusCode::kDataLoss);
  EXPECT_EQ(refused.size(), 0u);
}

TEST(CylinderLshSegmentsTest, ARemovedTemplateIsNeverReturned) {
  CylinderLshSegments segments;
  for (std::uint64_t f = 0; f < 200; ++f) ASSERT_TRUE(segments.Add(Keys(f, 0)).ok());
  EXPECT_EQ(segments.segment_count(), 2u);  // 128 + 64 templates, and 8 in the fresh list
  // Remove every slot from the back: each removal is of the last slot.
  for (int i = 0; i < 199; ++i) segments.SwapRemove(static_cast<std::uint32_t>(segments.size() - 1));
  const auto ranked = segments.Query(Keys(150, 1), 10).value();
  for (const auto& scored : ranked) EXPECT_EQ(scored.slot, 0u);
  EXPECT_EQ(segments.Query(Keys(0, 1), 10).value().size(), 1u);
}

}  // namespace
}  // namespace abis::finger
