// Type-10 facial and scar/mark/tattoo image record view (ANSI/NIST-ITL 1-2011, 8.10).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

struct PhotoImageView {
  int idc = 0;
  std::string image_type;          // 10.003 IMT: "FACE", "SMT", ...
  int width = 0;                   // 10.006 HLL
  int height = 0;                  // 10.007 VLL
  double pixels_per_mm = 0;        // from 10.008 SLC / 10.009 THPS, 0 when not given
  std::string compression;         // 10.011 CGA, e.g. "JPEGB", "JP2", "PNG", "NONE"
  std::string color_space;         // 10.012 CSP ("" if absent)
  std::string subject_pose;        // 10.020 POS ("" if absent): F frontal, R right, L left, A angled
  std::vector<std::uint8_t> image; // 10.999, exactly as stored

  bool IsFace() const { return image_type == "FACE"; }
};

// REQUIRES record.type == 10. Fails on a missing or malformed 10.003, 10.006, 10.007, 10.011 or
// 10.999, naming the field.
Result<PhotoImageView> ReadType10PhotoImage(const TaggedRecord& record);

}  // namespace abis::interop
