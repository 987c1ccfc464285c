// The packed 1:N gallery: scores equal a direct comparison of the unpacked templates, removal and
// arena compaction keep every template intact, malformed cylinder sets are refused, and a
// signatures-only gallery pre-selects without holding cylinders; a shortlist search scores only the
// given known references.
#include "abis/finger/finger_gallery.h"

#include <gtest/gtest.h>

#include "abis/finger/mcc_matcher.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

PreparedFingerTemplate Prepared(std::uint64_t finger, std::uint64_t impression) {
  const MinutiaeTemplate master = SyntheticFinger(0xA11CE + finger);
  const std::uint64_t seed = finger * 16 + impression;
  return PrepareFingerTemplate(SyntheticImpression(master, seed, TypicalImpressionOptions(seed)));
}

TEST(FingerGalleryTest, ExhaustiveScoresEqualDirectComparisonOfTheStoredTemplates) {
  FingerGallery gallery({1.0, 1, 2, {}});
  std::vector<PreparedFingerTemplate> references;
  for (std::uint64_t f = 0; f < 12; ++f) {
    references.push_back(Prepared(f, 0));
    ASSERT_TRUE(gallery.AddPrepared(static_cast<std::int64_t>(100 + f), references.back()).ok());
  }
  const PreparedFingerTemplate probe = Prepared(3, 1);
  const std::vector<Candidate> candidates = gallery.SearchPrepared(probe, 12, 1.0, 12).value();
  ASSERT_EQ(candidates.size(), 12u);
  EXPECT_EQ(candidates.front().reference_id, 103);
  for (const Candidate& candidate : candidates) {
    const double direct = CompareMcc(probe.cylinders, references[candidate.reference_id - 100].cylinders).score;
    EXPECT_EQ(candidate.score, static_cast<float>(direct)) << "reference " << candidate.reference_id;
  }
  EXPECT_GT(gallery.UsedBytes(), 12 * sizeof(FingerSignature));
}

TEST(FingerGalleryTest, ShortlistSearchScoresOnlyTheGivenKnownReferences) {
  FingerGallery gallery({1.0, 1, 2, {}});
  std::vector<PreparedFingerTemplate> references;
  for (std::uint64_t f = 0; f < 8; ++f) {
    references.push_back(Prepared(f, 0));
    ASSERT_TRUE(gallery.AddPrepared(static_cast<std::int64_t>(100 + f), references.back()).ok());
  }
  const PreparedFingerTemplate probe = Prepared(5, 1);
  const std::vector<Candidate> without_mate = gallery.SearchShortlist(probe, {101, 102, 999}, 10).value();
  ASSERT_EQ(without_mate.size(), 2u);  // 999 is not in the gallery
  for (const Candidate& candidate : without_mate) {
    EXPECT_NE(candidate.reference_id, 105);
    const double direct = CompareMcc(probe.cylinders, references[candidate.reference_id - 100].cylinders).score;
    EXPECT_EQ(candidate.score, static_cast<float>(direct));
  }
  const std::vector<Candidate> with_mate = gallery.SearchShortlist(probe, {101, 105, 102}, 1).value();
  ASSERT_EQ(with_mate.size(), 1u);
  EXPECT_EQ(with_mate[0].reference_id, 105);
  EXPECT_TRUE(gallery.SearchShortlist(probe, {}, 5).value().empty());
}

TEST(FingerGalleryTest, RemovalAndArenaCompactionKeepTheOtherTemplatesIntact) {
  FingerGallery gallery({1.0, 1, 1, {}});
  std::vector<PreparedFingerTemplate> references;
  for (std::uint64_t f = 0; f < 10; ++f) {
    references.push_back(Prepared(f, 0));
    ASSERT_TRUE(gallery.AddPrepared(static_cast<std::int64_t>(f), references.back()).ok());
  }
  const std::size_t all_cylinders = gallery.CylinderCount();
  for (std::int64_t f : {0, 2, 4, 6, 8, 9}) gallery.Remove(f);  // more than half: compacts
  EXPECT_EQ(gallery.size(), 4u);
  EXPECT_LT(gallery.CylinderCount(), all_cylinders);
  ASSERT_TRUE(gallery.AddPrepared(1, references[5]).ok());  // replaces reference 1
  EXPECT_EQ(gallery.size(), 4u);
  for (std::int64_t f : {3, 5, 7}) {
    const std::vector<Candidate> top = gallery.SearchPrepared(references[f], 4, 1.0, 4).value();
    ASSERT_FALSE(top.empty());
    const double self = CompareMcc(references[f].cylinders, references[f].cylinders).score;
    EXPECT_EQ(top.front().score, static_cast<float>(self));
    EXPECT_TRUE(top.front().reference_id == f || (f == 5 && top.front().reference_id == 1));
    // Every score, not only the (clamped) self score, equals a direct comparison: the compacted
    // orientation maps still belong to their templates.
    for (const Candidate& candidate : top) {
      const PreparedFingerTemplate& stored = references[candidate.reference_id == 1 ? 5 : candidate.reference_id];
      EXPECT_EQ(candidate.score, static_cast<float>(CompareMcc(references[f].cylinders, stored.cylinders).score))
          << f << " vs " << candidate.reference_id;
    }
  }
}

TEST(FingerGalleryTest, RefusesAnOrientationMapThatDoesNotMatchItsSize) {
  FingerGallery gallery;
  PreparedFingerTemplate broken = Prepared(2, 0);
  ASSERT_FALSE(broken.cylinders.orientation.empty());
  broken.cylinders.orientation.cells.pop_back();
  const Status status = gallery.AddPrepared(9, broken);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("orientation map"), std::string::npos) << status.message();
  EXPECT_EQ(gallery.size(), 0u);
  PreparedFingerTemplate out_of_range = Prepared(2, 0);
  out_of_range.cylinders.orientation.cells[0] = 200;  // the format allows 0-179 and 255
  EXPECT_EQ(gallery.AddPrepared(9, out_of_range).code(), StatusCode::kInvalidArgument);
  PreparedFingerTemplate negative_block = Prepared(2, 0);
  negative_block.cylinders.orientation.block_size = -16;
  EXPECT_EQ(gallery.AddPrepared(9, negative_block).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gallery.size(), 0u);
}

TEST(FingerGalleryTest, RefusesCylindersWhoseValidityIsNotSharedByTheAngularCells) {
  FingerGallery gallery;
  PreparedFingerTemplate broken = Prepared(1, 0);
  ASSERT_FALSE(broken.cylinders.validity.empty());
  broken.cylinders.validity[0][0] ^= 2;  // bit 1: spatial cell 0, angular cell 1 only
  const Status status = gallery.AddPrepared(7, broken);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gallery.size(), 0u);
  PreparedFingerTemplate inconsistent = Prepared(1, 0);
  inconsistent.cylinders.cells.pop_back();
  EXPECT_EQ(gallery.AddPrepared(7, inconsistent).code(), StatusCode::kInvalidArgument);
}

TEST(FingerGalleryTest, SignaturesOnlyGalleryPreselectsTheMateWithoutCylinders) {
  FingerGalleryOptions options;
  options.signatures_only = true;
  FingerGallery gallery(options);
  for (std::uint64_t f = 0; f < 50; ++f) {
    ASSERT_TRUE(gallery.AddPrepared(static_cast<std::int64_t>(f), Prepared(f, 0)).ok());
  }
  EXPECT_EQ(gallery.CylinderCount(), 0u);
  int mates_in_top5 = 0;
  for (std::uint64_t f = 0; f < 10; ++f) {
    const std::vector<PreselectedReference> shortlist = gallery.Preselect(Prepared(f, 1).signature, 5);
    ASSERT_EQ(shortlist.size(), 5u);
    EXPECT_GE(shortlist.front().signature_score, shortlist.back().signature_score);
    for (const PreselectedReference& reference : shortlist) {
      mates_in_top5 += reference.reference_id == static_cast<std::int64_t>(f);
    }
  }
  EXPECT_GE(mates_in_top5, 8);  // 5 of 50 at random would keep about 1 of 10
  EXPECT_TRUE(gallery.SearchPrepared(Prepared(0, 1), 3, 1.0, 3).value().empty());
}

// ShrinkToFit copies an array to shrink it, so it only does so where the saving is large: a
// gallery reserved far above its use gives the room back, one reserved a little above keeps it.
TEST(FingerGalleryTest, ShrinkToFitReleasesOnlyLargeSlack) {
  std::vector<PreparedFingerTemplate> references;
  std::size_t cylinders = 0;
  for (std::uint64_t f = 0; f < 8; ++f) {
    references.push_back(Prepared(f, 0));
    cylinders += references.back().cylinders.size();
  }
  FingerGallery roomy;
  roomy.Reserve(800, 100 * cylinders);
  FingerGallery snug;
  snug.Reserve(references.size(), cylinders + cylinders / 20);  // 5 % spare cylinders
  for (std::size_t f = 0; f < references.size(); ++f) {
    ASSERT_TRUE(roomy.AddPrepared(static_cast<std::int64_t>(f), references[f]).ok());
    ASSERT_TRUE(snug.AddPrepared(static_cast<std::int64_t>(f), references[f]).ok());
  }
  const std::size_t roomy_before = roomy.MemoryBytes();
  roomy.ShrinkToFit();
  EXPECT_LT(roomy.MemoryBytes(), roomy_before / 20);
  EXPECT_EQ(roomy.MemoryBytes(), roomy.UsedBytes());
  const std::size_t snug_before = snug.MemoryBytes();
  snug.ShrinkToFit();
  EXPECT_EQ(snug.MemoryBytes(), snug_before);
  EXPECT_GT(snug.MemoryBytes(), snug.UsedBytes());
}

}  // namespace
}  // namespace abis::finger
