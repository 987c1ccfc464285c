// `abis enrol --slap right|left|thumbs --file SLAP`: a plain slap image enrolled as its fingers, at
// the positions the hand geometry gives, all in one encounter; a slap missing a finger is refused
// whole unless partial slaps are accepted; a slap whose content contradicts the declared kind and
// an image that does not decode are refused, and nothing is stored; a slap whose fingers contradict
// the person's stored single fingers (a finger swap) is refused naming the positions. On composed slaps with known
// truth: synthetic prints (always) and FVC2002 prints (shared data; skipped without it).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/core/paths.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_composer.h"
#include "abis/finger_extract/synth.h"
#include "abis/interop/an2k_reader.h"
#include "abis/interop/nist_enrolment_bundle.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class SlapEnrolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_key_ = init.LastLine().substr(9);
    CliRun user = RunCli({"--store", store_, "user", "add", "--name", "ena", "--role", "enroller"},
                         {{"ABIS_API_KEY", admin_key_}});
    ASSERT_EQ(user.exit_code, 0) << user.err;
    enroller_key_ = user.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store_});
    CliRun run = RunCli(args, {{"ABIS_API_KEY", enroller_key_}});
    EXPECT_FALSE(run.crashed) << run.err;
    return run;
  }

  void AddPerson(const std::string& id) {
    CliRun add = Run({"person", "add", "--id", id, "--category", "citizen", "--legal-basis", "Register Act",
                      "--retention-until", "2040-01-01"});
    ASSERT_EQ(add.exit_code, 0) << add.err;
  }

  // The finger positions enrolled for `person`, from the export of its record.
  std::multiset<int> EnrolledPositions(const std::string& person) {
    const std::string exported = (dir_.path() / (person + ".an2")).string();
    CliRun run =
        Run({"export", "nist", person, "--out", exported, "--purpose", "deduplication", "--case", "C-1", "--json"});
    if (run.exit_code != 0) return {};
    auto transaction = interop::ReadAn2kFile(exported);
    EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
    auto bundle = interop::ExtractEnrolmentBundle(*transaction);
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    std::multiset<int> positions;
    for (const auto& finger : bundle->fingers) positions.insert(static_cast<int>(finger.position));
    for (const auto& slap : bundle->slaps) {
      for (const auto& segment : slap.segments) positions.insert(segment.position);
    }
    return positions;
  }

  std::string WritePng(const finger::GrayImage& image, const std::string& name) {
    auto png = finger::EncodePng(image);
    EXPECT_TRUE(png.ok()) << png.status().ToString();
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
    return path;
  }

  static nlohmann::json Json(const CliRun& run) {
    auto json = nlohmann::json::parse(run.LastLine(), nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << run.out << run.err;
    return json;
  }

  testing::TempDir dir_;
  std::string store_, admin_key_, enroller_key_;
};

// A composed slap of synthetic prints (one per position of `kind`), `missing` left out.
finger::ComposedSlap SyntheticSlap(finger::SlapKind kind, std::vector<int> missing = {}, std::uint64_t seed = 4) {
  std::vector<finger::GrayImage> prints;
  const std::size_t count = finger::SlapPositions(kind).size();
  for (std::size_t i = 0; i < count; ++i) {
    prints.push_back(
        finger::GenerateSyntheticFinger(300 + static_cast<int>(kind), static_cast<int>(i), 1).impressions[0].image);
  }
  finger::SlapComposition composition;
  composition.kind = kind;
  composition.seed = seed;
  composition.missing_positions = std::move(missing);
  auto slap = finger::ComposeSlap(prints, composition);
  EXPECT_TRUE(slap.ok()) << slap.status().ToString();
  return slap.ok() ? *slap : finger::ComposedSlap{};
}

std::multiset<int> Positions(const nlohmann::json& fingers) {
  std::multiset<int> out;
  for (const auto& finger : fingers) out.insert(finger["fgp"].get<int>());
  return out;
}

TEST_F(SlapEnrolTest, EnrolsTheFourFingersOfARightSlapAndTheExportWritesTheSlapBack) {
  AddPerson("P-right");
  const std::string slap = WritePng(SyntheticSlap(finger::SlapKind::kRightFour).image, "right.png");
  CliRun run =
      Run({"enrol", "--person", "P-right", "--modality", "finger", "--file", slap, "--slap", "right", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const nlohmann::json out = Json(run);
  EXPECT_EQ(Positions(out["fingers"]), (std::multiset<int>{2, 3, 4, 5})) << out.dump();
  EXPECT_TRUE(out["missing_positions"].empty());
  // The fingers keep their place in the slap: the export writes one Type-14 FGP 13 with a segment
  // per finger (14.021 SEG / 14.025 ASEG), not four single images.
  EXPECT_EQ(EnrolledPositions("P-right"), (std::multiset<int>{2, 3, 4, 5}));
}

TEST_F(SlapEnrolTest, ASlapMissingAFingerIsRefusedWholeUnlessPartialSlapsAreAccepted) {
  AddPerson("P-partial");
  const std::string slap = WritePng(SyntheticSlap(finger::SlapKind::kLeftFour, {9}).image, "left.png");
  CliRun refused = Run({"enrol", "--person", "P-partial", "--modality", "finger", "--file", slap, "--slap", "left"});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find("finger 9 (left_ring) not found"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nothing enrolled"), std::string::npos) << refused.err;
  EXPECT_TRUE(EnrolledPositions("P-partial").empty()) << "a refused slap stored fingers";

  CliRun partial = Run({"enrol", "--person", "P-partial", "--modality", "finger", "--file", slap, "--slap", "left",
                        "--accept-partial-slap", "--json"});
  ASSERT_EQ(partial.exit_code, 0) << partial.out << partial.err;
  const nlohmann::json out = Json(partial);
  EXPECT_EQ(Positions(out["fingers"]), (std::multiset<int>{7, 8, 10})) << out.dump();
  EXPECT_EQ(out["missing_positions"], nlohmann::json::array({9}));
  EXPECT_EQ(EnrolledPositions("P-partial"), (std::multiset<int>{7, 8, 10}));
}

TEST_F(SlapEnrolTest, ASlapContradictingThePersonsStoredFingersIsRefusedNamingThePositions) {
  // The person's stored fingers say fingers 0 and 1 are the middle and index: the slap, whose hand
  // geometry puts them at index and middle, contradicts them.
  std::vector<std::string> singles;
  finger::SlapComposition composition;
  composition.seed = 5;
  std::vector<finger::GrayImage> slap_prints;
  for (int i = 0; i < 4; ++i) {
    finger::SyntheticFinger synthetic = finger::GenerateSyntheticFinger(77, i, 2);
    slap_prints.push_back(synthetic.impressions[0].image);
    singles.push_back(WritePng(synthetic.impressions[1].image, "single_" + std::to_string(i) + ".png"));
  }
  auto composed = finger::ComposeSlap(slap_prints, composition);
  ASSERT_TRUE(composed.ok()) << composed.status().ToString();
  const std::string slap = WritePng(composed->image, "right_seq.png");
  const auto enrol_singles = [&](const std::string& person, const std::vector<int>& positions) {
    AddPerson(person);
    for (std::size_t i = 0; i < 4; ++i) {
      CliRun run = Run({"enrol", "--person", person, "--modality", "finger", "--file", singles[i], "--finger",
                        std::to_string(positions[i])});
      ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    }
  };

  // Stored where the slap says: the slap is enrolled, each finger checked.
  enrol_singles("P-seq-ok", {2, 3, 4, 5});
  CliRun ok =
      Run({"enrol", "--person", "P-seq-ok", "--modality", "finger", "--file", slap, "--slap", "right", "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(Positions(Json(ok)["fingers"]), (std::multiset<int>{2, 3, 4, 5}));

  // Index and middle stored the other way round: refused whole, naming both positions.
  enrol_singles("P-seq-swap", {3, 2, 4, 5});
  CliRun refused = Run({"enrol", "--person", "P-seq-swap", "--modality", "finger", "--file", slap, "--slap", "right"});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find("positions 2, 3 are contradicted"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("finger 2 (right_index) finger_swap: matches the person's stored finger 3"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--accept-partial-slap"), std::string::npos) << refused.err;
  EXPECT_EQ(EnrolledPositions("P-seq-swap"), (std::multiset<int>{2, 3, 4, 5})) << "a refused slap stored fingers";

  // Accepting a partial slap enrols the two fingers the stored ones confirm.
  CliRun partial = Run({"enrol", "--person", "P-seq-swap", "--modality", "finger", "--file", slap, "--slap", "right",
                        "--accept-partial-slap", "--json"});
  ASSERT_EQ(partial.exit_code, 0) << partial.out << partial.err;
  const nlohmann::json out = Json(partial);
  EXPECT_EQ(Positions(out["fingers"]), (std::multiset<int>{4, 5})) << out.dump();
  bool named = false;
  for (const auto& line : out["skipped"])
    named = named || line.get<std::string>().find("finger_swap") != std::string::npos;
  EXPECT_TRUE(named) << out["skipped"].dump();
}

TEST_F(SlapEnrolTest, RefusesASlapThatContradictsItsKindAnUndecodableImageAndAFingerPosition) {
  AddPerson("P-bad");
  const std::string four = WritePng(SyntheticSlap(finger::SlapKind::kRightFour).image, "four.png");
  CliRun contradiction = Run({"enrol", "--person", "P-bad", "--modality", "finger", "--file", four, "--slap", "thumbs",
                              "--accept-partial-slap"});
  EXPECT_NE(contradiction.exit_code, 0);
  EXPECT_NE(contradiction.err.find("the record says a thumbs slap (FGP 15, 2 fingers) but its image holds 4"),
            std::string::npos)
      << contradiction.err;
  contradiction = Run({"enrol", "--person", "P-bad", "--modality", "finger", "--file", four, "--slap", "right_thumb",
                       "--accept-partial-slap"});
  EXPECT_NE(contradiction.exit_code, 0);
  EXPECT_NE(contradiction.err.find("says a right_thumb slap (FGP 11, 1 finger) but its image holds 4"),
            std::string::npos)
      << contradiction.err;

  const std::string garbage = (dir_.path() / "garbage.png").string();
  std::ofstream(garbage, std::ios::binary) << "\x89PNG\r\n\x1a\n not really a png";
  CliRun undecodable =
      Run({"enrol", "--person", "P-bad", "--modality", "finger", "--file", garbage, "--slap", "right"});
  EXPECT_NE(undecodable.exit_code, 0);
  EXPECT_NE(undecodable.err.find("garbage.png"), std::string::npos) << undecodable.err;

  CliRun both = Run({"enrol", "--person", "P-bad", "--modality", "finger", "--file", four, "--slap", "right",
                     "--finger", "right_index"});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("--finger and --slap exclude each other"), std::string::npos) << both.err;

  CliRun unknown = Run({"enrol", "--person", "P-bad", "--modality", "finger", "--file", four, "--slap", "upper"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("'upper' is not one of"), std::string::npos) << unknown.err;
  EXPECT_TRUE(EnrolledPositions("P-bad").empty()) << "a refused slap stored fingers";
}

// 4-4-2 from FVC2002 DB3_B prints (ten fingers of ten subjects, as the composer places them):
// ten fingers enrolled, each at the position it was placed at.
TEST_F(SlapEnrolTest, EnrolsTenFingersOfAFourFourTwoComposedFromFvcPrints) {
  const std::filesystem::path fvc = SharedDataDir() / "fingerprint" / "fvc2002" / "DB3_B";
  if (!std::filesystem::exists(fvc)) GTEST_SKIP() << "shared data absent: " << fvc << " (set ABIS_DATA)";
  AddPerson("P-fvc");
  std::multiset<int> expected, enrolled;
  int subject = 101;
  for (const auto& [kind, name] :
       {std::pair{finger::SlapKind::kRightFour, "right"}, std::pair{finger::SlapKind::kLeftFour, "left"},
        std::pair{finger::SlapKind::kBothThumbs, "thumbs"}}) {
    std::vector<finger::GrayImage> prints;
    for (std::size_t i = 0; i < finger::SlapPositions(kind).size(); ++i) {
      auto print = finger::ReadFingerprintImage((fvc / (std::to_string(subject++) + "_1.tif")).string());
      ASSERT_TRUE(print.ok()) << print.status().ToString();
      prints.push_back(*print);
    }
    finger::SlapComposition composition;
    composition.kind = kind;
    composition.seed = 11;
    auto slap = finger::ComposeSlap(prints, composition);
    ASSERT_TRUE(slap.ok()) << slap.status().ToString();
    for (const auto& finger : slap->fingers) expected.insert(finger.position);
    const std::string file = WritePng(slap->image, std::string(name) + ".png");
    CliRun run = Run({"enrol", "--person", "P-fvc", "--modality", "finger", "--file", file, "--slap", name,
                      "--min-quality", "0", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const nlohmann::json out = Json(run);
    for (int position : Positions(out["fingers"])) enrolled.insert(position);
    // Each enrolled finger was cut where the print of its position was placed.
    for (const auto& segment : out["segmentation"]["segments"]) {
      const int position = segment["position"].get<int>();
      for (const auto& truth : slap->fingers) {
        if (truth.position != position) continue;
        EXPECT_LT(std::hypot(segment["centre_x"].get<double>() - truth.box.centre_x,
                             segment["centre_y"].get<double>() - truth.box.centre_y),
                  truth.box.height / 4)
            << name << " slap, finger " << position << ": " << segment.dump();
      }
    }
  }
  EXPECT_EQ(expected.size(), 10u);
  EXPECT_EQ(enrolled, expected);
  EXPECT_EQ(EnrolledPositions("P-fvc"), expected);
}

}  // namespace
}  // namespace abis
