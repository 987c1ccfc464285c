// parse -> write -> parse on every sample transaction.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_writer.h"
#include "an2k_sample_files.h"

namespace abis::interop {
namespace {

std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(An2kRoundTrip, EverySampleRereadsIdenticallyAfterWriting) {
  const auto files = testing::An2kSampleFiles();
  if (files.empty()) GTEST_SKIP() << "no ANSI/NIST-ITL samples under " << testing::An2kSampleDir();
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto first = ReadAn2kFile(file);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    auto written = SerializeAn2kTransaction(*first);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto second = ParseAn2kTransaction(*written);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ(*first, *second);
    auto third = SerializeAn2kTransaction(*second);
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(*written, *third) << "writing is not idempotent";
  }
}

TEST(An2kRoundTrip, CanonicalSamplesAreWrittenBackByteForByte) {
  const auto files = testing::An2kSampleFiles();
  if (files.empty()) GTEST_SKIP() << "no ANSI/NIST-ITL samples under " << testing::An2kSampleDir();
  int canonical = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const auto original = ReadBytes(file);
    std::vector<std::string> deviations;
    auto parsed = ParseAn2kTransaction(original, &deviations);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto written = SerializeAn2kTransaction(*parsed);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    if (!deviations.empty()) {
      EXPECT_NE(*written, original) << "non-canonical input came back unchanged: " << deviations.front();
      continue;
    }
    ++canonical;
    EXPECT_TRUE(*written == original) << "canonical sample not reproduced byte for byte";
  }
  EXPECT_GT(canonical, 0);
}

}  // namespace
}  // namespace abis::interop
