// Writes ANSI/NIST-ITL 1-2011 transactions in the traditional encoding.
//
// Canonical output: three-digit field numbers ("1.001:"), fields in the order held, every
// LEN recomputed from the bytes written. A transaction read from a canonical file is written
// back byte for byte. Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

// Serialises `transaction`. Validates before writing, so the output always parses again:
// records[0] is a Type-1 with a supported 1.002 VER; 1.003 CNT lists exactly the following
// records (type and IDC, in order); every tagged record other than Type-1 has a numeric x.002
// IDC; field numbers are 2-999 apart from the LEN written first; text items contain no
// separator character (FS, GS, RS, US); field 999 is the only binary field and comes last;
// binary records fit their 4-byte LEN and 1-byte IDC. Errors are kInvalidArgument naming the
// record and field.
Result<std::vector<std::uint8_t>> SerializeAn2kTransaction(const An2kTransaction& transaction);

// Serialises and writes to `path` (replacing it). kIoError when the file cannot be written.
Status WriteAn2kFile(const An2kTransaction& transaction, const std::filesystem::path& path);

// Replaces 1.003 CNT of records[0] with the listing of the records that follow it (type and
// IDC, IDC written with two digits as in the standard's examples). REQUIRES: records[0] is Type-1.
Status RebuildContentField(An2kTransaction& transaction);

}  // namespace abis::interop
