// CBEFF containers in the ISO/IEC 19785-3 XML patron format
// (namespace http://standards.iso.org/iso-iec/19785/-3/ed-2/), as MOSIP stores and shares the
// biometrics of a registration: a root BIR holding one child BIR per sample, each with its BDBInfo
// (type, subtype, format, quality, creation date) and a URL-safe base64 BDB.
// Thread-safety: plain values; the functions share no state and may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis::interop {

struct CbeffEntry {
  std::string key;
  std::string value;
};

// One data-carrying BIR (a BIR element with a BDB child).
struct CbeffBir {
  int index = 0;                       // 0-based, document order among data-carrying BIRs
  std::string version;                 // Version Major.Minor, e.g. "1.1" ("" when absent)
  std::string cbeff_version;           // CBEFFVersion Major.Minor
  std::optional<bool> integrity;       // BIRInfo/Integrity
  std::string format_organization;     // BDBInfo/Format/Organization, e.g. "Mosip"
  std::string format_type;             // BDBInfo/Format/Type: MOSIP "7" finger, "8" face, "9" iris image
  std::string creation_date;           // BDBInfo/CreationDate, as written
  std::vector<std::string> types;      // BDBInfo/Type, split at spaces: {"Finger"}, {"Face"}, {"Iris"}
  std::vector<std::string> subtypes;   // BDBInfo/Subtype, split at spaces: {"Right", "IndexFinger"}
  std::string level;                   // BDBInfo/Level, e.g. "Raw"
  std::string purpose;                 // BDBInfo/Purpose, e.g. "Enroll"
  std::optional<int> quality_score;    // BDBInfo/Quality/Score
  std::string quality_algorithm_organization;
  std::string quality_algorithm_type;
  bool has_security_block = false;     // an SB element is present (not verified here)
  std::vector<CbeffEntry> others;      // <others><entry key="K">V</entry>...
  std::vector<std::uint8_t> bdb;       // the decoded BDB; empty unless status is OK
  Status status;                       // OK, or why this BIR's BDB is unusable

  // True when `type` is one of `types` (case-sensitive, e.g. "Finger").
  bool HasType(std::string_view type) const;
};

struct CbeffDocument {
  std::vector<CbeffBir> birs;
  std::vector<CbeffEntry> others;  // the root's <Others><Key/><Value/> pairs (MOSIP "CONFIGURED")
};

// Limits applied by ParseCbeffXml.
inline constexpr std::size_t kMaxCbeffXmlBytes = std::size_t{64} << 20;
inline constexpr int kMaxCbeffNestingDepth = 8;  // BIR inside BIR

// Parses a CBEFF XML document. Fails (kInvalidArgument) when the text is not well-formed XML, the
// root element is not BIR, BIRs nest deeper than kMaxCbeffNestingDepth, or the document exceeds
// kMaxCbeffXmlBytes. A BIR whose BDB is missing, empty, or not valid base64/base64url (e.g. the
// truncated BDBs of MOSIP's documentation sample) is kept with a non-OK `status` naming the BIR,
// so one bad sample never hides the others. No network access, no DTD or external entity loading.
Result<CbeffDocument> ParseCbeffXml(std::string_view xml);

// Reads and parses a file (refused above kMaxCbeffXmlBytes before reading).
Result<CbeffDocument> ReadCbeffFile(const std::filesystem::path& path);

// Decodes base64 in either alphabet (RFC 4648 "+/" or URL-safe "-_"), with or without "=" padding;
// ASCII whitespace is skipped. Fails on any other character or on a length that leaves a dangling
// 6-bit group (a truncated encoding).
Result<std::vector<std::uint8_t>> DecodeBase64Any(std::string_view text);

}  // namespace abis::interop
