// `abis bench store` at N=200: a smoke test that the scale run goes through (import of both
// modalities, a first search that builds the index, snapshots written and then loaded by a new
// cache, warm searches that find the mates) and labels its report synthetic. Not a benchmark:
// the figures themselves are not checked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

TEST(BenchStoreCliTest, TwoHundredPersonsPerModalityAreImportedSearchedAndSnapshotted) {
  testing::TempDir dir;
  CliRun run = RunCli(
      {"--json", "bench", "store", "--persons", "200", "--probes", "10", "--dir", (dir.path() / "bench").string()});
  if (run.exit_code != 0 && run.err.find("fetch_models") != std::string::npos) {
    GTEST_SKIP() << "no face model (tools/fetch_models.sh): " << run.err;
  }
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.LastLine());
  EXPECT_TRUE(report["synthetic"].get<bool>());
  EXPECT_EQ(report["finger_import"]["persons"], 200);
  EXPECT_EQ(report["face_import"]["persons"], 200);
  EXPECT_EQ(report["snapshot_write"]["written"], 2);
  EXPECT_EQ(report["snapshots_loaded"], 2);
  for (const char* modality : {"finger", "face"}) {
    const nlohmann::json& m = report["modalities"][modality];
    EXPECT_EQ(m["index_templates"], 200) << modality;
    EXPECT_EQ(m["gallery_templates"], 200) << modality;
    EXPECT_GT(m["index_bytes_per_template"].get<double>(), 0.0) << modality;
    EXPECT_GE(m["rank1"].get<double>(), 0.9) << modality;
  }
  // A second run into the same folder is refused: the benchmark always makes a new store.
  CliRun again = RunCli({"bench", "store", "--persons", "200", "--dir", (dir.path() / "bench").string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace abis
