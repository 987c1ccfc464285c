// Random match probability (RMP) of a single-source STR profile and the likelihood ratio of a
// single-source match, LR = 1/RMP.
//
// Per locus, for a genotype seen in the evidence and in the reference (NRC II 1996, eq. 4.10a/b,
// the Balding & Nichols 1994 conditional match probability with coancestry theta):
//   homozygote aa:   [2θ + (1-θ)p][3θ + (1-θ)p] / [(1+θ)(1+2θ)]
//   heterozygote ab: 2[θ + (1-θ)p][θ + (1-θ)q] / [(1+θ)(1+2θ)]
// With θ = 0 these are p² and 2pq (Hardy-Weinberg). A single listed allele (possible drop-out)
// uses the 2p rule (NRC II 1996 §4.3): 2p, capped at 1. A flagged tri-allelic locus uses the sum
// of the heterozygote terms over its allele pairs (a conservative bound). Frequencies come from
// PopulationFrequencies::Frequency (5/2N floor). The product rule combines loci.
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/allele_frequencies.h"
#include "abis/dna/str_profile.h"

namespace abis::dna {

struct MatchProbabilityOptions {
  double theta = 0.01;             // NRC II recommends 0.01 (0.03 for small, isolated populations)
  double fallback_minimum = 0.0;   // floor when the table has no 2N for a locus (0: none)
};

// REQUIRES 0 <= θ < 1 and 0 < p, q <= 1 (checked by callers; returns NaN otherwise).
double HomozygoteMatchProbability(double p, double theta);
double HeterozygoteMatchProbability(double p, double q, double theta);

struct LocusMatchProbability {
  std::string locus;
  std::vector<double> frequencies;  // per listed distinct allele, floor applied
  double probability = 1.0;
  std::string formula;              // "homozygote 4.10a", "heterozygote 4.10b", "2p", "tri-allelic"
};

struct RandomMatchProbability {
  double rmp = 1.0;       // product over used loci
  double log10_rmp = 0.0; // exact even when rmp underflows
  std::vector<LocusMatchProbability> loci;
  std::vector<std::string> loci_without_frequencies;  // typed but absent from the population table
};

// The RMP of `profile` over its typed loci (amelogenin excluded). Loci the population lacks are
// listed and skipped (which can only raise the RMP). An empty result (no usable locus) or θ
// outside [0, 1) is kInvalidArgument; a mixture locus (more than 2 alleles without the
// tri-allelic flag) is kInvalidArgument, since this is a single-source statistic.
Result<RandomMatchProbability> ComputeRandomMatchProbability(const StrProfile& profile,
                                                             const PopulationFrequencies& population,
                                                             const MatchProbabilityOptions& options = {});

// The match probability of one locus genotype, as above.
Result<LocusMatchProbability> ComputeLocusMatchProbability(const std::string& locus,
                                                           const LocusGenotype& genotype,
                                                           const PopulationFrequencies& population,
                                                           const MatchProbabilityOptions& options = {});

}  // namespace abis::dna
