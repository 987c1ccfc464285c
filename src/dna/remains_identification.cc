#include "abis/dna/remains_identification.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace abis::dna {

Result<RemainsIdentification> RankMissingPersons(const StrProfile& remains,
                                                 const std::vector<ReferenceRelative>& references,
                                                 const std::vector<const PopulationFrequencies*>& populations,
                                                 const RemainsIdentificationOptions& options) {
  if (references.empty()) return Status::InvalidArgument("no reference relatives given");
  if (populations.empty()) return Status::InvalidArgument("no population of allele frequencies given");
  std::map<std::string, std::vector<const ReferenceRelative*>> by_missing_person;
  for (const ReferenceRelative& reference : references) {
    if (reference.missing_person.empty()) {
      return Status::InvalidArgument("reference '" + reference.relative_id + "' names no missing person");
    }
    by_missing_person[reference.missing_person].push_back(&reference);
  }
  const double missing_persons = static_cast<double>(by_missing_person.size());
  double prior = options.prior_per_missing_person;
  if (prior == 0.0) prior = 1.0 / (missing_persons + 1.0);
  if (!(prior > 0.0 && prior * missing_persons <= 1.0 + 1e-12)) {
    return Status::InvalidArgument("prior " + std::to_string(prior) + " per missing person is not in (0, 1/" +
                                   std::to_string(by_missing_person.size()) + "]");
  }

  RemainsIdentification result;
  result.prior_per_missing_person = prior;
  for (const auto& [missing_person, relatives] : by_missing_person) {
    const ReferenceRelative* mother = nullptr;
    const ReferenceRelative* father = nullptr;
    std::vector<const ReferenceRelative*> others;
    for (const ReferenceRelative* relative : relatives) {
      // A person has one mother and one father: a second one is a data-entry error (or the same
      // parent typed twice), which would count the same evidence twice. Refused, naming both.
      const ReferenceRelative*& parent = relative->role == ReferenceRole::kMother ? mother : father;
      if (relative->role != ReferenceRole::kRelative && parent != nullptr) {
        return Status::InvalidArgument("missing person " + missing_person + ": two references are recorded as the " +
                                       (relative->role == ReferenceRole::kMother ? "mother" : "father") + " (" +
                                       parent->relative_id + ", " + relative->relative_id +
                                       "): a person has one; correct the relationship of one of them");
      }
      if (relative->role == ReferenceRole::kRelative) {
        others.push_back(relative);
      } else {
        parent = relative;
      }
    }
    if (static_cast<bool>(mother) != static_cast<bool>(father)) {
      others.push_back(mother ? mother : father);  // a single parent is a parent-child pair
      mother = father = nullptr;
    }
    MissingPersonScore score;
    score.missing_person = missing_person;
    const std::string context = "missing person " + missing_person;
    bool first_population = true;
    for (const PopulationFrequencies* population : populations) {
      double log10_lr = 0.0;
      std::vector<std::string> used;
      std::string pedigree;
      std::map<std::string, double> locus_lr;
      auto add_loci = [&locus_lr](const KinshipResult& piece) {
        for (const KinshipLocusResult& locus : piece.loci) {
          auto [it, inserted] = locus_lr.emplace(locus.locus, locus.lr);
          if (!inserted) it->second *= locus.lr;
        }
      };
      if (mother) {
        auto trio = ComputeTrioParentage(remains, mother->profile, father->profile, *population, options.kinship);
        if (!trio.ok()) return trio.status().WithContext(context);
        log10_lr += trio->log10_lr;
        add_loci(*trio);
        used.push_back(mother->relative_id);
        used.push_back(father->relative_id);
        pedigree = "trio";
      }
      for (const ReferenceRelative* relative : others) {
        auto kinship = ComputeKinship(remains, relative->profile, relative->relationship, *population, options.kinship);
        if (!kinship.ok()) return kinship.status().WithContext(context + ", relative " + relative->relative_id);
        log10_lr += kinship->log10_lr;
        add_loci(*kinship);
        used.push_back(relative->relative_id);
        if (pedigree.empty()) pedigree = std::string(RelationshipName(relative->relationship));
      }
      if (first_population || log10_lr < score.log10_lr) {
        score.log10_lr = log10_lr;
        score.relatives_used = std::move(used);
        score.pedigree = std::move(pedigree);
        score.population = population->name();
        score.loci.clear();
        for (const auto& [locus, lr] : locus_lr) score.loci.push_back({locus, lr});
      }
      first_population = false;
    }
    const std::size_t pieces = (mother ? 1 : 0) + others.size();
    if (pieces > 1) {
      score.pedigree += "+" + std::to_string(pieces - 1) + " more (product: independence approximation)";
    }
    result.ranking.push_back(std::move(score));
  }
  // Posterior over {each missing person, none of them}: prior·LR_i / (Σ prior·LR_j + (1 - M·prior)),
  // computed in log space so very large LRs do not overflow.
  double max_log = std::log10(std::max(1.0 - prior * missing_persons, 1e-300));
  for (const MissingPersonScore& score : result.ranking) max_log = std::max(max_log, std::log10(prior) + score.log10_lr);
  double denominator = std::pow(10.0, std::log10(std::max(1.0 - prior * missing_persons, 0.0)) - max_log);
  for (const MissingPersonScore& score : result.ranking) denominator += std::pow(10.0, std::log10(prior) + score.log10_lr - max_log);
  for (MissingPersonScore& score : result.ranking) {
    score.posterior = std::pow(10.0, std::log10(prior) + score.log10_lr - max_log) / denominator;
  }
  std::stable_sort(result.ranking.begin(), result.ranking.end(),
                   [](const MissingPersonScore& a, const MissingPersonScore& b) { return a.log10_lr > b.log10_lr; });
  return result;
}

}  // namespace abis::dna
