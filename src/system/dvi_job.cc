// AbisSystem::IdentifyDisasterVictims: many remains against many families in one job, with the
// joint assignment (rules: abis/system/dvi_job.h).
//
// Everything is read in one read transaction, then weighed outside it (a job of hundreds of remains
// takes seconds to minutes and must not hold the store); the audit entry and the leads commit
// together at the end.
#include "abis/system/dvi_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>
#include <set>

#include "abis/modality/kinship_evaluator.h"
#include "abis/system/candidate_review.h"
#include "abis/system/joint_assignment.h"
#include "audit_object_ids.h"
#include "case_reference.h"
#include "stored_dna_templates.h"

namespace abis {
namespace {

constexpr int kMembersPerPage = 1000;
constexpr const char* kAction = "dvi_job";

nlohmann::json FiniteOrNull(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

// A remains person's fullest DNA profile.
struct RemainsProfile {
  std::int64_t person_id = 0;
  std::string external_id;
  std::int64_t loci_typed = 0;
  BiometricTemplate profile;
};

// Union-find over the remains, for the "same individual" groups.
std::size_t Root(std::vector<std::size_t>& parent, std::size_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

std::string JoinRemains(const DviGroup& group) {
  std::string out;
  for (const std::string& remains : group.remains) out += (out.empty() ? "" : "+") + remains;
  return out;
}

// The group's score for `missing_person`; null when not weighed.
const DviPairScore* ScoreFor(const DviGroup& group, const std::string& missing_person) {
  for (const DviPairScore& score : group.scores)
    if (score.missing_person == missing_person) return &score;
  return nullptr;
}

}  // namespace

nlohmann::json DviJobResult::ToJson() const {
  auto group_json = [&](std::size_t index) {
    const DviGroup& group = groups[index];
    nlohmann::json out = {{"remains", group.remains}, {"person_ids", group.person_ids}};
    if (group.remains.size() > 1) out["weakest_link_log10_lr"] = group.weakest_link_log10_lr;
    return out;
  };
  nlohmann::json assigned = nlohmann::json::array();
  for (const DviAssignment& a : assignments) {
    nlohmann::json item = group_json(a.group);
    item.update({{"missing_person", a.missing_person},
                 {"log10_lr", a.log10_lr},
                 {"posterior", a.posterior},
                 {"pedigree", a.pedigree},
                 {"relatives_used", a.relatives_used},
                 {"runner_up", a.runner_up.empty() ? nlohmann::json() : nlohmann::json(a.runner_up)},
                 {"runner_up_log10_lr", a.runner_up.empty() ? nlohmann::json() : FiniteOrNull(a.runner_up_log10_lr)},
                 {"margin_log10", FiniteOrNull(a.margin_log10)},
                 {"conflicts", a.conflicts},
                 {"candidate_id", a.review_id}});
    assigned.push_back(std::move(item));
  }
  nlohmann::json same_individual = nlohmann::json::array();
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].remains.size() > 1) same_individual.push_back(group_json(i));
    nlohmann::json row = nlohmann::json::array();
    for (const std::string& missing : missing_persons) {
      const DviPairScore* score = ScoreFor(groups[i], missing);
      row.push_back(score == nullptr ? nlohmann::json() : FiniteOrNull(score->log10_lr));
    }
    rows.push_back({{"remains", groups[i].remains}, {"log10_lr", row}});
  }
  nlohmann::json unassigned = nlohmann::json::array();
  for (std::size_t index : unassigned_groups) {
    nlohmann::json item = group_json(index);
    const DviGroup& group = groups[index];
    if (!group.scores.empty()) {
      item["best_missing_person"] = group.scores.front().missing_person;
      item["best_log10_lr"] = FiniteOrNull(group.scores.front().log10_lr);
    }
    unassigned.push_back(std::move(item));
  }
  return {{"assignment_log10_lr", assignment_log10_lr},
          {"same_individual_log10_lr", same_individual_log10_lr},
          {"prior_per_missing_person", prior_per_missing_person},
          {"model", model},
          {"remains_persons", remains_persons},
          {"missing_persons", missing_persons},
          {"same_individual_groups", same_individual},
          {"assignments", assigned},
          {"unassigned_remains", unassigned},
          {"unassigned_missing_persons", unassigned_missing_persons},
          {"matrix", {{"missing_persons", missing_persons}, {"rows", rows}}},
          {"skipped", skipped},
          {"audit_seq", audit_seq}};
}

Result<DviJobResult> AbisSystem::IdentifyDisasterVictims(const Operator& op, const DviJobRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.case_ref));
  const std::string purpose(PurposeName(request.purpose));
  std::string refusal;
  if (request.purpose != Purpose::kUnidentifiedRemains) {
    refusal = "a DVI job may only be run for the purpose unidentified_remains, not " + purpose;
  } else if (!RoleAllows(op.role, Action::kSearch)) {
    refusal = "role " + std::string(RoleName(op.role)) + " may not search";
  } else if (!RoleAllowsPurpose(op.role, request.purpose)) {
    refusal = "role " + std::string(RoleName(op.role)) + " may not search for the purpose " + purpose;
  }
  if (!refusal.empty()) {
    ABIS_RETURN_IF_ERROR(AuditRefusal(op, kAction, purpose, request.case_ref, refusal));
    return Status::PermissionDenied(refusal);
  }
  Result<DviJobResult> result = RunDviJob(op, request);
  if (!result.ok()) AuditFailedRequest(op, kAction, request.purpose, request.case_ref, result.status());
  return result;
}

Result<DviJobResult> AbisSystem::RunDviJob(const Operator& op, const DviJobRequest& request) {
  if (!(request.assignment_log10_lr > 0.0 && std::isfinite(request.assignment_log10_lr))) {
    return Status::InvalidArgument("the assignment threshold (log10 LR) must be a finite number > 0");
  }
  if (!(request.same_individual_log10_lr > 0.0 && std::isfinite(request.same_individual_log10_lr))) {
    return Status::InvalidArgument("the same-individual threshold (log10 LR) must be a finite number > 0");
  }
  if (!(request.prior_per_missing_person >= 0.0 && request.prior_per_missing_person < 1.0)) {
    return Status::InvalidArgument("the prior per missing person must be in [0, 1) (0: uniform)");
  }
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(Modality::kDna));
  const KinshipEvaluator* evaluator = engine->kinship();
  if (evaluator == nullptr) return Status::FailedPrecondition("the DNA engine of this ABIS weighs no kinship");

  DviJobResult result;
  result.assignment_log10_lr = request.assignment_log10_lr;
  result.same_individual_log10_lr = request.same_individual_log10_lr;
  result.model = evaluator->Model();
  Gallery remains_gallery, families_gallery;
  std::vector<RemainsProfile> remains;
  std::vector<RelativeTemplate> relatives;
  std::vector<std::int64_t> persons_read;
  std::map<std::string, std::int64_t> person_of_external_id;
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(remains_gallery, store_->FindGalleryWithoutMemberCount(request.remains_gallery));
    ABIS_ASSIGN_OR_RETURN(families_gallery, store_->FindGalleryWithoutMemberCount(request.families_gallery));
    // Each member of the wanted category with its active DNA templates; the others skipped.
    auto for_each_member = [&](const Gallery& gallery, PersonCategory category,
                               const std::function<Status(const Person&, std::vector<StoredDnaTemplate>&)>& use) {
      for (std::int64_t after = 0;;) {
        ABIS_ASSIGN_OR_RETURN(auto page, store_->ListGalleryMembers(gallery.id, after, kMembersPerPage));
        for (const auto& [person_id, external_id] : page) {
          after = person_id;
          ABIS_ASSIGN_OR_RETURN(Person person, store_->GetPerson(person_id));
          if (person.category != category) {
            result.skipped.push_back(external_id + ": category " + std::string(PersonCategoryName(person.category)) +
                                     ", not " + std::string(PersonCategoryName(category)));
            continue;
          }
          ABIS_ASSIGN_OR_RETURN(std::vector<StoredDnaTemplate> templates,
                                ActiveDnaTemplates(*store_, *engine, person_id));
          if (templates.empty()) {
            result.skipped.push_back(external_id + ": no active DNA template");
            continue;
          }
          ABIS_RETURN_IF_ERROR(use(person, templates));
        }
        if (page.size() < static_cast<std::size_t>(kMembersPerPage)) break;
      }
      return Status::Ok();
    };
    ABIS_RETURN_IF_ERROR(for_each_member(
        remains_gallery, PersonCategory::kUnidentifiedRemains,
        [&](const Person& person, std::vector<StoredDnaTemplate>& templates) -> Status {
          const StoredDnaTemplate* chosen = Fullest(templates);
          ABIS_ASSIGN_OR_RETURN(BiometricTemplate profile, store_->LoadTemplate(chosen->info.id));
          remains.push_back({person.id, person.external_id, LociTyped(chosen->info), std::move(profile)});
          persons_read.push_back(person.id);
          return Status::Ok();
        }));
    ABIS_RETURN_IF_ERROR(for_each_member(
        families_gallery, PersonCategory::kMissingPersonReference,
        [&](const Person& person, std::vector<StoredDnaTemplate>& templates) -> Status {
          // One template per (reference person, missing person): the fullest profile.
          std::map<std::string, std::vector<StoredDnaTemplate>> by_case;
          for (StoredDnaTemplate& stored : templates) {
            Status relative = evaluator->ValidateRelativeOptions(stored.options, /*required=*/true);
            if (!relative.ok()) {
              result.skipped.push_back(person.external_id + ": template " + std::to_string(stored.info.id) + ": " +
                                       relative.message());
              continue;
            }
            by_case[OptionText(stored.options, kMissingPersonOption)].push_back(std::move(stored));
          }
          for (const auto& [missing, of_case] : by_case) {
            const StoredDnaTemplate* chosen = Fullest(of_case);
            ABIS_ASSIGN_OR_RETURN(BiometricTemplate reference, store_->LoadTemplate(chosen->info.id));
            relatives.push_back(
                {missing, person.external_id, OptionText(chosen->options, kRelationshipOption), std::move(reference)});
          }
          if (!by_case.empty()) {
            persons_read.push_back(person.id);
            person_of_external_id[person.external_id] = person.id;
          }
          return Status::Ok();
        }));
    return Status::Ok();
  }));
  if (remains.empty()) {
    return Status::FailedPrecondition("gallery '" + remains_gallery.name +
                                      "' holds no unidentified_remains person with a DNA template");
  }
  if (relatives.empty()) {
    return Status::FailedPrecondition("gallery '" + families_gallery.name +
                                      "' holds no family reference (missing_person_reference person with the sample "
                                      "options missing_person and relationship)");
  }
  result.remains_persons = remains.size();

  // 1. Fragments of one person: direct matches between the remains, grouped transitively.
  std::vector<std::size_t> parent(remains.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<std::tuple<std::size_t, std::size_t, double>> links;
  for (std::size_t i = 0; i < remains.size(); ++i) {
    for (std::size_t j = i + 1; j < remains.size(); ++j) {
      auto compared = engine->Compare(remains[i].profile, remains[j].profile);
      if (!compared.ok()) {
        if (compared.status().code() != StatusCode::kInvalidArgument) return compared.status();
        continue;  // no locus in common: not shown to be one person
      }
      const double log10_lr = compared->log_lr / std::numbers::ln10;
      if (log10_lr < request.same_individual_log10_lr) continue;
      links.emplace_back(i, j, log10_lr);
      parent[Root(parent, i)] = Root(parent, j);
    }
  }
  std::map<std::size_t, std::vector<std::size_t>> members_of_root;
  for (std::size_t i = 0; i < remains.size(); ++i) members_of_root[Root(parent, i)].push_back(i);
  std::vector<std::vector<std::size_t>> group_members;
  for (auto& [root, members] : members_of_root) {
    // The fullest profile first (it is the one weighed), then in gallery order.
    std::stable_sort(members.begin(), members.end(),
                     [&](std::size_t a, std::size_t b) { return remains[a].loci_typed > remains[b].loci_typed; });
    group_members.push_back(members);
  }
  std::sort(group_members.begin(), group_members.end(),
            [&](const auto& a, const auto& b) { return remains[a.front()].person_id < remains[b.front()].person_id; });
  for (const std::vector<std::size_t>& members : group_members) {
    DviGroup group;
    for (std::size_t i : members) {
      group.remains.push_back(remains[i].external_id);
      group.person_ids.push_back(remains[i].person_id);
    }
    group.weakest_link_log10_lr = INFINITY;
    for (const auto& [i, j, log10_lr] : links)
      if (Root(parent, i) == Root(parent, members.front()))
        group.weakest_link_log10_lr = std::min(group.weakest_link_log10_lr, log10_lr);
    if (members.size() == 1) group.weakest_link_log10_lr = 0.0;
    result.groups.push_back(std::move(group));
  }

  // 2. The LR matrix: one pass over every family per group (its fullest profile).
  std::set<std::string> missing_set;
  for (const RelativeTemplate& relative : relatives) missing_set.insert(relative.missing_person);
  for (std::size_t g = 0; g < result.groups.size(); ++g) {
    DviGroup& group = result.groups[g];
    const BiometricTemplate& profile = remains[group_members[g].front()].profile;
    std::vector<PedigreeScore> scores;
    auto ranked = evaluator->RankMissingPersons(profile, relatives, 0.0);
    if (ranked.ok()) {
      scores = std::move(ranked->ranking);
    } else {
      if (ranked.status().code() != StatusCode::kInvalidArgument) return ranked.status();
      // Some family cannot be weighed against this profile: weigh each on its own, skip those.
      for (const std::string& missing : missing_set) {
        std::vector<RelativeTemplate> family;
        for (const RelativeTemplate& relative : relatives)
          if (relative.missing_person == missing) family.push_back(relative);
        auto one = evaluator->RankMissingPersons(profile, family, 0.0);
        if (!one.ok()) {
          if (one.status().code() != StatusCode::kInvalidArgument) return one.status();
          result.skipped.push_back(group.remains.front() + " x " + missing + ": " + one.status().message());
          continue;
        }
        scores.push_back(std::move(one->ranking.front()));
      }
    }
    for (PedigreeScore& score : scores) {
      group.scores.push_back({std::move(score.missing_person), score.log10_lr, std::move(score.pedigree),
                              std::move(score.relatives_used)});
    }
    std::stable_sort(group.scores.begin(), group.scores.end(),
                     [](const DviPairScore& a, const DviPairScore& b) { return a.log10_lr > b.log10_lr; });
    if (request.progress) request.progress({g + 1, result.groups.size(), group.remains.front()});
  }
  result.missing_persons.assign(missing_set.begin(), missing_set.end());
  const double missing_count = static_cast<double>(result.missing_persons.size());
  result.prior_per_missing_person =
      request.prior_per_missing_person > 0.0 ? request.prior_per_missing_person : 1.0 / (missing_count + 1.0);
  if (result.prior_per_missing_person * missing_count > 1.0 + 1e-12) {
    return Status::InvalidArgument(fmt::format("prior {:g} per missing person times {} missing persons exceeds 1",
                                               result.prior_per_missing_person, result.missing_persons.size()));
  }

  // 3. The joint assignment over the pairs at or above the threshold.
  std::map<std::string, std::size_t> column_of;
  for (std::size_t m = 0; m < result.missing_persons.size(); ++m) column_of[result.missing_persons[m]] = m;
  std::vector<std::vector<std::optional<double>>> weights(
      result.groups.size(), std::vector<std::optional<double>>(result.missing_persons.size()));
  for (std::size_t g = 0; g < result.groups.size(); ++g) {
    for (const DviPairScore& score : result.groups[g].scores) {
      if (std::isfinite(score.log10_lr) && score.log10_lr >= request.assignment_log10_lr)
        weights[g][column_of.at(score.missing_person)] = score.log10_lr;
    }
  }
  const std::vector<std::optional<std::size_t>> chosen = MaxWeightAssignment(weights);

  // 4. The report: posteriors, runners-up, conflicts; the unassigned.
  std::map<std::string, std::size_t> group_of_missing;
  for (std::size_t g = 0; g < chosen.size(); ++g)
    if (chosen[g]) group_of_missing[result.missing_persons[*chosen[g]]] = g;
  for (std::size_t g = 0; g < result.groups.size(); ++g) {
    const DviGroup& group = result.groups[g];
    if (!chosen[g]) {
      result.unassigned_groups.push_back(g);
      continue;
    }
    DviAssignment assignment;
    assignment.group = g;
    assignment.missing_person = result.missing_persons[*chosen[g]];
    const DviPairScore& pair = *ScoreFor(group, assignment.missing_person);
    assignment.log10_lr = pair.log10_lr;
    assignment.pedigree = pair.pedigree;
    assignment.relatives_used = pair.relatives_used;
    std::vector<double> row;
    std::size_t position = 0;
    for (const DviPairScore& score : group.scores) {
      if (!std::isfinite(score.log10_lr)) continue;
      if (score.missing_person == assignment.missing_person) position = row.size();
      row.push_back(score.log10_lr);
    }
    assignment.posterior = Posteriors(row, result.prior_per_missing_person)[position];
    assignment.margin_log10 = INFINITY;
    for (const DviPairScore& score : group.scores) {
      if (score.missing_person == assignment.missing_person || !std::isfinite(score.log10_lr)) continue;
      assignment.runner_up = score.missing_person;
      assignment.runner_up_log10_lr = score.log10_lr;
      assignment.margin_log10 = assignment.log10_lr - score.log10_lr;
      break;
    }
    const DviPairScore& best = group.scores.front();
    if (best.missing_person != assignment.missing_person) {
      auto taker = group_of_missing.find(best.missing_person);
      assignment.conflicts.push_back(fmt::format(
          "best match {} (log10 LR {:.2f}) was given to {} by the joint assignment", best.missing_person, best.log10_lr,
          taker == group_of_missing.end() ? "nobody" : JoinRemains(result.groups[taker->second])));
    }
    if (assignment.margin_log10 < 1.0) {
      assignment.conflicts.push_back(fmt::format("runner-up {} within a factor 10 (log10 LR {:.2f}, margin {:.2f})",
                                                 assignment.runner_up, assignment.runner_up_log10_lr,
                                                 assignment.margin_log10));
    }
    for (std::size_t other = 0; other < result.groups.size(); ++other) {
      const DviGroup& rival = result.groups[other];
      if (other == g || rival.scores.empty() || rival.scores.front().missing_person != assignment.missing_person ||
          !(rival.scores.front().log10_lr >= request.assignment_log10_lr))
        continue;
      assignment.conflicts.push_back(fmt::format("{} is also the best match of {} (log10 LR {:.2f})",
                                                 assignment.missing_person, JoinRemains(rival),
                                                 rival.scores.front().log10_lr));
    }
    result.assignments.push_back(std::move(assignment));
  }
  std::stable_sort(result.assignments.begin(), result.assignments.end(),
                   [](const DviAssignment& a, const DviAssignment& b) { return a.log10_lr > b.log10_lr; });
  for (const std::string& missing : result.missing_persons)
    if (!group_of_missing.contains(missing)) result.unassigned_missing_persons.push_back(missing);

  // 5. The audit entry and the leads commit together; an assignment whose remains person was
  // deleted or merged away meanwhile is not recorded as a lead.
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    std::sort(persons_read.begin(), persons_read.end());
    persons_read.erase(std::unique(persons_read.begin(), persons_read.end()), persons_read.end());
    nlohmann::json summary = nlohmann::json::array();
    std::vector<SearchLead> leads;
    std::vector<std::size_t> lead_of;  // index into assignments of each lead
    for (std::size_t i = 0; i < result.assignments.size(); ++i) {
      const DviAssignment& a = result.assignments[i];
      const DviGroup& group = result.groups[a.group];
      summary.push_back({{"person_ids", group.person_ids},
                         {"missing_person", a.missing_person},
                         {"log10_lr", a.log10_lr},
                         {"posterior", a.posterior},
                         {"pedigree", a.pedigree},
                         {"conflicts", a.conflicts.size()}});
      if (!store_->GetPerson(group.person_ids.front()).ok()) continue;
      leads.push_back({group.person_ids.front(),
                       a.log10_lr * std::numbers::ln10,
                       {{"kind", "dvi_job"},
                        {"missing_person", a.missing_person},
                        {"remains", group.remains},
                        {"pedigree", a.pedigree},
                        {"relatives_used", a.relatives_used},
                        {"log10_lr", a.log10_lr},
                        {"conflicts", a.conflicts}}});
      lead_of.push_back(i);
    }
    nlohmann::json same_individual = nlohmann::json::array();
    for (const DviGroup& group : result.groups)
      if (group.person_ids.size() > 1) same_individual.push_back(group.person_ids);
    AuditEvent event = EventFor(op, kAction);
    event.purpose = std::string(PurposeName(request.purpose));
    event.case_ref = request.case_ref;
    event.object_ids = Ids({{"galleries", {remains_gallery.id, families_gallery.id}}, {"persons", persons_read}});
    event.result = {{"remains_gallery", remains_gallery.name},
                    {"families_gallery", families_gallery.name},
                    {"remains_persons", result.remains_persons},
                    {"missing_persons", result.missing_persons.size()},
                    {"assignment_log10_lr", result.assignment_log10_lr},
                    {"same_individual_log10_lr", result.same_individual_log10_lr},
                    {"prior_per_missing_person", result.prior_per_missing_person},
                    {"model", result.model},
                    {"same_individual_groups", same_individual},
                    {"assignments", summary},
                    {"unassigned_remains", result.unassigned_groups.size()},
                    {"unassigned_missing_persons", result.unassigned_missing_persons},
                    {"skipped", result.skipped.size()}};
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    result.audit_seq = entry.seq;
    ABIS_ASSIGN_OR_RETURN(
        std::vector<std::int64_t> ids,
        RecordSearchLeads(*store_, result.audit_seq, remains_gallery.name, request.purpose, request.case_ref, leads));
    for (std::size_t i = 0; i < ids.size() && i < lead_of.size(); ++i)
      result.assignments[lead_of[i]].review_id = ids[i];
    return Status::Ok();
  }));
  return result;
}

}  // namespace abis
