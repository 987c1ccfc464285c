// The sharded search of the finger gallery (ModalityGallery::ShardPreselect / RankShortlist, used
// by the matcher grid): a gallery split over shards, searched in two stages and merged
// (abis/modality/shard_shortlist.h), gives exactly the candidates of one gallery holding every
// template (same references, same scores, same order), with the cylinder-LSH pre-selection and
// with the signature scan, whether the pre-selection fills the shortlist or not.
#include <gtest/gtest.h>

#include "abis/finger/finger_engine.h"
#include "abis/finger/finger_gallery.h"
#include "abis/finger/finger_template_format.h"
#include "abis/finger/synthetic_minutiae.h"
#include "abis/modality/shard_shortlist.h"

namespace abis::finger {
namespace {

BiometricTemplate Template(std::uint64_t finger, std::uint64_t impression) {
  const MinutiaeTemplate master = SyntheticFinger(0xB0B + finger);
  const std::uint64_t seed = finger * 16 + impression;
  BiometricTemplate out;
  out.modality = Modality::kFinger;
  out.algorithm = std::string(kFingerAlgorithm);
  out.data = EncodeFingerTemplate(SyntheticImpression(master, seed, TypicalImpressionOptions(seed))).value();
  return out;
}

std::vector<Candidate> ShardedSearch(const std::vector<std::unique_ptr<FingerGallery>>& shards,
                                     const BiometricTemplate& probe, std::size_t whole, std::size_t wanted) {
  std::vector<ModalityGallery::ShardShortlist> answers;
  for (const auto& shard : shards) {
    auto answer = shard->ShardPreselect(probe, whole, wanted);
    EXPECT_TRUE(answer.ok() && answer->has_value());
    answers.push_back(**answer);
  }
  auto shortlist = MergeShardShortlists(answers);
  EXPECT_TRUE(shortlist.ok());
  std::vector<std::vector<Candidate>> lists;
  for (const auto& shard : shards) lists.push_back(shard->RankShortlist(probe, *shortlist, wanted).value());
  return MergeShardCandidates(std::move(lists), wanted);
}

void ExpectShardsEqualWhole(FingerGalleryOptions options, std::size_t templates) {
  FingerGallery whole(options);
  std::vector<std::unique_ptr<FingerGallery>> shards;
  for (int s = 0; s < 3; ++s) shards.push_back(std::make_unique<FingerGallery>(options));
  // Shards get the references in another order than the whole gallery (their slots differ).
  for (std::size_t f = 0; f < templates; ++f) {
    const auto id = static_cast<std::int64_t>(1000 + f);
    ASSERT_TRUE(whole.Add(id, Template(f, 0)).ok());
  }
  for (std::size_t f = templates; f-- > 0;) {
    ASSERT_TRUE(shards[(f * 7) % 3]->Add(static_cast<std::int64_t>(1000 + f), Template(f, 0)).ok());
  }
  for (std::uint64_t p : {1u, 17u, 33u, 58u}) {
    const BiometricTemplate probe = Template(p, 1);
    for (std::size_t wanted : {std::size_t{5}, std::size_t{20}}) {
      const std::vector<Candidate> expected = whole.Search(probe, wanted).value();
      const std::vector<Candidate> sharded = ShardedSearch(shards, probe, templates, wanted);
      ASSERT_EQ(sharded.size(), expected.size()) << "probe " << p;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(sharded[i].reference_id, expected[i].reference_id) << "probe " << p << " rank " << i;
        EXPECT_EQ(sharded[i].score, expected[i].score) << "probe " << p << " rank " << i;
        EXPECT_EQ(sharded[i].log_lr, expected[i].log_lr) << "probe " << p << " rank " << i;
      }
    }
  }
}

TEST(FingerGalleryShardsTest, CylinderLshShardsEqualTheWholeGallery) {
  FingerGalleryOptions options;
  options.min_candidates = 10;  // a shortlist of 10 of 60: the pre-selection decides
  options.threads = 1;
  ExpectShardsEqualWhole(options, 60);
}

TEST(FingerGalleryShardsTest, SignatureScanShardsEqualTheWholeGallery) {
  FingerGalleryOptions options;
  options.min_candidates = 10;
  options.threads = 1;
  options.preselection = FingerPreselection::kSignature;
  ExpectShardsEqualWhole(options, 60);
}

TEST(FingerGalleryShardsTest, ShortPreselectionFilledFromSignaturesEqualsTheWholeGallery) {
  FingerGalleryOptions options;
  options.min_candidates = 59;  // more than the templates sharing a key with the probe
  options.threads = 1;
  ExpectShardsEqualWhole(options, 60);
}

TEST(FingerGalleryShardsTest, ShardsDisagreeingOnTheShortlistLengthAreRefused) {
  std::vector<ModalityGallery::ShardShortlist> answers(2);
  answers[0].keep = 10;
  answers[1].keep = 11;
  EXPECT_EQ(MergeShardShortlists(answers).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace abis::finger
