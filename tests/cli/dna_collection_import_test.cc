// `abis import batch` with DNA collection files (sample,population,locus,allele1,allele2, one row
// per sample and locus): every sample enrolled as a person (--dna-collection), or chosen by a
// manifest's sample column; a sample with a bad allele or an unknown locus fails alone, with the
// reason in the error file. Profiles are simulated from the shipped allele frequencies.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "../support/cli_runner.h"
#include "../support/simulated_families.h"
#include "../support/test_engine.h"
#include "abis/dna/allele_frequencies.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class DnaCollectionImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin = init.LastLine().substr(9);
    ASSERT_EQ(Run({"gallery", "create", "--name", "references"}, admin).exit_code, 0);
    CliRun user = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin);
    ASSERT_EQ(user.exit_code, 0) << user.err;
    key_ = user.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  // A collection of `count` simulated profiles S-1..S-count (rows of one sample not adjacent: the
  // file is written locus by locus); S-3 gets a bad allele, S-5 an unknown locus.
  std::string WriteCollection(int count) {
    auto table = dna::AlleleFrequencyTable::LoadFile(dna::AlleleFrequencyTable::ShippedTablePath());
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    auto founders = testing::FounderSampler::FromTable(*table, "Caucasian");
    EXPECT_TRUE(founders.ok());
    std::mt19937 random(7);
    std::vector<testing::Genotypes> profiles;
    for (int i = 0; i < count; ++i) profiles.push_back(founders->Draw(random));
    std::ofstream out(dir_.path() / "collection.csv", std::ios::binary);
    out << "sample,population,locus,allele1,allele2\r\n";
    for (const auto& [locus, unused] : profiles.front()) {
      for (int i = 0; i < count; ++i) {
        const auto& alleles = profiles[i].at(locus);
        const std::string first = i == 2 && locus == profiles.front().begin()->first ? "x9" : alleles.first;
        out << "S-" << i + 1 << ",Caucasian," << locus << "," << first << "," << alleles.second << "\r\n";
      }
    }
    out << "S-5,Caucasian,D99S999,10,11\r\n";
    return (dir_.path() / "collection.csv").string();
  }

  testing::TempDir dir_;
  std::string store_;
  std::string key_;
};

TEST_F(DnaCollectionImportTest, EverySampleBecomesAPersonAndBadSamplesFailAlone) {
  const std::string collection = WriteCollection(12);
  CliRun imported = Run({"import", "batch", "--dna-collection", collection, "--category", "citizen", "--legal-basis",
                         "DNA Act", "--retention-until", "2090-01-01", "--id-prefix", "REF-", "--gallery", "references",
                         "--purpose", "deduplication", "--case", "DNA-1", "--json"},
                        key_);
  EXPECT_EQ(imported.exit_code, 1) << imported.err;  // two samples failed
  auto summary = nlohmann::json::parse(imported.LastLine(), nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << imported.out << imported.err;
  EXPECT_EQ(summary["persons"], 12);
  EXPECT_EQ(summary["enrolled"], 10);
  EXPECT_EQ(summary["failed"], 2);
  std::ifstream errors(collection + ".errors.csv");
  std::stringstream text;
  text << errors.rdbuf();
  EXPECT_NE(text.str().find("REF-S-3,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("x9"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("REF-S-5,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("D99S999"), std::string::npos) << text.str();
  CliRun shown = Run({"person", "show", "--id", "REF-S-1", "--json"}, key_);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(Run({"person", "show", "--id", "REF-S-3", "--json"}, key_).exit_code, 0);
}

TEST_F(DnaCollectionImportTest, AManifestRowChoosesItsSampleOfTheCollection) {
  WriteCollection(4);
  std::ofstream(dir_.path() / "manifest.csv")
      << "person,category,legal_basis,retention_until,modality,position,file,sample\n"
      << "M-1,citizen,DNA Act,2090-01-01,dna,,collection.csv,S-2\n"
      << "M-2,citizen,DNA Act,2090-01-01,dna,,collection.csv,S-9\n";  // no such sample
  CliRun imported = Run({"import", "batch", "--manifest", (dir_.path() / "manifest.csv").string(), "--gallery",
                         "references", "--purpose", "deduplication", "--case", "DNA-2", "--json"},
                        key_);
  auto summary = nlohmann::json::parse(imported.LastLine(), nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << imported.out << imported.err;
  EXPECT_EQ(summary["enrolled"], 1);
  EXPECT_EQ(summary["failed"], 1);
  std::ifstream errors(dir_.path() / "manifest.csv.errors.csv");
  std::stringstream text;
  text << errors.rdbuf();
  EXPECT_NE(text.str().find("holds no sample 'S-9'"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace abis
