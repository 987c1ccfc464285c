// `abis import batch --dedup` and `abis search --person` on a PostgreSQL store (a throw-away
// server, tests/support/postgres_server.h), on ISO/IEC 19794-2 records of synthetic minutiae: the
// batch's per-person savepoints, the owed deduplication markers and the search of a stored person.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/postgres_server.h"
#include "../support/test_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

TEST(PgBatchImportCliTest, ABatchWithADuplicateAndABadRowImportsOnPostgres) {
  std::string why;
  testing::PostgresServer* server = testing::PostgresServer::Get(&why);
  if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
  const std::string uri = server->NewDatabase(&why);
  ASSERT_FALSE(uri.empty()) << why;
  testing::TempDir dir;
  const std::string local = (dir.path() / "local").string();
  auto run = [&](std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", uri});
    return RunCli(args, {{"ABIS_LOCAL_DIR", local}, {"ABIS_API_KEY", key}});
  };
  CliRun init = RunCli({"init", "--store", uri}, {{"ABIS_LOCAL_DIR", local}});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string admin = init.LastLine().substr(9);
  ASSERT_EQ(run({"gallery", "create", "--name", "register"}, admin).exit_code, 0);
  CliRun user = run({"user", "add", "--name", "eve", "--role", "enroller"}, admin);
  ASSERT_EQ(user.exit_code, 0) << user.err;
  const std::string key = user.LastLine().substr(9);

  auto record = [&](std::uint32_t seed) {
    auto bytes = finger::WriteMinutiaeRecord(
        finger::SingleViewRecord(finger::SyntheticFinger(seed), finger::MinutiaeRecordFormat::kIso19794_2_2005));
    EXPECT_TRUE(bytes.ok());
    std::filesystem::create_directories(dir.path() / "prints");
    const std::string name = "prints/f" + std::to_string(seed) + ".iso";
    std::ofstream(dir.path() / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    return name;
  };
  const std::filesystem::path manifest = dir.path() / "all.csv";
  {
    std::ofstream out(manifest);
    out << "person,category,legal_basis,retention_until,modality,position,file\n";
    for (int i = 1; i <= 8; ++i) {
      out << "P-" << i << ",citizen,Register Act,2099-01-01,finger,right_index," << record(i) << "\n";
    }
    out << "P-1-twin,citizen,Register Act,2099-01-01,finger,right_index," << record(1) << "\n";  // the same print
    out << "P-bad,citizen,Register Act,2099-01-01,finger,right_index,prints/missing.iso\n";
  }
  CliRun imported = run({"import", "batch", "--manifest", manifest.string(), "--gallery", "register", "--purpose",
                         "deduplication", "--case", "BATCH-1", "--dedup", "--json"},
                        key);
  EXPECT_EQ(imported.exit_code, 1) << imported.err;  // P-bad failed
  auto summary = nlohmann::json::parse(imported.LastLine(), nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << imported.out << imported.err;
  EXPECT_EQ(summary["rows"], 10);
  EXPECT_EQ(summary["enrolled"], 9);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["possible_duplicates"], 1);

  CliRun search = run({"search", "--person", "P-1-twin", "--gallery", "register", "--purpose", "deduplication",
                       "--case", "BATCH-1", "--json"},
                      key);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  auto found = nlohmann::json::parse(search.LastLine(), nullptr, false);
  ASSERT_FALSE(found.is_discarded()) << search.out;
  ASSERT_FALSE(found["candidates"].empty());
  EXPECT_EQ(found["candidates"][0]["external_id"], "P-1");
  EXPECT_TRUE(found["candidates"][0]["hit"].get<bool>());
  EXPECT_EQ(found["gallery_size"], 9);

  CliRun verify = RunCli({"audit", "verify", "--store", uri, "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(nlohmann::json::parse(verify.LastLine())["intact"], true);
}

}  // namespace
}  // namespace abis
