#include "abis/interop/an2k_reader.h"

#include <gtest/gtest.h>

#include "an2k_sample_files.h"

namespace abis::interop {
namespace {

TEST(An2kReaderSamples, EverySampleParsesEndToEnd) {
  const auto files = testing::An2kSampleFiles();
  if (files.empty()) GTEST_SKIP() << "no ANSI/NIST-ITL samples under " << testing::An2kSampleDir();
  for (const auto& file : files) {
    auto parsed = ReadAn2kFile(file);
    ASSERT_TRUE(parsed.ok()) << file << ": " << parsed.status().ToString();
    EXPECT_GE(parsed->records.size(), 2u) << file;
  }
}

}  // namespace
}  // namespace abis::interop
