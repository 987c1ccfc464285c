// `abis import batch` and `abis search --person` end to end, on ISO/IEC 19794-2 records of
// synthetic minutiae: the JSON summary, the error file, a manifest imported in two halves (the
// second run resumes without duplicates), dedup leads, and refusal of a rerun without --resume.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class BatchImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_ = init.LastLine().substr(9);
    ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_).exit_code, 0);
    CliRun user = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin_);
    ASSERT_EQ(user.exit_code, 0) << user.err;
    key_ = user.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  // An ISO 19794-2 record of synthetic finger `seed`, in prints/ (a path relative to the manifest).
  std::string Record(std::uint32_t seed) {
    auto bytes = finger::WriteMinutiaeRecord(
        finger::SingleViewRecord(finger::SyntheticFinger(seed), finger::MinutiaeRecordFormat::kIso19794_2_2005));
    EXPECT_TRUE(bytes.ok());
    std::filesystem::create_directories(dir_.path() / "prints");
    const std::string name = "prints/f" + std::to_string(seed) + ".iso";
    std::ofstream(dir_.path() / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    return name;
  }

  std::string WriteManifest(const std::string& name, const std::vector<std::string>& rows) {
    std::ofstream out(dir_.path() / name);
    out << "person,category,legal_basis,retention_until,modality,position,file\n";
    for (const std::string& row : rows) out << row << "\n";
    return (dir_.path() / name).string();
  }

  CliRun Import(const std::string& manifest, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"import",    "batch",         "--manifest", manifest,  "--gallery", "register",
                                     "--purpose", "deduplication", "--case",     "BATCH-1", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args, key_);
  }

  testing::TempDir dir_;
  std::string store_;
  std::string admin_;
  std::string key_;
};

TEST_F(BatchImportCliTest, ImportsInTwoHalvesResumesAndFindsTheDuplicate) {
  std::vector<std::string> rows;
  for (int i = 1; i <= 8; ++i) {
    rows.push_back("P-" + std::to_string(i) + ",citizen,Register Act,2099-01-01,finger,right_index," + Record(i));
  }
  rows.push_back("P-1-twin,citizen,Register Act,2099-01-01,finger,right_index," + Record(1));  // the same print
  rows.push_back("P-bad,citizen,Register Act,2099-01-01,finger,right_index,prints/missing.iso");
  const std::vector<std::string> first_half(rows.begin(), rows.begin() + 4);
  CliRun half = Import(WriteManifest("half.csv", first_half));
  ASSERT_EQ(half.exit_code, 0) << half.out << half.err;

  const std::string manifest = WriteManifest("all.csv", rows);
  CliRun refused = Import(manifest, {"--dedup"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("person 'P-1' (line 2) already exists"), std::string::npos) << refused.err;

  CliRun resumed = Import(manifest, {"--dedup", "--resume"});
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;  // P-bad failed
  auto summary = nlohmann::json::parse(resumed.LastLine(), nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << resumed.out;
  EXPECT_EQ(summary["rows"], 10);
  EXPECT_EQ(summary["skipped_existing"], 4);
  EXPECT_EQ(summary["enrolled"], 5);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["possible_duplicates"], 1);
  EXPECT_TRUE(summary.contains("seconds"));
  std::ifstream errors(manifest + ".errors.csv");
  std::string header, row;
  std::getline(errors, header);
  std::getline(errors, row);
  EXPECT_EQ(row.rfind("P-bad,", 0), 0u) << row;
  EXPECT_NE(row.find("line 11"), std::string::npos) << row;

  // The stored twin as the probe: P-1 is its hit, and the twin itself is never a candidate.
  CliRun search = Run({"search", "--person", "P-1-twin", "--gallery", "register", "--purpose", "deduplication",
                       "--case", "BATCH-1", "--json"},
                      key_);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  auto found = nlohmann::json::parse(search.LastLine(), nullptr, false);
  ASSERT_FALSE(found.is_discarded()) << search.out;
  ASSERT_FALSE(found["candidates"].empty());
  EXPECT_EQ(found["candidates"][0]["external_id"], "P-1");
  EXPECT_TRUE(found["candidates"][0]["hit"].get<bool>());
  EXPECT_EQ(found["gallery_size"], 9);
  for (const auto& candidate : found["candidates"]) EXPECT_NE(candidate["external_id"], "P-1-twin");
}

// Starts `abis <args>` with stderr on a pipe; returns the child's pid and the pipe's read end.
std::pair<pid_t, FILE*> SpawnCli(const std::vector<std::string>& args, const std::string& key) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {-1, nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    close(pipe_fds[0]);
    setenv("ABIS_API_KEY", key.c_str(), 1);
    const std::string cli = testing::CliPath();
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(cli.c_str()));
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(cli.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  return {pid, fdopen(pipe_fds[0], "r")};
}

// kill -9 in the middle of an import: every person the progress line had acknowledged is in the
// store, and --resume enrols the rest, nobody twice (one template per person, the audit intact).
TEST_F(BatchImportCliTest, AnImportKilledMidwayLosesNoAcknowledgedPersonAndResumesWithoutDuplicates) {
  constexpr int kPersons = 1500;
  CliRun synth = RunCli({"synth", "finger-templates", "--count", std::to_string(kPersons), "--out",
                         (dir_.path() / "synthetic").string(), "--json"});
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  const std::string manifest = (dir_.path() / "synthetic" / "manifest.csv").string();
  auto [pid, progress] =
      SpawnCli({"--store", store_, "import", "batch", "--manifest", manifest, "--gallery", "register", "--purpose",
                "deduplication", "--case", "KILL-1", "--progress", "--batch-size", "16", "--json"},
               key_);
  ASSERT_GT(pid, 0);
  ASSERT_NE(progress, nullptr);
  // The event: the first progress line that acknowledges some persons but not all.
  long acknowledged = 0;
  char line[512];
  const std::regex done_rows(R"(^import: (\d+)/(\d+) rows)");
  while (fgets(line, sizeof line, progress) != nullptr) {
    std::cmatch match;
    if (std::regex_search(line, match, done_rows) && std::stol(match[1]) > 0) {
      acknowledged = std::stol(match[1]);
      break;
    }
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  fclose(progress);
  ASSERT_GT(acknowledged, 0) << "no progress line before the import ended";
  ASSERT_LT(acknowledged, kPersons) << "the import finished before it could be killed";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";

  CliRun resumed = Run({"import", "batch", "--manifest", manifest, "--gallery", "register", "--purpose",
                        "deduplication", "--case", "KILL-1", "--resume", "--json"},
                       key_);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto summary = nlohmann::json::parse(resumed.LastLine(), nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << resumed.out;
  EXPECT_GE(summary["skipped_existing"].get<long>(), acknowledged) << "an acknowledged person was lost";
  EXPECT_EQ(summary["skipped_existing"].get<long>() + summary["enrolled"].get<long>(), kPersons);
  EXPECT_EQ(summary["failed"], 0);

  // One template per person: the gallery holds exactly kPersons, nobody was enrolled twice.
  CliRun search = Run({"search", "--person", "SYN-0000000", "--gallery", "register", "--purpose", "deduplication",
                       "--case", "KILL-1", "--json"},
                      key_);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  EXPECT_EQ(nlohmann::json::parse(search.LastLine())["gallery_size"], kPersons);
  CliRun verify = Run({"audit", "verify", "--json"}, admin_);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_TRUE(nlohmann::json::parse(verify.LastLine())["intact"].get<bool>()) << verify.out;
}

// A single enrolment can be deduplicated too: `abis enrol --dedup GALLERY --case C` searches the
// gallery with the person just enrolled and records the hits as review leads.
TEST_F(BatchImportCliTest, ASingleEnrolmentWithDedupReportsTheTwinAsAPossibleDuplicate) {
  const std::string record = (dir_.path() / Record(7)).string();
  for (const std::string person : {"S-1", "S-1-twin"}) {
    ASSERT_EQ(Run({"person", "add", "--id", person, "--category", "citizen", "--legal-basis", "Register Act",
                   "--retention-until", "2040-01-01"},
                  key_)
                  .exit_code,
              0);
  }
  CliRun first = Run({"enrol", "--person", "S-1", "--modality", "finger", "--finger", "right_index", "--file", record,
                      "--gallery", "register", "--dedup", "register", "--case", "DEDUP-1", "--json"},
                     key_);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(nlohmann::json::parse(first.LastLine())["possible_duplicates"].empty());
  CliRun twin = Run({"enrol", "--person", "S-1-twin", "--modality", "finger", "--finger", "right_index", "--file",
                     record, "--gallery", "register", "--dedup", "register", "--case", "DEDUP-1", "--json"},
                    key_);
  ASSERT_EQ(twin.exit_code, 0) << twin.err;
  auto out = nlohmann::json::parse(twin.LastLine());
  ASSERT_EQ(out["possible_duplicates"].size(), 1u) << out.dump();
  EXPECT_EQ(out["possible_duplicates"][0]["external_id"], "S-1");
  EXPECT_GT(out["possible_duplicates"][0]["review_id"].get<std::int64_t>(), 0) << "a lead for the two-person review";
  CliRun no_case = Run({"enrol", "--person", "S-1", "--modality", "finger", "--finger", "right_index", "--file", record,
                        "--dedup", "register"},
                       key_);
  EXPECT_NE(no_case.exit_code, 0);
  EXPECT_NE(no_case.err.find("--dedup needs --case"), std::string::npos) << no_case.err;
}

}  // namespace
}  // namespace abis
