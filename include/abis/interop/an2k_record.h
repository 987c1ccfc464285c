// The ANSI/NIST-ITL 1-2011 traditional-encoding data model: a transaction is an ordered list of
// records; a record is either tagged (ASCII fields "T.NNN:value" separated by GS, ending in FS)
// or one of the binary records of Types 3-8 (fixed big-endian headers followed by data).
//
// The model keeps everything needed to write a transaction back byte for byte: field order,
// repeated fields, empty items and the exact text of every item (including the leading zeros of
// "2.002:00"). Field numbers are integers, so two-digit tags of old files ("1.01:") and three-digit
// tags ("1.001:") denote the same field; the writer always emits three digits.
// Thread-safety: plain values, safe to share once built.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "abis/core/status.h"

namespace abis::interop {

// Information separators of the traditional encoding (ANSI/NIST-ITL 1-2011, 7.2).
inline constexpr char kFileSeparator = '\x1C';    // FS: ends a record
inline constexpr char kGroupSeparator = '\x1D';   // GS: between fields
inline constexpr char kRecordSeparator = '\x1E';  // RS: between subfields
inline constexpr char kUnitSeparator = '\x1F';    // US: between information items

// Field numbers shared by every tagged record.
inline constexpr int kLengthField = 1;        // x.001 LEN: record length in bytes
inline constexpr int kIdcField = 2;           // x.002 IDC (1.002 is VER in Type-1)
inline constexpr int kImageDataField = 999;   // x.999 DATA: binary, runs to the record's FS

// One tagged field. A text field is a list of subfields, each a list of information items
// (a plain value is one subfield of one item). The image data field 999 holds raw bytes instead.
struct An2kField {
  int number = 0;                                   // 1-999
  std::vector<std::vector<std::string>> subfields;  // text fields only
  std::vector<std::uint8_t> binary;                 // field 999 only
  bool is_binary = false;

  // A text field with one subfield of one item.
  static An2kField Text(int number, std::string value);
  // A text field from subfields of items.
  static An2kField Items(int number, std::vector<std::vector<std::string>> subfields);
  // The image data field (999).
  static An2kField Binary(std::vector<std::uint8_t> bytes);

  // The first item of the first subfield ("" when absent or binary).
  const std::string& FirstItem() const;
  // The text exactly as encoded, separators included (binary fields: empty).
  std::string JoinedText() const;

  friend bool operator==(const An2kField&, const An2kField&) = default;
};

// A tagged record (every type except 3-8).
struct TaggedRecord {
  int type = 0;
  // In file order, without x.001 LEN: the length is a property of the encoding, computed by the
  // writer and checked by the reader, so it is not part of the record's content.
  std::vector<An2kField> fields;

  // The first field with this number, or nullptr.
  const An2kField* Find(int number) const;
  An2kField* Find(int number);
  // The first item of the field, or nullopt when the field is absent.
  std::optional<std::string> Item(int number) const;

  friend bool operator==(const TaggedRecord&, const TaggedRecord&) = default;
};

// Binary image records of Types 3, 4, 5 and 6 (18-byte header: LEN(4) IDC(1) IMP(1) FGP(6)
// ISR(1) HLL(2) VLL(2) GCA/CGA(1)), followed by the image data.
struct BinaryImageRecord {
  int type = 4;
  std::uint8_t idc = 0;
  std::uint8_t impression_type = 0;                  // IMP
  std::array<std::uint8_t, 6> finger_positions{};   // FGP, unused entries are 255
  std::uint8_t scanning_resolution = 0;             // ISR: 0 = minimum (19.69 ppmm), 1 = native
  std::uint16_t width = 0;                          // HLL, pixels
  std::uint16_t height = 0;                         // VLL, pixels
  std::uint8_t compression = 0;                     // GCA (0 none, 1 WSQ, ...) or CGA (Type-5/6)
  std::vector<std::uint8_t> image;

  friend bool operator==(const BinaryImageRecord&, const BinaryImageRecord&) = default;
};
inline constexpr std::size_t kBinaryImageHeaderBytes = 18;

// Type-7 user-defined image record: only LEN(4) and IDC(1) are defined; the rest is opaque.
struct UserDefinedImageRecord {
  std::uint8_t idc = 0;
  std::vector<std::uint8_t> data;

  friend bool operator==(const UserDefinedImageRecord&, const UserDefinedImageRecord&) = default;
};
inline constexpr std::size_t kUserDefinedHeaderBytes = 5;

// Type-8 signature record (12-byte header: LEN(4) IDC(1) SIG(1) SRT(1) ISR(1) HLL(2) VLL(2)).
struct SignatureRecord {
  std::uint8_t idc = 0;
  std::uint8_t signature_type = 0;   // SIG: 0 subject, 1 official
  std::uint8_t representation = 0;  // SRT: 0 scanned, 1 scanned and compressed, 2 vectors
  std::uint8_t scanning_resolution = 0;
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  std::vector<std::uint8_t> data;  // image bytes, or 5-byte vectors when representation is 2

  friend bool operator==(const SignatureRecord&, const SignatureRecord&) = default;
};
inline constexpr std::size_t kSignatureHeaderBytes = 12;

using An2kRecord = std::variant<TaggedRecord, BinaryImageRecord, UserDefinedImageRecord, SignatureRecord>;

// The record type number (1-99) of any record.
int RecordType(const An2kRecord& record);
// True for the binary record types 3-8.
bool IsBinaryRecordType(int type);
// True for the types defined by ANSI/NIST-ITL 1-2011 and its 2013 update: 1-22, 98 and 99.
bool IsKnownRecordType(int type);

// An ANSI/NIST-ITL transaction. records[0] is the Type-1 transaction information record.
struct An2kTransaction {
  std::vector<An2kRecord> records;

  // The Type-1 record, or nullptr if records is empty or does not start with one.
  const TaggedRecord* TransactionInformation() const;
  // All records of one type, in file order.
  std::vector<const An2kRecord*> RecordsOfType(int type) const;

  friend bool operator==(const An2kTransaction&, const An2kTransaction&) = default;
};

// Versions of the traditional encoding accepted by the reader and writer (1.002 VER).
bool IsSupportedVersion(std::string_view version);

}  // namespace abis::interop
