// STR locus names: the 20 CODIS core loci, other common autosomal STR loci, amelogenin, and the
// aliases laboratories write for them (vWA/VWA, TH01/THO1, "Penta D"/PentaD, CSF1P0, HUMTH01 ...).
// Thread-safety: stateless functions over constant tables; safe to call concurrently.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis::dna {

// The amelogenin sex-typing marker's canonical name. It is stored with a profile but never
// counted as a locus for matching or statistics.
inline constexpr std::string_view kAmelogenin = "AMEL";

// The 20 CODIS core loci (FBI, effective 1 January 2017), canonical spelling, in the order of the
// original 13 followed by the 7 added loci.
std::span<const std::string_view> CodisCoreLoci();

// True when `canonical_name` (as returned by CanonicalLocusName) is one of the 20 core loci.
bool IsCodisCoreLocus(std::string_view canonical_name);

// Maps a locus name as written to its canonical spelling. Matching ignores case, spaces,
// underscores, hyphens, a "HUM" prefix, and the letter O written for the digit 0 (THO1, CSF1P0).
// Unknown names are kInvalidArgument, unless `allow_unlisted` is true: then a name made of
// letters, digits, spaces, '.', '_' and '-' (1-32 characters) is returned trimmed, as written.
Result<std::string> CanonicalLocusName(std::string_view written, bool allow_unlisted = false);

}  // namespace abis::dna
