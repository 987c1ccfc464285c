// Damaged transactions are rejected with an error naming where, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"
#include "an2k_sample_files.h"

namespace abis::interop {
namespace {

std::vector<std::uint8_t> Bytes(const std::string& text) { return std::vector<std::uint8_t>(text.begin(), text.end()); }

// A small valid transaction built from text: Type-1 + Type-2 + a binary Type-4.
std::vector<std::uint8_t> SmallTransaction() {
  An2kTransaction transaction;
  TaggedRecord type1;
  type1.type = 1;
  type1.fields = {An2kField::Text(2, "0502"), An2kField::Items(3, {{"1", "0"}}), An2kField::Text(4, "TEST")};
  transaction.records.emplace_back(type1);
  TaggedRecord type2;
  type2.type = 2;
  type2.fields = {An2kField::Text(2, "00"), An2kField::Items(18, {{"DOE", "JOHN"}, {"ROE", "JANE"}})};
  transaction.records.emplace_back(type2);
  BinaryImageRecord type4;
  type4.idc = 1;
  type4.finger_positions = {2, 255, 255, 255, 255, 255};
  type4.width = 4;
  type4.height = 3;
  type4.image = std::vector<std::uint8_t>(12, 0x80);
  transaction.records.emplace_back(type4);
  EXPECT_TRUE(RebuildContentField(transaction).ok());
  auto bytes = SerializeAn2kTransaction(transaction);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::vector<std::uint8_t>{};
}

TEST(An2kCorruption, SmallTransactionIsValidToStartWith) {
  const auto bytes = SmallTransaction();
  auto parsed = ParseAn2kTransaction(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->records.size(), 3u);
}

TEST(An2kCorruption, EveryTruncationIsRejected) {
  const auto bytes = SmallTransaction();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto parsed = ParseAn2kTransaction(std::span(bytes.data(), cut));
    EXPECT_FALSE(parsed.ok()) << "accepted a transaction cut at byte " << cut;
    EXPECT_FALSE(parsed.status().message().empty());
  }
}

TEST(An2kCorruption, TruncatedSamplesAreRejectedNamingARecord) {
  const auto files = testing::An2kSampleFiles();
  if (files.empty()) GTEST_SKIP() << "no ANSI/NIST-ITL samples under " << testing::An2kSampleDir();
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t step = std::max<std::size_t>(1, bytes.size() / 150);
    for (std::size_t cut = 1; cut < bytes.size(); cut += step) {
      auto parsed = ParseAn2kTransaction(std::span(bytes.data(), cut));
      ASSERT_FALSE(parsed.ok()) << file.filename() << " accepted when cut at byte " << cut;
      const std::string message = parsed.status().message();
      EXPECT_TRUE(message.find("record") != std::string::npos || message.find("Type-1") != std::string::npos)
          << message;
    }
  }
}

TEST(An2kCorruption, WrongTaggedLengthIsRejected) {
  auto bytes = SmallTransaction();
  std::string text(bytes.begin(), bytes.end());
  // Type-1 LEN: increase and decrease the declared value by one.
  const std::size_t colon = text.find(':');
  const std::size_t end = text.find('\x1D');
  const int length = std::stoi(text.substr(colon + 1, end - colon - 1));
  for (int delta : {-1, 1}) {
    std::string changed = text.substr(0, colon + 1) + std::to_string(length + delta) + text.substr(end);
    auto parsed = ParseAn2kTransaction(Bytes(changed));
    ASSERT_FALSE(parsed.ok()) << "LEN " << length + delta << " accepted";
    EXPECT_NE(parsed.status().message().find("record 1 (Type-1)"), std::string::npos) << parsed.status().message();
  }
}

TEST(An2kCorruption, WrongBinaryLengthIsRejected) {
  auto bytes = SmallTransaction();
  const std::size_t type4_offset = bytes.size() - 30;  // 18-byte header + 12 pixels
  for (int delta : {-1, 1, 1000000}) {
    auto changed = bytes;
    changed[type4_offset + 3] = static_cast<std::uint8_t>(30 + delta);
    if (delta == 1000000) changed[type4_offset + 1] = 0x0F;
    auto parsed = ParseAn2kTransaction(changed);
    ASSERT_FALSE(parsed.ok()) << "binary LEN change " << delta << " accepted";
    // A shorter LEN leaves a byte after the last record; a longer one overruns the input.
    const std::string message = parsed.status().message();
    EXPECT_TRUE(message.find("record 3 (Type-4)") != std::string::npos ||
                message.find("1 bytes follow the last") != std::string::npos)
        << message;
  }
}

TEST(An2kCorruption, ContentFieldDisagreementsAreRejected) {
  const auto bytes = SmallTransaction();
  const std::string text(bytes.begin(), bytes.end());
  const std::string cnt = std::string("1\x1F") + "2\x1E" + "2\x1F" + "00\x1E" + "4\x1F" + "01";
  ASSERT_NE(text.find(cnt), std::string::npos);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("1\x1F") + "3\x1E" + "2\x1F" + "00\x1E" + "4\x1F" + "01", "declares 3 records but lists 2"},
      {std::string("1\x1F") + "2\x1E" + "2\x1F" + "00\x1E" + "4\x1F" + "02", "IDC 1 does not match IDC 2"},
      {std::string("1\x1F") + "2\x1E" + "2\x1F" + "01\x1E" + "4\x1F" + "01", "IDC 0 does not match IDC 1"},
      {std::string("1\x1F") + "2\x1E" + "2\x1F" + "00\x1E" + "9\x1F" + "01", "record 3 (Type-9)"},
      {std::string("1\x1F") + "2\x1E" + "2\x1F" + "00\x1E" + "44\x1F" + "1", "not a record type"},
  };
  for (const auto& [replacement, expected] : cases) {
    std::string changed = text;
    changed.replace(changed.find(cnt), cnt.size(), replacement);
    // Keep Type-1 LEN right so only the content listing is wrong.
    const std::size_t colon = changed.find(':');
    const std::size_t end = changed.find('\x1D');
    const int delta = static_cast<int>(replacement.size()) - static_cast<int>(cnt.size());
    changed.replace(colon + 1, end - colon - 1, std::to_string(std::stoi(changed.substr(colon + 1, end - colon - 1)) + delta));
    auto parsed = ParseAn2kTransaction(Bytes(changed));
    ASSERT_FALSE(parsed.ok()) << "accepted CNT " << expected;
    EXPECT_NE(parsed.status().message().find(expected), std::string::npos) << parsed.status().message();
  }
}

TEST(An2kCorruption, TrailingBytesAreRejected) {
  auto bytes = SmallTransaction();
  bytes.push_back(0);
  auto parsed = ParseAn2kTransaction(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("1 bytes follow the last"), std::string::npos) << parsed.status().message();
}

TEST(An2kCorruption, UnsupportedVersionIsUnimplemented) {
  const auto bytes = SmallTransaction();
  std::string text(bytes.begin(), bytes.end());
  text.replace(text.find("0502"), 4, "0600");
  auto parsed = ParseAn2kTransaction(Bytes(text));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnimplemented);
}

TEST(An2kCorruption, TwoDigitFieldNumbersAreToleratedAndReported) {
  const std::string type1 = std::string("1.01:58\x1D") + "1.02:0201\x1D" + "1.03:1\x1F" + "1\x1E" + "2\x1F" + "00\x1D" +
                            "1.04:CAR\x1C";
  const std::string type2 = std::string("2.001:24\x1D") + "2.002:00\x1D" + "2.5:Y\x1C";
  ASSERT_EQ(type2.size(), 24u);
  std::string text = type1 + type2;
  // Fix Type-1 LEN for the exact text above.
  text.replace(5, 2, std::to_string(type1.size()));
  std::vector<std::string> deviations;
  auto parsed = ParseAn2kTransaction(Bytes(text), &deviations);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(std::get<TaggedRecord>(parsed->records[1]).Item(5).value_or(""), "Y");
  EXPECT_EQ(deviations.size(), 2u);
}

TEST(An2kCorruption, RandomByteFlipsNeverCrash) {
  const auto bytes = SmallTransaction();
  std::mt19937 random(7);
  int rejected = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    auto changed = bytes;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) changed[random() % changed.size()] = static_cast<std::uint8_t>(random());
    auto parsed = ParseAn2kTransaction(changed);
    if (!parsed.ok()) {
      ++rejected;
      EXPECT_FALSE(parsed.status().message().empty());
    } else {
      // Whatever was accepted must write and read back to the same content.
      auto written = SerializeAn2kTransaction(*parsed);
      ASSERT_TRUE(written.ok()) << written.status().ToString();
      auto again = ParseAn2kTransaction(*written);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_EQ(*again, *parsed);
      (void)ExtractEnrolmentBundle(*parsed);
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(An2kWriter, RejectsSeparatorInsideTextAndHeldLength) {
  An2kTransaction transaction;
  TaggedRecord type1;
  type1.type = 1;
  type1.fields = {An2kField::Text(2, "0502"), An2kField::Items(3, {{"1", "0"}}), An2kField::Text(9, "A\x1E")};
  transaction.records.emplace_back(type1);
  auto written = SerializeAn2kTransaction(transaction);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("field 1.9"), std::string::npos) << written.status().message();
  std::get<TaggedRecord>(transaction.records[0]).fields.back() = An2kField::Text(1, "99");
  written = SerializeAn2kTransaction(transaction);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("LEN"), std::string::npos);
}

TEST(An2kWriter, RejectsContentFieldThatDoesNotListTheRecords) {
  An2kTransaction transaction;
  TaggedRecord type1;
  type1.type = 1;
  type1.fields = {An2kField::Text(2, "0502"), An2kField::Items(3, {{"1", "0"}})};
  transaction.records.emplace_back(type1);
  TaggedRecord type2;
  type2.type = 2;
  type2.fields = {An2kField::Text(2, "00")};
  transaction.records.emplace_back(type2);
  auto written = SerializeAn2kTransaction(transaction);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("1.003"), std::string::npos);
  ASSERT_TRUE(RebuildContentField(transaction).ok());
  EXPECT_TRUE(SerializeAn2kTransaction(transaction).ok());
}

}  // namespace
}  // namespace abis::interop
