// Type-18 DNA record view (ANSI/NIST-ITL 1-2011 Update 2013, 8.18): the STR profile of field
// 18.016, one subfield per locus. Allele calls are kept as text ("9.3", "X", "23.2").
// Thread-safety: plain values; the locus table is immutable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

struct StrLocusCall {
  int str_type = 0;           // item 1 DST: 0 autosomal (other values: sex-chromosome STRs)
  int locus_reference = 0;    // item 2 DLR: the standard's locus reference number
  std::string locus_name;     // from LocusNameForReference, else "DLR-<n>"
  std::vector<std::string> alleles;  // items 6-8 (AL1, AL2, AL3) that are present; empty when
                                     // item 3 (ALL, allele indicator) is not 1
  std::string kit_name;       // item 13 ("" if absent)
};

struct DnaProfileView {
  int idc = 0;
  std::vector<StrLocusCall> loci;  // empty when 18.016 is absent
};

// The locus name for a DLR number, or nullopt when abis does not know the number. The table is
// limited to the references whose meaning is established from NIST's own BioCTS sample (DLR
// values paired with the certified SRM 2391b 9947A genotype); see docs/INTEROP.md.
std::optional<std::string> LocusNameForReference(int locus_reference);
// The DLR number for a locus name (case-insensitive; "DLR-<n>" maps back to n), or nullopt.
std::optional<int> LocusReferenceForName(const std::string& locus_name);

// REQUIRES record.type == 18. Each 18.016 subfield needs items 1 and 2 numeric; alleles must be
// 1-8 characters among digits, '.', 'X' and 'Y'.
// Errors name the subfield.
Result<DnaProfileView> ReadType18DnaProfile(const TaggedRecord& record);

}  // namespace abis::interop
