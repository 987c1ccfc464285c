// Parsers for one ANSI/NIST-ITL record at the start of a byte range (internal to abis_interop).
// The transaction reader knows each record's type from 1.003 CNT and calls one of these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop::internal {

// A parsed record and the number of input bytes it occupied (its LEN).
template <typename Record>
struct ParsedRecord {
  Record record;
  std::size_t length = 0;
};

// Parses the tagged record of `expected_type` at the start of `input` (which may continue with
// further records). Checks: the first field is T.001 LEN with 1-10 digits; LEN fits in `input`
// and the byte at LEN-1 is FS; every tag is "T.N:" with N of 1-3 digits (1-999); no FS inside
// the record except in field 999, which runs to the final FS. The LEN tag's T must equal
// expected_type; a later tag naming another type is tolerated (seen in NIST's own samples) and
// reported in `deviations` when that is not null, as are two-digit field numbers and repeated
// fields. `index` and `offset` only label messages.
Result<ParsedRecord<TaggedRecord>> ParseTaggedRecord(std::span<const std::uint8_t> input, int expected_type,
                                                     std::size_t index, std::size_t offset,
                                                     std::vector<std::string>* deviations);

// Parses the binary record (Types 3-8) of `type` at the start of `input`. Checks that the 4-byte
// LEN covers at least the type's fixed header and fits in `input`, and for Type-8 vector
// signatures that the data is a whole number of 5-byte vectors.
Result<ParsedRecord<An2kRecord>> ParseBinaryRecord(std::span<const std::uint8_t> input, int type, std::size_t index,
                                                   std::size_t offset);

}  // namespace abis::interop::internal
