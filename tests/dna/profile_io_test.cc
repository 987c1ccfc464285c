#include <gtest/gtest.h>

#include "abis/dna/profile_io.h"

namespace abis::dna {
namespace {

bool Contains(const Status& status, const std::string& text) { return status.message().find(text) != std::string::npos; }

TEST(ParseProfileCsv, ReadsLociMicrovariantsAndAmelogenin) {
  auto profile = ParseProfileCsv(
      "# a comment\r\nlocus,allele1,allele2\r\nTHO1,9.3,6\r\nVWA,17,17\r\nAmelogenin,X,Y\r\nD21S11,>38,30\r\nFGA,22,\r\n", "a.csv");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->TypedLocusCount(), 4u);
  const LocusGenotype& th01 = profile->loci.at("TH01");
  ASSERT_EQ(th01.alleles.size(), 2u);
  EXPECT_EQ(th01.alleles[0].text(), "6");
  EXPECT_EQ(th01.alleles[1].text(), "9.3");
  EXPECT_EQ(profile->loci.at("vWA").alleles.size(), 2u);  // homozygote listed twice stays twice
  EXPECT_EQ(profile->loci.at("FGA").alleles.size(), 1u);  // a single call stays single
  EXPECT_EQ(profile->loci.at("D21S11").alleles[1].text(), ">38");
  EXPECT_EQ(profile->loci.at("AMEL").alleles[1].text(), "Y");
}

TEST(ParseProfileCsv, RejectsUnknownLocusNamingFileAndLine) {
  auto profile = ParseProfileCsv("locus,allele1,allele2\nD3S1358,15,16\nD99S1,1,2\n", "b.csv");
  ASSERT_FALSE(profile.ok());
  EXPECT_TRUE(Contains(profile.status(), "b.csv line 3")) << profile.status().message();
  EXPECT_TRUE(Contains(profile.status(), "unknown locus 'D99S1'"));
}

TEST(ParseProfileCsv, RejectsImpossibleAllelesNamingFileAndLine) {
  for (const char* bad : {"-3", "abc"}) {
    auto profile = ParseProfileCsv(std::string("locus,allele1,allele2\nD8S1179,") + bad + ",13\n", "c.csv");
    ASSERT_FALSE(profile.ok()) << bad;
    EXPECT_TRUE(Contains(profile.status(), "c.csv line 2")) << profile.status().message();
    EXPECT_TRUE(Contains(profile.status(), std::string("'") + bad + "'")) << profile.status().message();
    EXPECT_TRUE(Contains(profile.status(), "D8S1179"));
  }
}

TEST(ParseProfileCsv, RejectsThreeAllelesUnlessFlaggedTriAllelic) {
  auto unflagged = ParseProfileCsv("locus,allele1,allele2,allele3\nD18S51,12,13,14\n", "d.csv");
  ASSERT_FALSE(unflagged.ok());
  EXPECT_TRUE(Contains(unflagged.status(), "d.csv line 2"));
  EXPECT_TRUE(Contains(unflagged.status(), "tri-allelic"));
  auto flagged = ParseProfileCsv("locus,allele1,allele2,allele3,tri_allelic\nD18S51,12,13,14,yes\n", "d.csv");
  ASSERT_TRUE(flagged.ok()) << flagged.status().ToString();
  EXPECT_TRUE(flagged->loci.at("D18S51").tri_allelic);
  auto flagged_but_two = ParseProfileCsv("locus,allele1,allele2,allele3,tri_allelic\nD18S51,12,13,,yes\n", "d.csv");
  EXPECT_FALSE(flagged_but_two.ok());
  ProfileParseOptions mixture;
  mixture.allow_mixture = true;
  EXPECT_TRUE(ParseProfileCsv("locus,allele1,allele2,allele3\nD18S51,12,13,14\n", "d.csv", mixture).ok());
}

TEST(ParseProfileCsv, RejectsEmptyProfileAndDuplicateLocus) {
  auto empty = ParseProfileCsv("locus,allele1,allele2\nAMEL,X,X\nTPOX,,\n", "e.csv");
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(Contains(empty.status(), "e.csv: profile has no typed STR locus"));
  auto no_header = ParseProfileCsv("", "e.csv");
  EXPECT_FALSE(no_header.ok());
  auto duplicate = ParseProfileCsv("locus,allele1,allele2\nvWA,17,18\nVWA,16,17\n", "f.csv");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_TRUE(Contains(duplicate.status(), "f.csv line 3: duplicate locus vWA (first given on line 2)"))
      << duplicate.status().message();
}

TEST(ParseProfileCsv, RejectsMalformedRows) {
  EXPECT_FALSE(ParseProfileCsv("locus,allele1,allele2\nvWA,17,18,19\n", "g.csv").ok());      // extra field
  EXPECT_FALSE(ParseProfileCsv("locus,allele1,weird\nvWA,17,18\n", "g.csv").ok());           // unknown column
  EXPECT_FALSE(ParseProfileCsv("allele1,allele2\n17,18\n", "g.csv").ok());                    // no locus column
  EXPECT_FALSE(ParseProfileCsv("locus,allele1,allele2\n\"vWA,17,18\n", "g.csv").ok());       // open quote
  EXPECT_FALSE(ParseProfileCsv("locus,allele1,allele2\nAMEL,X,Z\nvWA,1,2\n", "g.csv").ok());  // amelogenin Z
  EXPECT_FALSE(ParseProfileCsv(std::string(kMaxProfileBytes + 1, 'x'), "g.csv").ok());
}

TEST(ParseProfileJson, ReadsDocumentedFormat) {
  auto profile = ParseProfileJson(
      R"({"format":"abis-str-profile","version":1,"loci":{"TH01":["9.3",6],"vWA":[17,17.0],
          "D18S51":{"alleles":["12","13","14"],"tri_allelic":true},"Penta D":["2.2","13"]}})",
      "p.json");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->loci.at("TH01").alleles[1].text(), "9.3");
  EXPECT_EQ(profile->loci.at("vWA").alleles[1].text(), "17");
  EXPECT_TRUE(profile->loci.at("D18S51").tri_allelic);
  EXPECT_EQ(profile->loci.at("Penta D").alleles[0].text(), "2.2");
}

TEST(ParseProfileJson, RejectsBadDocumentsNamingThePath) {
  auto bad_allele = ParseProfileJson(R"({"loci":{"TPOX":["8","abc"]}})", "q.json");
  ASSERT_FALSE(bad_allele.ok());
  EXPECT_TRUE(Contains(bad_allele.status(), "q.json loci[\"TPOX\"]")) << bad_allele.status().message();
  EXPECT_FALSE(ParseProfileJson("{not json", "q.json").ok());
  EXPECT_FALSE(ParseProfileJson(R"({"loci":{}})", "q.json").ok());
  EXPECT_FALSE(ParseProfileJson(R"({"version":2,"loci":{"TPOX":["8","9"]}})", "q.json").ok());
  auto duplicate = ParseProfileJson(R"({"loci":{"vWA":["17","18"],"VWA":["17","18"]}})", "q.json");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_TRUE(Contains(duplicate.status(), "duplicate locus vWA"));
}

TEST(ProfileFormats, CsvAndJsonRoundTrip) {
  auto profile = ParseProfileCsv("locus,allele1,allele2,allele3,tri_allelic\nTH01,6,9.3,,\nD18S51,12,13,14,yes\nFGA,22,,,\n", "r.csv");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  auto from_json = ParseProfileJson(ProfileToJson(*profile).dump(), "r.json");
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  EXPECT_EQ(*from_json, *profile);
  auto from_csv = ParseProfileCsv(ProfileToCsv(*profile), "r2.csv");
  ASSERT_TRUE(from_csv.ok()) << from_csv.status().ToString();
  EXPECT_EQ(*from_csv, *profile);
}

TEST(ParseProfileCollectionCsv, GroupsRowsBySampleAndSkipsMissingCalls) {
  auto collection = ParseProfileCollectionCsv(
      "sample,population,locus,allele1,allele2\nS1,Cauc,vWA,17,18\nS2,AfAm,vWA,16,16\nS1,Cauc,TPOX,,\nS1,Cauc,TH01,6,7\n",
      "col.csv");
  ASSERT_TRUE(collection.ok()) << collection.status().ToString();
  ASSERT_EQ(collection->size(), 2u);
  EXPECT_EQ((*collection)[0].sample, "S1");
  EXPECT_EQ((*collection)[0].population, "Cauc");
  EXPECT_EQ((*collection)[0].profile.TypedLocusCount(), 2u);
  auto duplicate = ParseProfileCollectionCsv("sample,locus,allele1,allele2\nS1,vWA,17,18\nS1,VWA,17,18\n", "col.csv");
  EXPECT_FALSE(duplicate.ok());
}

}  // namespace
}  // namespace abis::dna
