#include <random>

#include <gtest/gtest.h>

#include "abis/dna/locus.h"
#include "abis/dna/str_gallery.h"

namespace abis::dna {
namespace {

// Random profiles over 10 loci with few alleles, so that partial matches are common, with
// some untyped loci, single-allele calls and microvariants.
class RandomProfiles {
 public:
  explicit RandomProfiles(std::uint64_t seed) : random_(seed) {}
  StrProfile Next(double typed_fraction = 0.9) {
    static const char* kAlleles[] = {"9", "9.3", "10", "11", "12"};
    StrProfile profile;
    auto core = CodisCoreLoci();
    for (std::size_t l = 0; l < 10; ++l) {
      if (!std::bernoulli_distribution(typed_fraction)(random_)) continue;
      LocusGenotype genotype;
      std::uniform_int_distribution<int> pick(0, 4);
      genotype.alleles.push_back(*Allele::Parse(kAlleles[pick(random_)]));
      if (std::bernoulli_distribution(0.9)(random_)) genotype.alleles.push_back(*Allele::Parse(kAlleles[pick(random_)]));
      std::sort(genotype.alleles.begin(), genotype.alleles.end());
      profile.loci.emplace(std::string(core[l]), genotype);
    }
    if (profile.loci.empty()) return Next(typed_fraction);
    return profile;
  }

 private:
  std::mt19937_64 random_;
};

std::vector<StrSearchHit> BruteForce(const std::map<std::int64_t, StrProfile>& gallery, const StrProfile& probe,
                                     const MatchCriteria& criteria) {
  std::vector<StrSearchHit> hits;
  for (const auto& [id, profile] : gallery) {
    ProfileComparison comparison = CompareProfiles(probe, profile, criteria.stringency);
    if (IsMatch(comparison, criteria)) hits.push_back({id, comparison.loci_compared, comparison.loci_matched});
  }
  std::sort(hits.begin(), hits.end(), [](const StrSearchHit& a, const StrSearchHit& b) {
    if (a.loci_matched != b.loci_matched) return a.loci_matched > b.loci_matched;
    return a.reference_id < b.reference_id;
  });
  return hits;
}

void ExpectSameHits(const std::vector<StrSearchHit>& actual, const std::vector<StrSearchHit>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].reference_id, expected[i].reference_id);
    EXPECT_EQ(actual[i].loci_compared, expected[i].loci_compared);
    EXPECT_EQ(actual[i].loci_matched, expected[i].loci_matched);
  }
}

TEST(StrGallery, FindsExactlyWhatBruteForceFindsAtEveryStringency) {
  for (MatchStringency stringency : {MatchStringency::kHigh, MatchStringency::kModerate, MatchStringency::kLow}) {
    for (std::size_t mismatches : {0u, 1u, 2u}) {
      const MatchCriteria criteria{stringency, 3, mismatches};
      StrGalleryOptions options;
      options.criteria = criteria;
      StrGallery gallery(options);
      RandomProfiles random(42);
      std::map<std::int64_t, StrProfile> reference;
      for (std::int64_t id = 0; id < 3000; ++id) {
        StrProfile profile = random.Next();
        ASSERT_TRUE(gallery.Add(id, profile).ok());
        reference[id] = profile;
      }
      for (int query = 0; query < 30; ++query) {
        const StrProfile probe = random.Next(query % 2 ? 0.5 : 0.9);  // half of them partial
        if (probe.TypedLocusCount() < criteria.min_loci_compared) continue;
        StrSearchStats stats;
        auto hits = gallery.Search(probe, &stats);
        ASSERT_TRUE(hits.ok()) << hits.status().ToString();
        ExpectSameHits(*hits, BruteForce(reference, probe, criteria));
        EXPECT_EQ(stats.profiles, 3000u);
      }
    }
  }
}

TEST(StrGallery, TouchesOnlyAFractionOfTheGalleryAtHighStringency) {
  StrGalleryOptions options;
  options.criteria = {MatchStringency::kHigh, 8, 0};
  StrGallery gallery(options);
  RandomProfiles random(7);
  for (std::int64_t id = 0; id < 5000; ++id) ASSERT_TRUE(gallery.Add(id, random.Next(1.0)).ok());
  const StrProfile probe = *gallery.Get(123);
  StrSearchStats stats;
  auto hits = gallery.Search(probe, &stats);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].reference_id, 123);
  // 5 alleles -> 15 genotypes per locus; the rarest one holds far fewer than all profiles.
  EXPECT_LT(stats.candidates_verified, 5000u / 4);
}

TEST(StrGallery, ReplacesRemovesAndCompactsWithoutLosingProfiles) {
  StrGalleryOptions options;
  options.criteria = {MatchStringency::kHigh, 1, 0};
  StrGallery gallery(options);
  RandomProfiles random(9);
  std::map<std::int64_t, StrProfile> reference;
  for (std::int64_t id = 0; id < 4000; ++id) {
    reference[id] = random.Next();
    ASSERT_TRUE(gallery.Add(id, reference[id]).ok());
  }
  for (std::int64_t id = 0; id < 3000; ++id) {  // enough removals to trigger compaction
    gallery.Remove(id);
    reference.erase(id);
  }
  reference[3999] = random.Next();
  ASSERT_TRUE(gallery.Add(3999, reference[3999]).ok());  // replace
  EXPECT_EQ(gallery.size(), 1000u);
  EXPECT_FALSE(gallery.Get(5).ok());
  EXPECT_EQ(*gallery.Get(3999), reference[3999]);
  for (int query = 0; query < 20; ++query) {
    const StrProfile probe = random.Next();
    ExpectSameHits(*gallery.Search(probe), BruteForce(reference, probe, options.criteria));
  }
}

TEST(StrGallery, EnforcesTheIndexRulesOnEnrolmentAndSearch) {
  StrGalleryOptions options;
  options.min_core_loci_to_enroll = 20;
  options.criteria.min_loci_compared = 8;
  StrGallery gallery(options);
  RandomProfiles random(11);
  const StrProfile ten_loci = random.Next(1.0);
  Status status = gallery.Add(1, ten_loci);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("types 10 CODIS core loci; this index requires 20"), std::string::npos) << status.message();
  StrProfile small;
  small.loci = {*ten_loci.loci.begin()};
  auto search = gallery.Search(small);
  ASSERT_FALSE(search.ok());
  EXPECT_NE(search.status().message().find("at least 8"), std::string::npos);
}

}  // namespace
}  // namespace abis::dna
