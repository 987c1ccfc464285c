#include "abis/dna/locus.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace abis::dna {
namespace {

constexpr std::array<std::string_view, 20> kCoreLoci = {
    "CSF1PO",  "D3S1358",  "D5S818",  "D7S820",  "D8S1179", "D13S317",  "D16S539",
    "D18S51",  "D21S11",   "FGA",     "TH01",    "TPOX",    "vWA",      "D1S1656",
    "D2S441",  "D2S1338",  "D10S1248", "D12S391", "D19S433", "D22S1045",
};

// Other autosomal STR loci in common commercial kits and published frequency tables.
constexpr std::array<std::string_view, 18> kOtherLoci = {
    "Penta D", "Penta E", "Penta C", "SE33",    "D6S1043", "F13A01", "F13B",    "FESFPS",  "LPL",
    "D17S1301", "D9S1122", "D4S2408", "D20S482", "D6S474",  "D1S1677", "D10S1435", "D3S4529", "D14S1434",
};

// Normalised form: upper case, no separators, "HUM" prefix dropped, letter O read as digit 0
// where a digit is expected (TH01 vs THO1, CSF1PO vs CSF1P0 are both written).
std::string MatchKey(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    key.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (key.starts_with("HUM") && key.size() > 3) key.erase(0, 3);
  for (char& c : key) {
    if (c == 'O') c = '0';
  }
  return key;
}

struct Alias {
  std::string_view key;  // already in MatchKey form
  std::string_view canonical;
};

constexpr std::array<Alias, 9> kAliases = {{
    {"AMEL", "AMEL"},
    {"AMEL0GENIN", "AMEL"},
    {"AM", "AMEL"},
    {"FIBRA", "FGA"},
    {"ACTBP2", "SE33"},
    {"VWA31", "vWA"},
    {"VWA31A", "vWA"},
    {"PENTAD", "Penta D"},
    {"PENTAE", "Penta E"},
}};

}  // namespace

std::span<const std::string_view> CodisCoreLoci() { return kCoreLoci; }

bool IsCodisCoreLocus(std::string_view canonical_name) {
  return std::find(kCoreLoci.begin(), kCoreLoci.end(), canonical_name) != kCoreLoci.end();
}

Result<std::string> CanonicalLocusName(std::string_view written, bool allow_unlisted) {
  std::string_view trimmed = written;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
  if (trimmed.empty()) return Status::InvalidArgument("empty locus name");
  const std::string key = MatchKey(trimmed);
  for (const Alias& alias : kAliases) {
    if (alias.key == key) return std::string(alias.canonical);
  }
  for (std::string_view name : kCoreLoci) {
    if (MatchKey(name) == key) return std::string(name);
  }
  for (std::string_view name : kOtherLoci) {
    if (MatchKey(name) == key) return std::string(name);
  }
  if (!allow_unlisted) {
    return Status::InvalidArgument("unknown locus '" + std::string(trimmed) +
                                   "' (not a CODIS core or listed STR locus; allow unlisted loci to accept it)");
  }
  if (trimmed.size() > 32) return Status::InvalidArgument("locus name longer than 32 characters");
  for (char c : trimmed) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ' ' && c != '.' && c != '_' && c != '-') {
      return Status::InvalidArgument("locus name '" + std::string(trimmed) + "' has a character other than a letter, digit, space, '.', '_' or '-'");
    }
  }
  return std::string(trimmed);
}

}  // namespace abis::dna
