#include "abis/dna/kinship.h"

#include <cmath>
#include <utility>

#include "abis/dna/locus.h"

namespace abis::dna {
namespace {

struct WeightedAllele {
  const Allele* allele;
  double frequency;
};

using Ordering = std::pair<WeightedAllele, WeightedAllele>;

// Probability of drawing the alleles in order from a subdivided population (Balding & Nichols
// 1994): P(x | n seen, n_x of them x) = [n_x θ + (1-θ) p_x] / [1 + (n-1) θ].
double SequenceProbability(std::initializer_list<WeightedAllele> sequence, double theta) {
  double probability = 1.0;
  std::size_t seen = 0;
  for (auto it = sequence.begin(); it != sequence.end(); ++it, ++seen) {
    std::size_t same = 0;
    for (auto previous = sequence.begin(); previous != it; ++previous) {
      if (*previous->allele == *it->allele) ++same;
    }
    const double numerator = static_cast<double>(same) * theta + (1.0 - theta) * it->frequency;
    const double denominator = seen == 0 ? 1.0 - theta : 1.0 + (static_cast<double>(seen) - 1.0) * theta;
    probability *= seen == 0 ? it->frequency : numerator / denominator;
  }
  return probability;
}

// The ordered forms of an unordered two-allele genotype: one for a homozygote, two otherwise.
std::vector<Ordering> OrderingsOf(const WeightedAllele& first, const WeightedAllele& second) {
  if (*first.allele == *second.allele) return {{first, second}};
  return {{first, second}, {second, first}};
}

bool IsPairGenotype(const LocusGenotype& genotype) { return genotype.alleles.size() == 2 && !genotype.tri_allelic; }

Result<std::vector<WeightedAllele>> Weigh(const std::string& locus, const LocusGenotype& genotype,
                                          const PopulationFrequencies& population, double fallback_minimum) {
  std::vector<WeightedAllele> weighted;
  for (const Allele& allele : genotype.alleles) {
    ABIS_ASSIGN_OR_RETURN(double frequency, population.Frequency(locus, allele, fallback_minimum));
    weighted.push_back({&allele, frequency});
  }
  return weighted;
}

Status CheckOptions(const KinshipOptions& options) {
  if (!(options.theta >= 0.0 && options.theta < 1.0)) {
    return Status::InvalidArgument("theta " + std::to_string(options.theta) + " is outside [0, 1)");
  }
  if (!(options.mutation.rate >= 0.0 && options.mutation.rate < 1.0)) {
    return Status::InvalidArgument("mutation rate " + std::to_string(options.mutation.rate) + " is outside [0, 1)");
  }
  if (!(options.mutation.step_ratio >= 0.0 && options.mutation.step_ratio < 1.0)) {
    return Status::InvalidArgument("mutation step ratio " + std::to_string(options.mutation.step_ratio) + " is outside [0, 1)");
  }
  return Status::Ok();
}

}  // namespace

IbdCoefficients IbdFor(Relationship relationship) {
  switch (relationship) {
    case Relationship::kParentChild: return {0.0, 1.0, 0.0};
    case Relationship::kFullSibling: return {0.25, 0.5, 0.25};
    case Relationship::kHalfSibling: return {0.5, 0.5, 0.0};
    case Relationship::kFirstCousin: return {0.75, 0.25, 0.0};
    case Relationship::kUnrelated: return {1.0, 0.0, 0.0};
  }
  return {};
}

std::string_view RelationshipName(Relationship relationship) {
  switch (relationship) {
    case Relationship::kParentChild: return "parent_child";
    case Relationship::kFullSibling: return "full_sibling";
    case Relationship::kHalfSibling: return "half_sibling";
    case Relationship::kFirstCousin: return "first_cousin";
    case Relationship::kUnrelated: return "unrelated";
  }
  return "unknown";
}

Result<Relationship> ParseRelationship(std::string_view name) {
  static const std::pair<std::string_view, Relationship> kNames[] = {
      {"parent_child", Relationship::kParentChild}, {"parent", Relationship::kParentChild},
      {"child", Relationship::kParentChild},        {"mother", Relationship::kParentChild},
      {"father", Relationship::kParentChild},       {"full_sibling", Relationship::kFullSibling},
      {"sibling", Relationship::kFullSibling},      {"half_sibling", Relationship::kHalfSibling},
      {"half_sib", Relationship::kHalfSibling},     {"grandparent", Relationship::kHalfSibling},
      {"grandchild", Relationship::kHalfSibling},   {"avuncular", Relationship::kHalfSibling},
      {"uncle", Relationship::kHalfSibling},        {"aunt", Relationship::kHalfSibling},
      {"nephew", Relationship::kHalfSibling},       {"niece", Relationship::kHalfSibling},
      {"first_cousin", Relationship::kFirstCousin}, {"cousin", Relationship::kFirstCousin},
      {"unrelated", Relationship::kUnrelated},
  };
  for (const auto& [text, relationship] : kNames) {
    if (text == name) return relationship;
  }
  return Status::InvalidArgument("unknown relationship '" + std::string(name) +
                                 "' (parent_child, full_sibling, half_sibling, first_cousin, unrelated, or an "
                                 "alias: parent, child, mother, father, sibling, grandparent, avuncular, uncle, aunt, cousin)");
}

double TransmissionProbability(const Allele& from, const Allele& to, const MutationModel& model) {
  if (from == to) return 1.0 - model.rate;
  if (!from.tenths() || !to.tenths() || from.kind() != Allele::Kind::kRepeat || to.kind() != Allele::Kind::kRepeat) {
    return 0.0;
  }
  const int difference = std::abs(*from.tenths() - *to.tenths());
  const int steps = std::max(1, (difference + 9) / 10);
  return model.rate * (1.0 - model.step_ratio) * std::pow(model.step_ratio, steps - 1) / 2.0;
}

Result<double> KinshipLocusLr(const std::string& locus, const LocusGenotype& a, const LocusGenotype& b,
                              Relationship relationship, const PopulationFrequencies& population,
                              const KinshipOptions& options) {
  ABIS_RETURN_IF_ERROR(CheckOptions(options));
  if (!IsPairGenotype(a) || !IsPairGenotype(b)) {
    return Status::InvalidArgument("kinship at locus " + locus + " needs two listed alleles on each side");
  }
  ABIS_ASSIGN_OR_RETURN(auto weighted_a, Weigh(locus, a, population, options.fallback_minimum));
  ABIS_ASSIGN_OR_RETURN(auto weighted_b, Weigh(locus, b, population, options.fallback_minimum));
  const IbdCoefficients k = IbdFor(relationship);
  const double theta = options.theta;
  const bool mutation = relationship == Relationship::kParentChild && options.mutation.rate > 0.0;
  const auto orderings_a = OrderingsOf(weighted_a[0], weighted_a[1]);
  const auto orderings_b = OrderingsOf(weighted_b[0], weighted_b[1]);

  double none_ibd = 0.0, one_ibd = 0.0, two_ibd = 0.0;
  for (const auto& [a1, a2] : orderings_a) {
    for (const auto& [b1, b2] : orderings_b) {
      none_ibd += SequenceProbability({a1, a2, b1, b2}, theta);
      // By convention a1 is the allele passed on and b1 the allele received.
      if (mutation) {
        // Without a stated direction, average "A parent of B" and "B parent of A".
        one_ibd += 0.5 * SequenceProbability({a1, a2, b2}, theta) *
                   TransmissionProbability(*a1.allele, *b1.allele, options.mutation);
        one_ibd += 0.5 * SequenceProbability({b1, b2, a2}, theta) *
                   TransmissionProbability(*b1.allele, *a1.allele, options.mutation);
      } else if (*a1.allele == *b1.allele) {
        one_ibd += SequenceProbability({a1, a2, b2}, theta);
      }
      if (*a1.allele == *b1.allele && *a2.allele == *b2.allele) two_ibd += SequenceProbability({a1, a2}, theta);
    }
  }
  return k.k0 + (k.k1 * one_ibd + k.k2 * two_ibd) / none_ibd;
}

Result<KinshipResult> ComputeKinship(const StrProfile& a, const StrProfile& b, Relationship relationship,
                                     const PopulationFrequencies& population, const KinshipOptions& options) {
  ABIS_RETURN_IF_ERROR(CheckOptions(options));
  KinshipResult result;
  for (const auto& [locus, genotype_a] : a.loci) {
    if (locus == kAmelogenin || genotype_a.alleles.empty()) continue;
    auto it = b.loci.find(locus);
    if (it == b.loci.end() || it->second.alleles.empty()) continue;
    if (!IsPairGenotype(genotype_a) || !IsPairGenotype(it->second) || !population.HasLocus(locus)) {
      result.loci_skipped.push_back(locus);
      continue;
    }
    ABIS_ASSIGN_OR_RETURN(double lr, KinshipLocusLr(locus, genotype_a, it->second, relationship, population, options));
    result.lr *= lr;
    result.log10_lr += std::log10(lr);
    result.loci.push_back({locus, lr});
  }
  if (result.loci.empty()) return Status::InvalidArgument("the two profiles share no locus usable for kinship");
  return result;
}

Result<KinshipResult> ComputeTrioParentage(const StrProfile& child, const StrProfile& mother, const StrProfile& father,
                                           const PopulationFrequencies& population, const KinshipOptions& options) {
  ABIS_RETURN_IF_ERROR(CheckOptions(options));
  KinshipResult result;
  for (const auto& [locus, genotype_c] : child.loci) {
    if (locus == kAmelogenin || genotype_c.alleles.empty()) continue;
    auto m = mother.loci.find(locus);
    auto f = father.loci.find(locus);
    if (m == mother.loci.end() || f == father.loci.end()) continue;
    if (!IsPairGenotype(genotype_c) || !IsPairGenotype(m->second) || !IsPairGenotype(f->second) ||
        !population.HasLocus(locus)) {
      result.loci_skipped.push_back(locus);
      continue;
    }
    ABIS_ASSIGN_OR_RETURN(auto weighted_c, Weigh(locus, genotype_c, population, options.fallback_minimum));
    double given_parents = 0.0, unrelated = 0.0;
    for (const auto& [c1, c2] : OrderingsOf(weighted_c[0], weighted_c[1])) {
      double from_mother = 0.0, from_father = 0.0;
      for (const Allele& allele : m->second.alleles) from_mother += 0.5 * TransmissionProbability(allele, *c1.allele, options.mutation);
      for (const Allele& allele : f->second.alleles) from_father += 0.5 * TransmissionProbability(allele, *c2.allele, options.mutation);
      given_parents += from_mother * from_father;
      unrelated += SequenceProbability({c1, c2}, options.theta);
    }
    const double lr = given_parents / unrelated;
    result.lr *= lr;
    result.log10_lr += std::log10(lr);
    result.loci.push_back({locus, lr});
  }
  if (result.loci.empty()) return Status::InvalidArgument("child and parents share no locus usable for parentage");
  return result;
}

}  // namespace abis::dna
