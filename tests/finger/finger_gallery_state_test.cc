// A finger gallery's snapshot state: loading gives a gallery that answers exactly as the original
// (also after removals left garbage in the arenas), and a state made with other MCC parameters,
// a damaged header or sizes that do not add up is refused, leaving the gallery empty.
#include <gtest/gtest.h>

#include "../support/memory_gallery_state.h"
#include "abis/finger/finger_gallery.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

using abis::testing::MemoryStateReader;
using abis::testing::MemoryStateWriter;

PreparedFingerTemplate Prepared(std::uint64_t finger, std::uint64_t impression) {
  const MinutiaeTemplate master = SyntheticFinger(0xBEEF + finger);
  const std::uint64_t seed = finger * 16 + impression;
  return PrepareFingerTemplate(SyntheticImpression(master, seed, TypicalImpressionOptions(seed)));
}

FingerGalleryOptions Exhaustive() { return {1.0, 1, 2, {}}; }

TEST(FingerGalleryStateTest, ALoadedGalleryAnswersExactlyAsTheOriginal) {
  FingerGallery original(Exhaustive());
  for (std::uint64_t f = 0; f < 20; ++f)
    ASSERT_TRUE(original.AddPrepared(static_cast<std::int64_t>(f + 1), Prepared(f, 0)).ok());
  original.Remove(4);
  original.Remove(11);  // garbage in the arenas, and slots moved
  MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());

  FingerGallery loaded(Exhaustive());
  MemoryStateReader reader(writer.bytes());
  const Status status = loaded.LoadState(reader);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(loaded.size(), original.size());
  EXPECT_EQ(loaded.CylinderCount(), original.CylinderCount());
  for (std::uint64_t f : {0, 3, 7, 15}) {
    const PreparedFingerTemplate probe = Prepared(f, 1);
    const auto expected = original.SearchPrepared(probe, 18, 1.0, 18).value();
    const auto actual = loaded.SearchPrepared(probe, 18, 1.0, 18).value();
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].reference_id, expected[i].reference_id);
      EXPECT_EQ(actual[i].score, expected[i].score);
    }
  }
  // Removal works on the loaded gallery (its id map was rebuilt).
  loaded.Remove(1);
  EXPECT_EQ(loaded.size(), original.size() - 1);
  ASSERT_TRUE(loaded.AddPrepared(1, Prepared(0, 0)).ok());
  EXPECT_EQ(loaded.SearchPrepared(Prepared(0, 1), 1, 1.0, 1).value().front().reference_id, 1);
}

// A state loaded with its arenas left in the source (GalleryStateReader::Defer, as a CLI search
// loads a snapshot): the same answers, the same state written again, templates added and removed
// after loading (a compaction reads the arenas in), and a source damaged since loading makes the
// search fail (kDataLoss) instead of answering without the templates it could not read.
TEST(FingerGalleryStateTest, AGalleryWithItsArenasLeftInTheStateAnswersExactlyAsTheOriginal) {
  FingerGallery original(Exhaustive());
  for (std::uint64_t f = 0; f < 20; ++f)
    ASSERT_TRUE(original.AddPrepared(static_cast<std::int64_t>(f + 1), Prepared(f, 0)).ok());
  original.Remove(4);
  MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());

  FingerGallery loaded(Exhaustive());
  MemoryStateReader reader(writer.bytes(), /*defer=*/true);
  ASSERT_TRUE(loaded.LoadState(reader).ok());
  EXPECT_TRUE(reader.at_end());
  // The arenas were not read: only the ranges, signatures and LSH postings are in memory.
  EXPECT_EQ(reader.source()->reads(), 0u);
  EXPECT_LT(loaded.MemoryBytes(), original.MemoryBytes() / 2);
  for (std::uint64_t f : {0, 7, 15}) {
    const auto expected = original.SearchPrepared(Prepared(f, 1), 18, 1.0, 18).value();
    const auto actual = loaded.SearchPrepared(Prepared(f, 1), 18, 1.0, 18).value();
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].reference_id, expected[i].reference_id);
      EXPECT_EQ(actual[i].score, expected[i].score);
    }
  }
  EXPECT_GT(reader.source()->reads(), 0u);
  MemoryStateWriter again;
  ASSERT_TRUE(loaded.SaveState(again).ok());
  EXPECT_EQ(again.bytes(), writer.bytes());

  // Added after loading (in memory, after the deferred part), then enough removed to compact.
  ASSERT_TRUE(loaded.AddPrepared(40, Prepared(30, 0)).ok());
  EXPECT_EQ(loaded.SearchPrepared(Prepared(30, 1), 1, 1.0, 1).value().front().reference_id, 40);
  for (std::int64_t id = 1; id <= 15; ++id) loaded.Remove(id);
  EXPECT_EQ(loaded.SearchPrepared(Prepared(30, 1), 1, 1.0, 1).value().front().reference_id, 40);
  EXPECT_EQ(loaded.SearchPrepared(Prepared(17, 1), 1, 1.0, 1).value().front().reference_id, 18);

  FingerGallery damaged(Exhaustive());
  MemoryStateReader damaged_reader(writer.bytes(), /*defer=*/true);
  ASSERT_TRUE(damaged.LoadState(damaged_reader).ok());
  damaged_reader.source()->fail();
  const auto failed = damaged.SearchPrepared(Prepared(3, 1), 5, 1.0, 5);
  EXPECT_EQ(failed.status().code(), StatusCode::kDataLoss);
  // Removals still work; the compaction they would start is put off.
  for (std::int64_t id = 1; id <= 15; ++id) damaged.Remove(id);
  EXPECT_EQ(damaged.size(), 5u);
}

TEST(FingerGalleryStateTest, AStateOfOtherMccParametersIsRefused) {
  FingerGallery original(Exhaustive());
  ASSERT_TRUE(original.AddPrepared(1, Prepared(1, 0)).ok());
  MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());
  FingerGalleryOptions other = Exhaustive();
  other.mcc.radius = 60;
  FingerGallery loaded(other);
  MemoryStateReader reader(writer.bytes());
  const Status status = loaded.LoadState(reader);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("cylinder builder"), std::string::npos) << status.message();
  EXPECT_EQ(loaded.size(), 0u);
}

TEST(FingerGalleryStateTest, DamagedOrInconsistentStatesAreRefusedAndLeaveTheGalleryEmpty) {
  FingerGallery original(Exhaustive());
  for (std::uint64_t f = 0; f < 3; ++f)
    ASSERT_TRUE(original.AddPrepared(static_cast<std::int64_t>(f + 1), Prepared(f, 0)).ok());
  MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());
  const std::vector<std::uint8_t> good = writer.bytes();
  constexpr std::size_t kHeaderWords = 16;
  struct Case {
    const char* what;
    std::size_t offset;
    std::uint64_t value;
  };
  const Case cases[] = {
      {"format", 0, 7},
      {"garbage larger than the arena", 14 * 8, 1u << 30},
      {"a range outside the arena", kHeaderWords * 8 + 3 * 8 + 3 * kSignatureWords * 8 + 3 * 4, 0xFFFFFFF0},
  };
  for (const Case& c : cases) {
    std::vector<std::uint8_t> bad = good;
    std::memcpy(bad.data() + c.offset, &c.value, sizeof c.value);
    FingerGallery loaded(Exhaustive());
    MemoryStateReader reader(bad);
    EXPECT_EQ(loaded.LoadState(reader).code(), StatusCode::kDataLoss) << c.what;
    EXPECT_EQ(loaded.size(), 0u) << c.what;
  }
  std::vector<std::uint8_t> cut(good.begin(), good.end() - 10);
  FingerGallery loaded(Exhaustive());
  MemoryStateReader reader(cut);
  EXPECT_EQ(loaded.LoadState(reader).code(), StatusCode::kDataLoss) << "cut short";
  EXPECT_EQ(loaded.size(), 0u);
}

}  // namespace
}  // namespace abis::finger
