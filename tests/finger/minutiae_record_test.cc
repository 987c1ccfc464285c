#include "abis/finger/minutiae_record.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "test_data.h"

namespace abis::finger {
namespace {

using testing::ReadBytes;

MinutiaeTemplate SampleMinutiae() {
  MinutiaeTemplate minutiae;
  minutiae.width = 300;
  minutiae.height = 400;
  minutiae.resolution_ppi = 500;
  minutiae.position = FingerPosition::kLeftIndex;
  minutiae.finger_quality = 77;
  for (int i = 0; i < 30; ++i) {
    Minutia m;
    m.x = 10 + i * 9;
    m.y = 20 + i * 12;
    m.angle = i * 2 * std::numbers::pi / 30;
    m.type = i % 3 == 0 ? MinutiaType::kBifurcation : MinutiaType::kEnding;
    m.quality = i * 3;
    minutiae.minutiae.push_back(m);
  }
  return minutiae;
}

std::vector<std::uint8_t> WriteOrDie(const MinutiaeRecord& record) {
  auto bytes = WriteMinutiaeRecord(record);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? bytes.value() : std::vector<std::uint8_t>{};
}

void ExpectSameMinutiae(const MinutiaeTemplate& a, const MinutiaeTemplate& b, double angle_tolerance) {
  ASSERT_EQ(a.minutiae.size(), b.minutiae.size());
  EXPECT_EQ(a.position, b.position);
  EXPECT_EQ(a.finger_quality, b.finger_quality);
  for (std::size_t i = 0; i < a.minutiae.size(); ++i) {
    EXPECT_EQ(a.minutiae[i].x, b.minutiae[i].x);
    EXPECT_EQ(a.minutiae[i].y, b.minutiae[i].y);
    EXPECT_EQ(a.minutiae[i].type, b.minutiae[i].type);
    EXPECT_EQ(a.minutiae[i].quality, b.minutiae[i].quality);
    const double d = std::remainder(a.minutiae[i].angle - b.minutiae[i].angle, 2 * std::numbers::pi);
    EXPECT_LE(std::abs(d), angle_tolerance) << "minutia " << i;
  }
}

TEST(MinutiaeRecordTest, IsoRoundTripKeepsEveryField) {
  const MinutiaeRecord record = SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005);
  const std::vector<std::uint8_t> bytes = WriteOrDie(record);
  ASSERT_EQ(bytes.size(), 24u + 4 + 30 * 6 + 2);
  auto format = DetectMinutiaeRecordFormat(bytes, "iso");
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  EXPECT_EQ(format.value(), MinutiaeRecordFormat::kIso19794_2_2005);
  auto read = ReadMinutiaeRecord(bytes, "iso");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->views.size(), 1u);
  ExpectSameMinutiae(SampleMinutiae(), read->views[0].minutiae, std::numbers::pi / 256 + 1e-9);
  EXPECT_EQ(WriteOrDie(read.value()), bytes);  // byte-exact second round
}

TEST(MinutiaeRecordTest, AnsiRoundTripKeepsEveryField) {
  const MinutiaeRecord record = SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kAnsi378_2004);
  const std::vector<std::uint8_t> bytes = WriteOrDie(record);
  ASSERT_EQ(bytes.size(), 26u + 4 + 30 * 6 + 2);
  auto read = ReadMinutiaeRecord(bytes, "ansi");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->format, MinutiaeRecordFormat::kAnsi378_2004);
  ExpectSameMinutiae(SampleMinutiae(), read->views[0].minutiae, std::numbers::pi / 180 + 1e-9);
  EXPECT_EQ(WriteOrDie(read.value()), bytes);
}

TEST(MinutiaeRecordTest, MultiViewRecordRoundTrips) {
  MinutiaeRecord record = SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005);
  FingerView second = record.views[0];
  second.view_number = 1;
  second.minutiae.position = FingerPosition::kRightThumb;
  second.minutiae.minutiae.resize(5);
  record.views.push_back(second);
  auto read = ReadMinutiaeRecord(WriteOrDie(record), "two views");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->views.size(), 2u);
  EXPECT_EQ(read->views[1].view_number, 1);
  EXPECT_EQ(read->views[1].minutiae.position, FingerPosition::kRightThumb);
  EXPECT_EQ(read->views[1].minutiae.minutiae.size(), 5u);
}

TEST(MinutiaeRecordTest, RejectsEveryTruncation) {
  const std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
    EXPECT_FALSE(ReadMinutiaeRecord(cut, "cut").ok()) << "length " << length;
    EXPECT_FALSE(ReadMinutiaeRecord(cut, MinutiaeRecordFormat::kIso19794_2_2005, "cut").ok()) << "length " << length;
    EXPECT_FALSE(ReadMinutiaeRecord(cut, MinutiaeRecordFormat::kAnsi378_2004, "cut").ok()) << "length " << length;
  }
}

TEST(MinutiaeRecordTest, RejectsTruncatedRecordWhoseLengthFieldWasFixedUp) {
  std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  bytes.resize(bytes.size() - 7);
  bytes[11] = static_cast<std::uint8_t>(bytes.size());  // length now agrees, minutiae block is short
  bytes[10] = static_cast<std::uint8_t>(bytes.size() >> 8);
  auto read = ReadMinutiaeRecord(bytes, MinutiaeRecordFormat::kIso19794_2_2005, "short");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("short"), std::string::npos);
}

TEST(MinutiaeRecordTest, AcceptsViewWithZeroMinutiae) {
  MinutiaeTemplate empty = SampleMinutiae();
  empty.minutiae.clear();
  auto read = ReadMinutiaeRecord(WriteOrDie(SingleViewRecord(empty, MinutiaeRecordFormat::kIso19794_2_2005)), "empty");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->views[0].minutiae.minutiae.empty());
}

TEST(MinutiaeRecordTest, RejectsFingerPositionTwelve) {
  std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  bytes[24] = 12;
  auto read = ReadMinutiaeRecord(bytes, "pos12");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("finger position 12"), std::string::npos) << read.status().message();
}

TEST(MinutiaeRecordTest, RejectsCoordinatesOutsideTheImage) {
  std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  bytes[28] = 0x41;  // first minutia: type ending, x = 0x1FF = 511 in a 300-pixel-wide image
  bytes[29] = 0xFF;
  auto read = ReadMinutiaeRecord(bytes, "outside");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("outside the 300x400 image"), std::string::npos) << read.status().message();
  MinutiaeTemplate outside = SampleMinutiae();
  outside.minutiae[0].y = 400;
  EXPECT_FALSE(WriteMinutiaeRecord(SingleViewRecord(outside, MinutiaeRecordFormat::kAnsi378_2004)).ok());
}

TEST(MinutiaeRecordTest, RejectsMinutiaCountBeyondTheRecord) {
  std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  bytes[27] = 255;  // claims 255 minutiae; 30 are present
  auto read = ReadMinutiaeRecord(bytes, "claims");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("255 minutiae"), std::string::npos) << read.status().message();
}

TEST(MinutiaeRecordTest, WriterRejectsMoreMinutiaeThanTheFormatHolds) {
  MinutiaeTemplate many = SampleMinutiae();
  many.minutiae.resize(256, many.minutiae[0]);
  EXPECT_FALSE(WriteMinutiaeRecord(SingleViewRecord(many, MinutiaeRecordFormat::kIso19794_2_2005)).ok());
}

TEST(MinutiaeRecordTest, RejectsLaterVersionsAsUnsupported) {
  std::vector<std::uint8_t> bytes =
      WriteOrDie(SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005));
  bytes[4] = '0';
  bytes[5] = '3';
  bytes[6] = '0';
  auto read = ReadMinutiaeRecord(bytes, "v3");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(read.status().message().find("not supported"), std::string::npos);
}

TEST(MinutiaeRecordTest, RejectsExtendedDataOverrunningTheRecordBeforeTheLastView) {
  MinutiaeRecord record = SingleViewRecord(SampleMinutiae(), MinutiaeRecordFormat::kIso19794_2_2005);
  record.views.push_back(record.views[0]);
  std::vector<std::uint8_t> bytes = WriteOrDie(record);
  const std::size_t first_block = 24 + 4 + 30 * 6;
  bytes[first_block] = 0x7F;  // the first view's extended data claims 0x7F00 bytes
  auto read = ReadMinutiaeRecord(bytes, "overrun");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("extended data block of view 0"), std::string::npos)
      << read.status().message();
}

TEST(MinutiaeRecordTest, RejectsOtherMagic) {
  const std::vector<std::uint8_t> face = {'F', 'A', 'C', 0, '0', '1', '0', 0, 0, 0, 0, 30};
  EXPECT_EQ(ReadMinutiaeRecord(face, "face").status().code(), StatusCode::kInvalidArgument);
}

TEST(MinutiaeRecordTest, ReadsLibbiomevalIsoAndAnsiSamplesConsistently) {
  const auto dir = testing::TemplateSamplesDir();
  ABIS_SKIP_UNLESS_EXISTS(dir / "libbiomeval_fmr.iso2005");
  auto iso = ReadMinutiaeRecord(ReadBytes(dir / "libbiomeval_fmr.iso2005"), "fmr.iso2005");
  ASSERT_TRUE(iso.ok()) << iso.status().ToString();
  EXPECT_EQ(iso->format, MinutiaeRecordFormat::kIso19794_2_2005);
  EXPECT_EQ(iso->views.size(), 2u);
  auto ansi = ReadMinutiaeRecord(ReadBytes(dir / "libbiomeval_fmr.ansi2004"), "fmr.ansi2004");
  ASSERT_TRUE(ansi.ok()) << ansi.status().ToString();
  EXPECT_EQ(ansi->format, MinutiaeRecordFormat::kAnsi378_2004);
  EXPECT_EQ(ansi->views.size(), 3u);
  // The two files carry the same first view: same points, angles within one ANSI unit.
  ExpectSameMinutiae(iso->views[0].minutiae, ansi->views[0].minutiae, 2 * std::numbers::pi / 180 + 1e-9);
  // The last extended data block of both samples is miscounted; the reader skips it and says so.
  EXPECT_EQ(iso->warnings.size(), 1u);
  EXPECT_EQ(ansi->warnings.size(), 1u);
  // Re-written without extended data, the ISO record reads back to the same minutiae.
  auto again = ReadMinutiaeRecord(WriteOrDie(iso.value()), "rewritten");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->warnings.empty());
  ExpectSameMinutiae(iso->views[1].minutiae, again->views[1].minutiae, 1e-9);
}

TEST(MinutiaeRecordTest, ReportsAnsi2009SampleAsUnsupportedVersion) {
  const auto path = testing::TemplateSamplesDir() / "libbiomeval_fmr.ansi2007";
  ABIS_SKIP_UNLESS_EXISTS(path);
  auto read = ReadMinutiaeRecord(ReadBytes(path), "fmr.ansi2007");
  EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented);
}

TEST(MinutiaeRecordTest, RejectsTruncatedFvc2004TemplatesCleanly) {
  const auto dir = testing::FingerprintDataDir() / "iso-invalid" / "fvc2004" / "DB_1B";
  ABIS_SKIP_UNLESS_EXISTS(dir);
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto read = ReadMinutiaeRecord(ReadBytes(entry.path()), entry.path().filename().string());
    ASSERT_FALSE(read.ok()) << entry.path();
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("truncated"), std::string::npos) << read.status().message();
    ++seen;
  }
  EXPECT_EQ(seen, 3);
}

TEST(MinutiaeRecordTest, ReadsAndRewritesEveryFvc2002IsoTemplate) {
  const auto root = testing::FingerprintDataDir() / "fvc2002";
  ABIS_SKIP_UNLESS_EXISTS(root);
  int seen = 0;
  for (const auto& db : std::filesystem::directory_iterator(root)) {
    for (const auto& entry : std::filesystem::directory_iterator(db.path())) {
      if (entry.path().extension() != ".iso") continue;
      const std::vector<std::uint8_t> bytes = ReadBytes(entry.path());
      auto read = ReadMinutiaeRecord(bytes, entry.path().string());
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      EXPECT_FALSE(read->views[0].minutiae.minutiae.empty());
      EXPECT_EQ(WriteOrDie(read.value()), bytes) << entry.path();
      ++seen;
    }
  }
  EXPECT_EQ(seen, 320);
}

}  // namespace
}  // namespace abis::finger
