#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <utility>
#include <vector>

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
    StrProfile profile;
    auto core = CodisCoreLoci();
    for (std::size_t l = 0; l < 10; ++l) {
      if (!std::bernoulli_distribution(typed_fraction)(random_)) continue;
      profile.loci.emplace(std::string(core[l]), Genotype());
    }
    if (profile.loci.empty()) return Next(typed_fraction);
    return profile;
  }

  // A profile near `base`, as a second sample of the same person typed differently: each locus is
  // kept with probability `kept_fraction`, and `redrawn` loci get a new random genotype (which may
  // happen to equal the old one).
  StrProfile Near(const StrProfile& base, double kept_fraction, std::size_t redrawn) {
    StrProfile profile;
    for (const auto& [locus, genotype] : base.loci) {
      if (std::bernoulli_distribution(kept_fraction)(random_)) profile.loci.emplace(locus, genotype);
    }
    if (profile.loci.empty()) return Near(base, kept_fraction, redrawn);
    for (std::size_t i = 0; i < redrawn; ++i) {
      auto locus = profile.loci.begin();
      std::advance(locus, std::uniform_int_distribution<std::size_t>(0, profile.loci.size() - 1)(random_));
      locus->second = Genotype();
    }
    return profile;
  }

 private:
  LocusGenotype Genotype() {
    static const char* kAlleles[] = {"9", "9.3", "10", "11", "12"};
    LocusGenotype genotype;
    std::uniform_int_distribution<int> pick(0, 4);
    genotype.alleles.push_back(*Allele::Parse(kAlleles[pick(random_)]));
    if (std::bernoulli_distribution(0.9)(random_)) genotype.alleles.push_back(*Allele::Parse(kAlleles[pick(random_)]));
    std::sort(genotype.alleles.begin(), genotype.alleles.end());
    return genotype;
  }

  std::mt19937_64 random_;
};

// The hits of one probe from its comparisons (by CompareProfiles) with every gallery profile: the
// ones that match under `criteria`, ordered as a search orders them.
std::vector<StrSearchHit> MatchingHits(const std::vector<std::pair<std::int64_t, ProfileComparison>>& comparisons,
                                       const MatchCriteria& criteria) {
  std::vector<StrSearchHit> hits;
  for (const auto& [id, comparison] : comparisons) {
    if (IsMatch(comparison, criteria)) hits.push_back({id, comparison.loci_compared, comparison.loci_matched});
  }
  std::sort(hits.begin(), hits.end(), [](const StrSearchHit& a, const StrSearchHit& b) {
    if (a.loci_matched != b.loci_matched) return a.loci_matched > b.loci_matched;
    return a.reference_id < b.reference_id;
  });
  return hits;
}

std::vector<StrSearchHit> BruteForce(const std::map<std::int64_t, StrProfile>& gallery, const StrProfile& probe,
                                     const MatchCriteria& criteria) {
  std::vector<std::pair<std::int64_t, ProfileComparison>> comparisons;
  for (const auto& [id, profile] : gallery) {
    comparisons.emplace_back(id, CompareProfiles(probe, profile, criteria.stringency));
  }
  return MatchingHits(comparisons, criteria);
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
  // One random gallery and probe set for all nine criteria. A third of the probes are random, a
  // third random partial profiles, a third near a gallery profile (partial, with 0-3 loci
  // redrawn), so that every criterion has matches that differ in loci compared and matched. The
  // brute-force reference compares every probe with every profile once per stringency: the
  // mismatches allowed only change which of those comparisons are matches.
  constexpr std::int64_t kProfiles = 1000;
  constexpr int kProbes = 30;
  RandomProfiles random(42);
  std::map<std::int64_t, StrProfile> reference;
  for (std::int64_t id = 0; id < kProfiles; ++id) reference[id] = random.Next();
  std::vector<StrProfile> probes;
  for (int query = 0; query < kProbes; ++query) {
    if (query % 3 == 2) {
      const int near = query / 3;
      const StrProfile& base = reference[(query * 7919) % kProfiles];
      probes.push_back(random.Near(base, near % 2 ? 0.6 : 1.0, static_cast<std::size_t>(near % 4)));
    } else {
      probes.push_back(random.Next(query % 3 ? 0.5 : 0.9));
    }
  }

  for (MatchStringency stringency : {MatchStringency::kHigh, MatchStringency::kModerate, MatchStringency::kLow}) {
    std::vector<std::vector<std::pair<std::int64_t, ProfileComparison>>> comparisons(probes.size());
    for (std::size_t query = 0; query < probes.size(); ++query) {
      comparisons[query].reserve(reference.size());
      for (const auto& [id, profile] : reference) {
        comparisons[query].emplace_back(id, CompareProfiles(probes[query], profile, stringency));
      }
    }
    for (std::size_t mismatches : {0u, 1u, 2u}) {
      const MatchCriteria criteria{stringency, 3, mismatches};
      SCOPED_TRACE(::testing::Message() << "stringency " << MatchStringencyName(stringency) << ", " << mismatches
                                        << " mismatches allowed");
      StrGalleryOptions options;
      options.criteria = criteria;
      StrGallery gallery(options);
      for (const auto& [id, profile] : reference) ASSERT_TRUE(gallery.Add(id, profile).ok());
      std::size_t hits_found = 0;
      for (std::size_t query = 0; query < probes.size(); ++query) {
        if (probes[query].TypedLocusCount() < criteria.min_loci_compared) continue;
        SCOPED_TRACE(::testing::Message() << "probe " << query);
        StrSearchStats stats;
        auto hits = gallery.Search(probes[query], &stats);
        ASSERT_TRUE(hits.ok()) << hits.status().ToString();
        ExpectSameHits(*hits, MatchingHits(comparisons[query], criteria));
        EXPECT_EQ(stats.profiles, static_cast<std::size_t>(kProfiles));
        hits_found += hits->size();
      }
      EXPECT_GT(hits_found, 0u) << "a comparison of empty results proves nothing";
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
