#include <gtest/gtest.h>

#include "abis/dna/allele_frequencies.h"
#include "abis/dna/locus.h"

namespace abis::dna {
namespace {

bool Contains(const Status& status, const std::string& text) { return status.message().find(text) != std::string::npos; }

TEST(AlleleFrequencyTable, ReadsPopulationsAndSampleSizes) {
  auto table = AlleleFrequencyTable::ParseCsv(
      "# citation\npopulation,locus,allele,frequency,n\nA,VWA,17,0.5,100\nA,vWA,18,0.5,100\nB,THO1,9.3,1.0,50\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->PopulationNames(), (std::vector<std::string>{"A", "B"}));
  auto b = table->Population("b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*(*b)->loci().at("TH01").alleles_sampled, 100u);  // n = 50 individuals -> 2N = 100
  EXPECT_FALSE(table->Population("C").ok());
}

TEST(AlleleFrequencyTable, RejectsBadRowsNamingFileAndLine) {
  auto bad_frequency = AlleleFrequencyTable::ParseCsv("locus,allele,frequency\nvWA,17,1.5\n", "t.csv");
  ASSERT_FALSE(bad_frequency.ok());
  EXPECT_TRUE(Contains(bad_frequency.status(), "t.csv line 2")) << bad_frequency.status().message();
  EXPECT_FALSE(AlleleFrequencyTable::ParseCsv("locus,allele,frequency\nvWA,17,abc\n", "t.csv").ok());
  EXPECT_FALSE(AlleleFrequencyTable::ParseCsv("locus,allele,frequency\nvWA,-3,0.1\n", "t.csv").ok());
  EXPECT_FALSE(AlleleFrequencyTable::ParseCsv("locus,allele,frequency\nvWA,17,0.1\nVWA,17,0.2\n", "t.csv").ok());
  EXPECT_FALSE(AlleleFrequencyTable::ParseCsv("locus,allele\nvWA,17\n", "t.csv").ok());
  auto too_much = AlleleFrequencyTable::ParseCsv("locus,allele,frequency\nvWA,17,0.6\nvWA,18,0.6\n", "t.csv");
  ASSERT_FALSE(too_much.ok());
  EXPECT_TRUE(Contains(too_much.status(), "sum to"));
}

TEST(AlleleFrequencyTable, ShippedTableCoversAllTwentyCoreLoci) {
  auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->populations().size(), 5u);
  for (const auto& [name, population] : table->populations()) {
    for (std::string_view locus : CodisCoreLoci()) {
      ASSERT_TRUE(population.HasLocus(locus)) << name << " lacks " << locus;
      EXPECT_TRUE(population.loci().at(std::string(locus)).alleles_sampled.has_value());
    }
  }
  // A spot check against Moretti et al. (2016): Caucasian D3S1358 allele 15, 0.247525 (2N = 404).
  auto caucasian = table->Population("Caucasian");
  ASSERT_TRUE(caucasian.ok());
  EXPECT_DOUBLE_EQ(*(*caucasian)->Frequency("D3S1358", *Allele::Parse("15")), 0.247525);
  EXPECT_DOUBLE_EQ(*(*caucasian)->Frequency("D3S1358", *Allele::Parse("13")), 5.0 / 404.0);  // 0.00247525 < 5/2N
}

}  // namespace
}  // namespace abis::dna
