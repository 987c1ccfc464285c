// `abis eval dna --plot-dir`: the plots land on disk, every curve point, EER mark and histogram bar
// inside its frame (issue 18, item 6), and the JSON summary only gains the list of plots.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "../support/cli_runner.h"
#include "../support/svg_inspection.h"
#include "abis/core/paths.h"

namespace abis {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class EvalDnaPlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(SharedDataDir() / "dna" / "nist1036_genotypes.csv")) {
      GTEST_SKIP() << "NIST 1036 genotypes not found under " << (SharedDataDir() / "dna").string();
    }
    std::random_device device;
    dir_ = fs::temp_directory_path() / ("abis-eval-plots-" + std::to_string(device()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

TEST_F(EvalDnaPlotTest, PlotDirHoldsDetHistogramsAndCmcWithEveryMarkInsideTheFrame) {
  const fs::path plots = dir_ / "plots";
  const testing::CliRun run =
      testing::RunCli({"--json", "eval", "dna", "--pairs", "100", "--families", "20", "--plot-dir", plots.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(run.LastLine());
  ASSERT_TRUE(result.contains("plots")) << run.LastLine();
  ASSERT_EQ(result["plots"].size(), 6u);
  for (const char* name :
       {"kinship_det.svg", "kinship_histogram_parent_child.svg", "kinship_histogram_full_sibling.svg",
        "kinship_histogram_half_sibling.svg", "kinship_histogram_first_cousin.svg", "remains_cmc.svg"}) {
    const std::string svg = ReadFile(plots / name);
    ASSERT_EQ(svg.rfind("<svg", 0), 0u) << name;
    EXPECT_EQ(svg.find("href"), std::string::npos) << name << " must be self-contained";
    SCOPED_TRACE(name);
    testing::ExpectMarksInsideFrame(svg);
  }
  const std::string det = ReadFile(plots / "kinship_det.svg");
  EXPECT_EQ(testing::Elements(det, "polyline", "curve").size(), 4u);  // one per relationship
  EXPECT_EQ(testing::Elements(det, "circle", "eer").size(), 4u);
  // The poorly separated relationships cross the picture instead of hugging the frame.
  EXPECT_GT(testing::ExpectMarksInsideFrame(det), 20u);
  EXPECT_GT(testing::Elements(ReadFile(plots / "kinship_histogram_first_cousin.svg"), "rect", "bar").size(), 5u);
  EXPECT_EQ(testing::Elements(ReadFile(plots / "remains_cmc.svg"), "polyline", "curve").size(), 2u);
}

TEST_F(EvalDnaPlotTest, WithoutPlotDirTheSummaryHasNoPlots) {
  const testing::CliRun run = testing::RunCli({"--json", "eval", "dna", "--pairs", "20", "--families", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(nlohmann::json::parse(run.LastLine()).contains("plots"));
}

}  // namespace
}  // namespace abis
