#include "abis/interop/an2k_type18_view.h"

#include <array>
#include <cctype>
#include <utility>

#include "an2k_text.h"
#include "an2k_view_fields.h"

namespace abis::interop {

namespace {
constexpr int kStrProfileField = 16;
constexpr std::size_t kStrTypeItem = 0;
constexpr std::size_t kLocusReferenceItem = 1;
// 18.016 item layout, from the field-definition table for ANSI/NIST-ITL 1-2011 written for NIST
// (AN2011-FieldDefinition.xml, Noblis; copy in github.com/mdedonno1337/NIST tools/xmltotrad), items
// 18.016-A to -O: A DST, B DLR, C ALL (allele
// indicator), D LAI (locus analysis indicator), E PCDT (precise call determination), F-H AL1-AL3,
// I BID, J ECR, K LCR, L KID (kit id), M KNM (kit name), N KMF, O KDS.
constexpr std::size_t kAlleleIndicatorItem = 2;
constexpr std::size_t kFirstAlleleItem = 5;
constexpr std::size_t kLastAlleleItem = 7;
constexpr std::size_t kKitNameItem = 12;
constexpr std::size_t kMaxAlleleCharacters = 8;
constexpr std::string_view kUnknownPrefix = "DLR-";

// The standard itself holds no DLR table: NIST's field definitions give 18.016-B DLR the range 1-200
// and say "the current valid loci for Autosomal, Y and X-STRs are maintained by NIST" on the
// ANSI/NIST-ITL web page (http://www.nist.gov/itl/iad/ig/ansi_standard.cfm). That list was
// not available to us, so this table holds only the numbers established below; any other
// number reads as "DLR-<n>" (docs/INTEROP.md, "DNA locus reference numbers").
// DLR numbers whose locus is established by pairing the 18.016 subfields of NIST's BioCTS sample
// (all-supported-types v0500, sample "NIST_SRM2391b_9947A", kit Identifiler) with the certified
// genotype of SRM 2391b component 9947A: each pair of allele calls is unique to one locus.
constexpr std::array<std::pair<int, std::string_view>, 15> kLocusTable = {{
    {3, "CSF1PO"},
    {10, "D13S317"},
    {12, "D16S539"},
    {15, "D18S51"},
    {17, "D19S433"},
    {24, "D21S11"},
    {27, "D2S1338"},
    {31, "D3S1358"},
    {40, "D5S818"},
    {45, "D7S820"},
    {48, "D8S1179"},
    {54, "FGA"},
    {62, "TH01"},
    {63, "TPOX"},
    {64, "vWA"},
}};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

bool IsAlleleCall(const std::string& allele) {
  if (allele.empty() || allele.size() > kMaxAlleleCharacters) return false;
  for (char c : allele) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'X' && c != 'Y') return false;
  }
  return true;
}
}  // namespace

std::optional<std::string> LocusNameForReference(int locus_reference) {
  for (const auto& [reference, name] : kLocusTable) {
    if (reference == locus_reference) return std::string(name);
  }
  return std::nullopt;
}

std::optional<int> LocusReferenceForName(const std::string& locus_name) {
  const std::string wanted = Upper(locus_name);
  for (const auto& [reference, name] : kLocusTable) {
    if (Upper(std::string(name)) == wanted) return reference;
  }
  if (wanted.starts_with(kUnknownPrefix)) {
    const auto number = internal::ParseUnsignedDecimal(std::string_view(wanted).substr(kUnknownPrefix.size()), 3);
    if (number) return static_cast<int>(*number);
  }
  return std::nullopt;
}

Result<DnaProfileView> ReadType18DnaProfile(const TaggedRecord& record) {
  if (record.type != 18) return Status::InvalidArgument(internal::ViewLabel(record) + ": not a Type-18 record");
  DnaProfileView view;
  ABIS_ASSIGN_OR_RETURN(view.idc, internal::RequiredInteger(record, kIdcField, 0, 255));
  const An2kField* profile = record.Find(kStrProfileField);
  if (profile == nullptr || profile->is_binary) return view;
  for (std::size_t i = 0; i < profile->subfields.size(); ++i) {
    const auto& items = profile->subfields[i];
    const std::string where = internal::ViewLabel(record) + ": field 18.016 subfield " + std::to_string(i + 1);
    if (items.size() <= kLocusReferenceItem) {
      return Status::InvalidArgument(where + ": needs at least the STR type and locus reference items");
    }
    const auto str_type = internal::ParseUnsignedDecimal(items[kStrTypeItem], 2);
    const auto reference = internal::ParseUnsignedDecimal(items[kLocusReferenceItem], 3);
    if (!str_type || !reference) {
      return Status::InvalidArgument(where + ": STR type \"" + internal::Printable(items[kStrTypeItem]) +
                                     "\" or locus reference \"" + internal::Printable(items[kLocusReferenceItem]) +
                                     "\" is not a number");
    }
    StrLocusCall call;
    call.str_type = static_cast<int>(*str_type);
    call.locus_reference = static_cast<int>(*reference);
    call.locus_name = LocusNameForReference(call.locus_reference)
                          .value_or(std::string(kUnknownPrefix) + std::to_string(call.locus_reference));
    if (items.size() > kAlleleIndicatorItem && items[kAlleleIndicatorItem] == "1") {
      for (std::size_t a = kFirstAlleleItem; a <= kLastAlleleItem && a < items.size(); ++a) {
        if (items[a].empty()) continue;
        if (!IsAlleleCall(items[a])) {
          return Status::InvalidArgument(where + ": allele call \"" + internal::Printable(items[a]) +
                                         "\" is not a repeat number such as 9.3, X or Y");
        }
        call.alleles.push_back(items[a]);
      }
    }
    if (items.size() > kKitNameItem) call.kit_name = items[kKitNameItem];
    view.loci.push_back(std::move(call));
  }
  return view;
}

}  // namespace abis::interop
