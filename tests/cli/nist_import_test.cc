// `abis import nist` end to end with Type-9 minutiae: transactions built here (INCITS 378 blocks
// from synthetic minutiae sets) are imported, the minutiae are enrolled at their finger position
// and verify against an ANSI INCITS 378 record of the same minutiae; blocks that are malformed or
// cannot be converted are listed in `skipped` with the reason, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"
#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"

namespace abis {
namespace {

using interop::An2kField;
using interop::TaggedRecord;
using testing::CliRun;
using testing::RunCli;

// The INCITS 378 block of a Type-9 record for `minutiae` (pixels at 500 ppi, as SyntheticFinger
// makes them): 9.128-9.132 image size and scale, 9.134 FGP, 9.136 NOM, 9.137 FMD items index, X,
// Y, angle in units of 2 degrees, type (1 ending, 2 bifurcation, 0 other), quality.
TaggedRecord Incits378Type9(const finger::MinutiaeTemplate& minutiae, int idc, int position) {
  std::vector<std::vector<std::string>> items;
  for (std::size_t i = 0; i < minutiae.minutiae.size(); ++i) {
    const finger::Minutia& m = minutiae.minutiae[i];
    const long angle_code = std::lround(m.angle * 90.0 / std::numbers::pi) % 180;
    items.push_back({std::to_string(i + 1), std::to_string(m.x), std::to_string(m.y), std::to_string(angle_code),
                     std::to_string(static_cast<int>(m.type)), std::to_string(m.quality)});
  }
  TaggedRecord record;
  record.type = 9;
  record.fields = {An2kField::Text(2, std::to_string(idc)),
                   An2kField::Text(3, "0"),
                   An2kField::Text(4, "U"),
                   An2kField::Text(128, std::to_string(minutiae.width)),
                   An2kField::Text(129, std::to_string(minutiae.height)),
                   An2kField::Text(130, "1"),
                   An2kField::Text(131, "500"),
                   An2kField::Text(132, "500"),
                   An2kField::Text(134, std::to_string(position)),
                   An2kField::Text(136, std::to_string(items.size())),
                   An2kField::Items(137, std::move(items))};
  return record;
}

// A legacy standard-format block (9.004 FMT S, 9.006 FGP, 9.010 MIN, 9.012 MRC XXXXYYYYTTT).
TaggedRecord LegacyType9(int idc) {
  TaggedRecord record;
  record.type = 9;
  record.fields = {An2kField::Text(2, std::to_string(idc)), An2kField::Text(3, "0"),
                   An2kField::Text(4, "S"),                 An2kField::Text(6, "3"),
                   An2kField::Text(10, "2"),
                   An2kField::Items(12, {{"1", "01000200090", "40", "A"}, {"2", "03000400180", "40", "B"}})};
  return record;
}

class NistImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin_key = init.LastLine().substr(9);
    CliRun gallery = Run({"gallery", "create", "--name", "bookings"}, admin_key);
    ASSERT_EQ(gallery.exit_code, 0) << gallery.err;
    CliRun user = Run({"user", "add", "--name", "ena", "--role", "enroller"}, admin_key);
    ASSERT_EQ(user.exit_code, 0) << user.err;
    enroller_key_ = user.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  // Writes a transaction (Type-1, Type-2, then `records`) and returns its path.
  std::string WriteTransaction(const std::string& name, std::vector<TaggedRecord> records) {
    interop::NistEnrolmentBundle bundle;
    bundle.transaction_control_number = name;
    interop::NistTransactionOptions options;
    options.timestamp_utc = "20240517103000";
    auto transaction = interop::BuildTransactionFromBundle(bundle, options);
    EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
    for (TaggedRecord& record : records) transaction->records.emplace_back(std::move(record));
    EXPECT_TRUE(interop::RebuildContentField(*transaction).ok());
    const std::string path = (dir_.path() / (name + ".an2")).string();
    const Status written = interop::WriteAn2kFile(*transaction, path);
    EXPECT_TRUE(written.ok()) << written.ToString();
    return path;
  }

  // An ANSI INCITS 378-2004 record of `minutiae`, written by the finger module, as a file.
  std::string WriteAnsiRecord(const std::string& name, const finger::MinutiaeTemplate& minutiae) {
    auto bytes = finger::WriteMinutiaeRecord(
        finger::SingleViewRecord(minutiae, finger::MinutiaeRecordFormat::kAnsi378_2004));
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()),
                                                static_cast<std::streamsize>(bytes->size()));
    return path;
  }

  nlohmann::json Import(const std::string& file, const std::string& person, int expected_exit = 0) {
    CliRun run = Run({"import", "nist", file, "--purpose", "deduplication", "--case", "C-7", "--person", person,
                      "--gallery", "bookings", "--json"},
                     enroller_key_);
    EXPECT_FALSE(run.crashed) << run.err;
    EXPECT_EQ(run.exit_code, expected_exit) << run.out << run.err;
    auto json = nlohmann::json::parse(run.LastLine(), nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << run.out << run.err;
    return json;
  }

  CliRun Verify(const std::string& person, const std::string& record, const std::string& finger) {
    return Run({"verify", "--person", person, "--modality", "finger", "--file", record, "--finger", finger,
                "--purpose", "identity_verification", "--case", "C-7", "--json"},
               enroller_key_);
  }

  static bool Mentions(const nlohmann::json& lines, const std::string& text) {
    for (const auto& line : lines) {
      if (line.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }

  testing::TempDir dir_;
  std::string store_;
  std::string enroller_key_;
};

TEST_F(NistImportTest, Incits378MinutiaeAreEnrolledAtTheirFingerAndVerify) {
  const finger::MinutiaeTemplate right_index = finger::SyntheticFinger(11);
  const finger::MinutiaeTemplate left_index = finger::SyntheticFinger(12);
  const std::string file =
      WriteTransaction("T-9", {Incits378Type9(right_index, 2, 2), Incits378Type9(left_index, 3, 7)});
  const nlohmann::json imported = Import(file, "P-9");
  EXPECT_EQ(imported["minutiae_sets"], 2) << imported.dump();
  EXPECT_EQ(imported["fingers"], 0) << "fingers counts images only";
  EXPECT_TRUE(imported["failed"].empty()) << imported.dump();
  EXPECT_TRUE(imported["skipped"].empty()) << imported.dump();
  // One transaction is one encounter (a booking) holding every sample, not one encounter each.
  CliRun encounters = Run({"encounter", "list", "--person", "P-9", "--json"}, enroller_key_);
  ASSERT_EQ(encounters.exit_code, 0) << encounters.out << encounters.err;
  const nlohmann::json listed = nlohmann::json::parse(encounters.LastLine());
  ASSERT_EQ(listed["encounters"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["encounters"][0]["kind"], "booking");
  EXPECT_EQ(listed["encounters"][0]["templates"].size(), 2u) << listed.dump();
  EXPECT_EQ(listed["encounters"][0]["encounter_id"], imported["encounter"]) << imported.dump();

  // The same minutiae, as an ANSI record written by the finger module, verify at their finger...
  CliRun same = Verify("P-9", WriteAnsiRecord("right_index.ansi", right_index), "2");
  ASSERT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_TRUE(nlohmann::json::parse(same.LastLine())["match"].get<bool>()) << same.out;
  CliRun left = Verify("P-9", WriteAnsiRecord("left_index.ansi", left_index), "7");
  ASSERT_EQ(left.exit_code, 0) << left.out << left.err;
  // ...and another finger's minutiae do not.
  CliRun other = Verify("P-9", WriteAnsiRecord("other.ansi", finger::SyntheticFinger(99)), "2");
  EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_FALSE(nlohmann::json::parse(other.LastLine())["match"].get<bool>()) << other.out;

  // Searchable: a 1:N search of the gallery with the record names the person as a hit.
  CliRun search = Run({"search", "--gallery", "bookings", "--modality", "finger", "--finger", "2", "--file",
                       (dir_.path() / "right_index.ansi").string(), "--purpose", "deduplication", "--case", "C-7",
                       "--json"},
                      enroller_key_);
  ASSERT_EQ(search.exit_code, 0) << search.out << search.err;
  const nlohmann::json found = nlohmann::json::parse(search.LastLine());
  ASSERT_FALSE(found["candidates"].empty()) << found.dump();
  EXPECT_EQ(found["candidates"][0]["external_id"], "P-9") << found.dump();
  EXPECT_TRUE(found["candidates"][0]["hit"].get<bool>()) << found.dump();
}

// Issue 18, item 11: without --person the person is named after the control number, its spaces
// turned into '-' (an id that needs no quoting).
TEST_F(NistImportTest, APersonNamedAfterAControlNumberWithSpacesGetsDashes) {
  const std::string file = WriteTransaction("TX 2026 17", {Incits378Type9(finger::SyntheticFinger(21), 2, 2)});
  CliRun run = Run({"import", "nist", file, "--purpose", "deduplication", "--case", "C-7", "--gallery", "bookings",
                    "--json"},
                   enroller_key_);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.LastLine())["person"], "TX-2026-17") << run.LastLine();
  EXPECT_EQ(Run({"person", "show", "--id", "TX-2026-17"}, enroller_key_).exit_code, 0);
}

TEST_F(NistImportTest, ExportWritesTheMinutiaeRecordsAsType9AndTheyImportAgain) {
  const finger::MinutiaeTemplate right_thumb = finger::SyntheticFinger(41);
  Import(WriteTransaction("T-x", {Incits378Type9(right_thumb, 2, 1)}), "P-x");
  const std::string out = (dir_.path() / "P-x.an2").string();
  CliRun exported = Run({"export", "nist", "P-x", "--out", out, "--purpose", "identity_verification", "--case", "C-7",
                         "--json"},
                        enroller_key_);
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  const nlohmann::json summary = nlohmann::json::parse(exported.LastLine());
  EXPECT_EQ(summary["minutiae_sets"], 1) << summary.dump();
  EXPECT_TRUE(summary["skipped"].empty()) << summary.dump();

  // The written block gives back the original pixels, angles, types and position.
  auto transaction = interop::ReadAn2kFile(out);
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bundle = interop::ExtractEnrolmentBundle(*transaction);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->minutiae.size(), 1u);
  const interop::NistMinutiae& set = bundle->minutiae[0];
  EXPECT_EQ(set.position, FingerPosition::kRightThumb);
  EXPECT_EQ(set.image_width, right_thumb.width);
  EXPECT_EQ(set.image_height, right_thumb.height);
  ASSERT_EQ(set.minutiae.size(), right_thumb.minutiae.size());
  for (std::size_t i = 0; i < set.minutiae.size(); ++i) {
    const finger::Minutia& original = right_thumb.minutiae[i];
    EXPECT_EQ(std::lround(set.minutiae[i].x * set.pixels_per_mm / 100.0), original.x) << i;
    EXPECT_EQ(std::lround(set.minutiae[i].y * set.pixels_per_mm / 100.0), original.y) << i;
    EXPECT_EQ(set.minutiae[i].theta_degrees, 2 * (std::lround(original.angle * 90.0 / std::numbers::pi) % 180)) << i;
  }
  // And the exported transaction enrols again, matching the original minutiae.
  const nlohmann::json again = Import(out, "P-x2");
  EXPECT_EQ(again["minutiae_sets"], 1) << again.dump();
  CliRun verified = Verify("P-x2", WriteAnsiRecord("right_thumb.ansi", right_thumb), "1");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_F(NistImportTest, MalformedOrUnconvertibleType9IsSkippedWithTheReason) {
  const finger::MinutiaeTemplate good = finger::SyntheticFinger(21);
  TaggedRecord miscounted = Incits378Type9(finger::SyntheticFinger(22), 3, 3);
  miscounted.Find(136)->subfields = {{"7"}};
  TaggedRecord bad_angle = Incits378Type9(finger::SyntheticFinger(23), 4, 4);
  bad_angle.Find(137)->subfields[0][3] = "180";
  TaggedRecord unscaled = Incits378Type9(finger::SyntheticFinger(24), 5, 5);
  unscaled.Find(130)->subfields = {{"0"}};
  // NOM 0 without 9.137: the record holds no minutiae block at all.
  TaggedRecord empty = Incits378Type9(finger::MinutiaeTemplate{300, 400, 500, FingerPosition::kUnknown, 0, {}, {}}, 6, 6);
  std::erase_if(empty.fields, [](const An2kField& field) { return field.number == 137; });
  const std::string file = WriteTransaction(
      "T-bad", {Incits378Type9(good, 2, 1), miscounted, bad_angle, unscaled, empty, LegacyType9(7)});
  const nlohmann::json imported = Import(file, "P-bad");
  EXPECT_EQ(imported["minutiae_sets"], 1) << imported.dump();
  const nlohmann::json& skipped = imported["skipped"];
  EXPECT_TRUE(Mentions(skipped, "9.136 NOM says 7 minutiae")) << skipped.dump();
  EXPECT_TRUE(Mentions(skipped, "angle \"180\" is not 0-179")) << skipped.dump();
  EXPECT_TRUE(Mentions(skipped, "9.130 SLC 0 gives no physical scale")) << skipped.dump();
  EXPECT_TRUE(Mentions(skipped, "no standard (9.012), EFS (9.331) or INCITS 378 (9.137) minutiae")) << skipped.dump();
  EXPECT_TRUE(Mentions(skipped, "standard-format (9.012) minutiae): not enrolled: the block gives no image size"))
      << skipped.dump();
  EXPECT_EQ(skipped.size(), 5u) << skipped.dump();
  CliRun verified = Verify("P-bad", WriteAnsiRecord("good.ansi", good), "1");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_F(NistImportTest, ATransactionWhoseOnlyMinutiaeAreUnreadableIsRefusedInOneLine) {
  TaggedRecord miscounted = Incits378Type9(finger::SyntheticFinger(31), 2, 2);
  miscounted.Find(136)->subfields = {{"1"}};
  CliRun run = Run({"import", "nist", WriteTransaction("T-none", {miscounted}), "--purpose", "deduplication",
                    "--case", "C-7"},
                   enroller_key_);
  EXPECT_FALSE(run.crashed) << run.err;
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_EQ(run.ErrLines(), 1) << run.err;
  EXPECT_NE(run.err.find("no fingerprint image, slap, minutiae, face or STR profile"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace abis
