// Building blocks shared by the ISO/IEC 19794-x:2011 biometric data interchange records (the
// generic framework of ISO/IEC 19794-1:2011): capture date and time, quality and certification
// blocks. Thread-safety: plain values.
#pragma once

#include <string>
#include <vector>

namespace abis::interop {

// Capture date and time, UTC, as stored (9 bytes); all fields 0xFF.. mean "not given".
struct IsoCaptureDateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;

  // "2020-10-09T16:43:26.549Z", or "" when the year is 0xFFFF (unknown).
  std::string ToIso8601() const;
};

// One quality block: score 0-100 (255 = failed to compute), by whom and with what algorithm.
struct IsoQualityBlock {
  int score = 0;
  int algorithm_vendor_id = 0;
  int algorithm_id = 0;
};

struct IsoCertificationBlock {
  int authority_id = 0;
  int scheme_id = 0;
};

}  // namespace abis::interop
