// The `abis` command end to end: the contract other tools rely on, and one clear line on stderr
// with a non-zero exit (never a crash) for every kind of bad input.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <cmath>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    std::string last = init.LastLine();
    ASSERT_EQ(last.rfind("api_key: ", 0), 0u) << "init must end with the admin key line: " << init.out;
    admin_key_ = last.substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, key.empty() ? std::map<std::string, std::string>{}
                                    : std::map<std::string, std::string>{{"ABIS_API_KEY", key}});
  }

  // Expects a failure with the given exit code and exactly one "abis: error:" line.
  static void ExpectCleanFailure(const CliRun& run, int exit_code, const std::string& mention) {
    EXPECT_FALSE(run.crashed) << run.err;
    EXPECT_EQ(run.exit_code, exit_code) << run.err;
    EXPECT_EQ(run.ErrLines(), 1) << run.err;
    EXPECT_EQ(run.err.rfind("abis: error: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(mention), std::string::npos) << "expected '" << mention << "' in: " << run.err;
  }

  testing::TempDir dir_;
  std::string store_;
  std::string admin_key_;
};

TEST_F(CliTest, HelpListsTheBackboneCommands) {
  CliRun help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"init", "user", "person", "gallery", "enrol", "search", "verify", "audit", "retention",
                              "subject", "demo"}) {
    EXPECT_NE(help.out.find(std::string("  ") + command), std::string::npos) << command;
  }
}

TEST_F(CliTest, InitRefusesAnExistingStore) {
  ExpectCleanFailure(RunCli({"init", "--store", store_}), 4, "already exists");
}

// Issue 18, item 2: `gallery entries` lists a watchlist's entries, `gallery unwatch` ends one with
// a reason, and `gallery remove` on a watchlist is refused (it used to say "removed" and leave the
// entry alerting).
TEST_F(CliTest, WatchlistEntriesAreListedAndEndedFromTheCommandLine) {
  ASSERT_EQ(Run({"person", "add", "--id", "W-1", "--category", "citizen", "--legal-basis", "b", "--retention-until",
                 "2040-01-01"},
                admin_key_)
                .exit_code,
            0);
  ASSERT_EQ(Run({"gallery", "create", "--name", "wanted", "--kind", "watchlist"}, admin_key_).exit_code, 0);
  ExpectCleanFailure(Run({"gallery", "watch", "--name", "wanted", "--person", "W-1", "--authority", "A-1", "--reason",
                          "fraud", "--expires", "2001-01-01"},
                         admin_key_),
                     2, "not after today");
  CliRun watched = Run({"gallery", "watch", "--name", "wanted", "--person", "W-1", "--authority", "A-1", "--reason",
                        "fraud", "--expires", "2099-01-01", "--json"},
                       admin_key_);
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  const std::string entry = std::to_string(nlohmann::json::parse(watched.LastLine())["entry_id"].get<std::int64_t>());
  ExpectCleanFailure(Run({"gallery", "remove", "--name", "wanted", "--person", "W-1"}, admin_key_), 4,
                     "when their watchlist entries end");
  ExpectCleanFailure(Run({"gallery", "unwatch", "--name", "wanted", "--entry", entry}, admin_key_), 2, "--reason");
  CliRun ended = Run({"gallery", "unwatch", "--name", "wanted", "--entry", entry, "--reason", "withdrawn"}, admin_key_);
  ASSERT_EQ(ended.exit_code, 0) << ended.err;
  CliRun listed = Run({"gallery", "entries", "--name", "wanted", "--json"}, admin_key_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto entries = nlohmann::json::parse(listed.LastLine())["entries"];
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["status"], "ended");
  EXPECT_EQ(entries[0]["end_reason"], "withdrawn");
  CliRun text = Run({"gallery", "entries", "--name", "wanted"}, admin_key_);
  EXPECT_NE(text.out.find("ended"), std::string::npos) << text.out;
}

// Issue 18, item 11: key rotation, re-enabling a user, gallery members, alert listing and audit
// export filters from the command line.
TEST_F(CliTest, OperatorKeysRotateAndListingsExistForMembersAlertsAndTheAudit) {
  CliRun added = Run({"user", "add", "--name", "ian", "--role", "investigator"}, admin_key_);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string first_key = added.LastLine().substr(9);
  CliRun rotated = Run({"user", "key", "--name", "ian", "--revoke-others"}, admin_key_);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const std::string second_key = rotated.LastLine().substr(9);
  ExpectCleanFailure(Run({"alerts", "list"}, first_key), 3, "API key refused");
  CliRun alerts = Run({"alerts", "list", "--json"}, second_key);
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  EXPECT_TRUE(nlohmann::json::parse(alerts.LastLine())["alerts"].empty());
  ASSERT_EQ(Run({"user", "disable", "--name", "ian"}, admin_key_).exit_code, 0);
  ExpectCleanFailure(Run({"user", "key", "--name", "ian"}, admin_key_), 4, "enable them first");
  ASSERT_EQ(Run({"user", "enable", "--name", "ian"}, admin_key_).exit_code, 0);
  ExpectCleanFailure(Run({"alerts", "list"}, second_key), 3, "API key refused");  // disabling revoked it
  CliRun third = Run({"user", "key", "--name", "ian"}, admin_key_);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(Run({"alerts", "list"}, third.LastLine().substr(9)).exit_code, 0);

  ASSERT_EQ(Run({"person", "add", "--id", "M-1", "--category", "citizen", "--legal-basis", "b", "--retention-until",
                 "2040-01-01"},
                admin_key_)
                .exit_code,
            0);
  ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_key_).exit_code, 0);
  ASSERT_EQ(Run({"gallery", "add", "--name", "register", "--person", "M-1"}, admin_key_).exit_code, 0);
  CliRun members = Run({"gallery", "members", "--name", "register", "--json"}, admin_key_);
  ASSERT_EQ(members.exit_code, 0) << members.err;
  auto listed = nlohmann::json::parse(members.LastLine())["members"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["external_id"], "M-1");

  CliRun auditor = Run({"user", "add", "--name", "ada", "--role", "auditor"}, admin_key_);
  const std::string auditor_key = auditor.LastLine().substr(9);
  CliRun keys = Run({"audit", "export", "--action", "user.key"}, auditor_key);
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  EXPECT_EQ(std::count(keys.out.begin(), keys.out.end(), '\n'), 2) << keys.out;
  EXPECT_EQ(keys.out.find(second_key.substr(22)), std::string::npos) << "no secret in the audit";
  ExpectCleanFailure(Run({"audit", "export", "--until", "soon"}, auditor_key), 2, "until");
}

TEST_F(CliTest, ReviewCommandsTakeTheirIdsAsOptionsLikeEveryOtherCommand) {
  CliRun examiner = Run({"user", "add", "--name", "eve", "--role", "examiner"}, admin_key_);
  ASSERT_EQ(examiner.exit_code, 0) << examiner.err;
  const std::string key = examiner.LastLine().substr(9);
  ExpectCleanFailure(Run({"review", "show", "--candidate", "77"}, key), 4, "no search candidate with id 77");
  ExpectCleanFailure(Run({"review", "decide", "--candidate", "77", "--decision", "confirm"}, key), 4,
                     "no search candidate with id 77");
  CliRun none = Run({"review", "search", "--search", "5", "--json"}, key);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_TRUE(nlohmann::json::parse(none.LastLine())["candidates"].empty());
  ExpectCleanFailure(Run({"review", "show", "77"}, key), 4, "no search candidate with id 77");  // as before
}

TEST_F(CliTest, DnaProfileTakesOneSampleOutOfACollectionFile) {
  const auto collection = dir_.path() / "genotypes.csv";
  {
    std::ofstream out(collection);
    out << "sample,population,locus,allele1,allele2\nS1,Caucasian,TH01,6,9.3\nS2,Caucasian,TH01,7,8\n"
           "S2,Caucasian,FGA,21,22\nS1,Caucasian,FGA,20,24\n";
  }
  const auto profile = dir_.path() / "s2.csv";
  CliRun taken = RunCli({"dna", "profile", "--collection", collection.string(), "--sample", "S2", "--out",
                         profile.string(), "--json"});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  EXPECT_EQ(nlohmann::json::parse(taken.LastLine())["loci_typed"], 2);
  std::ifstream in(profile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("FGA,21,22"), std::string::npos) << text;
  EXPECT_EQ(text.find("20"), std::string::npos) << "S1's alleles stay out: " << text;
  ExpectCleanFailure(RunCli({"dna", "profile", "--collection", collection.string(), "--sample", "S9"}), 4,
                     "no sample 'S9' (2 samples, e.g. S1, S2)");
}

TEST_F(CliTest, PersonLifecycleWithJsonOutput) {
  CliRun add = Run({"person", "add", "--id", "P-1", "--category", "stateless", "--legal-basis", "Asylum Act s.9",
                    "--retention-until", "2040-01-01", "--json"},
                   admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  auto added = nlohmann::json::parse(add.LastLine());
  EXPECT_EQ(added["external_id"], "P-1");
  EXPECT_EQ(added["category"], "stateless");
  CliRun show = Run({"person", "show", "--id", "P-1", "--json"}, admin_key_);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(nlohmann::json::parse(show.LastLine())["legal_basis"], "Asylum Act s.9");
  CliRun removed = Run({"person", "delete", "--id", "P-1", "--reason", "test", "--json"}, admin_key_);
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  ExpectCleanFailure(Run({"person", "show", "--id", "P-1"}, admin_key_), 4, "no person 'P-1'");
}

TEST_F(CliTest, FingerExtractResamplesAnImageOfAGivenScanResolution) {
  const std::string images = (dir_.path() / "fingers").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "1", "--json"});
  if (synth.exit_code != 0 && synth.err.find("synth") != std::string::npos && synth.err.find("fingers") != std::string::npos &&
      synth.err.find("usage") != std::string::npos) {
    GTEST_SKIP() << "built without the fingerprint modules: " << synth.err;
  }
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  const std::string image = images + "/1_1.png";  // our PNGs declare no resolution
  CliRun native = RunCli({"finger", "extract", "--image", image, "--json"});
  ASSERT_EQ(native.exit_code, 0) << native.err;
  // Declared 600 ppi: shrunk by 5/6, ridges then 7.5 px apart (1000 ppi would halve them to 4.5 px,
  // finer than any finger's at 500 ppi, and the print-quality gate refuses that as no print).
  CliRun scanned = RunCli({"finger", "extract", "--image", image, "--ppi", "600", "--json"});
  ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
  const auto at_500 = nlohmann::json::parse(native.LastLine()), from_600 = nlohmann::json::parse(scanned.LastLine());
  EXPECT_EQ(from_600["width"].get<int>(), std::lround(at_500["width"].get<int>() * 5.0 / 6.0));
  EXPECT_EQ(from_600["height"].get<int>(), std::lround(at_500["height"].get<int>() * 5.0 / 6.0));
  EXPECT_EQ(from_600["resolution_ppi"], 500);
  ExpectCleanFailure(RunCli({"finger", "extract", "--image", image, "--ppi", "72"}), 2, "--ppi");
  ExpectCleanFailure(RunCli({"finger", "render", "--image", image, "--out", images + "/x.svg", "--ppi", "5000"}), 2,
                     "--ppi");
}

TEST_F(CliTest, BadInputGetsOneClearLine) {
  ExpectCleanFailure(Run({"person", "add", "--id", "X", "--category", "martian", "--legal-basis", "b",
                          "--retention-until", "2040-01-01"},
                         admin_key_),
                     2, "unknown person category 'martian'");
  ExpectCleanFailure(Run({"person", "add", "--id", "X", "--category", "citizen", "--legal-basis", "b",
                          "--retention-until", "2040-02-31x"},
                         admin_key_),
                     2, "retention date");
  ExpectCleanFailure(Run({"person", "add", "--id", "X", "--category", "citizen"}, admin_key_), 2, "usage");
  ExpectCleanFailure(Run({"person", "frobnicate"}, admin_key_), 2, "usage");
  ExpectCleanFailure(Run({"user", "add", "--name", "u", "--role", "root"}, admin_key_), 2, "unknown role 'root'");
  ExpectCleanFailure(Run({"enrol", "--person", "X", "--modality", "iris", "--file", "/dev/null"}, admin_key_), 2,
                     "unknown modality 'iris'");
  ExpectCleanFailure(Run({"enrol", "--person", "X", "--modality", "face", "--file", "/no/such.jpg"}, admin_key_), 4,
                     "/no/such.jpg");
  ExpectCleanFailure(Run({"enrol", "--person", "X", "--modality", "finger", "--finger", "12", "--file", "/dev/null"},
                         admin_key_),
                     2, "finger position 12 out of range 0-10");
  ExpectCleanFailure(Run({"search", "--gallery", "g", "--modality", "face", "--file", "/etc/hostname", "--purpose",
                          "curiosity", "--case", "C"},
                         admin_key_),
                     2, "unknown purpose 'curiosity'");
  ExpectCleanFailure(RunCli({"person", "list", "--store", (dir_.path() / "absent").string()},
                            {{"ABIS_API_KEY", admin_key_}}),
                     4, "no store at");
}

TEST_F(CliTest, KeysAndRolesAreEnforced) {
  ExpectCleanFailure(Run({"person", "list"}, ""), 3, "no API key");
  ExpectCleanFailure(Run({"person", "list"}, "abis_0000000000000000_" + std::string(64, '0')), 3, "API key refused");
  CliRun add = Run({"user", "add", "--name", "ada", "--role", "auditor"}, admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  std::string auditor_key = add.LastLine().substr(9);
  ExpectCleanFailure(Run({"person", "add", "--id", "Y", "--category", "citizen", "--legal-basis", "b",
                          "--retention-until", "2040-01-01"},
                         auditor_key),
                     3, "role auditor may not add persons");
  ExpectCleanFailure(Run({"search", "--gallery", "g", "--modality", "face", "--file", "/etc/hostname", "--purpose",
                          "criminal_investigation", "--case", "C"},
                         auditor_key),
                     3, "may not");
  // Both refusals are in the audit log, which the auditor may export.
  CliRun exported = Run({"audit", "export"}, auditor_key);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("add_person.refused"), std::string::npos);
  EXPECT_NE(exported.out.find("search.refused"), std::string::npos);
  EXPECT_NE(exported.out.find("auth.refused"), std::string::npos);
}

TEST_F(CliTest, TemplatesReextractReplacesAFingerTemplateAndIsAdminOnly) {
  const std::string images = (dir_.path() / "fingers").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "1", "--json"});
  if (synth.exit_code != 0 && synth.err.find("usage") != std::string::npos) {
    GTEST_SKIP() << "built without the fingerprint modules: " << synth.err;
  }
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  CliRun add = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  const std::string enroller_key = add.LastLine().substr(9);
  ASSERT_EQ(Run({"person", "add", "--id", "P-1", "--category", "citizen", "--legal-basis", "b", "--retention-until",
                 "2040-01-01"},
                admin_key_)
                .exit_code,
            0);
  CliRun enrolled = Run({"enrol", "--person", "P-1", "--modality", "finger", "--finger", "right_index", "--file",
                         images + "/1_1.png", "--sample-option", "resolution_ppi=600", "--json"},
                        enroller_key);
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  const auto at_enrolment = nlohmann::json::parse(enrolled.LastLine());

  ExpectCleanFailure(Run({"templates", "reextract", "--modality", "finger"}, enroller_key), 3, "may not");
  ExpectCleanFailure(Run({"templates", "reextract", "--modality", "iris"}, admin_key_), 2, "unknown modality");
  CliRun reextracted = Run({"templates", "reextract", "--modality", "finger", "--json"}, admin_key_);
  ASSERT_EQ(reextracted.exit_code, 0) << reextracted.err;
  const auto report = nlohmann::json::parse(reextracted.LastLine());
  EXPECT_EQ(report["samples"], 1);
  EXPECT_EQ(report["reextracted"], 1);
  EXPECT_EQ(report["failed"].size(), 0u);
  EXPECT_EQ(report["last_sample_id"], at_enrolment["sample_id"]);
  // The new template was extracted with the enrolment's scan resolution: the same minutiae count.
  CliRun shown = Run({"person", "show", "--id", "P-1", "--json"}, admin_key_);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto person = nlohmann::json::parse(shown.LastLine());
  ASSERT_EQ(person["templates"].size(), 1u);
  EXPECT_NE(person["templates"][0]["id"], at_enrolment["template_id"]);
  EXPECT_EQ(person["templates"][0]["quality"]["minutiae"], at_enrolment["quality"]["minutiae"]);
  EXPECT_EQ(Run({"audit", "verify"}, "").exit_code, 0);
}

TEST_F(CliTest, AuditVerifyExitsZeroWhenIntactAndOneNamingTheBrokenEntry) {
  ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_key_).exit_code, 0);
  CliRun intact = Run({"audit", "verify"}, "");
  EXPECT_EQ(intact.exit_code, 0) << intact.err;
  EXPECT_NE(intact.out.find("intact"), std::string::npos);
  std::string sql = "UPDATE audit_log SET operator = 'mallory' WHERE seq = 2;";
  ASSERT_EQ(std::system(("sqlite3 " + testing::ShellQuote(store_ + "/abis.db") + " " + testing::ShellQuote(sql)).c_str()), 0);
  CliRun broken = Run({"audit", "verify", "--json"}, "");
  EXPECT_EQ(broken.exit_code, 1);
  auto report = nlohmann::json::parse(broken.LastLine());
  EXPECT_EQ(report["intact"], false);
  EXPECT_EQ(report["first_bad_entry"], 2);
}

TEST_F(CliTest, RetentionApplyDeletesExpiredRecords) {
  for (const auto& [id, date] : std::vector<std::pair<std::string, std::string>>{{"old", "2001-01-01"}, {"new", "2099-01-01"}}) {
    // Added in 2000, when neither date had passed (a past retention date is refused at adding).
    ASSERT_EQ(RunCli({"--store", store_, "person", "add", "--id", id, "--category", "citizen", "--legal-basis", "b",
                      "--retention-until", date},
                     {{"ABIS_API_KEY", admin_key_}, {"ABIS_FAKE_NOW", "2000-01-01T00:00:00.000Z"}})
                  .exit_code,
              0);
  }
  // Issue 18, item 3: a dry run lists who would go and deletes nothing; moving the reference
  // date needs a reason.
  CliRun dry = Run({"retention", "apply", "--dry-run", "--json"}, admin_key_);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto would = nlohmann::json::parse(dry.LastLine());
  ASSERT_EQ(would["would_delete"].size(), 1u);
  EXPECT_EQ(would["would_delete"][0]["external_id"], "old");
  ExpectCleanFailure(Run({"retention", "apply", "--today", "2100-01-01"}, admin_key_), 2, "reason");
  CliRun later = Run({"retention", "apply", "--dry-run", "--today", "2100-01-01", "--reason", "planning"}, admin_key_);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_NE(later.out.find("2 person(s) would be deleted"), std::string::npos) << later.out;

  CliRun apply = Run({"retention", "apply", "--json"}, admin_key_);
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  auto report = nlohmann::json::parse(apply.LastLine());
  EXPECT_EQ(report["deleted"], 1);
  EXPECT_EQ(report["persons"][0], "old");
}

TEST_F(CliTest, SubjectReportNeedsAnAuditorOrAdmin) {
  ASSERT_EQ(Run({"person", "add", "--id", "S", "--category", "citizen", "--legal-basis", "b", "--retention-until",
                 "2099-01-01"},
                admin_key_)
                .exit_code,
            0);
  CliRun report = Run({"subject", "report", "S", "--json"}, admin_key_);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto json = nlohmann::json::parse(report.LastLine());
  EXPECT_EQ(json["person"]["external_id"], "S");
  EXPECT_EQ(json["history"][0]["action"], "person.add");
}

TEST_F(CliTest, AuditCheckpointAnchorsTheHeadAndVerifyWithTheAnchorCatchesATailCut) {
  const std::string signing_key = (dir_.path() / "auditor.key").string();
  const std::string anchor = (dir_.path() / "anchor.json").string();
  ExpectCleanFailure(Run({"audit", "checkpoint", "--signing-key", signing_key}, admin_key_), 4,
                     "abis audit keygen --out");
  CliRun keygen = RunCli({"audit", "keygen", "--out", signing_key});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
  ASSERT_TRUE(std::filesystem::exists(signing_key + ".pub"));
  CliRun add = Run({"user", "add", "--name", "ada", "--role", "auditor"}, admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  const std::string auditor_key = add.LastLine().substr(9);
  add = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  const std::string enroller_key = add.LastLine().substr(9);
  ExpectCleanFailure(Run({"audit", "checkpoint", "--signing-key", signing_key}, enroller_key), 3, "may not");

  CliRun checkpoint = Run({"audit", "checkpoint", "--signing-key", signing_key, "--out", anchor, "--json"}, auditor_key);
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  const auto anchored = nlohmann::json::parse(checkpoint.LastLine());
  const std::int64_t anchored_seq = anchored["seq"].get<std::int64_t>();
  ASSERT_GE(anchored_seq, 4);
  CliRun holds = Run({"audit", "verify", "--anchor", anchor, "--public-key", signing_key + ".pub"}, "");
  EXPECT_EQ(holds.exit_code, 0) << holds.err;
  EXPECT_NE(holds.out.find("holds anchored entry " + std::to_string(anchored_seq)), std::string::npos) << holds.out;

  // Cut the tail and rewrite the head row to match: the chain alone cannot see it.
  std::string sql = "DELETE FROM audit_log WHERE seq > 2; UPDATE audit_head SET entry_count = 2, last_hash = "
                    "(SELECT entry_hash FROM audit_log WHERE seq = 2) WHERE id = 1;";
  ASSERT_EQ(std::system(("sqlite3 " + testing::ShellQuote(store_ + "/abis.db") + " " + testing::ShellQuote(sql)).c_str()), 0);
  EXPECT_EQ(Run({"audit", "verify"}, "").exit_code, 0);
  CliRun cut = Run({"audit", "verify", "--anchor", anchor, "--public-key", signing_key + ".pub", "--json"}, "");
  EXPECT_EQ(cut.exit_code, 1) << cut.err;
  EXPECT_NE(cut.err.find("log cut below the anchor"), std::string::npos) << cut.err;
  EXPECT_EQ(nlohmann::json::parse(cut.LastLine())["first_bad_entry"], 3);
}

TEST_F(CliTest, InitWithAPassphraseFileWrapsTheMasterKeyAndAnExposedKeyFileIsRefused) {
  const std::string wrapped_store = (dir_.path() / "wrapped").string();
  const std::string passphrase = (dir_.path() / "passphrase").string();
  {
    std::ofstream(passphrase) << "a passphrase the operators keep\n";
  }
  std::filesystem::permissions(passphrase, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  const std::map<std::string, std::string> with_passphrase = {{"ABIS_KEY_PASSPHRASE_FILE", passphrase}};
  CliRun init = RunCli({"init", "--store", wrapped_store}, with_passphrase);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string key = init.LastLine().substr(9);
  std::ifstream key_file(wrapped_store + "/master.key");
  std::string header;
  std::getline(key_file, header);
  EXPECT_EQ(header, "abis-master-key-v2");
  auto env = with_passphrase;
  env["ABIS_API_KEY"] = key;
  EXPECT_EQ(RunCli({"--store", wrapped_store, "person", "list"}, env).exit_code, 0);
  ExpectCleanFailure(RunCli({"--store", wrapped_store, "person", "list"}, {{"ABIS_API_KEY", key}}), 4,
                     "ABIS_KEY_PASSPHRASE_FILE");

  std::filesystem::permissions(store_ + "/master.key", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  ExpectCleanFailure(Run({"person", "list"}, admin_key_), 4, "chmod 600");
}

// `make demo` is one of the README's two commands: the whole demonstration must run.
TEST_F(CliTest, DemoRunsEndToEndAndLeavesAnIntactAuditChain) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the demo runs the release build's pipeline end to end; too slow under the sanitizers";
#endif
  const std::string demo = (dir_.path() / "demo-store").string();
  CliRun run = RunCli({"demo", "--dir", demo, "--subjects", "5", "--json"});
  ASSERT_FALSE(run.crashed) << run.err;
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = nlohmann::json::parse(run.LastLine(), nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.out;
  EXPECT_EQ(report["retention_deleted"], 1) << run.LastLine();
  CliRun verify = RunCli({"audit", "verify", "--store", demo, "--json"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // Issue 18, item 11: the operators' keys are kept, so the demo store can be explored.
  CliRun explore = RunCli({"--store", demo, "--key-file", demo + "/keys/examiner-a.key", "alerts", "list", "--json"});
  ASSERT_EQ(explore.exit_code, 0) << explore.err;
  EXPECT_FALSE(nlohmann::json::parse(explore.LastLine())["alerts"].empty()) << "the demo raised a watchlist alert";
}

}  // namespace
TEST_F(CliTest, StoreRotateKeyRewrapsEveryDataKeyAndTheRecordsStillOpen) {
  const std::string images = (dir_.path() / "fingers").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "1", "--json"});
  if (synth.exit_code != 0 && synth.err.find("usage") != std::string::npos) {
    GTEST_SKIP() << "built without the fingerprint modules: " << synth.err;
  }
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  CliRun add = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin_key_);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  const std::string enroller_key = add.LastLine().substr(9);
  ASSERT_EQ(Run({"person", "add", "--id", "P-1", "--category", "citizen", "--legal-basis", "b", "--retention-until",
                 "2040-01-01"},
                admin_key_)
                .exit_code,
            0);
  ASSERT_EQ(Run({"enrol", "--person", "P-1", "--modality", "finger", "--finger", "right_index", "--file",
                 images + "/1_1.png"},
                enroller_key)
                .exit_code,
            0);
  const std::filesystem::path key_file = std::filesystem::path(store_) / "master.key";
  std::ifstream before_in(key_file);
  const std::string before((std::istreambuf_iterator<char>(before_in)), std::istreambuf_iterator<char>());

  ExpectCleanFailure(Run({"store", "rotate-key"}, enroller_key), 3, "may not");
  CliRun rotated = Run({"store", "rotate-key", "--json"}, admin_key_);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto report = nlohmann::json::parse(rotated.LastLine());
  EXPECT_EQ(report["samples"], 1);
  EXPECT_EQ(report["templates"], 1);
  EXPECT_GT(report["audit_seq"].get<std::int64_t>(), 0);
  std::ifstream after_in(key_file);
  const std::string after((std::istreambuf_iterator<char>(after_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(after, before);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(store_) / "master.key.new"));
  // Re-extraction decrypts the sample: it opens under the new key.
  CliRun reextracted = Run({"templates", "reextract", "--modality", "finger", "--json"}, admin_key_);
  ASSERT_EQ(reextracted.exit_code, 0) << reextracted.err;
  EXPECT_EQ(nlohmann::json::parse(reextracted.LastLine())["reextracted"], 1);
  CliRun verified = Run({"audit", "verify", "--json"}, "");
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  CliRun exported = Run({"audit", "export"}, admin_key_);
  EXPECT_NE(exported.out.find("store.rotate_key"), std::string::npos);
}

}  // namespace abis
