// Typed access to tagged-record fields for the record views (internal to abis_interop).
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop::internal {

// "Type-14 IDC 3" style prefix for view errors.
std::string ViewLabel(const TaggedRecord& record);

// The first item of a required field as an integer in [min, max]; errors name the field.
Result<int> RequiredInteger(const TaggedRecord& record, int field, int min, int max);
// Like RequiredInteger, but `fallback` when the field is absent or empty.
Result<int> OptionalInteger(const TaggedRecord& record, int field, int min, int max, int fallback);
// The first item of a required, non-empty text field.
Result<std::string> RequiredText(const TaggedRecord& record, int field);
// The first item of every subfield of a required field, each an integer in [min, max].
Result<std::vector<int>> RequiredIntegerList(const TaggedRecord& record, int field, int min, int max);
// The bytes of field 999; an error when absent or empty.
Result<std::vector<std::uint8_t>> RequiredImageData(const TaggedRecord& record);
// Pixels per millimetre from SLC/THPS (field numbers given): 1 = ppi, 2 = ppcm, 0 = unknown.
Result<double> PixelsPerMillimetre(const TaggedRecord& record, int scale_field, int horizontal_field);

}  // namespace abis::interop::internal
