#include <cmath>

#include <gtest/gtest.h>

#include "abis/dna/remains_identification.h"
#include "test_support.h"

namespace abis::dna {
namespace {

using testing::OnlyPopulation;
using testing::Profile;
using testing::Table;

const char* kTable =
    "locus,allele,frequency\n"
    "vWA,14,0.1\nvWA,15,0.2\nvWA,16,0.3\nvWA,17,0.15\nvWA,18,0.25\n"
    "TH01,6,0.2\nTH01,7,0.2\nTH01,8,0.1\nTH01,9,0.2\nTH01,9.3,0.3\n";

ReferenceRelative Reference(std::string missing_person, std::string id, Relationship relationship, ReferenceRole role,
                            const std::string& csv) {
  return {std::move(missing_person), std::move(id), relationship, role, Profile(csv)};
}

TEST(RankMissingPersons, RanksTheTrueFamilyFirstWithTheStatedPrior) {
  const AlleleFrequencyTable table = Table(kTable);
  const StrProfile remains = Profile("locus,allele1,allele2\nvWA,14,15\nTH01,8,9.3\n");
  std::vector<ReferenceRelative> references = {
      // MP-1: parents consistent with the remains at both loci.
      Reference("MP-1", "mother-1", Relationship::kParentChild, ReferenceRole::kMother, "locus,allele1,allele2\nvWA,14,16\nTH01,8,6\n"),
      Reference("MP-1", "father-1", Relationship::kParentChild, ReferenceRole::kFather, "locus,allele1,allele2\nvWA,15,17\nTH01,9.3,7\n"),
      // MP-2: one sister who shares nothing with the remains.
      Reference("MP-2", "sister-2", Relationship::kFullSibling, ReferenceRole::kRelative, "locus,allele1,allele2\nvWA,16,17\nTH01,6,7\n"),
  };
  RemainsIdentificationOptions options;
  options.kinship.mutation.rate = 0.0;
  auto result = RankMissingPersons(remains, references, {&OnlyPopulation(table)}, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->ranking.size(), 2u);
  EXPECT_DOUBLE_EQ(result->prior_per_missing_person, 1.0 / 3.0);  // uniform over 2 persons + "none"
  const MissingPersonScore& best = result->ranking[0];
  EXPECT_EQ(best.missing_person, "MP-1");
  EXPECT_EQ(best.pedigree, "trio");
  // Trio LRs by hand (θ = 0): vWA 1/(8 · 0.1 · 0.2) = 6.25; TH01 1/(8 · 0.1 · 0.3) = 4.1667.
  EXPECT_NEAR(best.log10_lr, std::log10(6.25 / (8 * 0.1 * 0.3)), 1e-12);
  // MP-2: sibling index AB/CD = 1/4 per locus -> 1/16.
  EXPECT_NEAR(result->ranking[1].log10_lr, std::log10(1.0 / 16.0), 1e-12);
  // Posterior: prior·LR / (Σ prior·LR + (1 - 2·prior)).
  const double lr1 = 6.25 / (8 * 0.1 * 0.3), lr2 = 1.0 / 16.0, prior = 1.0 / 3.0;
  const double denominator = prior * lr1 + prior * lr2 + (1 - 2 * prior);
  EXPECT_NEAR(best.posterior, prior * lr1 / denominator, 1e-12);
  EXPECT_NEAR(result->ranking[1].posterior, prior * lr2 / denominator, 1e-12);
  // The per-locus table: the trio's LR at each locus, and the sibling index 1/4 at each.
  ASSERT_EQ(best.loci.size(), 2u);
  EXPECT_EQ(best.loci[0].locus, "TH01");
  EXPECT_NEAR(best.loci[0].lr, 1.0 / (8 * 0.1 * 0.3), 1e-12);
  EXPECT_EQ(best.loci[1].locus, "vWA");
  EXPECT_NEAR(best.loci[1].lr, 6.25, 1e-12);
  ASSERT_EQ(result->ranking[1].loci.size(), 2u);
  EXPECT_NEAR(result->ranking[1].loci[0].lr, 0.25, 1e-12);
}

TEST(RankMissingPersons, UsesALoneParentAsAParentChildPairAndValidatesInput) {
  const AlleleFrequencyTable table = Table(kTable);
  const StrProfile remains = Profile("locus,allele1,allele2\nvWA,14,15\n");
  std::vector<ReferenceRelative> references = {
      Reference("MP-1", "mother-1", Relationship::kParentChild, ReferenceRole::kMother, "locus,allele1,allele2\nvWA,14,16\n")};
  RemainsIdentificationOptions options;
  options.kinship.mutation.rate = 0.0;
  auto result = RankMissingPersons(remains, references, {&OnlyPopulation(table)}, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->ranking[0].pedigree, "parent_child");
  EXPECT_NEAR(result->ranking[0].log10_lr, std::log10(1.0 / (4 * 0.1)), 1e-12);  // AB/AC = 1/(4p)
  options.prior_per_missing_person = 2.0;
  EXPECT_FALSE(RankMissingPersons(remains, references, {&OnlyPopulation(table)}, options).ok());
  EXPECT_FALSE(RankMissingPersons(remains, {}, {&OnlyPopulation(table)}).ok());
  EXPECT_FALSE(RankMissingPersons(remains, references, {}).ok());
}

// Two mothers (or two fathers) of one missing person would count one parent's evidence twice (the
// same mother typed twice, or a wrong relationship): refused, naming both references.
TEST(RankMissingPersons, RefusesTwoMothersOfOneMissingPerson) {
  const AlleleFrequencyTable table = Table(kTable);
  const StrProfile remains = Profile("locus,allele1,allele2\nvWA,14,15\n");
  std::vector<ReferenceRelative> references = {
      Reference("MP-1", "mother-1", Relationship::kParentChild, ReferenceRole::kMother, "locus,allele1,allele2\nvWA,14,16\n"),
      Reference("MP-1", "mother-2", Relationship::kParentChild, ReferenceRole::kMother, "locus,allele1,allele2\nvWA,14,16\n")};
  auto result = RankMissingPersons(remains, references, {&OnlyPopulation(table)});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("mother-1, mother-2"), std::string::npos) << result.status().ToString();
}

}  // namespace
}  // namespace abis::dna
