// Tests on the 1,036 real U.S. genotypes of NIST (Steffen et al. 2017). Skipped when the shared
// data folder is absent.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "abis/core/paths.h"
#include "abis/dna/kinship.h"
#include "abis/dna/locus.h"
#include "abis/dna/match_probability.h"
#include "abis/dna/profile_io.h"
#include "abis/dna/str_gallery.h"

namespace abis::dna {
namespace {

class NistGenotypes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = SharedDataDir() / "dna" / "nist1036_genotypes.csv";
    if (!std::filesystem::exists(path)) return;
    auto loaded = LoadProfileCollectionFile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    people_ = new std::vector<NamedProfile>(std::move(loaded).value());
    auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = new AlleleFrequencyTable(std::move(table).value());
  }
  static void TearDownTestSuite() {
    delete people_;
    delete table_;
    people_ = nullptr;
    table_ = nullptr;
  }
  void SetUp() override {
    if (!people_) GTEST_SKIP() << "NIST 1036 genotypes not found under " << (SharedDataDir() / "dna").string();
  }
  static std::vector<NamedProfile>* people_;
  static AlleleFrequencyTable* table_;
};
std::vector<NamedProfile>* NistGenotypes::people_ = nullptr;
AlleleFrequencyTable* NistGenotypes::table_ = nullptr;

TEST_F(NistGenotypes, ParsesAllIndividualsWithTheCoreLoci) {
  ASSERT_EQ(people_->size(), 1036u);
  std::size_t complete = 0;
  for (const NamedProfile& person : *people_) complete += person.profile.TypedCoreLocusCount() == 20;
  EXPECT_GT(complete, 1000u);
}

TEST_F(NistGenotypes, NoTwoUnrelatedPeopleMatchAtTwentyLociAndSearchFindsEachSelf) {
  StrGalleryOptions options;
  options.criteria = {MatchStringency::kHigh, 20, 0};
  StrGallery gallery(options);
  for (std::size_t i = 0; i < people_->size(); ++i) {
    StrProfile core;
    for (const auto& [locus, genotype] : (*people_)[i].profile.loci) {
      if (IsCodisCoreLocus(locus)) core.loci.emplace(locus, genotype);
    }
    ASSERT_TRUE(gallery.Add(static_cast<std::int64_t>(i), core).ok());
  }
  std::size_t searched = 0;
  for (std::size_t i = 0; i < people_->size(); i += 7) {
    if ((*people_)[i].profile.TypedCoreLocusCount() < 20) continue;  // below the search minimum
    auto hits = gallery.Search(*gallery.Get(static_cast<std::int64_t>(i)));
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    ++searched;
    ASSERT_EQ(hits->size(), 1u) << (*people_)[i].sample;
    EXPECT_EQ((*hits)[0].reference_id, static_cast<std::int64_t>(i));
  }
  EXPECT_GT(searched, 140u);
}

TEST_F(NistGenotypes, TwentyLocusRandomMatchProbabilitiesAreAstronomicallySmall) {
  const PopulationFrequencies* caucasian = *table_->Population("Caucasian");
  double worst = -100.0;
  for (const NamedProfile& person : *people_) {
    if (person.population != "Cauc") continue;
    StrProfile core;
    for (const auto& [locus, genotype] : person.profile.loci) {
      if (IsCodisCoreLocus(locus)) core.loci.emplace(locus, genotype);
    }
    auto rmp = ComputeRandomMatchProbability(core, *caucasian);
    ASSERT_TRUE(rmp.ok()) << person.sample << ": " << rmp.status().ToString();
    worst = std::max(worst, rmp->log10_rmp);
  }
  // Published 20-locus RMPs of U.S. Caucasians are below 1 in 10^17 (Hares 2015 reports ~1e-20s).
  EXPECT_LT(worst, -15.0);
}

TEST_F(NistGenotypes, SimulatedChildIsSupportedAsChildAndUnrelatedPeopleAreNot) {
  const PopulationFrequencies* population = *table_->Population("Caucasian");
  const StrProfile& mother = (*people_)[0].profile;
  const StrProfile& father = (*people_)[1].profile;
  StrProfile child;  // first allele of the mother, second of the father at every locus
  for (const auto& [locus, maternal] : mother.loci) {
    auto paternal = father.loci.find(locus);
    if (paternal == father.loci.end() || maternal.alleles.size() != 2 || paternal->second.alleles.size() != 2) continue;
    LocusGenotype genotype;
    genotype.alleles = {maternal.alleles[0], paternal->second.alleles[1]};
    std::sort(genotype.alleles.begin(), genotype.alleles.end());
    child.loci.emplace(locus, genotype);
  }
  auto related = ComputeKinship(mother, child, Relationship::kParentChild, *population);
  ASSERT_TRUE(related.ok());
  EXPECT_GT(related->log10_lr, 2.0);
  auto unrelated = ComputeKinship(mother, father, Relationship::kParentChild, *population);
  ASSERT_TRUE(unrelated.ok());
  EXPECT_LT(unrelated->log10_lr, 0.0);
  auto trio = ComputeTrioParentage(child, mother, father, *population);
  ASSERT_TRUE(trio.ok());
  EXPECT_GT(trio->log10_lr, related->log10_lr);
}

}  // namespace
}  // namespace abis::dna
