// Disaster victim identification (AbisSystem::IdentifyDisasterVictims): every unidentified_remains
// person of one gallery against every missing person whose family references are in another, in
// one job, with the joint assignment (as Bonaparte and other DVI tools make it).
//
// Steps: (1) the remains are compared with each other (ModalityEngine::Compare, direct DNA match);
// those matching at log10 LR >= same_individual_log10_lr are fragments of one person and form a
// "same individual" group (linked transitively), weighed with its fullest profile (most loci
// typed). (2) The LR matrix remains x missing persons: one KinshipEvaluator::RankMissingPersons
// pass per remains, progress reported after each. (3) The joint assignment
// (joint_assignment.h: exact maximum total log10 LR): each missing person to at most one group and
// each group to at most one missing person, over the pairs with log10 LR >= assignment_log10_lr.
// (4) The report: per assignment the posterior (over that group's row, under the stated prior),
// the runner-up and margin, and the conflicts flagged for the examiner; the unassigned.
//
// Rules: purpose unidentified_remains only, a case reference, the role may search for it
// (Action::kSearch); a refusal is audited as "dvi_job.refused", a failure after the checks as
// "dvi_job.failed". One "dvi_job" audit entry (both galleries, every person whose profile was
// read, the assignments; never DNA). Each assignment becomes a lead for the two-person review
// (candidate_review.h) naming the group's fullest remains person, in the remains gallery.
// Thread-safety: as AbisSystem (one per thread); the progress callback runs on the caller's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "abis/system/abis_system.h"

namespace abis {

struct DviProgress {
  std::size_t remains_done = 0;  // remains (groups) weighed so far
  std::size_t remains_total = 0;
  std::string remains;  // the external id just weighed
};

struct DviJobRequest {
  Purpose purpose = Purpose::kUnidentifiedRemains;  // unidentified_remains only
  std::string case_ref;
  std::string remains_gallery;            // its unidentified_remains persons are the remains
  std::string families_gallery;           // its missing_person_reference persons are the families
  double assignment_log10_lr = 4.0;       // a pair is assignable at log10 LR >= this (> 0)
  double same_individual_log10_lr = 6.0;  // two remains are one person at direct-match log10 LR >= this (> 0)
  double prior_per_missing_person = 0.0;  // 0: uniform 1/(M+1) for M missing persons weighed
  std::function<void(const DviProgress&)> progress;  // optional: after each group is weighed
};

// One missing person's weight for a group of remains.
struct DviPairScore {
  std::string missing_person;
  double log10_lr = 0.0;  // -inf: excluded
  std::string pedigree;
  std::vector<std::string> relatives_used;
};

// Remains that are one person (one member unless fragments were matched to each other).
struct DviGroup {
  std::vector<std::string> remains;      // external ids; the first is the fullest profile (weighed)
  std::vector<std::int64_t> person_ids;  // in the same order
  double weakest_link_log10_lr = 0.0;    // the weakest direct match that joined the group (0: one member)
  std::vector<DviPairScore> scores;      // every missing person weighed, best first
};

struct DviAssignment {
  std::size_t group = 0;  // index into DviJobResult::groups
  std::string missing_person;
  double log10_lr = 0.0;
  double posterior = 0.0;  // over the group's row of the matrix, under the prior stated
  std::string pedigree;
  std::vector<std::string> relatives_used;
  std::string runner_up;  // the group's next best missing person ("" when none)
  double runner_up_log10_lr = 0.0;
  double margin_log10 = 0.0;           // log10_lr - runner_up_log10_lr (infinite when no runner-up)
  std::vector<std::string> conflicts;  // sentences for the examiner; empty when none
  std::int64_t review_id = 0;          // the recorded lead (candidate id)
};

struct DviJobResult {
  double assignment_log10_lr = 0.0;
  double same_individual_log10_lr = 0.0;
  double prior_per_missing_person = 0.0;                // the prior used
  nlohmann::json model;                                 // KinshipEvaluator::Model()
  std::size_t remains_persons = 0;                      // remains compared
  std::vector<std::string> missing_persons;             // every missing person weighed, sorted
  std::vector<DviGroup> groups;                         // the remains, grouped ("same individual" groups have several)
  std::vector<DviAssignment> assignments;               // best log10 LR first
  std::vector<std::size_t> unassigned_groups;           // indices into groups
  std::vector<std::string> unassigned_missing_persons;  // sorted
  std::vector<std::string> skipped;                     // "<who>: why"
  std::int64_t audit_seq = 0;
  nlohmann::json ToJson() const;
};

}  // namespace abis
