// One reader and one writer per standard record header; shared by minutiae_record.cc.
// Internal to src/finger/. `bytes` is the whole record; the functions check its length field.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/finger/minutiae_record.h"

namespace abis::finger::internal {

// ISO/IEC 19794-2:2005 (iso_minutiae_record.cc).
Result<MinutiaeRecord> ReadIso19794_2_2005(std::span<const std::uint8_t> bytes, const std::string& source_name);
Result<std::vector<std::uint8_t>> WriteIso19794_2_2005(const MinutiaeRecord& record);

// ANSI INCITS 378-2004 (ansi_minutiae_record.cc).
Result<MinutiaeRecord> ReadAnsi378_2004(std::span<const std::uint8_t> bytes, const std::string& source_name);
Result<std::vector<std::uint8_t>> WriteAnsi378_2004(const MinutiaeRecord& record);

// Checks the "FMR\0" magic and the " 20\0" version; names later versions as unsupported.
Status CheckFmrMagicAndVersion(std::span<const std::uint8_t> bytes, const std::string& source_name);

// Checks the header fields both formats share (size, resolution, view count) before writing.
Status CheckWritableHeader(const MinutiaeRecord& record);

}  // namespace abis::finger::internal
