#include "abis/dna/match_probability.h"

#include <cmath>
#include <limits>

#include "abis/dna/locus.h"

namespace abis::dna {

double HomozygoteMatchProbability(double p, double theta) {
  if (!(theta >= 0.0 && theta < 1.0) || !(p > 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  return (2 * theta + (1 - theta) * p) * (3 * theta + (1 - theta) * p) / ((1 + theta) * (1 + 2 * theta));
}

double HeterozygoteMatchProbability(double p, double q, double theta) {
  if (!(theta >= 0.0 && theta < 1.0) || !(p > 0.0 && p <= 1.0) || !(q > 0.0 && q <= 1.0)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return 2 * (theta + (1 - theta) * p) * (theta + (1 - theta) * q) / ((1 + theta) * (1 + 2 * theta));
}

Result<LocusMatchProbability> ComputeLocusMatchProbability(const std::string& locus, const LocusGenotype& genotype,
                                                           const PopulationFrequencies& population,
                                                           const MatchProbabilityOptions& options) {
  if (!(options.theta >= 0.0 && options.theta < 1.0)) {
    return Status::InvalidArgument("theta " + std::to_string(options.theta) + " is outside [0, 1)");
  }
  LocusMatchProbability result;
  result.locus = locus;
  const std::vector<Allele> distinct = genotype.DistinctAlleles();
  for (const Allele& allele : distinct) {
    ABIS_ASSIGN_OR_RETURN(double frequency, population.Frequency(locus, allele, options.fallback_minimum));
    result.frequencies.push_back(frequency);
  }
  const std::vector<double>& p = result.frequencies;
  if (genotype.tri_allelic && distinct.size() == 3) {
    result.probability = std::min(1.0, HeterozygoteMatchProbability(p[0], p[1], options.theta) +
                                           HeterozygoteMatchProbability(p[0], p[2], options.theta) +
                                           HeterozygoteMatchProbability(p[1], p[2], options.theta));
    result.formula = "tri-allelic (sum of 4.10b over allele pairs)";
  } else if (genotype.alleles.size() == 1) {
    result.probability = std::min(1.0, 2 * p[0]);
    result.formula = "2p (single allele, possible drop-out)";
  } else if (genotype.alleles.size() == 2 && distinct.size() == 1) {
    result.probability = HomozygoteMatchProbability(p[0], options.theta);
    result.formula = "homozygote (NRC II 4.10a)";
  } else if (genotype.alleles.size() == 2 && distinct.size() == 2) {
    result.probability = HeterozygoteMatchProbability(p[0], p[1], options.theta);
    result.formula = "heterozygote (NRC II 4.10b)";
  } else {
    return Status::InvalidArgument("locus " + locus + " has " + std::to_string(genotype.alleles.size()) +
                                   " alleles: a random match probability needs a single-source profile");
  }
  return result;
}

Result<RandomMatchProbability> ComputeRandomMatchProbability(const StrProfile& profile,
                                                             const PopulationFrequencies& population,
                                                             const MatchProbabilityOptions& options) {
  RandomMatchProbability result;
  for (const auto& [locus, genotype] : profile.loci) {
    if (locus == kAmelogenin || genotype.alleles.empty()) continue;
    if (!population.HasLocus(locus)) {
      result.loci_without_frequencies.push_back(locus);
      continue;
    }
    ABIS_ASSIGN_OR_RETURN(LocusMatchProbability locus_result,
                          ComputeLocusMatchProbability(locus, genotype, population, options));
    result.rmp *= locus_result.probability;
    result.log10_rmp += std::log10(locus_result.probability);
    result.loci.push_back(std::move(locus_result));
  }
  if (result.loci.empty()) {
    return Status::InvalidArgument("no typed locus of the profile has frequencies in population '" + population.name() + "'");
  }
  return result;
}

}  // namespace abis::dna
