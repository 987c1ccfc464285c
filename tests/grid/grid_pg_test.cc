// The outside check (issue 23) as a test: grid_pg_test.sh imports the same synthetic
// persons into a SQLite store and into a PostgreSQL store on a throw-away server
// (tests/support/postgres_server.h), runs `abis serve` on the first and `mpirun -np 3 abis grid
// serve` on the second, compares 40 top-5 candidate lists (persons and scores), then kills one
// matcher and expects a fast 503. Skips when PostgreSQL or mpirun is not there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "../support/cli_runner.h"
#include "../support/postgres_server.h"

namespace abis {
namespace {

TEST(GridPgTest, AGridOnPostgresAnswersAsTheSingleProcessOnSqlite) {
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun is not installed";
  std::string why;
  testing::PostgresServer* server = testing::PostgresServer::Get(&why);
  if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
  const std::string uri = server->NewDatabase(&why);
  ASSERT_FALSE(uri.empty()) << why;
  const std::string command = "bash " + testing::ShellQuote(std::string(ABIS_GRID_TEST_DIR) + "/grid_pg_test.sh") +
                              " " + testing::ShellQuote(testing::CliPath()) + " " + testing::ShellQuote(uri) +
                              " 300 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 512> chunk{};
  while (fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) output += chunk.data();
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_NE(output.find("PASS"), std::string::npos) << output;
  std::cout << output;
}

}  // namespace
}  // namespace abis
