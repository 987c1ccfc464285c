// The DNA modality engine (Modality::kDna, algorithm "dna-str/1").
//
// Extract parses an STR profile (CSV or JSON, see profile_io.h) and stores it as the template
// data: the compact JSON of the documented profile format. Compare returns
//   score = log_lr = ln(1/RMP) over the compared loci when every compared locus matches at the
//   engine's stringency (identical genotypes use NRC II 4.10; a locus where one side shows fewer
//   alleles uses the probability that a random person carries them), and, when k loci fail,
//   k · ln(1e-6) — a deliberately strong negative value: a discordant locus excludes.
// ThresholdForFalseMatchRate(f) = ln(1/f): for unrelated persons P(LR >= t) <= 1/t for any
// likelihood ratio (Turing's bound), so this threshold keeps the false-match rate against
// unrelated persons at or below f. Relatives are not covered by that bound.
// Thread-safety: immutable after construction.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"
#include "abis/dna/allele_frequencies.h"
#include "abis/dna/dna_index.h"
#include "abis/dna/match_probability.h"
#include "abis/dna/match_stringency.h"
#include "abis/dna/profile_io.h"
#include "abis/modality/engine.h"

namespace abis::dna {

inline constexpr const char* kDnaAlgorithm = "dna-str/1";
// ln LR contributed by each locus that fails the stringency (a discordance excludes).
inline constexpr double kExcludedLocusLogLr = -13.815510557964274;  // ln(1e-6)

struct DnaEngineSettings {
  DnaIndex index = DnaIndex::kOffenderArrestee;  // gallery enrolment rule
  std::size_t min_core_loci_to_enroll = 20;      // from the index policy unless overridden
  MatchCriteria criteria{MatchStringency::kModerate, 8, 0};  // stringency, min loci compared, mismatches
  std::string population;                        // "" = most conservative over all populations
  MatchProbabilityOptions probability;           // θ (0.01)
  ProfileParseOptions parse;

  // Reads {"index", "min_core_loci", "stringency", "min_loci_compared", "max_mismatched_loci",
  // "population", "theta", "allow_unlisted_loci", "allow_mixture"}; unknown keys are rejected.
  static Result<DnaEngineSettings> FromJson(const nlohmann::json& settings);
};

// Builds the engine over `frequencies`. A named population absent from the table, or θ outside
// [0, 1), is kInvalidArgument.
Result<std::unique_ptr<ModalityEngine>> NewDnaEngine(AlleleFrequencyTable frequencies,
                                                     DnaEngineSettings settings = {});

// The template <-> profile codec of "dna-str/1" (for tools that need the profile back).
Result<BiometricTemplate> ProfileToTemplate(const StrProfile& profile);
Result<StrProfile> ProfileFromTemplate(const BiometricTemplate& template_);
// True when `text` is a CSV collection of profiles (its header starts with the sample column,
// profile_io.h): the engine refuses to enrol one as a single sample.
bool IsProfileCollection(std::string_view text);

// ln(1/RMP)-style identity log-LR of two profiles as Compare computes it (see above), with the
// comparison details. `population` supplies frequencies.
struct IdentityScore {
  double log_lr = 0.0;
  ProfileComparison comparison;
  bool excluded = false;
};
Result<IdentityScore> ScoreIdentity(const StrProfile& probe, const StrProfile& reference,
                                    MatchStringency stringency, const PopulationFrequencies& population,
                                    const MatchProbabilityOptions& options);

}  // namespace abis::dna
