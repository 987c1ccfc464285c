// Reads ANSI/NIST-ITL 1-2011 transactions in the traditional encoding (versions 0200-0502).
//
// Strict about structure: every record listed in 1.003 CNT must be present in that order with
// the declared type and IDC, each record's LEN must match its bytes (tagged records end in FS,
// binary headers fit), and no byte may remain after the last record. Tolerant of old files:
// two-digit field numbers ("1.01:") are read as the same fields, repeated fields are kept, and a
// field tag naming another record type inside a record ("13.005:" in a Type-9) is read as that
// record's field.
// Errors are kInvalidArgument naming the record ("record 3 (Type-14) at byte 1234: ...");
// an unsupported 1.002 VER is kUnimplemented. Nothing is allocated beyond the input's size.
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

// Largest file ReadAn2kFile accepts (a ten-print card with palms is a few tens of MB).
inline constexpr std::uintmax_t kMaxAn2kFileBytes = std::uintmax_t{1} << 30;

// Parses a complete transaction held in memory. When `deviations` is not null, each tolerated
// departure from the current standard (two-digit field numbers, a field tag naming another
// record type, a repeated field) is appended to it as one line naming the record and field.
Result<An2kTransaction> ParseAn2kTransaction(std::span<const std::uint8_t> bytes,
                                             std::vector<std::string>* deviations = nullptr);

// Reads and parses a file. kIoError if it cannot be read, kResourceExhausted above kMaxAn2kFileBytes.
Result<An2kTransaction> ReadAn2kFile(const std::filesystem::path& path,
                                     std::vector<std::string>* deviations = nullptr);

}  // namespace abis::interop
