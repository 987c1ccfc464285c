#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "abis/dna/kinship.h"
#include "test_support.h"

namespace abis::dna {
namespace {

using testing::OnlyPopulation;
using testing::Profile;
using testing::Table;

// p(A) = 0.1, p(B) = 0.2, p(C) = 0.3, p(D) = 0.15 at vWA (A=14, B=15, C=16, D=17), 2N large.
const char* kTable =
    "locus,allele,frequency\nvWA,14,0.1\nvWA,15,0.2\nvWA,16,0.3\nvWA,17,0.15\nvWA,18,0.25\n";
constexpr double pA = 0.1, pB = 0.2, pC = 0.3;

LocusGenotype G(const char* a, const char* b) {
  LocusGenotype genotype;
  genotype.alleles = {*Allele::Parse(a), *Allele::Parse(b)};
  std::sort(genotype.alleles.begin(), genotype.alleles.end());
  return genotype;
}

double Lr(const LocusGenotype& a, const LocusGenotype& b, Relationship relationship, double theta = 0.0,
          double mutation_rate = 0.0) {
  static const AlleleFrequencyTable table = Table(kTable);
  KinshipOptions options;
  options.theta = theta;
  options.mutation.rate = mutation_rate;
  auto lr = KinshipLocusLr("vWA", a, b, relationship, OnlyPopulation(table), options);
  EXPECT_TRUE(lr.ok()) << lr.status().ToString();
  return lr.ok() ? *lr : -1.0;
}

// Paternity index without the mother (single-parent case): AB/AB (p+q)/(4pq), AA/AB 1/(2p),
// AB/AC 1/(4p), AA/AA 1/p (Butler, Advanced Topics in Forensic DNA Typing: Interpretation, 2015,
// kinship chapter; the same table in AABB parentage practice). By hand:
//   AB/AB = 0.3 / 0.08 = 3.75; AA/AB = 1/0.2 = 5; AB/AC = 1/0.4 = 2.5; AA/AA = 10.
TEST(KinshipLocusLr, ParentChildMatchesMotherlessPaternityIndexFormulas) {
  EXPECT_NEAR(Lr(G("14", "15"), G("14", "15"), Relationship::kParentChild), (pA + pB) / (4 * pA * pB), 1e-12);
  EXPECT_NEAR(Lr(G("14", "15"), G("14", "15"), Relationship::kParentChild), 3.75, 1e-12);
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "15"), Relationship::kParentChild), 5.0, 1e-12);
  EXPECT_NEAR(Lr(G("14", "15"), G("14", "16"), Relationship::kParentChild), 2.5, 1e-12);
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "14"), Relationship::kParentChild), 10.0, 1e-12);
  EXPECT_DOUBLE_EQ(Lr(G("14", "15"), G("16", "17"), Relationship::kParentChild), 0.0);  // exclusion without mutation
}

// Sibling index (Wenk, Traverso, Chiafari & Kane, Transfusion 36:259-262, 1996):
// AB/AB (1 + p + q + 2pq)/(8pq); AA/AA (1 + p)²/(4p²); AA/AB (1 + p)/(4p); AB/CD 1/4. By hand:
//   AB/AB = (1 + 0.1 + 0.2 + 0.04) / 0.16 = 8.375; AA/AA = 1.21 / 0.04 = 30.25; AA/AB = 2.75.
TEST(KinshipLocusLr, FullSiblingsMatchWenkSiblingIndexFormulas) {
  EXPECT_NEAR(Lr(G("14", "15"), G("14", "15"), Relationship::kFullSibling), 8.375, 1e-12);
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "14"), Relationship::kFullSibling), 30.25, 1e-12);
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "15"), Relationship::kFullSibling), 2.75, 1e-12);
  EXPECT_NEAR(Lr(G("14", "15"), G("16", "17"), Relationship::kFullSibling), 0.25, 1e-12);
}

// Half siblings (k0 = k1 = 1/2) and first cousins (k0 = 3/4, k1 = 1/4): LR = k0 + k1 · PI.
TEST(KinshipLocusLr, SecondAndThirdDegreeFollowTheirIbdCoefficients) {
  EXPECT_NEAR(Lr(G("14", "15"), G("14", "15"), Relationship::kHalfSibling), 0.5 + 0.5 * 3.75, 1e-12);
  EXPECT_NEAR(Lr(G("14", "15"), G("16", "17"), Relationship::kHalfSibling), 0.5, 1e-12);
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "14"), Relationship::kFirstCousin), 0.75 + 0.25 * 10.0, 1e-12);
  EXPECT_NEAR(Lr(G("14", "15"), G("16", "17"), Relationship::kFirstCousin), 0.75, 1e-12);
}

// With θ, the homozygous parent-child PI becomes (1 + 2θ)/(3θ + (1-θ)p) (Balding & Nichols 1994
// sampling formula): p = 0.1, θ = 0.01 -> 1.02 / 0.129 = 7.906977 (below the θ = 0 value 10).
TEST(KinshipLocusLr, ThetaCorrectionIsConservativeForSharedHomozygotes) {
  EXPECT_NEAR(Lr(G("14", "14"), G("14", "14"), Relationship::kParentChild, 0.01), 1.02 / 0.129, 1e-9);
}

TEST(KinshipLocusLr, UnrelatedIsExactlyOneAndEveryRelationshipIsSymmetric) {
  const std::vector<LocusGenotype> genotypes = {G("14", "14"), G("14", "15"), G("15", "16"), G("16", "17"),
                                                G("17", "17"), G("14", "18"), G("15", "15")};
  for (double theta : {0.0, 0.03}) {
    for (const auto& a : genotypes) {
      for (const auto& b : genotypes) {
        EXPECT_NEAR(Lr(a, b, Relationship::kUnrelated, theta), 1.0, 1e-12);
        for (Relationship r : {Relationship::kParentChild, Relationship::kFullSibling, Relationship::kHalfSibling,
                               Relationship::kFirstCousin}) {
          EXPECT_NEAR(Lr(a, b, r, theta, 0.002), Lr(b, a, r, theta, 0.002), 1e-12 * Lr(a, b, r, theta, 0.002) + 1e-15)
              << RelationshipName(r) << " " << a.Key() << " vs " << b.Key();
        }
      }
    }
  }
}

// An inconsistency (parent 14/15, child 16/17) under the stepwise model, by hand: the IBD term
// sums, over which allele a1 of A is passed and which allele b1 of B received it,
// p(a1) p(other a) p(other b) · T(a1 -> b1), with T = μ(1-r)r^(s-1)/2 for s repeat steps; the
// two directions (A parent of B, B parent of A) are averaged.
TEST(KinshipLocusLr, StepwiseMutationTurnsAnExclusionIntoASmallLr) {
  const double mu = 0.002, r = 0.1;
  auto T = [&](int steps) { return mu * (1 - r) * std::pow(r, steps - 1) / 2; };
  const double p14 = 0.1, p15 = 0.2, p16 = 0.3, p17 = 0.15;
  const double none = (2 * p14 * p15) * (2 * p16 * p17);
  // (a1, b1) pairs and their step counts: 14->16: 2, 14->17: 3, 15->16: 1, 15->17: 2.
  const double forward = p14 * p15 * (p17 * T(2) + p16 * T(3)) + p15 * p14 * (p17 * T(1) + p16 * T(2));
  const double backward = p16 * p17 * (p15 * T(2) + p14 * T(1)) + p17 * p16 * (p15 * T(3) + p14 * T(2));
  const double expected = 0.5 * (forward + backward) / none;
  EXPECT_NEAR(Lr(G("14", "15"), G("16", "17"), Relationship::kParentChild, 0.0, mu), expected, 1e-15);
  EXPECT_GT(expected, 0.0);
  EXPECT_LT(expected, 0.01);
  // Two repeats away is r = 10 times less likely than one.
  EXPECT_NEAR(TransmissionProbability(*Allele::Parse("15"), *Allele::Parse("17"), {mu, r}) /
                  TransmissionProbability(*Allele::Parse("15"), *Allele::Parse("16"), {mu, r}),
              r, 1e-12);
  EXPECT_DOUBLE_EQ(TransmissionProbability(*Allele::Parse("15"), *Allele::Parse("15"), {mu, r}), 1 - mu);
  EXPECT_DOUBLE_EQ(TransmissionProbability(*Allele::Parse("OL"), *Allele::Parse("15"), {mu, r}), 0.0);
}

TEST(ComputeKinship, CombinesLociByProductAndSkipsUnusableOnes) {
  const AlleleFrequencyTable table = Table(std::string(kTable) + "TH01,6,0.5\nTH01,7,0.5\n");
  const StrProfile a = Profile("locus,allele1,allele2\nvWA,14,15\nTH01,6,7\nFGA,20,21\nD3S1358,15,\n");
  const StrProfile b = Profile("locus,allele1,allele2\nvWA,14,15\nTH01,6,6\nFGA,20,21\nD3S1358,15,16\n");
  KinshipOptions options;
  options.mutation.rate = 0.0;
  auto result = ComputeKinship(a, b, Relationship::kParentChild, OnlyPopulation(table), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // vWA 3.75 (above); TH01 6/7 vs 6/6: 1/(2 · 0.5) = 1.
  EXPECT_NEAR(result->lr, 3.75, 1e-12);
  EXPECT_NEAR(result->log10_lr, std::log10(3.75), 1e-12);
  EXPECT_EQ(result->loci.size(), 2u);
  EXPECT_EQ(result->loci_skipped, (std::vector<std::string>{"D3S1358", "FGA"}));  // partial call; no frequencies
  auto none = ComputeKinship(Profile("locus,allele1,allele2\nFGA,20,21\n"), b, Relationship::kFullSibling, OnlyPopulation(table));
  EXPECT_FALSE(none.ok());
  EXPECT_FALSE(ParseRelationship("second_cousin").ok());
  EXPECT_EQ(*ParseRelationship("avuncular"), Relationship::kHalfSibling);
}

// Trio, both parents tested, θ = 0: child AB, mother AC, father BD: P(C | M, F) = 1/2 · 1/2 and
// P(C) = 2pq, so LR = 1/(8pq) = 1/(8 · 0.1 · 0.2) = 6.25.
TEST(ComputeTrioParentage, MatchesTheTwoParentFormula) {
  const AlleleFrequencyTable table = Table(kTable);
  KinshipOptions options;
  options.mutation.rate = 0.0;
  auto trio = ComputeTrioParentage(Profile("locus,allele1,allele2\nvWA,14,15\n"), Profile("locus,allele1,allele2\nvWA,14,16\n"),
                                   Profile("locus,allele1,allele2\nvWA,15,17\n"), OnlyPopulation(table), options);
  ASSERT_TRUE(trio.ok()) << trio.status().ToString();
  EXPECT_NEAR(trio->lr, 6.25, 1e-12);
  auto excluded = ComputeTrioParentage(Profile("locus,allele1,allele2\nvWA,14,15\n"), Profile("locus,allele1,allele2\nvWA,16,16\n"),
                                       Profile("locus,allele1,allele2\nvWA,15,17\n"), OnlyPopulation(table), options);
  ASSERT_TRUE(excluded.ok());
  EXPECT_DOUBLE_EQ(excluded->lr, 0.0);
  (void)pC;
}

}  // namespace
}  // namespace abis::dna
