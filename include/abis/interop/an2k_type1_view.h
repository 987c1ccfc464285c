// Type-1 transaction information record view (ANSI/NIST-ITL 1-2011, 8.1).
// Thread-safety: plain values.
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

// One entry of 1.003 CNT after the first: a record's type and its IDC.
struct ContentEntry {
  int record_type = 0;
  int idc = 0;
  friend bool operator==(const ContentEntry&, const ContentEntry&) = default;
};

struct TransactionInformationView {
  std::string version;                       // 1.002 VER, e.g. "0500"
  std::vector<ContentEntry> content;         // 1.003 CNT, the records after Type-1 in order
  std::string transaction_type;              // 1.004 TOT
  std::string date;                          // 1.005 DAT, YYYYMMDD
  std::string priority;                      // 1.006 PRY ("" if absent)
  std::string destination_agency;            // 1.007 DAI
  std::string originating_agency;            // 1.008 ORI
  std::string control_number;                // 1.009 TCN
  std::string control_reference;             // 1.010 TCR ("" if absent)
  std::string native_scanning_resolution;    // 1.011 NSR, e.g. "19.69" ppmm
  std::string nominal_resolution;            // 1.012 NTR
  std::string domain_name;                   // 1.013 DOM first item ("" if absent)
  std::string greenwich_mean_time;           // 1.014 GMT ("" if absent)
};

// Reads 1.003 CNT: the first subfield is {"1", N} and N further subfields {type, IDC} follow.
// Errors name the subfield: a count that disagrees with the listing, a non-numeric or unknown
// record type, an IDC outside 0-255, a second Type-1.
Result<std::vector<ContentEntry>> ReadContentField(const TaggedRecord& type1);

// Reads the whole view. REQUIRES: record.type == 1. Fails when VER is absent or unsupported
// (kUnimplemented) or CNT is malformed; the other fields are copied as text ("" when absent).
Result<TransactionInformationView> ReadTransactionInformation(const TaggedRecord& record);

}  // namespace abis::interop
