#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "abis/dna/dna_engine.h"
#include "abis/dna/locus.h"
#include "test_support.h"

namespace abis::dna {
namespace {

// A full 20-locus profile whose alleles are all in the shipped Caucasian table.
std::string FullProfileCsv(const std::string& vwa = "17,18") {
  return "locus,allele1,allele2\nCSF1PO,10,12\nD3S1358,15,16\nD5S818,11,12\nD7S820,10,11\nD8S1179,13,14\n"
         "D13S317,11,12\nD16S539,9,11\nD18S51,14,16\nD21S11,29,30\nFGA,21,22\nTH01,6,9.3\nTPOX,8,11\nvWA," + vwa +
         "\nD1S1656,12,15\nD2S441,10,14\nD2S1338,17,23\nD10S1248,13,14\nD12S391,18,19\nD19S433,13,14\n"
         "D22S1045,15,16\nAMEL,X,Y\n";
}

std::unique_ptr<ModalityEngine> Engine(nlohmann::json settings = {{"population", "Caucasian"}}) {
  auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  auto parsed = DnaEngineSettings::FromJson(settings);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto engine = NewDnaEngine(std::move(table).value(), *parsed);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(engine).value();
}

BiometricTemplate Extract(const ModalityEngine& engine, const std::string& csv, const std::string& name = "p.csv") {
  SampleInput sample;
  sample.modality = Modality::kDna;
  sample.bytes.assign(csv.begin(), csv.end());
  sample.source_name = name;
  auto extracted = engine.Extract(sample);
  EXPECT_TRUE(extracted.ok()) << extracted.status().ToString();
  return extracted.ok() ? *extracted : BiometricTemplate{};
}

TEST(DnaEngine, SelfComparisonLogLrIsLnOfOneOverRmp) {
  auto engine = Engine();
  const BiometricTemplate a = Extract(*engine, FullProfileCsv());
  EXPECT_EQ(a.algorithm, kDnaAlgorithm);
  EXPECT_EQ(a.quality["core_loci_typed"], 20);
  auto comparison = engine->Compare(a, a);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  auto rmp = ComputeRandomMatchProbability(testing::Profile(FullProfileCsv()), **table->Population("Caucasian"));
  ASSERT_TRUE(rmp.ok());
  EXPECT_NEAR(comparison->log_lr, -rmp->log10_rmp * std::log(10.0), 1e-9);
  EXPECT_GT(comparison->log_lr, std::log(1e15));
  EXPECT_EQ(comparison->details["loci_compared"], 20);
  EXPECT_EQ(comparison->details["match"], true);
}

TEST(DnaEngine, ExclusionIsStronglyNegative) {
  auto engine = Engine();
  auto comparison = engine->Compare(Extract(*engine, FullProfileCsv()), Extract(*engine, FullProfileCsv("14,15")));
  ASSERT_TRUE(comparison.ok());
  EXPECT_DOUBLE_EQ(comparison->log_lr, kExcludedLocusLogLr);
  EXPECT_EQ(comparison->details["excluded"], true);
  EXPECT_EQ(comparison->details["mismatched_loci"], nlohmann::json::array({"vWA"}));
}

// The examiner's locus table: every locus of either profile, both genotypes, the match class and
// the locus LR (1/match probability; 0 where the locus excludes); alleles never in Compare().
TEST(DnaEngine, ExaminerViewListsEveryLocusWithItsClassAndLr) {
  auto engine = Engine();
  const BiometricTemplate probe = Extract(*engine, FullProfileCsv());
  const BiometricTemplate candidate = Extract(*engine, FullProfileCsv("14,15"));
  auto view = engine->ExaminerView(probe, candidate);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_EQ(view->at("loci").size(), 21u);  // 20 STR loci and amelogenin
  EXPECT_EQ(view->at("population"), "Caucasian");
  std::map<std::string, nlohmann::json> rows;
  for (const auto& row : view->at("loci")) rows[row.at("locus").get<std::string>()] = row;
  EXPECT_EQ(rows.at("vWA").at("probe"), "17/18");
  EXPECT_EQ(rows.at("vWA").at("candidate"), "14/15");
  EXPECT_EQ(rows.at("vWA").at("class"), "mismatch");
  EXPECT_EQ(rows.at("vWA").at("lr"), 0.0);
  EXPECT_EQ(rows.at("AMEL").at("class"), "not compared");
  EXPECT_TRUE(rows.at("AMEL").at("lr").is_null());
  EXPECT_EQ(rows.at("TH01").at("class"), "identical");
  EXPECT_EQ(rows.at("TH01").at("probe"), "6/9.3");
  auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  LocusGenotype th01 = testing::Profile(FullProfileCsv()).loci.at("TH01");
  auto probability = ComputeLocusMatchProbability("TH01", th01, **table->Population("Caucasian"));
  ASSERT_TRUE(probability.ok());
  EXPECT_NEAR(rows.at("TH01").at("lr").get<double>(), 1.0 / probability->probability, 1e-9);
  // One allele of a locus missing in the candidate (drop-out): consistent at moderate stringency.
  std::string partial = FullProfileCsv();
  partial.replace(partial.find("D18S51,14,16"), 12, "D18S51,14,");
  auto consistent = engine->ExaminerView(probe, Extract(*engine, partial));
  ASSERT_TRUE(consistent.ok()) << consistent.status().ToString();
  for (const auto& row : consistent->at("loci")) {
    if (row.at("locus") == "D18S51") {
      EXPECT_EQ(row.at("class"), "consistent");
      EXPECT_GE(row.at("lr").get<double>(), 1.0);
    }
  }
  // The score's details (which reach search answers) carry no allele.
  auto compared = engine->Compare(probe, candidate);
  ASSERT_TRUE(compared.ok());
  EXPECT_EQ(compared->details.dump().find("17/18"), std::string::npos);
  EXPECT_EQ(compared->details.dump().find("9.3"), std::string::npos);
}

TEST(DnaEngine, ThresholdIsTheTuringBound) {
  auto engine = Engine();
  EXPECT_NEAR(*engine->ThresholdForFalseMatchRate(1e-4), std::log(1e4), 1e-12);
  EXPECT_FALSE(engine->ThresholdForFalseMatchRate(0.0).ok());
  EXPECT_FALSE(engine->ThresholdForFalseMatchRate(1.5).ok());
}

TEST(DnaEngine, RejectsBadSamplesAndSettings) {
  auto engine = Engine();
  SampleInput sample;
  sample.modality = Modality::kDna;
  const std::string bad = "locus,allele1,allele2\nvWA,abc,17\n";
  sample.bytes.assign(bad.begin(), bad.end());
  sample.source_name = "bad.csv";
  auto extracted = engine->Extract(sample);
  ASSERT_FALSE(extracted.ok());
  EXPECT_NE(extracted.status().message().find("bad.csv line 2"), std::string::npos);
  EXPECT_FALSE(DnaEngineSettings::FromJson({{"stringency", "strict"}}).ok());
  EXPECT_FALSE(DnaEngineSettings::FromJson({{"unknown_key", 1}}).ok());
  EXPECT_FALSE(DnaEngineSettings::FromJson({{"index", "nowhere"}}).ok());
  auto table = AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  DnaEngineSettings settings;
  settings.population = "Martian";
  EXPECT_FALSE(NewDnaEngine(*table, settings).ok());
  BiometricTemplate foreign;
  foreign.algorithm = "finger-mcc/1";
  EXPECT_FALSE(engine->Compare(foreign, foreign).ok());
}

TEST(DnaEngine, GallerySearchFindsThePartialProfileSourceAndRanksByLogLr) {
  auto engine = Engine({{"index", "offender_arrestee"}, {"population", "Caucasian"}});
  auto gallery = engine->NewGallery();
  ASSERT_TRUE(gallery->Add(1, Extract(*engine, FullProfileCsv())).ok());
  ASSERT_TRUE(gallery->Add(2, Extract(*engine, FullProfileCsv("14,15"))).ok());
  const BiometricTemplate partial =
      Extract(*engine, "locus,allele1,allele2\nD3S1358,15,16\nvWA,17,\nTH01,6,9.3\nFGA,21,22\nD8S1179,13,14\n"
                       "D21S11,29,30\nD18S51,14,16\nD5S818,11,12\n");
  auto candidates = gallery->Search(partial, 10);
  ASSERT_TRUE(candidates.ok()) << candidates.status().ToString();
  ASSERT_EQ(candidates->size(), 1u);  // moderate stringency: vWA 17 ⊂ {17,18} matches, {14,15} does not
  EXPECT_EQ((*candidates)[0].reference_id, 1);
  EXPECT_GT((*candidates)[0].log_lr, 0.0);
  EXPECT_EQ((*candidates)[0].details["loci_compared"], 8);
  EXPECT_EQ((*candidates)[0].details["min_loci_compared"], 8) << "the answer states its criteria";
  EXPECT_NEAR((*candidates)[0].details["log10_lr"].get<double>(), (*candidates)[0].log_lr / std::log(10.0), 1e-9)
      << "DNA evidence is also stated in log10, as forensic practice reports it";
}

// Partial profiles are normal in a gallery (degraded remains, older CODIS-13/15 records): one
// that lacks core loci of the index is searched at the loci it types, never left out or breaking
// the gallery, and a full profile of the same person ranks above it (more loci, a larger LR).
TEST(DnaEngine, AGalleryWithAPartialAndAFullProfileRanksTheFullOneFirst) {
  auto engine = Engine({{"index", "offender_arrestee"}, {"population", "Caucasian"}});
  auto gallery = engine->NewGallery();
  std::string csv = FullProfileCsv();
  // The same person typed with an older 15-locus kit (the 13 original CODIS loci, D2S1338 and
  // D19S433): 5 of the 20 core loci of the offender index are missing.
  std::string fifteen = "locus,allele1,allele2\nCSF1PO,10,12\nD3S1358,15,16\nD5S818,11,12\nD7S820,10,11\n"
                        "D8S1179,13,14\nD13S317,11,12\nD16S539,9,11\nD18S51,14,16\nD21S11,29,30\nFGA,21,22\n"
                        "TH01,6,9.3\nTPOX,8,11\nvWA,17,18\nD2S1338,17,23\nD19S433,13,14\n";
  ASSERT_TRUE(gallery->Add(11, Extract(*engine, fifteen, "fifteen.csv")).ok()) << "a partial profile is indexed";
  ASSERT_TRUE(gallery->Add(12, Extract(*engine, csv, "full.csv")).ok());
  ASSERT_TRUE(gallery->Add(13, Extract(*engine, FullProfileCsv("14,15"), "other.csv")).ok());
  auto candidates = gallery->Search(Extract(*engine, csv, "probe.csv"), 10);
  ASSERT_TRUE(candidates.ok()) << candidates.status().ToString();
  ASSERT_EQ(candidates->size(), 2u);
  EXPECT_EQ((*candidates)[0].reference_id, 12);
  EXPECT_EQ((*candidates)[1].reference_id, 11);
  EXPECT_GT((*candidates)[0].log_lr, (*candidates)[1].log_lr);
  EXPECT_EQ((*candidates)[1].details["loci_compared"], 15);

  // A profile too small to ever reach the loci a match compares is refused, saying why.
  auto tiny = gallery->Add(14, Extract(*engine, "locus,allele1,allele2\nTH01,6,9.3\nFGA,21,22\n", "tiny.csv"));
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.message().find("could never match"), std::string::npos) << tiny.ToString();
}

// A collection file (the layout of real genotype files: one row per sample and locus) holds other
// people's genotypes: it is never enrolled as one person's sample; the refusal says how to take one
// profile out.
TEST(DnaEngine, ACollectionFileIsRefusedAsASampleNamingTheToolThatTakesOneProfileOut) {
  auto engine = Engine();
  const std::string collection =
      "sample,population,locus,allele1,allele2\nS1,Caucasian,TH01,6,9.3\nS2,Caucasian,TH01,7,8\n";
  SampleInput sample;
  sample.modality = Modality::kDna;
  sample.bytes.assign(collection.begin(), collection.end());
  sample.source_name = "genotypes.csv";
  auto extracted = engine->Extract(sample);
  ASSERT_FALSE(extracted.ok());
  EXPECT_EQ(extracted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(extracted.status().message().find("abis dna profile --collection"), std::string::npos)
      << extracted.status().ToString();
  EXPECT_TRUE(IsProfileCollection("\xEF\xBB\xBFSample,locus,allele1,allele2\n"));
  EXPECT_FALSE(IsProfileCollection(FullProfileCsv()));
}

}  // namespace
}  // namespace abis::dna
