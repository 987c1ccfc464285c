#include "abis/face/faiss_gallery.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <omp.h>

#include "abis/face/face_template.h"

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

TEST(FaissFaceGalleryTest, BulkAddedHnswAgreesWithExactSearchAndKeepsTheCallersThreadCount) {
  std::mt19937 random(23);
  FaissGalleryOptions options;
  options.exact_search_max = 100;
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
