// One STR allele designation: a repeat number (integer or microvariant such as 9.3), an off-ladder
// call kept as written (">24", "<5", "OL"), or an amelogenin X/Y.
// Thread-safety: value type.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis::dna {

class Allele {
 public:
  enum class Kind { kRepeat, kOffLadder, kAmelogenin };

  // Parses a designation. Repeat numbers: 1 to 99 with an optional single decimal digit for the
  // partial repeat (9.3, 15.4), canonicalised ("09" -> "9", "12.0" -> "12"). Off-ladder: "OL",
  // ">N", "<N" (N a repeat number), upper-cased. With `amelogenin` only X and Y are valid.
  // Anything else ("-3", "abc", "0", "12.34") is kInvalidArgument naming the text.
  static Result<Allele> Parse(std::string_view written, bool amelogenin = false);

  Kind kind() const { return kind_; }
  // The canonical text; equal alleles have equal text.
  const std::string& text() const { return text_; }
  // Repeat number in tenths (9.3 -> 93), only for kRepeat; used for stepwise mutation distances.
  std::optional<int> tenths() const {
    return kind_ == Kind::kRepeat ? std::optional<int>(tenths_) : std::nullopt;
  }

  // Repeats in numeric order, then off-ladder and amelogenin calls by text.
  std::strong_ordering operator<=>(const Allele& other) const;
  bool operator==(const Allele& other) const { return text_ == other.text_; }

 private:
  Allele(Kind kind, std::string text, int tenths) : kind_(kind), text_(std::move(text)), tenths_(tenths) {}
  Kind kind_ = Kind::kRepeat;
  std::string text_;
  int tenths_ = 0;
};

}  // namespace abis::dna
