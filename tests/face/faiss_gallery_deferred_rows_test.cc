// A face gallery loaded on demand (its float rows left in the snapshot file) once it needs every
// row, and a state whose counts cannot be right: the review findings on the deferred rows of
// issue 20. The main equality test is FaissFaceGallerySignScanTest in faiss_gallery_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "../support/memory_gallery_state.h"
#include "abis/face/faiss_gallery.h"

namespace abis::face {
namespace {

constexpr int kDimension = 16;

std::vector<float> RandomUnit(std::mt19937& random) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDimension);
  double norm = 0;
  for (float& x : v) {
    x = normal(random);
    norm += x * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

// `count` random references saved as a state.
std::vector<std::uint8_t> SavedState(const FaissGalleryOptions& options, int count, std::mt19937& random) {
  FaissFaceGallery gallery("m/1", kDimension, options, nullptr);
  std::vector<std::int64_t> ids;
  std::vector<float> vectors;
  for (int i = 0; i < count; ++i) {
    ids.push_back(100 + i);
    const std::vector<float> v = RandomUnit(random);
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  EXPECT_TRUE(gallery.AddVectors(ids, vectors).ok());
  abis::testing::MemoryStateWriter writer;
  EXPECT_TRUE(gallery.SaveState(writer).ok());
  return writer.bytes();
}

// Exact search over rows still in the file reads them in pieces of 16,384 and merges the pieces'
// best: the same ids and scores as the gallery loaded whole (more than one piece here).
TEST(FaissFaceGalleryDeferredRowsTest, AnExactSearchOverRowsInTheFileMergesItsPiecesAsOneScan) {
  std::mt19937 random(31);
  FaissGalleryOptions options;
  options.exact_search_max = 1000;
  const std::vector<std::uint8_t> state = SavedState(options, 40'000, random);
  FaissFaceGallery whole("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader whole_reader(state);
  ASSERT_TRUE(whole.LoadState(whole_reader).ok());
  FaissFaceGallery on_demand("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader deferring_reader(state, /*defer=*/true);
  ASSERT_TRUE(on_demand.LoadState(deferring_reader).ok());
  ASSERT_EQ(on_demand.MemoryUse().float_rows, 0u);
  for (int i = 0; i < 6; ++i) {
    const std::vector<float> probe = RandomUnit(random);
    const auto expected = whole.SearchVectorExact(probe, 25);
    ASSERT_EQ(expected.size(), 25u);
    EXPECT_EQ(on_demand.SearchVectorExact(probe, 25), expected);
  }
  // Page-sized reads: 40,000 rows of 64 bytes are 2.5 MB, about 160 pages of 16 KiB per search;
  // a row at a time would read the source 40,000 times per search.
  EXPECT_LT(deferring_reader.source()->reads(), 6u * 40'000u / 4u);
}

// Once removals take a gallery loaded on demand down to exact search, which reads every row, its
// rows are read in at once (no more than a whole load keeps), not kept in the file and read again
// by every search.
TEST(FaissFaceGalleryDeferredRowsTest, RowsInTheFileAreReadInWhenTheGalleryFallsToExactSearch) {
  std::mt19937 random(32);
  FaissGalleryOptions options;
  options.exact_search_max = 1000;
  const std::vector<std::uint8_t> state = SavedState(options, 1010, random);
  FaissFaceGallery whole("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader whole_reader(state);
  ASSERT_TRUE(whole.LoadState(whole_reader).ok());
  FaissFaceGallery on_demand("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader deferring_reader(state, /*defer=*/true);
  ASSERT_TRUE(on_demand.LoadState(deferring_reader).ok());
  ASSERT_EQ(on_demand.MemoryUse().float_rows, 0u);
  for (FaissFaceGallery* gallery : {&whole, &on_demand}) {
    for (int i = 0; i < 20; ++i) gallery->Remove(100 + i * 7);
  }
  ASSERT_STREQ(on_demand.search_method(), "exact");
  EXPECT_EQ(on_demand.MemoryUse().float_rows, 990u * kDimension * sizeof(float));
  const std::size_t reads = deferring_reader.source()->reads();
  const std::vector<float> probe = RandomUnit(random);
  EXPECT_EQ(on_demand.SearchVectorExact(probe, 10), whole.SearchVectorExact(probe, 10));
  EXPECT_EQ(deferring_reader.source()->reads(), reads) << "the search read nothing from the file";
}

// A row count no state of this size can hold (damage a key holder wrote, or a bug) is refused
// before anything is allocated for it, instead of a huge allocation that throws or exhausts memory.
TEST(FaissFaceGalleryDeferredRowsTest, ARowCountTheStateCannotHoldIsRefusedBeforeAllocating) {
  std::mt19937 random(33);
  std::vector<std::uint8_t> state = SavedState({}, 3, random);
  // Layout: magic, dimension, model length (3), "m/1", then the row count.
  const std::size_t count_at = 3 * sizeof(std::uint64_t) + 3;
  std::uint64_t count = 0;
  std::memcpy(&count, state.data() + count_at, sizeof count);
  ASSERT_EQ(count, 3u);
  count = std::uint64_t{1} << 33;  // 64 GiB of ids alone
  std::memcpy(state.data() + count_at, &count, sizeof count);
  for (const bool defer : {false, true}) {
    FaissFaceGallery loaded("m/1", kDimension, {}, nullptr);
    abis::testing::MemoryStateReader reader(state, defer);
    const Status status = loaded.LoadState(reader);
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
    EXPECT_NE(status.message().find("cannot follow"), std::string::npos) << status.message();
    EXPECT_EQ(loaded.size(), 0u);
  }
}

}  // namespace
}  // namespace abis::face
