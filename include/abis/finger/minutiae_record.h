// Standard minutiae records: ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 ("FMR\0", " 20\0").
// A record holds one or more finger views, each a MinutiaeTemplate. The two formats share the view
// and minutia layout but differ in the record header (ISO: 24 bytes with a 4-byte length; ANSI:
// 26 or 30 bytes with a 2- or 6-byte length and a CBEFF product id) and in the angle unit (ISO:
// 360/256 degrees; ANSI: 2 degrees). Later versions ("030\0": ISO/IEC 19794-2:2011, ANSI INCITS
// 378-2009) are recognised and rejected as kUnimplemented. Extended data blocks are skipped after
// their lengths are checked (see MinutiaeRecord::warnings). Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

enum class MinutiaeRecordFormat : std::uint8_t { kIso19794_2_2005 = 1, kAnsi378_2004 = 2 };

// "iso19794-2" or "ansi378".
std::string_view MinutiaeRecordFormatName(MinutiaeRecordFormat format);
// Accepts "iso19794-2", "iso", "ansi378", "ansi", "incits378"; else kInvalidArgument.
Result<MinutiaeRecordFormat> ParseMinutiaeRecordFormat(std::string_view name);

// Upper bounds a record may claim; larger claims are rejected before anything is allocated.
inline constexpr int kMaxMinutiaePerView = 255;   // the count field is one byte in both formats
inline constexpr int kMaxFingerViews = 255;
inline constexpr int kMaxImpressionType = 15;

struct FingerView {
  int view_number = 0;      // 0-15, distinguishes several impressions of the same finger
  int impression_type = 0;  // 0 live-scan plain, 1 live-scan rolled, 2/3 non-live, 8 swipe, ...
  // Minutiae, with width/height/resolution copied from the record header.
  MinutiaeTemplate minutiae;
};

struct MinutiaeRecord {
  MinutiaeRecordFormat format = MinutiaeRecordFormat::kIso19794_2_2005;
  int capture_equipment_compliance = 0;  // 4 bits
  int capture_equipment_id = 0;          // 12 bits
  int cbeff_product_owner = 0;           // ANSI only (ISO has no product id)
  int cbeff_product_type = 0;            // ANSI only
  int width = 0;                         // image size in pixels
  int height = 0;
  int x_resolution_ppcm = 197;           // pixels per centimetre (197 = 500 ppi)
  int y_resolution_ppcm = 197;
  std::vector<FingerView> views;
  // What the reader skipped and why (e.g. a miscounted extended data block in the last view).
  // Never written.
  std::vector<std::string> warnings;
};

// True when `bytes` start with "FMR\0" (any version).
bool LooksLikeMinutiaeRecord(std::span<const std::uint8_t> bytes);

// Tells ISO 2005 from ANSI 2004 by which record-length field equals the byte count.
// Returns kUnimplemented for version "030\0" and other versions, kInvalidArgument when neither
// length matches (truncated or padded record) or the magic is wrong.
Result<MinutiaeRecordFormat> DetectMinutiaeRecordFormat(std::span<const std::uint8_t> bytes,
                                                        const std::string& source_name);

// Parses a record in `format`. Every length, count, coordinate (must lie inside the declared
// image when its size is non-zero), angle, quality and finger position (0-10) is checked;
// errors name `source_name`, the view and the minutia. A record with a view of zero minutiae
// parses (the format allows it); callers that need minutiae check themselves.
Result<MinutiaeRecord> ReadMinutiaeRecord(std::span<const std::uint8_t> bytes,
                                          MinutiaeRecordFormat format, const std::string& source_name);

// Detects the format, then reads.
Result<MinutiaeRecord> ReadMinutiaeRecord(std::span<const std::uint8_t> bytes,
                                          const std::string& source_name);

// Serialises `record` in record.format (no extended data). Fails with kInvalidArgument when a
// field does not fit the format (more than 255 minutiae or views, coordinates above 16383,
// finger position outside 0-10, resolution or size above 65535).
Result<std::vector<std::uint8_t>> WriteMinutiaeRecord(const MinutiaeRecord& record);

// Convenience: a one-view record for `minutiae` in `format` (view 0, impression type 0).
MinutiaeRecord SingleViewRecord(const MinutiaeTemplate& minutiae, MinutiaeRecordFormat format);

}  // namespace abis::finger
