// The finger-view block shared by ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004: a 4-byte view
// header, 6 bytes per minutia, then an extended data block. Internal to src/finger/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "abis/core/status.h"
#include "abis/finger/minutiae_record.h"
#include "byte_reader.h"

namespace abis::finger::internal {

// Angle encodings of the two formats.
enum class AngleUnit { kIso256ths, kAnsi2Degrees };

// Reads view `view_index` at the reader's position, leaving it after the extended data block.
// `record` supplies the image size used to check coordinates (0 = unknown, unchecked) and
// collects warnings about skipped data. `last_view`: the view ends at the record end.
Result<FingerView> ReadFingerView(ByteReader& reader, MinutiaeRecord& record, int view_index,
                                  AngleUnit angle_unit, bool last_view);

// Appends `view` (and an empty extended data block); checks every field fits.
Status WriteFingerView(ByteWriter& writer, const FingerView& view, int view_index, AngleUnit angle_unit);

// A record's declared length must equal the bytes given (`format_name` names the standard in the
// error; a longer declaration is reported as truncation).
Status CheckRecordLength(std::uint32_t declared, std::size_t actual, const std::string& source_name,
                         std::string_view format_name);

// The part after the format-specific header that both formats share: capture equipment, image
// size and resolution, the view count, every view, and nothing after the last view.
Status ReadRecordBody(ByteReader& reader, MinutiaeRecord& record, AngleUnit angle_unit);
// The writing counterpart of ReadRecordBody.
Status WriteRecordBody(ByteWriter& writer, const MinutiaeRecord& record, AngleUnit angle_unit);

}  // namespace abis::finger::internal
