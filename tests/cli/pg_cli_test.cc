// The `abis` command on a PostgreSQL store (`--store postgresql://...`) against a throw-away server
// (tests/support/postgres_server.h): init, users, persons, a finger enrolled and searched, retention,
// and the audit log verified without the master key; the URI's password appears nowhere.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/postgres_server.h"
#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

TEST(PgCliTest, EveryStepOfAStoreRunsOnPostgresAndThePasswordStaysHidden) {
  std::string why;
  testing::PostgresServer* server = testing::PostgresServer::Get(&why);
  if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
  const std::string database = server->NewDatabase(&why);
  ASSERT_FALSE(database.empty()) << why;
  // The server trusts local connections, so the password is never asked for: it is only there to
  // check that it leaks nowhere.
  const std::string uri = database + "&password=s3cret-pw";
  testing::TempDir dir;
  const std::map<std::string, std::string> local{{"ABIS_LOCAL_DIR", (dir.path() / "local").string()}};
  auto env = [&](const std::string& key) {
    auto with = local;
    with["ABIS_API_KEY"] = key;
    return with;
  };
  auto no_password = [](const CliRun& run) {
    EXPECT_EQ(run.out.find("s3cret"), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find("s3cret"), std::string::npos) << run.err;
  };

  CliRun init = RunCli({"init", "--store", uri}, local);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  no_password(init);
  EXPECT_NE(init.out.find("password=***"), std::string::npos) << init.out;
  const std::string admin = init.LastLine().substr(9);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "local" / "master.key"));
  CliRun again = RunCli({"init", "--store", uri}, local);
  EXPECT_EQ(again.exit_code, 4) << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  no_password(again);

  auto run = [&](std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", uri});
    CliRun result = RunCli(args, env(key));
    no_password(result);
    return result;
  };
  CliRun user = run({"user", "add", "--name", "eve", "--role", "enroller"}, admin);
  ASSERT_EQ(user.exit_code, 0) << user.err;
  const std::string enroller = user.LastLine().substr(9);
  CliRun investigator_user = run({"user", "add", "--name", "ian", "--role", "investigator"}, admin);
  ASSERT_EQ(investigator_user.exit_code, 0) << investigator_user.err;
  const std::string investigator = investigator_user.LastLine().substr(9);
  ASSERT_EQ(run({"gallery", "create", "--name", "register"}, admin).exit_code, 0);
  for (const auto& [id, retention] : std::vector<std::pair<std::string, std::string>>{{"P-1", "2090-01-01"}}) {
    CliRun added = run(
        {"person", "add", "--id", id, "--category", "citizen", "--legal-basis", "b", "--retention-until", retention},
        admin);
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  const std::string images = (dir.path() / "fingers").string();
  CliRun synth = RunCli({"synth", "fingers", "--out", images, "--fingers", "1", "--impressions", "2", "--json"});
  // Without the fingerprint modules (`synth` unknown) the enrolment and search are left out.
  const bool fingers_built = synth.exit_code == 0 || synth.err.find("usage") == std::string::npos;
  if (fingers_built) {
    ASSERT_EQ(synth.exit_code, 0) << synth.err;
    CliRun enrolled = run({"enrol", "--person", "P-1", "--modality", "finger", "--finger", "right_index", "--file",
                           images + "/1_1.png", "--gallery", "register", "--json"},
                          enroller);
    ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    CliRun search = run({"search", "--gallery", "register", "--modality", "finger", "--finger", "right_index", "--file",
                         images + "/1_2.png", "--purpose", "criminal_investigation", "--case", "C-1", "--json"},
                        investigator);
    ASSERT_EQ(search.exit_code, 0) << search.err;
    const auto found = nlohmann::json::parse(search.LastLine());
    ASSERT_FALSE(found["candidates"].empty()) << search.out;
    EXPECT_EQ(found["candidates"][0]["external_id"], "P-1");
  }
  CliRun listed = run({"person", "list", "--json"}, admin);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("P-1"), std::string::npos);

  // An auditor verifies the chain with neither the master key nor its folder.
  CliRun verify = RunCli({"audit", "verify", "--store", uri, "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  no_password(verify);
  const auto report = nlohmann::json::parse(verify.LastLine());
  EXPECT_EQ(report["intact"], true);
  EXPECT_GE(report["entries"].get<int>(), 4);

  // Nor is the password in the audit log (the store.init entry names the store).
  PGconn* conn = PQconnectdb(database.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* rows = PQexec(conn, "SELECT count(*) FROM audit_log WHERE result LIKE '%s3cret%'");
  ASSERT_EQ(PQresultStatus(rows), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(rows, 0, 0), "0");
  PQclear(rows);
  rows = PQexec(conn, "SELECT count(*) FROM audit_log WHERE action = 'store.init' AND result LIKE '%password=***%'");
  EXPECT_STREQ(PQgetvalue(rows, 0, 0), "1");
  PQclear(rows);
  PQfinish(conn);
}

}  // namespace
}  // namespace abis
