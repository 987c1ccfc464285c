#include "abis/face/faiss_gallery.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <omp.h>

#include "abis/face/face_template.h"
#include "../../src/face/inner_product_kernel.h"
#include "../support/memory_gallery_state.h"

namespace abis::face {
namespace {

constexpr int kDimension = 64;

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

BiometricTemplate Template(const std::string& model, const std::vector<float>& values) {
  BiometricTemplate t;
  t.modality = Modality::kFace;
  t.algorithm = model;
  t.data = SerializeFaceEmbedding({model, values});
  return t;
}

TEST(FaissFaceGalleryTest, FindsTheMateAndSwitchesToHnswAboveTheExactLimit) {
  std::mt19937 random(11);
  FaissGalleryOptions options;
  options.exact_search_max = 50;
  options.large_gallery_method = LargeGalleryMethod::kHnsw;
  FaissFaceGallery gallery("m/1", kDimension, options, nullptr);
  std::vector<std::vector<float>> references;
  for (int i = 0; i < 200; ++i) {
    references.push_back(RandomUnit(random));
    ASSERT_TRUE(gallery.Add(1000 + i, Template("m/1", references.back())).ok());
    EXPECT_EQ(gallery.uses_hnsw(), gallery.size() > 50);
  }
  for (int i : {0, 77, 199}) {
    const Result<std::vector<Candidate>> found = gallery.Search(Template("m/1", references[i]), 3);
    ASSERT_TRUE(found.ok());
    ASSERT_FALSE(found->empty());
    EXPECT_EQ(found->front().reference_id, 1000 + i);
    EXPECT_NEAR(found->front().score, 1.0, 1e-4);
  }
  // Removing drops back to exact search and the removed reference is never returned.
  for (int i = 0; i < 160; ++i) gallery.Remove(1000 + i);
  EXPECT_EQ(gallery.size(), 40u);
  EXPECT_FALSE(gallery.uses_hnsw());
  const Result<std::vector<Candidate>> gone = gallery.Search(Template("m/1", references[5]), 40);
  ASSERT_TRUE(gone.ok());
  for (const Candidate& c : *gone) EXPECT_NE(c.reference_id, 1005);
}

// A snapshot state (ids and float rows) loads into a gallery that answers exactly as the original,
// and one of another model or dimension is refused, leaving the gallery empty.
TEST(FaissFaceGalleryTest, ASavedStateLoadsIntoAGalleryThatAnswersTheSame) {
  std::mt19937 random(5);
  FaissFaceGallery original("m/1", kDimension, {}, nullptr);
  std::vector<std::vector<float>> references;
  for (int i = 0; i < 120; ++i) {
    references.push_back(RandomUnit(random));
    ASSERT_TRUE(original.Add(500 + i, Template("m/1", references.back())).ok());
  }
  original.Remove(510);
  abis::testing::MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());

  FaissFaceGallery loaded("m/1", kDimension, {}, nullptr);
  abis::testing::MemoryStateReader reader(writer.bytes());
  const Status status = loaded.LoadState(reader);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(reader.at_end());
  ASSERT_EQ(loaded.size(), original.size());
  for (int i : {0, 10, 64, 119}) {
    const auto expected = original.Search(Template("m/1", references[i]), 5);
    const auto actual = loaded.Search(Template("m/1", references[i]), 5);
    ASSERT_TRUE(expected.ok() && actual.ok());
    ASSERT_EQ(actual->size(), expected->size());
    for (std::size_t k = 0; k < expected->size(); ++k) {
      EXPECT_EQ((*actual)[k].reference_id, (*expected)[k].reference_id);
      EXPECT_EQ((*actual)[k].score, (*expected)[k].score);
    }
  }

  FaissFaceGallery other_model("m/2", kDimension, {}, nullptr);
  abis::testing::MemoryStateReader again(writer.bytes());
  EXPECT_EQ(other_model.LoadState(again).code(), StatusCode::kDataLoss);
  EXPECT_EQ(other_model.size(), 0u);
  FaissFaceGallery other_dimension("m/1", kDimension * 2, {}, nullptr);
  abis::testing::MemoryStateReader third(writer.bytes());
  EXPECT_EQ(other_dimension.LoadState(third).code(), StatusCode::kDataLoss);
  EXPECT_EQ(other_dimension.size(), 0u);
}

// The state keeps its byte layout (format 2): magic, dimension, model id length and bytes, row
// count, ids, sign-code words per row and the codes, then the rows as floats (machine order).
TEST(FaissFaceGalleryTest, TheSavedStateKeepsItsByteLayout) {
  std::mt19937 random(9);
  FaissFaceGallery gallery("m/1", kDimension, {}, nullptr);
  const std::vector<float> a = RandomUnit(random), b = RandomUnit(random);
  ASSERT_TRUE(gallery.Add(7, Template("m/1", a)).ok());
  ASSERT_TRUE(gallery.Add(-3, Template("m/1", b)).ok());
  abis::testing::MemoryStateWriter writer;
  ASSERT_TRUE(gallery.SaveState(writer).ok());
  std::vector<std::uint8_t> expected;
  const auto put = [&expected](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    expected.insert(expected.end(), bytes, bytes + size);
  };
  const std::uint64_t header[] = {0x3153474641534942 ^ 0x0000000000000700, kDimension, 3};
  put(header, sizeof header);
  put("m/1", 3);
  const std::uint64_t count = 2;
  put(&count, sizeof count);
  const std::int64_t ids[] = {7, -3};
  put(ids, sizeof ids);
  const std::uint64_t sign_words = 1;  // 64 dimensions
  put(&sign_words, sizeof sign_words);
  std::uint64_t codes[2] = {0, 0};
  for (int i = 0; i < kDimension; ++i) {
    if (a[i] > 0) codes[0] |= std::uint64_t{1} << i;
    if (b[i] > 0) codes[1] |= std::uint64_t{1} << i;
  }
  put(codes, sizeof codes);
  put(a.data(), a.size() * sizeof(float));
  put(b.data(), b.size() * sizeof(float));
  EXPECT_EQ(writer.bytes(), expected);

  FaissFaceGallery empty("m/1", kDimension, {}, nullptr);
  abis::testing::MemoryStateWriter empty_writer;
  ASSERT_TRUE(empty.SaveState(empty_writer).ok());
  EXPECT_EQ(empty_writer.bytes().size(), 5 * sizeof(std::uint64_t) + 3);  // no ids, codes or rows
  FaissFaceGallery loaded("m/1", kDimension, {}, nullptr);
  abis::testing::MemoryStateReader reader(empty_writer.bytes());
  ASSERT_TRUE(loaded.LoadState(reader).ok());
  EXPECT_EQ(loaded.size(), 0u);
}

// A format-1 state (snapshots of earlier builds: ids then rows, no sign codes) is refused as
// another format, so its snapshot is deleted and the index rebuilt; it is never trusted.
TEST(FaissFaceGalleryTest, AFormatOneStateIsRefused) {
  std::mt19937 random(10);
  const std::vector<float> a = RandomUnit(random);
  std::vector<std::uint8_t> state;
  const auto put = [&state](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    state.insert(state.end(), bytes, bytes + size);
  };
  const std::uint64_t header[] = {0x3153474641534942 ^ 0x0000000000000600, kDimension, 3};
  put(header, sizeof header);
  put("m/1", 3);
  const std::uint64_t count = 1;
  put(&count, sizeof count);
  const std::int64_t id = 7;
  put(&id, sizeof id);
  put(a.data(), a.size() * sizeof(float));
  for (const bool defer : {false, true}) {
    FaissFaceGallery loaded("m/1", kDimension, {}, nullptr);
    abis::testing::MemoryStateReader reader(state, defer);
    EXPECT_EQ(loaded.LoadState(reader).code(), StatusCode::kDataLoss);
    EXPECT_EQ(loaded.size(), 0u);
  }
}

// Issue 20 (a CLI search on a 1M store): a sign-scan gallery loaded on demand keeps its float rows
// in the state's source and reads only the shortlisted ones, and answers exactly as the same
// gallery loaded whole (same ids, same scores), by the sign scan and by exact search, also after
// the same adds, replacements and removals on both, down below exact_search_max (its deferred
// rows then read in whole once the freed ones outgrow the kept), and its saved state is the same.
// A source that can no longer be read makes a search fail, never answer short.
TEST(FaissFaceGallerySignScanTest, AGalleryLoadedOnDemandAnswersExactlyAsOneLoadedWhole) {
  std::mt19937 random(20);
  FaissGalleryOptions options;
  options.exact_search_max = 1000;
  options.sign_scan_candidates = 32;
  FaissFaceGallery original("m/1", kDimension, options, nullptr);
  std::vector<std::int64_t> ids;
  std::vector<float> vectors;
  for (int i = 0; i < 3000; ++i) {
    ids.push_back(10'000 + i);
    const std::vector<float> v = RandomUnit(random);
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  ASSERT_TRUE(original.AddVectors(ids, vectors).ok());
  abis::testing::MemoryStateWriter writer;
  ASSERT_TRUE(original.SaveState(writer).ok());

  FaissFaceGallery whole("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader whole_reader(writer.bytes());
  ASSERT_TRUE(whole.LoadState(whole_reader).ok());
  FaissFaceGallery on_demand("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader deferring_reader(writer.bytes(), /*defer=*/true);
  const Status loaded = on_demand.LoadState(deferring_reader);
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_TRUE(deferring_reader.at_end());
  EXPECT_EQ(whole.MemoryUse().float_rows, 3000u * kDimension * sizeof(float));
  EXPECT_EQ(on_demand.MemoryUse().float_rows, 0u);  // the rows stayed in the source
  EXPECT_EQ(on_demand.MemoryUse().sign_codes, whole.MemoryUse().sign_codes);
  EXPECT_EQ(deferring_reader.source()->reads(), 0u);

  std::vector<std::vector<float>> probes;
  for (int i = 0; i < 12; ++i) probes.push_back(RandomUnit(random));
  const auto expect_same_answers = [&](const char* stage) {
    SCOPED_TRACE(stage);
    ASSERT_EQ(on_demand.size(), whole.size());
    EXPECT_STREQ(on_demand.search_method(), whole.search_method());
    std::vector<std::vector<float>> asked = probes;
    for (std::size_t row = 0; row < 3000; row += 397) {  // mated probes of loaded references
      std::vector<float> mate(vectors.begin() + static_cast<std::ptrdiff_t>(row * kDimension),
                              vectors.begin() + static_cast<std::ptrdiff_t>((row + 1) * kDimension));
      std::normal_distribution<float> noise(0.0f, 0.02f);
      double norm = 0;
      for (float& x : mate) {
        x += noise(random);
        norm += x * x;
      }
      for (float& x : mate) x = static_cast<float>(x / std::sqrt(norm));
      asked.push_back(mate);
    }
    for (const std::vector<float>& probe : asked) {
      const Result<std::vector<Candidate>> expected = whole.Search(Template("m/1", probe), 10);
      const Result<std::vector<Candidate>> actual = on_demand.Search(Template("m/1", probe), 10);
      ASSERT_TRUE(expected.ok() && actual.ok()) << actual.status().ToString();
      ASSERT_EQ(actual->size(), expected->size());
      for (std::size_t k = 0; k < expected->size(); ++k) {
        EXPECT_EQ((*actual)[k].reference_id, (*expected)[k].reference_id);
        EXPECT_EQ((*actual)[k].score, (*expected)[k].score);
      }
      EXPECT_EQ(on_demand.SearchVectorExact(probe, 10), whole.SearchVectorExact(probe, 10));
    }
  };
  expect_same_answers("as loaded");
  EXPECT_GT(deferring_reader.source()->reads(), 0u);
  EXPECT_EQ(on_demand.MemoryUse().float_rows, 0u);  // searching read rows, kept none

  // The same changes on both: removals (of loaded rows, moving others), additions, replacements.
  std::vector<float> added;
  std::vector<std::int64_t> added_ids;
  for (int i = 0; i < 100; ++i) {
    added_ids.push_back(20'000 + i);
    const std::vector<float> v = RandomUnit(random);
    added.insert(added.end(), v.begin(), v.end());
  }
  for (FaissFaceGallery* gallery : {&whole, &on_demand}) {
    for (int i = 0; i < 200; ++i) gallery->Remove(10'000 + (i * 13) % 3000);
    ASSERT_TRUE(gallery->AddVectors(added_ids, added).ok());
    for (int i = 0; i < 50; ++i) {
      const std::int64_t replaced = 10'000 + (i * 31 + 7) % 3000;
      ASSERT_TRUE(gallery->AddVector(replaced, std::span<const float>(added).subspan(i * kDimension, kDimension)).ok());
    }
    gallery->Remove(20'005);
  }
  expect_same_answers("after adds and removes");
  EXPECT_LT(on_demand.MemoryUse().float_rows, 200u * kDimension * sizeof(float));  // the new rows only
  abis::testing::MemoryStateWriter whole_again, on_demand_again;
  ASSERT_TRUE(whole.SaveState(whole_again).ok());
  ASSERT_TRUE(on_demand.SaveState(on_demand_again).ok());
  EXPECT_EQ(on_demand_again.bytes(), whole_again.bytes());

  // Down below exact_search_max: exact search; the kept rows are read in once freed slots
  // outnumber them (2 * rows + 1024).
  for (FaissFaceGallery* gallery : {&whole, &on_demand}) {
    for (int i = 0; i < 3000; ++i) {
      if (i % 4 != 0) gallery->Remove(10'000 + i);
    }
  }
  EXPECT_STREQ(on_demand.search_method(), "exact");
  expect_same_answers("below exact_search_max");
  EXPECT_GT(on_demand.MemoryUse().float_rows, 0u);

  // A damaged source: the search fails instead of answering from part of the gallery.
  FaissFaceGallery damaged("m/1", kDimension, options, nullptr);
  abis::testing::MemoryStateReader damaged_reader(writer.bytes(), /*defer=*/true);
  ASSERT_TRUE(damaged.LoadState(damaged_reader).ok());
  damaged_reader.source()->fail();
  EXPECT_EQ(damaged.Search(Template("m/1", probes[0]), 5).status().code(), StatusCode::kDataLoss);
}

TEST(FaissFaceGalleryTest, BulkAddedHnswAgreesWithExactSearchAndKeepsTheCallersThreadCount) {
  std::mt19937 random(23);
  FaissGalleryOptions options;
  options.exact_search_max = 100;
  options.large_gallery_method = LargeGalleryMethod::kHnsw;
  options.build_threads = 1;
  FaissFaceGallery gallery("m/1", kDimension, options, nullptr);
  constexpr int kCount = 2000;
  std::vector<float> rows;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < kCount; ++i) {
    const std::vector<float> v = RandomUnit(random);
    rows.insert(rows.end(), v.begin(), v.end());
    ids.push_back(i);
  }
  const int threads_before = omp_get_max_threads();
  ASSERT_TRUE(gallery.AddVectors(ids, rows).ok());
  ASSERT_TRUE(gallery.uses_hnsw());
  for (int i : {3, 999, 1998}) {
    const std::span<const float> query(rows.data() + static_cast<std::size_t>(i) * kDimension, kDimension);
    const auto exact = gallery.SearchVectorExact(query, 5);
    for (int ef : {0, 8, 64}) {
      const auto approximate = gallery.SearchVector(query, 5, ef);
      ASSERT_FALSE(approximate.empty());
      EXPECT_EQ(approximate.front().first, i) << "efSearch " << ef;
      EXPECT_EQ(approximate.front().first, exact.front().first);
    }
  }
  EXPECT_EQ(omp_get_max_threads(), threads_before);
}

TEST(FaissFaceGalleryTest, ExactScoresEqualTheDotProductForOddDimensions) {
  // 37 and 515 exercise the vector kernel's 16- and 8-wide loops and its scalar tail.
  for (int dimension : {1, 7, 37, 515}) {
    std::mt19937 random(static_cast<unsigned>(dimension));
    std::normal_distribution<float> normal;
    FaissFaceGallery gallery("m/1", dimension, {}, nullptr);
    std::vector<std::vector<float>> rows;
    for (int i = 0; i < 20; ++i) {
      std::vector<float> v(static_cast<std::size_t>(dimension));
      for (float& x : v) x = normal(random);
      ASSERT_TRUE(gallery.AddVector(i, v).ok());
      rows.push_back(std::move(v));
    }
    const std::vector<float>& query = rows[4];
    const auto found = gallery.SearchVectorExact(query, 20);
    ASSERT_EQ(found.size(), 20u);
    for (std::size_t r = 1; r < found.size(); ++r) EXPECT_GE(found[r - 1].second, found[r].second);
    for (const auto& [id, score] : found) {
      const std::vector<float>& row = rows[static_cast<std::size_t>(id)];
      double expected = 0.0;
      for (std::size_t d = 0; d < row.size(); ++d) expected += static_cast<double>(query[d]) * row[d];
      EXPECT_NEAR(score, expected, 1e-4 * (1.0 + std::abs(expected))) << "dimension " << dimension << " id " << id;
    }
  }
}

std::vector<float> RandomRows(int count, int dimension, std::mt19937& random) {
  std::normal_distribution<float> normal;
  std::vector<float> rows(static_cast<std::size_t>(count) * static_cast<std::size_t>(dimension));
  for (int i = 0; i < count; ++i) {
    float* row = rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(dimension);
    double norm = 0;
    for (int d = 0; d < dimension; ++d) {
      row[d] = normal(random);
      norm += static_cast<double>(row[d]) * row[d];
    }
    for (int d = 0; d < dimension; ++d) row[d] = static_cast<float>(row[d] / std::sqrt(norm));
  }
  return rows;
}

std::vector<std::int64_t> Ids(int count) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ids[static_cast<std::size_t>(i)] = 5000 + i;
  return ids;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("abis_face_" + name + "_" + std::to_string(::getpid()))).string();
}

// EncodeSigns (vectorised where the CPU allows) equals its definition, bit i set when x_i > 0, at
// every dimension around the word and vector widths, with zeros, negative zeros, denormals, the
// extremes and infinities among random values.
TEST(InnerProductKernelTest, SignCodesEqualTheScalarDefinition) {
  std::mt19937 random(44);
  std::normal_distribution<float> normal;
  const float edges[] = {0.0f, -0.0f, 1e-40f, -1e-40f, std::numeric_limits<float>::min(),
                         -std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                         -std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity()};
  for (const std::size_t dimension : {1u, 7u, 8u, 9u, 63u, 64u, 65u, 127u, 128u, 512u, 515u}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> x(dimension);
      for (float& value : x) {
        value = random() % 3 == 0 ? edges[random() % std::size(edges)] : normal(random);
      }
      std::vector<std::uint64_t> expected(SignWords(dimension), 0), actual(SignWords(dimension), ~std::uint64_t{0});
      for (std::size_t i = 0; i < dimension; ++i) {
        if (x[i] > 0.0f) expected[i / 64] |= std::uint64_t{1} << (i % 64);
      }
      EncodeSigns(x.data(), dimension, actual.data());
      ASSERT_EQ(actual, expected) << "dimension " << dimension << ", trial " << trial;
    }
  }
}

TEST(InnerProductKernelTest, IntegerKernelsEqualTheScalarSums) {
  std::mt19937 random(3);
  std::uniform_int_distribution<int> level(-127, 127);
  std::normal_distribution<float> normal;
  for (std::size_t size : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{37}, std::size_t{515}}) {
    std::vector<std::int8_t> a(size);
    std::vector<std::int8_t> b(size);
    std::vector<float> query(size);
    for (std::size_t i = 0; i < size; ++i) {
      a[i] = static_cast<std::int8_t>(level(random));
      b[i] = static_cast<std::int8_t>(level(random));
      query[i] = normal(random);
    }
    std::int64_t integer = 0;
    double mixed = 0.0;
    for (std::size_t i = 0; i < size; ++i) {
      integer += static_cast<std::int64_t>(a[i]) * b[i];
      mixed += static_cast<double>(query[i]) * a[i];
    }
    EXPECT_EQ(InnerProductInt8(a.data(), b.data(), size), integer) << "size " << size;
    EXPECT_NEAR(InnerProductFloatInt8(query.data(), a.data(), size), mixed, 1e-4 * (1.0 + std::abs(mixed)) * 127)
        << "size " << size;
  }
  // Hamming distance over 1, 2 and 9 words.
  std::mt19937_64 bits(8);
  for (std::size_t words : {std::size_t{1}, std::size_t{2}, std::size_t{9}}) {
    std::vector<std::uint64_t> x(words);
    std::vector<std::uint64_t> y(words);
    std::uint32_t expected = 0;
    for (std::size_t w = 0; w < words; ++w) {
      x[w] = bits();
      y[w] = bits();
      for (int bit = 0; bit < 64; ++bit) expected += ((x[w] ^ y[w]) >> bit) & 1U;
    }
    EXPECT_EQ(HammingDistance(x.data(), y.data(), words), expected) << words << " words";
    EXPECT_EQ(HammingDistance(x.data(), x.data(), words), 0u);
  }
  // One code against many: equal to the pairwise distance for the unrolled 8-word (512-d) path
  // and the general one, including an empty run.
  for (std::size_t words : {std::size_t{1}, std::size_t{8}, std::size_t{9}}) {
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{300}}) {
      std::vector<std::uint64_t> query(words);
      std::vector<std::uint64_t> codes(words * count);
      for (std::uint64_t& w : query) w = bits();
      for (std::uint64_t& w : codes) w = bits();
      if (count > 0) std::copy(query.begin(), query.end(), codes.begin());  // distance 0
      std::vector<std::uint32_t> distances(count, 9999);
      HammingDistances(query.data(), codes.data(), count, words, distances.data());
      for (std::size_t i = 0; i < count; ++i) {
        EXPECT_EQ(distances[i], HammingDistance(query.data(), codes.data() + i * words, words))
            << words << " words, code " << i;
      }
      if (count > 0) {
        EXPECT_EQ(distances[0], 0u);
      }
    }
  }
  // Extremes: 515 x 127 x -127 stays exact in int32.
  const std::vector<std::int8_t> high(515, 127);
  const std::vector<std::int8_t> low(515, -127);
  EXPECT_EQ(InnerProductInt8(high.data(), low.data(), high.size()), -515 * 127 * 127);
}

TEST(FaissFaceGalleryTest, EveryHnswStorageFindsMatedProbesAndReturnsExactCosines) {
  for (HnswStorage storage : {HnswStorage::kInt8, HnswStorage::kSignBits, HnswStorage::kFloat}) {
    for (int dimension : {37, 128}) {
      std::mt19937 random(static_cast<unsigned>(dimension));
      constexpr int kCount = 1500;
      const std::vector<float> rows = RandomRows(kCount, dimension, random);
      const std::vector<std::int64_t> ids = Ids(kCount);
      FaissGalleryOptions options;
      options.exact_search_max = 100;
      options.large_gallery_method = LargeGalleryMethod::kHnsw;
      options.hnsw_storage = storage;
      options.build_threads = 1;
      FaissFaceGallery gallery("m/1", dimension, options, nullptr);
      ASSERT_TRUE(gallery.AddVectors(ids, rows).ok());
      ASSERT_TRUE(gallery.uses_hnsw());
      const auto dim = static_cast<std::size_t>(dimension);
      const FaissGalleryMemory memory = gallery.MemoryUse();
      EXPECT_EQ(memory.float_rows, kCount * dim * sizeof(float));
      const std::size_t code_bytes = storage == HnswStorage::kInt8       ? dim + sizeof(float)
                                     : storage == HnswStorage::kSignBits ? (dim + 63) / 64 * 8
                                                                         : dim * sizeof(float);
      EXPECT_EQ(memory.hnsw_codes, kCount * code_bytes);
      EXPECT_GT(memory.hnsw_graph, 0u);
      for (int i : {0, 700, 1499}) {
        // A mated probe: 0.8 x the mate plus noise.
        std::vector<float> probe(rows.begin() + static_cast<std::ptrdiff_t>(i * dim),
                                 rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
        std::normal_distribution<float> noise(0.0f, 0.6f / std::sqrt(static_cast<float>(dimension)));
        for (float& x : probe) x += noise(random);
        const auto exact = gallery.SearchVectorExact(probe, 5);
        const auto found = gallery.SearchVector(probe, 5, 64);
        ASSERT_EQ(found.size(), 5u);
        EXPECT_EQ(found.front().first, ids[static_cast<std::size_t>(i)]);
        EXPECT_EQ(found.front().first, exact.front().first);
        // Scores come from the float rows, identical to exact search's.
        EXPECT_FLOAT_EQ(found.front().second, exact.front().second);
        for (std::size_t r = 1; r < found.size(); ++r) EXPECT_GE(found[r - 1].second, found[r].second);
      }
    }
  }
}

// probe = c * mate + sqrt(1 - c^2) * u, u a random unit vector orthogonal to the mate.
std::vector<float> MatedProbe(const float* mate, int dimension, double cosine, std::mt19937& random) {
  std::vector<float> noise = RandomRows(1, dimension, random);
  double along = 0.0;
  for (int d = 0; d < dimension; ++d) along += static_cast<double>(noise[static_cast<std::size_t>(d)]) * mate[d];
  double norm = 0.0;
  for (int d = 0; d < dimension; ++d) {
    noise[static_cast<std::size_t>(d)] -= static_cast<float>(along) * mate[d];
    norm += static_cast<double>(noise[static_cast<std::size_t>(d)]) * noise[static_cast<std::size_t>(d)];
  }
  std::vector<float> probe(static_cast<std::size_t>(dimension));
  for (int d = 0; d < dimension; ++d) {
    probe[static_cast<std::size_t>(d)] = static_cast<float>(
        cosine * mate[d] + std::sqrt(1.0 - cosine * cosine) * noise[static_cast<std::size_t>(d)] / std::sqrt(norm));
  }
  return probe;
}

FaissGalleryOptions SignScanOptions(std::size_t exact_search_max) {
  FaissGalleryOptions options;
  options.exact_search_max = exact_search_max;
  options.large_gallery_method = LargeGalleryMethod::kSignScan;
  options.sign_scan_candidates = 16;
  return options;
}

TEST(FaissFaceGallerySignScanTest, FindsMatedProbesAndReturnsExactScores) {
  // 512: the unrolled 8-word kernel; 37: one partial word; 130: three words, the last partial.
  for (int dimension : {512, 37, 130}) {
    std::mt19937 random(static_cast<unsigned>(dimension) + 1);
    constexpr int kCount = 40'000;  // > 2 x 16 384: the scan really splits into two slices
    const std::vector<float> rows = RandomRows(kCount, dimension, random);
    const std::vector<std::int64_t> ids = Ids(kCount);
    FaissFaceGallery gallery("m/1", dimension, SignScanOptions(1000), nullptr);
    ASSERT_TRUE(gallery.AddVectors(ids, rows).ok());
    EXPECT_FALSE(gallery.uses_hnsw());
    EXPECT_STREQ(gallery.search_method(), "sign_scan");
    const auto dim = static_cast<std::size_t>(dimension);
    EXPECT_EQ(gallery.MemoryUse().sign_codes, kCount * ((dim + 63) / 64) * sizeof(std::uint64_t));
    EXPECT_EQ(gallery.MemoryUse().hnsw_codes, 0u);
    // Low dimensions agree on fewer signs by chance alone, so their mates are made closer.
    const double cosine = dimension == 512 ? 0.6 : 0.9;
    for (int i : {0, 16'383, 16'384, 39'999}) {
      const std::vector<float> probe = MatedProbe(rows.data() + static_cast<std::size_t>(i) * dim, dimension, cosine, random);
      const auto exact = gallery.SearchVectorExact(probe, 5);
      const auto found = gallery.SearchVector(probe, 5);
      ASSERT_EQ(found.size(), 5u);
      EXPECT_EQ(found.front().first, ids[static_cast<std::size_t>(i)]) << "dimension " << dimension << " mate " << i;
      // Scores come from the float rows: the same numbers exact search returns.
      EXPECT_EQ(found.front().second, exact.front().second);
      EXPECT_NEAR(found.front().second, cosine, 1e-4);
      for (std::size_t r = 1; r < found.size(); ++r) EXPECT_GE(found[r - 1].second, found[r].second);
      // The shortlist does not depend on how the scan is split.
      EXPECT_EQ(gallery.SearchVectorSignScan(probe, 5, 16, 1), gallery.SearchVectorSignScan(probe, 5, 16, 2));
    }
    // A shortlist as large as the gallery re-scores everything: exactly exact search's answer.
    const std::vector<float> random_probe = RandomRows(1, dimension, random);
    EXPECT_EQ(gallery.SearchVectorSignScan(random_probe, 10, kCount, 2), gallery.SearchVectorExact(random_probe, 10));
  }
}

TEST(FaissFaceGallerySignScanTest, AddAndRemoveKeepSignCodesAndRowsTogether) {
  std::mt19937 random(31);
  constexpr int kCount = 600;
  std::vector<float> rows = RandomRows(kCount, kDimension, random);
  FaissFaceGallery gallery("m/1", kDimension, SignScanOptions(10), nullptr);
  ASSERT_TRUE(gallery.AddVectors(Ids(kCount), rows).ok());
  const auto dim = static_cast<std::size_t>(kDimension);
  const auto row = [&](int i) { return std::span<const float>(rows.data() + static_cast<std::size_t>(i) * dim, dim); };
  // Removals move the last row into the hole; re-adding an id replaces its vector.
  std::vector<bool> present(kCount, true);
  for (int i = 0; i < kCount; i += 3) {
    gallery.Remove(5000 + i);
    present[static_cast<std::size_t>(i)] = false;
  }
  gallery.Remove(123'456);  // absent: no effect
  for (int i = 1; i < kCount; i += 7) {
    const std::vector<float> replacement = RandomRows(1, kDimension, random);
    std::copy(replacement.begin(), replacement.end(), rows.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(i) * dim));
    ASSERT_TRUE(gallery.AddVector(5000 + i, replacement).ok());
    present[static_cast<std::size_t>(i)] = true;
  }
  const auto remaining = static_cast<std::size_t>(std::count(present.begin(), present.end(), true));
  ASSERT_EQ(gallery.size(), remaining);
  EXPECT_EQ(gallery.MemoryUse().sign_codes, remaining * sizeof(std::uint64_t));  // 64-d: one word
  // Every reference's own vector has all signs in common with its own code, so with a shortlist
  // of one it is found first, with cosine 1, only if its code still sits beside its row.
  for (int i = 0; i < kCount; ++i) {
    const auto found = gallery.SearchVectorSignScan(row(i), 1, 1, 2);
    ASSERT_EQ(found.size(), 1u);
    if (present[static_cast<std::size_t>(i)]) {
      EXPECT_EQ(found.front().first, 5000 + i);
      EXPECT_NEAR(found.front().second, 1.0, 1e-5);
    } else {
      EXPECT_NE(found.front().first, 5000 + i);
    }
  }
}

TEST(FaissFaceGallerySignScanTest, SwitchesBetweenExactAndSignScanAcrossTheLimitAndNeverBuildsAGraph) {
  std::mt19937 random(41);
  FaissGalleryOptions options = SignScanOptions(50);
  FaissFaceGallery gallery("m/1", kDimension, options, nullptr);
  std::vector<std::vector<float>> references;
  for (int i = 0; i < 200; ++i) {
    references.push_back(RandomUnit(random));
    ASSERT_TRUE(gallery.Add(1000 + i, Template("m/1", references.back())).ok());
    EXPECT_STREQ(gallery.search_method(), gallery.size() > 50 ? "sign_scan" : "exact");
    EXPECT_FALSE(gallery.uses_hnsw());
  }
  const auto expect_found = [&](int i, const char* method) {
    const Result<std::vector<Candidate>> found = gallery.Search(Template("m/1", references[static_cast<std::size_t>(i)]), 3);
    ASSERT_TRUE(found.ok());
    ASSERT_FALSE(found->empty());
    EXPECT_EQ(found->front().reference_id, 1000 + i);
    EXPECT_NEAR(found->front().score, 1.0, 1e-5);
    EXPECT_EQ(found->front().details["search"], method);
  };
  for (int i : {0, 77, 199}) expect_found(i, "sign_scan");
  // Down to exact search, then back above the limit.
  for (int i = 0; i < 160; ++i) gallery.Remove(1000 + i);
  EXPECT_STREQ(gallery.search_method(), "exact");
  expect_found(180, "exact");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(gallery.Add(1000 + i, Template("m/1", references[static_cast<std::size_t>(i)])).ok());
  EXPECT_STREQ(gallery.search_method(), "sign_scan");
  for (int i : {5, 19, 160, 199}) expect_found(i, "sign_scan");
  // No graph exists to save or load in this mode.
  EXPECT_EQ(gallery.SaveHnswGraph(TempPath("no_graph")).code(), StatusCode::kFailedPrecondition);
  FaissFaceGallery empty("m/1", kDimension, options, nullptr);
  const std::vector<float> rows = RandomRows(60, kDimension, random);
  EXPECT_EQ(empty.AddVectorsWithSavedHnswGraph(Ids(60), rows, TempPath("no_graph")).code(),
            StatusCode::kFailedPrecondition);
}

TEST(FaissFaceGalleryTest, SavedGraphReloadsOnlyOverTheSameVectorsAndParameters) {
  std::mt19937 random(41);
  constexpr int kCount = 600;
  const std::vector<float> rows = RandomRows(kCount, kDimension, random);
  const std::vector<std::int64_t> ids = Ids(kCount);
  FaissGalleryOptions options;
  options.large_gallery_method = LargeGalleryMethod::kHnsw;
  options.exact_search_max = 100;
  options.build_threads = 1;
  FaissFaceGallery built("m/1", kDimension, options, nullptr);
  const std::string path = TempPath("graph");
  EXPECT_EQ(built.SaveHnswGraph(path).code(), StatusCode::kFailedPrecondition);  // no graph yet
  ASSERT_TRUE(built.AddVectors(ids, rows).ok());
  ASSERT_TRUE(built.SaveHnswGraph(path).ok());

  FaissFaceGallery loaded("m/1", kDimension, options, nullptr);
  ASSERT_TRUE(loaded.AddVectorsWithSavedHnswGraph(ids, rows, path).ok());
  ASSERT_TRUE(loaded.uses_hnsw());
  for (int i : {1, 300, 599}) {
    const std::span<const float> query(rows.data() + static_cast<std::size_t>(i) * kDimension, kDimension);
    EXPECT_EQ(loaded.SearchVector(query, 10, 16), built.SearchVector(query, 10, 16)) << "probe " << i;
  }

  // One changed component, another id order, other parameters, a non-empty gallery: refused.
  std::vector<float> changed = rows;
  changed[12345] += 0.01f;
  FaissFaceGallery stale("m/1", kDimension, options, nullptr);
  EXPECT_EQ(stale.AddVectorsWithSavedHnswGraph(ids, changed, path).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(stale.size(), 0u);
  std::vector<std::int64_t> shuffled = ids;
  std::swap(shuffled[0], shuffled[1]);
  EXPECT_EQ(stale.AddVectorsWithSavedHnswGraph(shuffled, rows, path).code(), StatusCode::kFailedPrecondition);
  FaissGalleryOptions float_options = options;
  float_options.hnsw_storage = HnswStorage::kFloat;
  FaissFaceGallery other_storage("m/1", kDimension, float_options, nullptr);
  EXPECT_EQ(other_storage.AddVectorsWithSavedHnswGraph(ids, rows, path).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(loaded.AddVectorsWithSavedHnswGraph(ids, rows, path).code(), StatusCode::kFailedPrecondition);

  // A structurally broken graph (entry point out of range, the file's second-last field):
  // invalid_argument, nothing added.
  const std::uintmax_t bytes = std::filesystem::file_size(path);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(bytes - 8));
    const std::int32_t far_away = 1 << 30;
    file.write(reinterpret_cast<const char*>(&far_away), sizeof far_away);
  }
  FaissFaceGallery broken("m/1", kDimension, options, nullptr);
  EXPECT_EQ(broken.AddVectorsWithSavedHnswGraph(ids, rows, path).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.size(), 0u);

  // A truncated file and a file that is not a graph: invalid_argument, nothing added.
  std::filesystem::resize_file(path, bytes - 7);
  FaissFaceGallery damaged("m/1", kDimension, options, nullptr);
  EXPECT_EQ(damaged.AddVectorsWithSavedHnswGraph(ids, rows, path).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(damaged.size(), 0u);
  std::ofstream(path, std::ios::trunc) << "not a graph";
  EXPECT_EQ(damaged.AddVectorsWithSavedHnswGraph(ids, rows, path).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(damaged.AddVectorsWithSavedHnswGraph(ids, rows, path + ".missing").code(), StatusCode::kNotFound);
  std::filesystem::remove(path);

  // After a removal the graph no longer matches its build: not saved.
  built.Remove(ids[3]);
  EXPECT_EQ(built.SaveHnswGraph(path).code(), StatusCode::kFailedPrecondition);
}

TEST(FaissFaceGalleryTest, RefusesTemplatesOfAnotherModel) {
  std::mt19937 random(5);
  FaissFaceGallery gallery("m/1", kDimension, {}, nullptr);
  const Status added = gallery.Add(1, Template("other/2", RandomUnit(random)));
  EXPECT_EQ(added.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(gallery.Search(Template("other/2", RandomUnit(random)), 1).ok());
}

TEST(FaceTemplateTest, RoundTripsAndRejectsDamage) {
  std::mt19937 random(9);
  const FaceEmbedding embedding{"m/1", RandomUnit(random)};
  std::vector<std::uint8_t> bytes = SerializeFaceEmbedding(embedding);
  const Result<FaceEmbedding> parsed = ParseFaceEmbedding(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->model_id, "m/1");
  EXPECT_EQ(parsed->values, embedding.values);
  bytes.pop_back();
  EXPECT_FALSE(ParseFaceEmbedding(bytes).ok());
  bytes = SerializeFaceEmbedding(embedding);
  bytes[4] = 9;  // version
  EXPECT_EQ(ParseFaceEmbedding(bytes).status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace abis::face
