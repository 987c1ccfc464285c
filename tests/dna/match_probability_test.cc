#include <cmath>

#include <gtest/gtest.h>

#include "abis/dna/match_probability.h"
#include "test_support.h"

namespace abis::dna {
namespace {

using testing::OnlyPopulation;
using testing::Profile;
using testing::Table;

// NRC II (National Research Council, "The Evaluation of Forensic DNA Evidence", 1996), eq. 4.10a/b,
// which are the Balding & Nichols (1994) conditional match probabilities. Hand computation:
//   homozygote, p = 0.1, θ = 0.01: (0.02 + 0.099)(0.03 + 0.099) / (1.01 · 1.02)
//                                = 0.119 · 0.129 / 1.0302 = 0.015351 / 1.0302 = 0.0149010
//   heterozygote, p = 0.1, q = 0.2, θ = 0.01: 2 (0.01 + 0.099)(0.01 + 0.198) / 1.0302
//                                = 2 · 0.109 · 0.208 / 1.0302 = 0.045344 / 1.0302 = 0.0440148
TEST(MatchProbability, MatchesNrcIIEquation410WorkedByHand) {
  EXPECT_NEAR(HomozygoteMatchProbability(0.1, 0.01), 0.0149010, 5e-7);
  EXPECT_NEAR(HeterozygoteMatchProbability(0.1, 0.2, 0.01), 0.0440148, 5e-7);
}

// With θ = 0 the formulas reduce to Hardy-Weinberg p² and 2pq (NRC II eq. 4.1a/b).
TEST(MatchProbability, ReducesToHardyWeinbergWithoutTheta) {
  EXPECT_DOUBLE_EQ(HomozygoteMatchProbability(0.1, 0.0), 0.01);
  EXPECT_DOUBLE_EQ(HeterozygoteMatchProbability(0.1, 0.2, 0.0), 0.04);
}

// θ = 0.03 (NRC II's value for small, isolated populations) is more conservative than 0.01.
TEST(MatchProbability, LargerThetaIsMoreConservative) {
  EXPECT_GT(HomozygoteMatchProbability(0.1, 0.03), HomozygoteMatchProbability(0.1, 0.01));
  EXPECT_GT(HeterozygoteMatchProbability(0.1, 0.2, 0.03), HeterozygoteMatchProbability(0.1, 0.2, 0.01));
  EXPECT_TRUE(std::isnan(HomozygoteMatchProbability(0.1, 1.0)));
}

const char* kTable =
    "# test table\n"
    "locus,allele,frequency,n_alleles\n"
    "vWA,17,0.1,200\nvWA,18,0.2,200\nvWA,14,0.01,200\n"
    "TH01,6,0.2,200\nTH01,9.3,0.3,200\n"
    "D3S1358,15,0.25,200\n";

TEST(RandomMatchProbability, IsTheProductOverLociAndLrIsItsInverse) {
  const AlleleFrequencyTable table = Table(kTable);
  const StrProfile profile = Profile("locus,allele1,allele2\nvWA,17,18\nTH01,9.3,9.3\n");
  MatchProbabilityOptions options;
  options.theta = 0.0;
  auto rmp = ComputeRandomMatchProbability(profile, OnlyPopulation(table), options);
  ASSERT_TRUE(rmp.ok()) << rmp.status().ToString();
  // vWA 17/18: 2 · 0.1 · 0.2 = 0.04; TH01 9.3/9.3: 0.3² = 0.09; product 0.0036 (1 in 277.8).
  EXPECT_NEAR(rmp->rmp, 0.0036, 1e-12);
  EXPECT_NEAR(rmp->log10_rmp, std::log10(0.0036), 1e-12);
  EXPECT_NEAR(1.0 / rmp->rmp, 277.777777, 1e-5);
}

// NRC II recommends a minimum allele frequency of 5/2N; here 2N = 200, so 0.025.
TEST(RandomMatchProbability, AppliesTheFiveOverTwoNFloor) {
  const AlleleFrequencyTable table = Table(kTable);
  const PopulationFrequencies& population = OnlyPopulation(table);
  EXPECT_DOUBLE_EQ(*population.Frequency("vWA", *Allele::Parse("14")), 0.025);  // observed 0.01 < floor
  EXPECT_DOUBLE_EQ(*population.Frequency("vWA", *Allele::Parse("22")), 0.025);  // unseen allele
  EXPECT_DOUBLE_EQ(*population.Frequency("vWA", *Allele::Parse(">24")), 0.025);  // off-ladder
  EXPECT_DOUBLE_EQ(*population.Frequency("vWA", *Allele::Parse("18")), 0.2);
  EXPECT_FALSE(population.Frequency("FGA", *Allele::Parse("22")).ok());
}

TEST(RandomMatchProbability, UsesTwoPRuleForSingleAlleleCalls) {
  const AlleleFrequencyTable table = Table(kTable);
  auto locus = ComputeLocusMatchProbability("D3S1358", Profile("locus,allele1,allele2\nD3S1358,15,\n").loci.at("D3S1358"),
                                            OnlyPopulation(table));
  ASSERT_TRUE(locus.ok());
  EXPECT_DOUBLE_EQ(locus->probability, 0.5);  // 2 · 0.25
}

TEST(RandomMatchProbability, ListsLociWithoutFrequenciesAndRejectsMixtures) {
  const AlleleFrequencyTable table = Table(kTable);
  auto rmp = ComputeRandomMatchProbability(Profile("locus,allele1,allele2\nvWA,17,18\nFGA,21,22\n"), OnlyPopulation(table));
  ASSERT_TRUE(rmp.ok());
  EXPECT_EQ(rmp->loci_without_frequencies, std::vector<std::string>{"FGA"});
  ProfileParseOptions mixture;
  mixture.allow_mixture = true;
  auto mixed = ParseProfileCsv("locus,allele1,allele2,allele3\nvWA,17,18,14\n", "m.csv", mixture);
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(ComputeRandomMatchProbability(*mixed, OnlyPopulation(table)).ok());
  MatchProbabilityOptions bad;
  bad.theta = -0.1;
  EXPECT_FALSE(ComputeRandomMatchProbability(Profile("locus,allele1,allele2\nvWA,17,18\n"), OnlyPopulation(table), bad).ok());
}

}  // namespace
}  // namespace abis::dna
