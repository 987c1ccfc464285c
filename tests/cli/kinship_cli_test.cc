// `abis search-kinship` end to end: family references enrolled with their relationship as sample
// options, a remains profile searched against them and the family searched against the remains;
// the answer names the model, and a family reference without its relationship is refused; `abis dvi`
// assigns remains to families in one job.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "../support/cli_runner.h"
#include "../support/simulated_families.h"
#include "../support/test_engine.h"
#include "abis/dna/allele_frequencies.h"
#include "abis/dna/locus.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

using testing::Genotypes;

class KinshipCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = dna::AlleleFrequencyTable::LoadFile(dna::AlleleFrequencyTable::ShippedTablePath());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    auto founders = testing::FounderSampler::FromTable(*table, "Caucasian");
    ASSERT_TRUE(founders.ok()) << founders.status().ToString();
    founders_ = std::move(founders).value();
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_key_ = init.LastLine().substr(9);
    enroller_key_ = AddUser("eve", "enroller");
    investigator_key_ = AddUser("ian", "investigator");
    for (const char* kind : {"missing_person_reference", "unidentified_remains"}) {
      CliRun created = Run({"gallery", "create", "--name", kind, "--kind", kind}, admin_key_);
      ASSERT_EQ(created.exit_code, 0) << created.err;
    }
  }

  std::string AddUser(const std::string& name, const std::string& role) {
    CliRun added = Run({"user", "add", "--name", name, "--role", role}, admin_key_);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  Genotypes Founder() { return founders_.Draw(random_); }

  Genotypes Child(const Genotypes& mother, const Genotypes& father) { return testing::Child(mother, father, random_); }

  std::string WriteProfile(const std::string& name, const Genotypes& genotypes) {
    const auto path = dir_.path() / (name + ".csv");
    std::ofstream(path) << testing::ProfileCsv(genotypes);
    return path.string();
  }

  CliRun EnrolPerson(const std::string& id, const std::string& category, const std::string& file,
                     const std::vector<std::string>& sample_options) {
    CliRun added = Run({"person", "add", "--id", id, "--category", category, "--legal-basis", "Missing Persons Act",
                        "--retention-until", "2060-01-01"},
                       admin_key_);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    std::vector<std::string> args = {"enrol",  "--person", id,          "--modality", "dna",
                                     "--file", file,       "--gallery", category};
    for (const std::string& option : sample_options) args.insert(args.end(), {"--sample-option", option});
    return Run(args, enroller_key_);
  }

  testing::TempDir dir_;
  std::string store_, admin_key_, enroller_key_, investigator_key_;
  testing::FounderSampler founders_;
  std::mt19937 random_{77};
};

TEST_F(KinshipCliTest, RanksTheTrueFamilyInBothDirections) {
  std::vector<Genotypes> missing;
  for (int i = 0; i < 4; ++i) {
    const std::string mp = "MP-" + std::to_string(i);
    Genotypes mother = Founder(), father = Founder();
    missing.push_back(Child(mother, father));
    for (const auto& [role, genotypes] : {std::pair{"mother", mother}, std::pair{"father", father}}) {
      const std::string id = mp + "-" + role;
      CliRun enrolled = EnrolPerson(id, "missing_person_reference", WriteProfile(id, genotypes),
                                    {"missing_person=" + mp, std::string("relationship=") + role});
      ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    }
    const std::string remains = "UR-" + std::to_string(i);
    ASSERT_EQ(EnrolPerson(remains, "unidentified_remains", WriteProfile(remains, missing.back()), {}).exit_code, 0);
  }

  CliRun text = Run(
      {"search-kinship", "--gallery", "missing_person_reference", "--probe", "dna:" + WriteProfile("bone", missing[2]),
       "--direction", "remains-to-families", "--purpose", "unidentified_remains", "--case", "C-1", "--top", "3"},
      investigator_key_);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("stepwise mutation rate 0.002"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("MP-2-mother, MP-2-father"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("abis review search"), std::string::npos) << text.out;

  CliRun json = Run({"--json", "search-kinship", "--gallery", "unidentified_remains", "--probe-person", "MP-1-father",
                     "--direction", "family-to-remains", "--purpose", "missing_person", "--case", "C-1"},
                    investigator_key_);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json answer = nlohmann::json::parse(json.LastLine());
  EXPECT_EQ(answer["missing_person"], "MP-1");
  EXPECT_EQ(answer["candidates"][0]["external_id"], "UR-1");
  EXPECT_EQ(answer["candidates"][0]["pedigree"], "trio");
  EXPECT_GT(answer["candidates"][0]["log10_lr"].get<double>(), 4.0);
  EXPECT_GT(answer["candidates"][0]["candidate_id"].get<std::int64_t>(), 0);

  CliRun refused = Run({"search-kinship", "--gallery", "unidentified_remains", "--probe-person", "MP-1-father",
                        "--direction", "family-to-remains", "--purpose", "criminal_investigation", "--case", "C-1"},
                       investigator_key_);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("unidentified_remains or missing_person"), std::string::npos) << refused.err;
}

TEST_F(KinshipCliTest, AFamilyReferenceWithoutItsRelationshipIsRefused) {
  CliRun enrolled =
      EnrolPerson("REF-9", "missing_person_reference", WriteProfile("ref9", Founder()), {"missing_person=MP-9"});
  EXPECT_EQ(enrolled.exit_code, 2) << enrolled.err;
  EXPECT_NE(enrolled.err.find("without relationship"), std::string::npos) << enrolled.err;
}

TEST_F(KinshipCliTest, DviJobAssignsRemainsToFamiliesWithAReportAndProgress) {
  for (int i = 0; i < 3; ++i) {
    const std::string mp = "MP-" + std::to_string(i);
    Genotypes mother = Founder(), father = Founder();
    for (const auto& [role, genotypes] : {std::pair{"mother", mother}, std::pair{"father", father}}) {
      const std::string id = mp + "-" + role;
      CliRun enrolled = EnrolPerson(id, "missing_person_reference", WriteProfile(id, genotypes),
                                    {"missing_person=" + mp, std::string("relationship=") + role});
      ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    }
    if (i == 2) continue;  // MP-2 not found
    const std::string remains = "UR-" + std::to_string(i);
    ASSERT_EQ(EnrolPerson(remains, "unidentified_remains", WriteProfile(remains, Child(mother, father)), {}).exit_code,
              0);
  }
  ASSERT_EQ(EnrolPerson("UR-9", "unidentified_remains", WriteProfile("UR-9", Founder()), {}).exit_code, 0);

  const std::string report = (dir_.path() / "dvi.json").string();
  CliRun text =
      Run({"dvi", "--remains-gallery", "unidentified_remains", "--families-gallery", "missing_person_reference",
           "--purpose", "unidentified_remains", "--case", "C-1", "--report", report, "--progress"},
          investigator_key_);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("dvi: weighed 3/3 remains"), std::string::npos) << text.err;
  EXPECT_NE(text.out.find("assignment threshold log10 LR >= 4"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("unassigned remains UR-9"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("unassigned missing persons: MP-2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("abis review search"), std::string::npos) << text.out;
  std::ifstream file(report);
  const nlohmann::json written = nlohmann::json::parse(file);
  ASSERT_EQ(written["assignments"].size(), 2u) << written.dump();
  for (const nlohmann::json& assignment : written["assignments"]) {
    const std::string remains = assignment["remains"][0];
    EXPECT_EQ(assignment["missing_person"], "MP-" + remains.substr(3));
    EXPECT_GT(assignment["log10_lr"].get<double>(), 4.0);
    EXPECT_GT(assignment["candidate_id"].get<std::int64_t>(), 0);
  }
  EXPECT_EQ(written["matrix"]["rows"].size(), 3u);

  CliRun json =
      Run({"--json", "dvi", "--remains-gallery", "unidentified_remains", "--families-gallery",
           "missing_person_reference", "--purpose", "unidentified_remains", "--case", "C-1", "--threshold-log10", "2"},
          investigator_key_);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(json.err.empty()) << "no progress for a short job unless asked: " << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.LastLine())["assignment_log10_lr"], 2.0);

  CliRun refused = Run({"dvi", "--remains-gallery", "unidentified_remains", "--families-gallery",
                        "missing_person_reference", "--purpose", "missing_person", "--case", "C-1"},
                       investigator_key_);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("purpose unidentified_remains"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace abis
