// Kinship likelihood ratios for a pair of STR profiles: "related as R" versus "unrelated", from
// the IBD coefficients (k0, k1, k2) of R:
//   LR = k0 + k1 · P(A,B | 1 allele IBD) / P(A,B | 0 IBD) + k2 · P(A,B | 2 IBD) / P(A,B | 0 IBD)
// (Thompson 1975; Weir, Anderson & Hepler 2006, Nat. Rev. Genet. 7:771). Joint genotype
// probabilities draw the non-IBD alleles with the Balding & Nichols (1994) sampling formula
// P(x | n alleles seen, n_x of them x) = [n_x θ + (1-θ) p_x] / [1 + (n-1) θ], so θ = 0 gives the
// classical formulas (e.g. parent-child AB/AB: (p+q)/(4pq); full siblings AB/AB:
// (1 + p + q + 2pq)/(8pq)). For parent_child the IBD allele passes through a stepwise mutation
// model, so a locus without a shared allele yields a small LR instead of 0.
// Thread-safety: stateless functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/allele_frequencies.h"
#include "abis/dna/str_profile.h"

namespace abis::dna {

enum class Relationship { kParentChild, kFullSibling, kHalfSibling, kFirstCousin, kUnrelated };

struct IbdCoefficients {
  double k0 = 1.0, k1 = 0.0, k2 = 0.0;
};

// parent_child (0,1,0); full_sibling (1/4,1/2,1/4); half_sibling = grandparent = avuncular
// (1/2,1/2,0); first_cousin (3/4,1/4,0); unrelated (1,0,0).
IbdCoefficients IbdFor(Relationship relationship);
std::string_view RelationshipName(Relationship relationship);
// Accepts the names above and: parent, child, mother, father, sibling, half_sib, grandparent,
// grandchild, avuncular, uncle, aunt, nephew, niece, cousin.
Result<Relationship> ParseRelationship(std::string_view name);

// Per-meiosis stepwise mutation of a transmitted allele: it stays with probability 1-rate; else
// it moves s >= 1 repeats up or down (each direction half) with probability (1-r)·r^(s-1), where
// r = step_ratio. Differences that are not whole repeats (9.3 vs 11) count as the next whole step
// up; off-ladder alleles never mutate into another designation.
struct MutationModel {
  double rate = 0.002;      // per locus per meiosis, the order of averaged STR rates (see docs)
  double step_ratio = 0.1;  // r: each extra repeat step is 10 times less likely
};

// Probability that a parent's `from` allele is received as `to`.
double TransmissionProbability(const Allele& from, const Allele& to, const MutationModel& model);

struct KinshipOptions {
  double theta = 0.0;           // coancestry for the sampling formula; 0 = Hardy-Weinberg
  MutationModel mutation;       // used for parent_child only
  double fallback_minimum = 0.0;
};

struct KinshipLocusResult {
  std::string locus;
  double lr = 1.0;
};

struct KinshipResult {
  double lr = 1.0;           // product over used loci (may be 0 or inf in extreme cases)
  double log10_lr = 0.0;     // sum of per-locus log10 LRs
  std::vector<KinshipLocusResult> loci;
  std::vector<std::string> loci_skipped;  // not typed in both, partial, tri-allelic, or no frequencies
};

// LR for one locus. REQUIRES: each genotype lists exactly two alleles (homozygotes twice).
Result<double> KinshipLocusLr(const std::string& locus, const LocusGenotype& a, const LocusGenotype& b,
                              Relationship relationship, const PopulationFrequencies& population,
                              const KinshipOptions& options = {});

// Combined LR over the loci both profiles type with two alleles. No usable locus is
// kInvalidArgument. Symmetric in a and b.
Result<KinshipResult> ComputeKinship(const StrProfile& a, const StrProfile& b, Relationship relationship,
                                     const PopulationFrequencies& population, const KinshipOptions& options = {});

// Two-parent pedigree: LR that `child` is the child of `mother` and `father` versus unrelated to
// both, P(C | M, F) / P(C), each parent transmitting one allele through the mutation model.
Result<KinshipResult> ComputeTrioParentage(const StrProfile& child, const StrProfile& mother,
                                           const StrProfile& father, const PopulationFrequencies& population,
                                           const KinshipOptions& options = {});

}  // namespace abis::dna
