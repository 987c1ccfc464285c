// Helpers shared by the DNA tests: profiles and frequency tables written inline.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "abis/dna/allele_frequencies.h"
#include "abis/dna/profile_io.h"

namespace abis::dna::testing {

// Parses an inline CSV profile; fails the test on error.
inline StrProfile Profile(const std::string& csv) {
  auto profile = ParseProfileCsv(csv, "inline.csv");
  EXPECT_TRUE(profile.ok()) << profile.status().ToString();
  return profile.ok() ? *profile : StrProfile{};
}

// Parses an inline frequency table; fails the test on error.
inline AlleleFrequencyTable Table(const std::string& csv) {
  auto table = AlleleFrequencyTable::ParseCsv(csv, "inline-freq.csv");
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return table.ok() ? *table : AlleleFrequencyTable{};
}

inline const PopulationFrequencies& OnlyPopulation(const AlleleFrequencyTable& table) {
  return table.populations().begin()->second;
}

}  // namespace abis::dna::testing
