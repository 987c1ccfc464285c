// Fingerprint image views: Type-4 (binary, high-resolution grayscale) and Type-14 (tagged,
// variable-resolution) records (ANSI/NIST-ITL 1-2011, 8.4 and 8.14), read into one neutral shape.
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

// Compression names of ANSI/NIST-ITL 1-2011 Table 15 ("NONE", "WSQ20", "JPEGB", "JPEGL", "JP2",
// "JP2L", "PNG"); the binary code of Types 3-6 is the table's index (0-6).
// Returns "" for a code outside the table.
std::string CompressionNameFromCode(int code);
// The Table 15 code of a name, or -1.
int CompressionCodeFromName(const std::string& name);

// One finger of a multi-finger image (Type-14 only): 14.021 SEG gives its box, 14.025 ASEG its
// polygon (ANSI/NIST-ITL 1-2011, 8.14.21 and 8.14.25; layouts as docs/SLAPS.md states).
struct FingerSegmentPosition {
  int position = 0;                           // FGP 1-10
  int left = 0, right = 0, top = 0, bottom = 0;  // 14.021 LHC, RHC, TVC, BVC in pixels (0 when absent)
  bool has_box = false;                       // given in 14.021
  std::vector<std::array<int, 2>> polygon;    // 14.025 HPO/VPO points, 3-99; empty when absent
};

// A finger that is not in the image (Type-14 14.018 AMP, ANSI/NIST-ITL 1-2011 8.14.18):
// FGP 1-10 and AMPCD "XX" amputated or "UP" unable to print (bandaged, injured, not printed).
struct FingerAmputation {
  int position = 0;  // FGP 1-10
  std::string code;  // "XX" or "UP"
};

// Whether `code` is an AMPCD ("XX", "UP").
bool IsAmputationCode(const std::string& code);

struct FingerprintImageView {
  int record_type = 0;                 // 4 or 14
  int idc = 0;
  int impression_type = 0;             // IMP (Table 7): 0 live-scan plain, 1 live-scan rolled, ...
  std::vector<int> finger_positions;   // FGP codes (Table 8): 0-10 single fingers, 11-15 plain
                                       // multi-finger/thumbs, 19 EJI/tip; at least one
  std::string compression;             // Table 15 name
  int width = 0;                       // pixels
  int height = 0;
  double pixels_per_mm = 0;            // 0 when the record does not say
  std::vector<std::uint8_t> image;     // the encoded image exactly as stored
  std::vector<FingerSegmentPosition> segments;  // Type-14 14.021 / 14.025, by position
  std::string segment_problem;  // why 14.021 / 14.025 were not read (segments then empty)
  std::vector<FingerAmputation> amputations;  // Type-14 14.018 AMP
  std::string amputation_problem;  // why 14.018 was not read (amputations then empty)
};

// REQUIRES record.type == 4. `native_pixels_per_mm` is 1.011 NSR, used when ISR is 1 (native).
// Fails on no finger position, a position above 19, an unknown compression code, zero size, or
// uncompressed data whose length is not width x height.
Result<FingerprintImageView> ReadType4FingerprintImage(const BinaryImageRecord& record, double native_pixels_per_mm);

// Fails on a missing or malformed 14.003 IMP, 14.006 HLL, 14.007 VLL, 14.011 CGA, 14.013 FGP or
// 14.999 DATA, naming the field. A malformed 14.021 SEG (5 items: FGP 1-10, then left < right <=
// HLL, top < bottom <= VLL) or 14.025 ASEG (FGP 1-10, NOP 3-99, then NOP points inside the image)
// leaves `segments` empty and `segment_problem` naming the subfield; a malformed 14.018 AMP (2 items:
// FGP 1-10, AMPCD "XX" or "UP"; each finger once) leaves `amputations` empty and
// `amputation_problem` naming the subfield.
Result<FingerprintImageView> ReadType14FingerprintImage(const TaggedRecord& record);

}  // namespace abis::interop
