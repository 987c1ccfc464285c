// Wall-clock time as the store and audit log write it: UTC, ISO 8601, millisecond precision.
#pragma once

#include <string>

namespace abis {

// e.g. "2026-11-25T12:13:37.123Z". Tests may fix it with env ABIS_FAKE_NOW (any string).
std::string NowUtcIso8601();
// Today's date "YYYY-MM-DD" in UTC (the date part of NowUtcIso8601()).
std::string TodayUtc();

}  // namespace abis
