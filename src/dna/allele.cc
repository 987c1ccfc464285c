#include "abis/dna/allele.h"

#include <cctype>
#include <string>

namespace abis::dna {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// Parses "12", "09", "9.3", "12.0" into tenths; rejects everything else. Range 1.0-99.9.
bool ParseRepeatNumber(std::string_view text, int* tenths) {
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 3) return false;
  int value = 0;
  for (char c : whole) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  int fraction = 0;
  if (dot != std::string_view::npos) {
    std::string_view rest = text.substr(dot + 1);
    if (rest.size() != 1 || !std::isdigit(static_cast<unsigned char>(rest[0]))) return false;
    fraction = rest[0] - '0';
  }
  int result = value * 10 + fraction;
  if (result < 10 || result > 999) return false;
  *tenths = result;
  return true;
}

std::string RepeatText(int tenths) {
  std::string text = std::to_string(tenths / 10);
  if (tenths % 10 != 0) {
    text.push_back('.');
    text.push_back(static_cast<char>('0' + tenths % 10));
  }
  return text;
}

}  // namespace

Result<Allele> Allele::Parse(std::string_view written, bool amelogenin) {
  std::string_view text = Trim(written);
  if (text.empty()) return Status::InvalidArgument("empty allele");
  if (amelogenin) {
    if (text == "X" || text == "x") return Allele(Kind::kAmelogenin, "X", 0);
    if (text == "Y" || text == "y") return Allele(Kind::kAmelogenin, "Y", 0);
    return Status::InvalidArgument("amelogenin allele '" + std::string(text) + "' is not X or Y");
  }
  int tenths = 0;
  if (ParseRepeatNumber(text, &tenths)) return Allele(Kind::kRepeat, RepeatText(tenths), tenths);
  std::string upper;
  for (char c : text) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (upper == "OL") return Allele(Kind::kOffLadder, upper, 0);
  if ((upper[0] == '>' || upper[0] == '<') && ParseRepeatNumber(std::string_view(upper).substr(1), &tenths)) {
    std::string canonical(1, upper[0]);
    canonical.append(RepeatText(tenths));
    return Allele(Kind::kOffLadder, std::move(canonical), tenths);
  }
  return Status::InvalidArgument("allele '" + std::string(text) +
                                 "' is neither a repeat number (1-99, optional .1-.9 microvariant) nor an "
                                 "off-ladder call (OL, >N, <N)");
}

std::strong_ordering Allele::operator<=>(const Allele& other) const {
  if (kind_ != other.kind_) return kind_ <=> other.kind_;
  if (kind_ == Kind::kRepeat && tenths_ != other.tenths_) return tenths_ <=> other.tenths_;
  return text_ <=> other.text_;
}

}  // namespace abis::dna
