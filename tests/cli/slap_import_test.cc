// `abis import nist` with slaps: the shared 4-4-2 transactions enrol ten fingers from their slaps,
// and a slap whose fingers disagree with the transaction's rolled prints (a finger or hand swap)
// is reported with the scores, its swapped fingers not enrolled. `abis finger segment` refuses bad
// input with the reason.
#include <gtest/gtest.h>

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
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class SlapImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin_key = init.LastLine().substr(9);
    CliRun user = RunCli({"--store", store_, "user", "add", "--name", "ena", "--role", "enroller"},
                         {{"ABIS_API_KEY", admin_key}});
    ASSERT_EQ(user.exit_code, 0) << user.err;
    enroller_key_ = user.LastLine().substr(9);
  }

  nlohmann::json Import(const std::string& file, const std::string& person, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--store",       store_,   "import", "nist",     file,   "--purpose",
                                     "deduplication", "--case", "C-1",    "--person", person, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun run = RunCli(args, {{"ABIS_API_KEY", enroller_key_}});
    EXPECT_FALSE(run.crashed) << run.err;
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    auto json = nlohmann::json::parse(run.LastLine(), nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << run.out << run.err;
    return json;
  }

  static bool Mentions(const nlohmann::json& lines, const std::string& text) {
    for (const auto& line : lines) {
      if (line.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }

  testing::TempDir dir_;
  std::string store_, enroller_key_;
};

std::vector<std::uint8_t> Png(const finger::GrayImage& image) {
  auto bytes = finger::EncodePng(image);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::vector<std::uint8_t>{};
}

// A transaction with a right four-finger slap of synthetic fingers 0-3 (impression 1) and rolled
// prints of the same fingers (impression 2) at `rolled_positions`.
std::string SlapTransaction(const std::filesystem::path& dir, const std::string& name,
                            const std::vector<int>& rolled_positions, std::vector<int> missing = {},
                            std::vector<interop::FingerAmputation> amputations = {}) {
  std::vector<finger::GrayImage> slap_prints;
  interop::NistEnrolmentBundle bundle;
  bundle.transaction_control_number = name;
  for (int i = 0; i < 4; ++i) {
    finger::SyntheticFinger synthetic = finger::GenerateSyntheticFinger(77, i, 2);
    slap_prints.push_back(synthetic.impressions[0].image);
    interop::NistFingerImage rolled;
    rolled.position = static_cast<FingerPosition>(rolled_positions[static_cast<std::size_t>(i)]);
    rolled.compression = "PNG";
    rolled.pixels_per_mm = 500 / 25.4;
    rolled.impression_type = 1;
    rolled.bytes = Png(synthetic.impressions[1].image);
    bundle.fingers.push_back(rolled);
  }
  finger::SlapComposition composition;
  composition.seed = 5;
  composition.missing_positions = std::move(missing);
  auto slap = finger::ComposeSlap(slap_prints, composition);
  EXPECT_TRUE(slap.ok()) << slap.status().ToString();
  interop::NistSlapImage image;
  image.slap_position = 13;
  image.compression = "PNG";
  image.pixels_per_mm = 500 / 25.4;
  image.bytes = Png(slap->image);
  image.amputations = std::move(amputations);
  bundle.slaps.push_back(image);
  interop::NistTransactionOptions options;
  options.timestamp_utc = "20261207120000";
  auto transaction = interop::BuildTransactionFromBundle(bundle, options);
  EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
  const std::string path = (dir / (name + ".an2")).string();
  EXPECT_TRUE(interop::WriteAn2kFile(*transaction, path).ok());
  return path;
}

TEST_F(SlapImportTest, SlapFingersMatchingTheirRolledPrintsAreEnrolled) {
  const std::string annotated = (dir_.path() / "annotated.an2").string();
  nlohmann::json out =
      Import(SlapTransaction(dir_.path(), "T-ok", {2, 3, 4, 5}), "P-ok", {"--annotated-out", annotated});
  EXPECT_EQ(out["slap_fingers"], 4) << out.dump();
  EXPECT_EQ(out["fingers"], 8);
  EXPECT_EQ(out["sequence_errors"], 0);
  ASSERT_EQ(out["slaps"].size(), 1u);
  for (const auto& segment : out["slaps"][0]["segments"]) {
    EXPECT_EQ(segment["sequence_check"]["verdict"], "confirmed") << segment.dump();
  }
  // The transaction written back carries the segments as 14.021 SEG / 14.025 ASEG, and they read
  // back as the boxes reported.
  auto transaction = interop::ReadAn2kFile(annotated);
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bundle = interop::ExtractEnrolmentBundle(*transaction);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->slaps.size(), 1u);
  const auto& segments = bundle->slaps[0].segments;
  ASSERT_EQ(segments.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& reported = out["slaps"][0]["segments"][i];
    EXPECT_EQ(segments[i].position, reported["position"].get<int>());
    EXPECT_TRUE(segments[i].has_box);
    EXPECT_NEAR((segments[i].left + segments[i].right) / 2.0, reported["centre_x"].get<double>(), 2.0);
    EXPECT_NEAR((segments[i].top + segments[i].bottom) / 2.0, reported["centre_y"].get<double>(), 2.0);
    ASSERT_EQ(segments[i].polygon.size(), 4u);
    EXPECT_NEAR(segments[i].polygon[0][0], reported["corners"][0][0].get<double>(), 1.0);
  }
}

// `abis export nist` writes the fingers cut from a slap back as that slap (Type-14 FGP 13) with
// 14.021 SEG and 14.025 ASEG from the boxes kept at enrolment, and importing the export again gives
// the same fingers at the same places.
TEST_F(SlapImportTest, ExportWritesTheSlapWithItsSegmentsAndReimportGivesTheSameFingers) {
  nlohmann::json first = Import(SlapTransaction(dir_.path(), "T-rt", {2, 3, 4, 5}), "P-rt");
  ASSERT_EQ(first["slap_fingers"], 4) << first.dump();
  const std::string exported = (dir_.path() / "exported.an2").string();
  CliRun run = RunCli({"--store", store_, "export", "nist", "P-rt", "--out", exported, "--purpose", "deduplication",
                       "--case", "C-1", "--json"},
                      {{"ABIS_API_KEY", enroller_key_}});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto summary = nlohmann::json::parse(run.LastLine(), nullptr, false);
  EXPECT_EQ(summary["slaps"], 1) << run.out;
  EXPECT_EQ(summary["fingers"], 4) << run.out;  // the rolled prints (PNG)

  auto transaction = interop::ReadAn2kFile(exported);
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bundle = interop::ExtractEnrolmentBundle(*transaction);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->slaps.size(), 1u);
  EXPECT_EQ(bundle->slaps[0].slap_position, 13);
  EXPECT_EQ(bundle->slaps[0].source_record_type, 14);
  const auto& segments = bundle->slaps[0].segments;
  ASSERT_EQ(segments.size(), 4u) << "14.021 SEG / 14.025 ASEG not read back";
  std::map<int, nlohmann::json> enrolled;  // position -> the first import's segment
  for (const auto& segment : first["slaps"][0]["segments"]) enrolled[segment["position"].get<int>()] = segment;
  for (const auto& segment : segments) {
    ASSERT_TRUE(enrolled.contains(segment.position)) << segment.position;
    const nlohmann::json& kept = enrolled[segment.position];
    EXPECT_TRUE(segment.has_box);
    EXPECT_NEAR((segment.left + segment.right) / 2.0, kept["centre_x"].get<double>(), 2.0);
    EXPECT_NEAR((segment.top + segment.bottom) / 2.0, kept["centre_y"].get<double>(), 2.0);
    ASSERT_EQ(segment.polygon.size(), 4u);
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_NEAR(segment.polygon[c][0], kept["corners"][c][0].get<double>(), 1.0);
      EXPECT_NEAR(segment.polygon[c][1], kept["corners"][c][1].get<double>(), 1.0);
    }
  }

  // Import -> export -> import: the same four fingers, found at the same places, confirmed again
  // by the rolled prints that travelled with them.
  nlohmann::json second = Import(exported, "P-rt2");
  EXPECT_EQ(second["slap_fingers"], 4) << second.dump();
  EXPECT_EQ(second["fingers"], 8);
  EXPECT_EQ(second["sequence_errors"], 0);
  ASSERT_EQ(second["slaps"].size(), 1u);
  for (const auto& segment : second["slaps"][0]["segments"]) {
    const int position = segment["position"].get<int>();
    ASSERT_TRUE(enrolled.contains(position)) << position;
    const nlohmann::json& kept = enrolled[position];
    const double tolerance = kept["width"].get<double>() / 4;
    EXPECT_NEAR(segment["centre_x"].get<double>(), kept["centre_x"].get<double>(), tolerance) << position;
    EXPECT_NEAR(segment["centre_y"].get<double>(), kept["centre_y"].get<double>(), kept["height"].get<double>() / 4)
        << position;
    EXPECT_EQ(segment["sequence_check"]["verdict"], "confirmed") << segment.dump();
  }
}

// A finger missing from a slap is written on export as 14.018 AMP ("UP": unable to print, when the
// segmentation did not find it; the code a record declared otherwise), and read on import: a finger
// declared missing is expected, not reported as not found.
TEST_F(SlapImportTest, MissingFingersTravelAsAmpAndAreExpectedOnReimport) {
  nlohmann::json first = Import(SlapTransaction(dir_.path(), "T-amp", {2, 3, 4, 5}, {5}), "P-amp");
  ASSERT_EQ(first["slap_fingers"], 3) << first.dump();
  EXPECT_TRUE(Mentions(first["skipped"], "finger 5 (right_little) not found in the slap")) << first["skipped"].dump();
  const auto export_person = [&](const std::string& person) {
    const std::string exported = (dir_.path() / (person + ".an2")).string();
    CliRun run = RunCli({"--store", store_, "export", "nist", person, "--out", exported, "--purpose", "deduplication",
                         "--case", "C-1", "--json"},
                        {{"ABIS_API_KEY", enroller_key_}});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return exported;
  };
  const auto amputations_of = [](const std::string& file) {
    std::vector<std::pair<int, std::string>> out;
    auto transaction = interop::ReadAn2kFile(file);
    EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
    if (!transaction.ok()) return out;
    auto bundle = interop::ExtractEnrolmentBundle(*transaction);
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    if (!bundle.ok() || bundle->slaps.size() != 1) return out;
    for (const auto& amputation : bundle->slaps[0].amputations) out.emplace_back(amputation.position, amputation.code);
    return out;
  };
  const std::string exported = export_person("P-amp");
  EXPECT_EQ(amputations_of(exported), (std::vector<std::pair<int, std::string>>{{5, "UP"}}));

  nlohmann::json second = Import(exported, "P-amp2");
  EXPECT_EQ(second["slap_fingers"], 3) << second.dump();
  EXPECT_FALSE(Mentions(second["skipped"], "not found in the slap")) << second["skipped"].dump();
  EXPECT_TRUE(Mentions(second["skipped"],
                       "finger 5 (right_little) not in the slap, as declared: unable to print "
                       "(14.018 AMP UP)"))
      << second["skipped"].dump();
  ASSERT_EQ(second["slaps"].size(), 1u);
  EXPECT_EQ(second["slaps"][0]["declared_missing_positions"], nlohmann::json::array({5}));
  EXPECT_EQ(second["slaps"][0]["missing_positions"], nlohmann::json::array());

  // Declared amputated by the sender: kept as XX through import and export.
  nlohmann::json amputated = Import(SlapTransaction(dir_.path(), "T-xx", {2, 3, 4, 5}, {5}, {{5, "XX"}}), "P-xx");
  EXPECT_TRUE(Mentions(amputated["skipped"], "not in the slap, as declared: amputated (14.018 AMP XX)"))
      << amputated["skipped"].dump();
  EXPECT_EQ(amputations_of(export_person("P-xx")), (std::vector<std::pair<int, std::string>>{{5, "XX"}}));
}

TEST_F(SlapImportTest, FingerSwapIsFlaggedWithScoresNotEnrolled) {
  // The rolled prints say fingers 0 and 1 are the middle and index fingers: the slap disagrees.
  nlohmann::json out = Import(SlapTransaction(dir_.path(), "T-swap", {3, 2, 4, 5}), "P-swap");
  EXPECT_EQ(out["sequence_errors"], 2) << out.dump();
  EXPECT_EQ(out["slap_fingers"], 2);
  EXPECT_TRUE(Mentions(out["skipped"],
                       "finger 2 (right_index): not enrolled: sequence check: finger_swap: matches "
                       "the rolled print of finger 3 (score"))
      << out["skipped"].dump();
}

TEST_F(SlapImportTest, HandSwapIsFlagged) {
  // The rolled prints of the slap's fingers are filed as the left hand.
  nlohmann::json out = Import(SlapTransaction(dir_.path(), "T-hand", {7, 8, 9, 10}), "P-hand");
  EXPECT_EQ(out["sequence_errors"], 4) << out.dump();
  EXPECT_TRUE(Mentions(out["skipped"], "hand_swap")) << out["skipped"].dump();
}

TEST_F(SlapImportTest, SharedFourFourTwoTransactionsEnrolTenFingers) {
  const auto dir = SharedDataDir() / "interop" / "ansi-nist";
  const auto card = dir / "eftviewer_nist-type-14-tpcard_v0500.eft";
  const auto slaps = dir / "libbiomeval_type4-slaps.an2k";
  if (!std::filesystem::exists(card) || !std::filesystem::exists(slaps)) GTEST_SKIP() << "shared samples absent";
  // Type-4 FGP 13/14 and plain thumbs 11/12, no rolled prints: ten fingers from the slaps.
  nlohmann::json out = Import(slaps.string(), "P-slaps");
  EXPECT_EQ(out["slap_fingers"], 10) << out.dump();
  std::set<int> positions;
  for (const auto& slap : out["slaps"]) {
    for (const auto& segment : slap["segments"]) positions.insert(segment["position"].get<int>());
  }
  EXPECT_EQ(positions.size(), 10u);
  // Type-14 ten-print card with slaps: every slap finger matches its own rolled print best.
  out = Import(card.string(), "P-card");
  EXPECT_EQ(out["fingers"], 20) << out.dump();
  EXPECT_EQ(out["sequence_errors"], 0);
  for (const auto& slap : out["slaps"]) {
    for (const auto& segment : slap["segments"]) {
      EXPECT_EQ(segment["sequence_check"]["best_position"], segment["position"]) << segment.dump();
    }
  }
}

// An ISO/IEC 19794-4:2011 finger image record with one representation at `position`, a PNG image
// (compression 6) at 500 ppi.
std::vector<std::uint8_t> IsoFingerImageRecord(int position, const finger::GrayImage& image) {
  const std::vector<std::uint8_t> png = Png(image);
  auto put = [](std::vector<std::uint8_t>& out, std::uint32_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  std::vector<std::uint8_t> representation;
  put(representation, 0, 4);  // length, patched below
  put(representation, 2026, 2);
  for (int v : {12, 7, 12, 0, 0}) put(representation, static_cast<std::uint32_t>(v), 1);
  put(representation, 0, 2);
  put(representation, 0, 1);  // technology
  put(representation, 0, 2);  // vendor
  put(representation, 0, 2);  // type
  put(representation, 0, 1);  // no quality block
  put(representation, static_cast<std::uint32_t>(position), 1);
  put(representation, 1, 1);  // representation number
  put(representation, 1, 1);  // pixels per inch
  for (int i = 0; i < 4; ++i) put(representation, 500, 2);
  put(representation, 8, 1);  // bit depth
  put(representation, 6, 1);  // PNG
  put(representation, 0, 1);  // live-scan plain
  put(representation, static_cast<std::uint32_t>(image.width), 2);
  put(representation, static_cast<std::uint32_t>(image.height), 2);
  put(representation, static_cast<std::uint32_t>(png.size()), 4);
  representation.insert(representation.end(), png.begin(), png.end());
  const auto length = static_cast<std::uint32_t>(representation.size());
  for (int i = 0; i < 4; ++i)
    representation[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  std::vector<std::uint8_t> record = {'F', 'I', 'R', 0, '0', '2', '0', 0};
  put(record, 16 + length, 4);
  put(record, 1, 2);  // one representation
  put(record, 0, 1);  // no certification
  put(record, 1, 1);  // one distinct position
  record.insert(record.end(), representation.begin(), representation.end());
  return record;
}

// `abis finger segment` on an ISO/IEC 19794-4 record whose image is a right four-finger slap
// (position 13): segmented as the record says, without --slap; a --slap that contradicts the
// record and a record without a multi-finger image are refused.
TEST_F(SlapImportTest, SegmentCommandCutsTheMultiFingerImageOfAnIso19794_4Record) {
  std::vector<finger::GrayImage> prints;
  for (int i = 0; i < 4; ++i) prints.push_back(finger::GenerateSyntheticFinger(91, i, 1).impressions[0].image);
  finger::SlapComposition composition;
  composition.seed = 3;
  auto slap = finger::ComposeSlap(prints, composition);
  ASSERT_TRUE(slap.ok()) << slap.status().ToString();
  const std::filesystem::path record = dir_.path() / "slap.fir";
  const std::vector<std::uint8_t> bytes = IsoFingerImageRecord(13, slap->image);
  std::ofstream(record, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));

  CliRun run = RunCli({"finger", "segment", record.string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto json = nlohmann::json::parse(run.LastLine(), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << run.out;
  ASSERT_EQ(json["slaps"].size(), 1u) << run.out;
  EXPECT_EQ(json["slaps"][0]["fgp"], 13);
  std::set<int> positions;
  for (const auto& segment : json["slaps"][0]["segments"]) positions.insert(segment["position"].get<int>());
  EXPECT_EQ(positions, (std::set<int>{2, 3, 4, 5})) << run.out;

  run = RunCli({"finger", "segment", record.string(), "--slap", "left"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("the record says a right slap, not --slap left"), std::string::npos) << run.err;

  const std::filesystem::path single = dir_.path() / "single.fir";
  const std::vector<std::uint8_t> one = IsoFingerImageRecord(2, prints[0]);
  std::ofstream(single, std::ios::binary)
      .write(reinterpret_cast<const char*>(one.data()), static_cast<std::streamsize>(one.size()));
  run = RunCli({"finger", "segment", single.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("holds no multi-finger image (11-15); its positions: 2"), std::string::npos) << run.err;
}

TEST_F(SlapImportTest, SegmentCommandRefusesBadInput) {
  const std::string empty = (dir_.path() / "empty.png").string();
  std::ofstream(empty).close();
  CliRun run = RunCli({"finger", "segment", empty, "--slap", "right"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("empty"), std::string::npos) << run.err;
  run = RunCli({"finger", "segment", empty, "--slap", "upper"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("'upper' is not one of right, left, thumbs"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace abis
