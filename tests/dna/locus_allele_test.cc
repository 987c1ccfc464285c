#include <gtest/gtest.h>

#include "abis/dna/allele.h"
#include "abis/dna/locus.h"

namespace abis::dna {
namespace {

TEST(CanonicalLocusName, AcceptsCommonAliases) {
  EXPECT_EQ(*CanonicalLocusName("VWA"), "vWA");
  EXPECT_EQ(*CanonicalLocusName("vwa"), "vWA");
  EXPECT_EQ(*CanonicalLocusName("THO1"), "TH01");
  EXPECT_EQ(*CanonicalLocusName("HUMTH01"), "TH01");
  EXPECT_EQ(*CanonicalLocusName("CSF1P0"), "CSF1PO");
  EXPECT_EQ(*CanonicalLocusName("Penta D"), "Penta D");
  EXPECT_EQ(*CanonicalLocusName("PentaD"), "Penta D");
  EXPECT_EQ(*CanonicalLocusName("penta_e"), "Penta E");
  EXPECT_EQ(*CanonicalLocusName("d3s1358"), "D3S1358");
  EXPECT_EQ(*CanonicalLocusName("Amelogenin"), "AMEL");
  EXPECT_EQ(*CanonicalLocusName("FIBRA"), "FGA");
}

TEST(CanonicalLocusName, RejectsUnknownLocusUnlessAllowed) {
  auto unknown = CanonicalLocusName("D99S999");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown locus 'D99S999'"), std::string::npos);
  EXPECT_EQ(*CanonicalLocusName("D99S999", /*allow_unlisted=*/true), "D99S999");
  EXPECT_FALSE(CanonicalLocusName("bad;name", true).ok());
}

TEST(CodisCoreLoci, HasTheTwentyCoreLoci) {
  EXPECT_EQ(CodisCoreLoci().size(), 20u);
  EXPECT_TRUE(IsCodisCoreLocus("D22S1045"));
  EXPECT_TRUE(IsCodisCoreLocus("vWA"));
  EXPECT_FALSE(IsCodisCoreLocus("Penta D"));
  EXPECT_FALSE(IsCodisCoreLocus("AMEL"));
}

TEST(Allele, ParsesRepeatsAndMicrovariants) {
  EXPECT_EQ(Allele::Parse("9.3")->text(), "9.3");
  EXPECT_EQ(*Allele::Parse("9.3")->tenths(), 93);
  EXPECT_EQ(Allele::Parse("09")->text(), "9");
  EXPECT_EQ(Allele::Parse("12.0")->text(), "12");
  EXPECT_EQ(Allele::Parse(" 15.4 ")->text(), "15.4");
}

TEST(Allele, KeepsOffLadderCallsAsWritten) {
  EXPECT_EQ(Allele::Parse(">24")->text(), ">24");
  EXPECT_EQ(Allele::Parse("ol")->text(), "OL");
  EXPECT_EQ(Allele::Parse(">24")->kind(), Allele::Kind::kOffLadder);
  EXPECT_NE(*Allele::Parse(">24"), *Allele::Parse("24"));
}

TEST(Allele, RejectsImpossibleDesignations) {
  for (const char* bad : {"-3", "abc", "0", "12.34", "", "1000", "9.", ".3", ">x"}) {
    EXPECT_FALSE(Allele::Parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(Allele::Parse("12", /*amelogenin=*/true).ok());
  EXPECT_EQ(Allele::Parse("x", true)->text(), "X");
}

TEST(Allele, OrdersNumericallyNotLexically) {
  EXPECT_LT(*Allele::Parse("9.3"), *Allele::Parse("10"));
  EXPECT_LT(*Allele::Parse("9"), *Allele::Parse("9.3"));
  EXPECT_LT(*Allele::Parse("30"), *Allele::Parse(">24"));  // off-ladder after repeats
}

}  // namespace
}  // namespace abis::dna
