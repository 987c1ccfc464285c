#include <gtest/gtest.h>

#include "abis/dna/match_stringency.h"
#include "test_support.h"

namespace abis::dna {
namespace {

using testing::Profile;

LocusGenotype Genotype(std::initializer_list<const char*> alleles) {
  LocusGenotype genotype;
  for (const char* text : alleles) genotype.alleles.push_back(*Allele::Parse(text));
  std::sort(genotype.alleles.begin(), genotype.alleles.end());
  return genotype;
}

TEST(LocusMatches, HighNeedsIdenticalAlleleSets) {
  EXPECT_TRUE(LocusMatches(Genotype({"9.3", "6"}), Genotype({"6", "9.3"}), MatchStringency::kHigh));
  EXPECT_FALSE(LocusMatches(Genotype({"9.3", "6"}), Genotype({"6", "9"}), MatchStringency::kHigh));  // microvariant differs
  EXPECT_TRUE(LocusMatches(Genotype({"12", "12"}), Genotype({"12"}), MatchStringency::kHigh));      // same set {12}
  EXPECT_FALSE(LocusMatches(Genotype({"12"}), Genotype({"12", "14"}), MatchStringency::kHigh));
}

TEST(LocusMatches, ModerateAcceptsSubsetsEitherWay) {
  EXPECT_TRUE(LocusMatches(Genotype({"12"}), Genotype({"12", "14"}), MatchStringency::kModerate));    // partial probe
  EXPECT_TRUE(LocusMatches(Genotype({"12", "14", "15"}), Genotype({"12", "14"}), MatchStringency::kModerate));  // mixture
  EXPECT_FALSE(LocusMatches(Genotype({"12", "13"}), Genotype({"12", "14"}), MatchStringency::kModerate));
  EXPECT_FALSE(LocusMatches(Genotype({"9.3"}), Genotype({"9", "10"}), MatchStringency::kModerate));
}

TEST(LocusMatches, LowNeedsOneSharedAllele) {
  EXPECT_TRUE(LocusMatches(Genotype({"12", "13"}), Genotype({"12", "14"}), MatchStringency::kLow));
  EXPECT_FALSE(LocusMatches(Genotype({"9.3", "13"}), Genotype({"9", "14"}), MatchStringency::kLow));
  EXPECT_TRUE(LocusMatches(Genotype({">24", "13"}), Genotype({">24", "14"}), MatchStringency::kLow));
}

TEST(CompareProfiles, CountsOnlyLociTypedInBothAndIgnoresAmelogenin) {
  const StrProfile full = Profile("locus,allele1,allele2\nD3S1358,15,16\nvWA,17,18\nTH01,6,9.3\nFGA,21,22\nAMEL,X,Y\n");
  const StrProfile partial = Profile("locus,allele1,allele2\nD3S1358,15,\nTH01,6,9.3\nAMEL,X,X\nTPOX,8,8\n");
  auto high = CompareProfiles(partial, full, MatchStringency::kHigh);
  EXPECT_EQ(high.loci_compared, 2u);
  EXPECT_EQ(high.loci_matched, 1u);
  EXPECT_EQ(high.mismatched_loci, std::vector<std::string>{"D3S1358"});
  auto moderate = CompareProfiles(partial, full, MatchStringency::kModerate);
  EXPECT_EQ(moderate.loci_matched, 2u);
  EXPECT_TRUE(IsMatch(moderate, {MatchStringency::kModerate, 2, 0}));
  EXPECT_FALSE(IsMatch(moderate, {MatchStringency::kModerate, 3, 0}));  // too few loci compared
  EXPECT_FALSE(IsMatch(high, {MatchStringency::kHigh, 2, 0}));
  EXPECT_TRUE(IsMatch(high, {MatchStringency::kHigh, 2, 1}));
}

TEST(ParseMatchStringency, RejectsUnknownNames) {
  EXPECT_EQ(*ParseMatchStringency("low"), MatchStringency::kLow);
  EXPECT_FALSE(ParseMatchStringency("strict").ok());
}

}  // namespace
}  // namespace abis::dna
