// `abis encounter` and `abis person merge` end to end, on fingers enrolled from ANSI INCITS 378
// records of synthetic minutiae (written by the finger module): list, deactivate (no longer
// found by a search), activate, move between persons, merge, delete; roles are enforced.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class EncounterCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_key_ = init.LastLine().substr(9);
    ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_key_).exit_code, 0);
    for (const char* role : {"enroller", "examiner"}) {
      CliRun user = Run({"user", "add", "--name", role, "--role", role}, admin_key_);
      ASSERT_EQ(user.exit_code, 0) << user.err;
      keys_[role] = user.LastLine().substr(9);
    }
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  std::string Record(std::uint32_t seed) {
    auto bytes = finger::WriteMinutiaeRecord(
        finger::SingleViewRecord(finger::SyntheticFinger(seed), finger::MinutiaeRecordFormat::kAnsi378_2004));
    EXPECT_TRUE(bytes.ok());
    std::string path = (dir_.path() / ("f" + std::to_string(seed) + ".ansi")).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()),
                                                static_cast<std::streamsize>(bytes->size()));
    return path;
  }

  void AddPersonWithFinger(const std::string& id, std::uint32_t seed, const std::string& retention = "2099-01-01") {
    ASSERT_EQ(Run({"person", "add", "--id", id, "--category", "citizen", "--legal-basis", "Register Act",
                   "--retention-until", retention},
                  admin_key_)
                  .exit_code,
              0);
    CliRun enrol = Run({"enrol", "--person", id, "--modality", "finger", "--finger", "2", "--file", Record(seed),
                        "--gallery", "register", "--json"},
                       keys_["enroller"]);
    ASSERT_EQ(enrol.exit_code, 0) << enrol.out << enrol.err;
  }

  // The external id of the top hit of a search with finger `seed`, or "" when there is none.
  std::string TopHit(std::uint32_t seed) {
    CliRun search = Run({"search", "--gallery", "register", "--modality", "finger", "--finger", "2", "--file", Record(seed),
                         "--purpose", "deduplication", "--case", "C-1", "--json"},
                        keys_["enroller"]);
    EXPECT_EQ(search.exit_code, 0) << search.err;
    auto found = nlohmann::json::parse(search.LastLine(), nullptr, false);
    if (found.is_discarded() || found["candidates"].empty() || !found["candidates"][0]["hit"].get<bool>()) return "";
    return found["candidates"][0]["external_id"];
  }

  std::vector<std::string> EncounterIds(const std::string& person) {
    CliRun list = Run({"encounter", "list", "--person", person, "--json"}, keys_["enroller"]);
    EXPECT_EQ(list.exit_code, 0) << list.err;
    std::vector<std::string> ids;
    auto json = nlohmann::json::parse(list.LastLine(), nullptr, false);
    if (json.is_discarded()) return ids;
    for (const auto& encounter : json["encounters"]) ids.push_back(encounter["encounter_id"]);
    return ids;
  }

  testing::TempDir dir_;
  std::string store_;
  std::string admin_key_;
  std::map<std::string, std::string> keys_;
};

TEST_F(EncounterCommandsTest, DeactivatedEncounterIsNotFoundUntilActivatedAgain) {
  AddPersonWithFinger("P-1", 11);
  EXPECT_EQ(TopHit(11), "P-1");
  std::vector<std::string> ids = EncounterIds("P-1");
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_EQ(Run({"encounter", "deactivate", "--person", "P-1", "--encounter", ids[0]}, keys_["enroller"]).exit_code, 0);
  EXPECT_EQ(TopHit(11), "");
  ASSERT_EQ(Run({"encounter", "activate", "--person", "P-1", "--encounter", ids[0]}, keys_["enroller"]).exit_code, 0);
  EXPECT_EQ(TopHit(11), "P-1");
}

// Issue 18, item 4: --sample-option and --ppi apply to --probe samples as to --file (a probe at
// a declared resolution scored as if the option were absent).
TEST_F(EncounterCommandsTest, SampleOptionsApplyToProbeSamples) {
  const std::string images = (dir_.path() / "images").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "2"});
  if (synth.exit_code != 0) GTEST_SKIP() << "this build has no fingerprint image support: " << synth.err;
  ASSERT_EQ(Run({"person", "add", "--id", "P-1", "--category", "citizen", "--legal-basis", "Register Act",
                 "--retention-until", "2099-01-01"},
                admin_key_)
                .exit_code,
            0);
  CliRun enrol = Run({"enrol", "--person", "P-1", "--modality", "finger", "--finger", "2", "--file", images + "/1_1.png",
                      "--gallery", "register"},
                     keys_["enroller"]);
  ASSERT_EQ(enrol.exit_code, 0) << enrol.err;
  auto score = [&](std::vector<std::string> probe) {
    std::vector<std::string> args = {"search", "--gallery", "register", "--purpose", "deduplication", "--case", "C-4",
                                     "--json"};
    args.insert(args.end(), probe.begin(), probe.end());
    CliRun search = Run(args, keys_["enroller"]);
    EXPECT_EQ(search.exit_code, 0) << search.err;
    auto found = nlohmann::json::parse(search.LastLine(), nullptr, false);
    if (found.is_discarded() || found["candidates"].empty()) return 0.0;
    return found["candidates"][0]["per_probe"][0]["score"].get<double>();
  };
  const std::string probe = images + "/1_2.png";
  // 600 ppi, not 1000: halved, the synthetic ridges (9 px apart) would be finer than a finger's and
  // refused by the print-quality gate.
  double as_file = score({"--modality", "finger", "--finger", "2", "--file", probe, "--ppi", "600"});
  double as_probe = score({"--probe", "finger:2:" + probe, "--ppi", "600"});
  double as_probe_option = score({"--probe", "finger:2:" + probe, "--sample-option", "resolution_ppi=600"});
  double at_default = score({"--probe", "finger:2:" + probe});
  EXPECT_DOUBLE_EQ(as_probe, as_file);
  EXPECT_DOUBLE_EQ(as_probe_option, as_file);
  EXPECT_NE(at_default, as_file) << "the resolution must change what is extracted";
}

// Issue 18, item 11: `finger extract --iso` writes an ISO/IEC 19794-2 record (it was listed but
// refused as unimplemented), and that record enrols as a finger sample.
TEST_F(EncounterCommandsTest, FingerExtractWritesAnIsoRecordThatEnrols) {
  const std::string images = (dir_.path() / "images").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "1"});
  if (synth.exit_code != 0) GTEST_SKIP() << "this build has no fingerprint image support: " << synth.err;
  const std::string record = (dir_.path() / "print.iso").string();
  CliRun extract = RunCli({"finger", "extract", "--image", images + "/1_1.png", "--iso", record});
  ASSERT_EQ(extract.exit_code, 0) << extract.err;
  ASSERT_EQ(Run({"person", "add", "--id", "P-9", "--category", "citizen", "--legal-basis", "Register Act",
                 "--retention-until", "2099-01-01"},
                admin_key_)
                .exit_code,
            0);
  CliRun enrol = Run({"enrol", "--person", "P-9", "--modality", "finger", "--finger", "2", "--file", record, "--json"},
                     keys_["enroller"]);
  ASSERT_EQ(enrol.exit_code, 0) << enrol.err;
  EXPECT_EQ(nlohmann::json::parse(enrol.LastLine())["algorithm"], "finger-mcc/1");
}

// Issue 18, item 9: verify names both of its numbers: the raw score against its threshold, and
// the natural-log LR that searches print.
TEST_F(EncounterCommandsTest, VerifyPrintsTheScoreAndTheNaturalLogLr) {
  AddPersonWithFinger("P-1", 41);
  CliRun verify = Run({"verify", "--person", "P-1", "--modality", "finger", "--finger", "2", "--file", Record(41),
                       "--purpose", "identity_verification", "--case", "V-9"},
                      keys_["enroller"]);
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("vs threshold"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("log-LR (ln) +"), std::string::npos) << verify.out;
}

// Issue 18, item 11: the text listing names what each encounter captured.
TEST_F(EncounterCommandsTest, TheListingNamesEachTemplatesModalityAndFinger) {
  AddPersonWithFinger("P-1", 31);
  CliRun list = Run({"encounter", "list", "--person", "P-1"}, keys_["enroller"]);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("1 template(s): finger right_index"), std::string::npos) << list.out;
}

TEST_F(EncounterCommandsTest, MoveAndMergeCarryTheFingersAndNeedAnExaminer) {
  AddPersonWithFinger("P-1", 21);
  AddPersonWithFinger("P-2", 22);
  AddPersonWithFinger("P-3", 23, "2035-01-01");
  std::vector<std::string> ids = EncounterIds("P-2");
  ASSERT_EQ(ids.size(), 1u);
  CliRun refused = Run({"encounter", "move", "--person", "P-2", "--encounter", ids[0], "--to", "P-1"}, keys_["enroller"]);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  ASSERT_EQ(Run({"encounter", "move", "--person", "P-2", "--encounter", ids[0], "--to", "P-1"}, keys_["examiner"]).exit_code,
            0);
  EXPECT_EQ(TopHit(22), "P-1");
  EXPECT_TRUE(EncounterIds("P-2").empty());

  CliRun merged = Run({"person", "merge", "--source", "P-3", "--into", "P-1", "--json"}, keys_["examiner"]);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(TopHit(23), "P-1");
  EXPECT_EQ(EncounterIds("P-1").size(), 3u);
  CliRun show = Run({"person", "show", "--id", "P-1", "--json"}, admin_key_);
  EXPECT_EQ(nlohmann::json::parse(show.LastLine())["retention_until"], "2035-01-01");
  EXPECT_EQ(Run({"person", "show", "--id", "P-3"}, admin_key_).exit_code, 4);
}

TEST_F(EncounterCommandsTest, DeletingAnEncounterNeedsTheAdminAndErasesIt) {
  AddPersonWithFinger("P-1", 31);
  std::vector<std::string> ids = EncounterIds("P-1");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(Run({"encounter", "delete", "--person", "P-1", "--encounter", ids[0], "--reason", "x"}, keys_["enroller"]).exit_code,
            3);
  CliRun removed = Run({"encounter", "delete", "--person", "P-1", "--encounter", ids[0], "--reason", "wrong person"}, admin_key_);
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(EncounterIds("P-1").empty());
  EXPECT_EQ(TopHit(31), "");
  CliRun missing = Run({"encounter", "delete", "--person", "P-1", "--encounter", ids[0], "--reason", "again"}, admin_key_);
  EXPECT_EQ(missing.exit_code, 4) << missing.err;
}

}  // namespace
}  // namespace abis
