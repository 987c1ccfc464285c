// `abis import batch --nist-folder DIR`: every ANSI/NIST-ITL transaction of a folder becomes a
// person, enrolled with what `abis import nist` enrols from it (one code path: the slap fingers
// too); a file that does not read fails itself only, with the reason in the error file; files of
// other kinds are ignored; a rerun resumes; transactions naming the same person are never merged.
// Transactions are generated here (synthetic prints, composed slaps); the shared 4-4-2 samples are
// used when present.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/core/paths.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_composer.h"
#include "abis/finger_extract/synth.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

std::vector<std::uint8_t> Png(const finger::GrayImage& image) {
  auto bytes = finger::EncodePng(image);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::vector<std::uint8_t>{};
}

// A transaction with rolled prints of `fingers` synthetic fingers (impression 2, positions 2, 3,
// ...) of subject `seed` and, with `slap`, a right four-finger slap of the same fingers
// (impression 1).
std::vector<std::uint8_t> Transaction(const std::string& control_number, std::uint32_t seed, int fingers, bool slap) {
  interop::NistEnrolmentBundle bundle;
  bundle.transaction_control_number = control_number;
  std::vector<finger::GrayImage> slap_prints;
  for (int i = 0; i < fingers; ++i) {
    finger::SyntheticFinger synthetic = finger::GenerateSyntheticFinger(seed, i, 2);
    slap_prints.push_back(synthetic.impressions[0].image);
    interop::NistFingerImage rolled;
    rolled.position = static_cast<FingerPosition>(2 + i);
    rolled.compression = "PNG";
    rolled.pixels_per_mm = 500 / 25.4;
    rolled.impression_type = 1;
    rolled.bytes = Png(synthetic.impressions[1].image);
    bundle.fingers.push_back(rolled);
  }
  if (slap) {
    finger::SlapComposition composition;
    composition.seed = 5;
    auto composed = finger::ComposeSlap(slap_prints, composition);
    EXPECT_TRUE(composed.ok()) << composed.status().ToString();
    interop::NistSlapImage image;
    image.slap_position = 13;
    image.compression = "PNG";
    image.pixels_per_mm = 500 / 25.4;
    image.bytes = Png(composed->image);
    bundle.slaps.push_back(image);
  }
  interop::NistTransactionOptions options;
  options.timestamp_utc = "20261207120000";
  auto transaction = interop::BuildTransactionFromBundle(bundle, options);
  EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bytes = interop::SerializeAn2kTransaction(*transaction);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::vector<std::uint8_t>{};
}

void WriteFile(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

class NistBatchImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin = init.LastLine().substr(9);
    ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin).exit_code, 0);
    CliRun user = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin);
    ASSERT_EQ(user.exit_code, 0) << user.err;
    key_ = user.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  CliRun ImportFolder(const std::filesystem::path& folder, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"import",        "batch",         "--nist-folder",
                                     folder.string(), "--category",    "citizen",
                                     "--legal-basis", "Register Act",  "--retention-until",
                                     "2099-01-01",    "--gallery",     "register",
                                     "--purpose",     "deduplication", "--case",
                                     "NIST-1",        "--errors",      errors_.string(),
                                     "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args, key_);
  }

  static nlohmann::json Summary(const CliRun& run) {
    auto json = nlohmann::json::parse(run.LastLine(), nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << run.out << run.err;
    return json;
  }

  // The finger positions of the person's templates (one entry per template).
  std::multiset<std::string> FingerTemplates(const std::string& person) {
    CliRun show = Run({"person", "show", "--id", person, "--json"}, key_);
    EXPECT_EQ(show.exit_code, 0) << show.err;
    std::multiset<std::string> positions;
    auto json = nlohmann::json::parse(show.LastLine(), nullptr, false);
    if (json.is_discarded()) return positions;
    for (const auto& item : json["templates"]) {
      if (item["modality"] == "finger") positions.insert(item["position"].get<std::string>());
    }
    return positions;
  }

  bool Exists(const std::string& person) { return Run({"person", "show", "--id", person}, key_).exit_code == 0; }

  testing::TempDir dir_;
  std::string store_, key_;
  std::filesystem::path errors_ = dir_.path() / "errors.csv";
};

TEST_F(NistBatchImportTest, EveryTransactionOfAFolderIsAPersonAndABadOneFailsAlone) {
  const auto folder = dir_.path() / "cards";
  const std::vector<std::uint8_t> card_b = Transaction("T-B", 32, 1, false);
  WriteFile(folder / "card-a.an2", Transaction("T A 1", 31, 4, true));  // spaces in 1.009 become '-'
  WriteFile(folder / "card-b.EFT", card_b);
  WriteFile(folder / "nameless", Transaction("T-C", 33, 1, false));  // no extension: read as it parses
  WriteFile(folder / "broken.an2", std::vector<std::uint8_t>(card_b.begin(), card_b.begin() + 600));
  WriteFile(folder / "readme.txt", {'n', 'o', 't', 'e', 's'});

  CliRun run = ImportFolder(folder, {"--id-prefix", "N-"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;  // broken.an2 failed
  nlohmann::json summary = Summary(run);
  EXPECT_EQ(summary["rows"], 4) << summary.dump();
  EXPECT_EQ(summary["enrolled"], 3);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["ignored_files"], 1);
  EXPECT_EQ(summary["errors_file"], errors_.string());
  std::ifstream errors(errors_);
  std::string header, row, extra;
  std::getline(errors, header);
  std::getline(errors, row);
  EXPECT_EQ(header, "person,category,legal_basis,retention_until,modality,position,file,encounter,error");
  EXPECT_EQ(row.rfind("N-broken,citizen,", 0), 0u) << row;
  EXPECT_NE(row.find("broken.an2"), std::string::npos) << row;
  EXPECT_NE(row.find("truncated"), std::string::npos) << row;
  EXPECT_FALSE(std::getline(errors, extra)) << extra;

  // Rolled prints of fingers 2-5 and the four fingers cut from the slap: what `abis import nist`
  // enrols from the same file.
  const std::multiset<std::string> card_a = FingerTemplates("N-T-A-1");
  EXPECT_EQ(card_a.size(), 8u);
  for (const char* position : {"right_index", "right_middle", "right_ring", "right_little"}) {
    EXPECT_EQ(card_a.count(position), 2u) << position;
  }
  CliRun single = Run({"import", "nist", (folder / "card-a.an2").string(), "--person", "single", "--purpose",
                       "deduplication", "--case", "NIST-1", "--json"},
                      key_);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(Summary(single)["fingers"], 8);
  EXPECT_EQ(Summary(single)["slap_fingers"], 4);
  EXPECT_EQ(FingerTemplates("single"), card_a);
  EXPECT_EQ(FingerTemplates("N-T-B").size(), 1u);
  EXPECT_EQ(FingerTemplates("N-T-C").size(), 1u);
  EXPECT_FALSE(Exists("N-broken"));

  // Repaired and rerun: the persons imported before are skipped, the repaired one is enrolled.
  WriteFile(folder / "broken.an2", Transaction("T-D", 34, 1, false));
  CliRun again = ImportFolder(folder, {"--id-prefix", "N-"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  CliRun resumed = ImportFolder(folder, {"--id-prefix", "N-", "--resume"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  summary = Summary(resumed);
  EXPECT_EQ(summary["skipped_existing"], 3) << summary.dump();
  EXPECT_EQ(summary["enrolled"], 1);
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_TRUE(Exists("N-T-D"));
  EXPECT_FALSE(std::filesystem::exists(errors_)) << "a stale error file is removed";
}

TEST_F(NistBatchImportTest, TransactionsNamingTheSamePersonAreNeverMerged) {
  const auto folder = dir_.path() / "twins";
  WriteFile(folder / "one.an2", Transaction("SAME", 41, 1, false));
  WriteFile(folder / "two.nist", Transaction("SAME", 42, 1, false));
  CliRun run = ImportFolder(folder);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  nlohmann::json summary = Summary(run);
  EXPECT_EQ(summary["enrolled"], 0) << summary.dump();
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["failed_rows"], 2);
  EXPECT_FALSE(Exists("SAME"));
  std::ifstream errors(errors_);
  std::string text((std::istreambuf_iterator<char>(errors)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("2 files name person 'SAME' (one.an2, two.nist)"), std::string::npos) << text;
  // Named by their files instead, both are enrolled.
  run = ImportFolder(folder, {"--id-from-file-name"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Summary(run)["enrolled"], 2);
  EXPECT_TRUE(Exists("one"));
  EXPECT_TRUE(Exists("two"));
}

TEST_F(NistBatchImportTest, AManifestRowOfModalityNistIsAWholeTransaction) {
  WriteFile(dir_.path() / "cards" / "c.an2", Transaction("T-M", 51, 1, false));
  const auto manifest = dir_.path() / "manifest.csv";
  std::ofstream(manifest) << "person,category,legal_basis,retention_until,modality,position,file\n"
                          << "M-1,citizen,Register Act,2099-01-01,nist,,cards/c.an2\n"
                          << "M-2,citizen,Register Act,2099-01-01,nist,right_index,cards/c.an2\n";
  CliRun run = Run({"import", "batch", "--manifest", manifest.string(), "--gallery", "register", "--purpose",
                    "deduplication", "--case", "NIST-1", "--errors", errors_.string(), "--json"},
                   key_);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(Summary(run)["enrolled"], 1);
  EXPECT_EQ(FingerTemplates("M-1").size(), 1u);
  std::ifstream errors(errors_);
  std::string text((std::istreambuf_iterator<char>(errors)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("line 3: a nist row has no position"), std::string::npos) << text;
}

TEST_F(NistBatchImportTest, SharedFourFourTwoTransactionsEnrolTheirSlapFingers) {
  const auto shared = SharedDataDir() / "interop" / "ansi-nist";
  const auto card = shared / "eftviewer_nist-type-14-tpcard_v0500.eft";
  const auto slaps = shared / "libbiomeval_type4-slaps.an2k";
  if (!std::filesystem::exists(card) || !std::filesystem::exists(slaps)) GTEST_SKIP() << "shared samples absent";
  const auto folder = dir_.path() / "shared";
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(card, folder / card.filename());
  std::filesystem::copy_file(slaps, folder / slaps.filename());
  CliRun run = ImportFolder(folder, {"--id-from-file-name"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Summary(run)["enrolled"], 2);
  // Type-4 slaps only: ten fingers from them; the ten-print card: ten rolled and ten slap fingers.
  const std::multiset<std::string> from_slaps = FingerTemplates("libbiomeval_type4-slaps");
  EXPECT_EQ(from_slaps.size(), 10u);
  EXPECT_EQ(std::set<std::string>(from_slaps.begin(), from_slaps.end()).size(), 10u);
  EXPECT_EQ(FingerTemplates("eftviewer_nist-type-14-tpcard_v0500").size(), 20u);
}

}  // namespace
}  // namespace abis
