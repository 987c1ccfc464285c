// AbisSystem::KinshipSearch: unidentified remains against families of missing persons, and a
// family against unidentified remains, by pedigree LR (rules: abis/system/kinship_search.h).
//
// Every candidate is weighed on its own (one missing person's references against one remains
// profile), so a candidate whose profiles share no usable locus is skipped with its reason instead
// of failing the search; the posteriors are then computed over all candidates weighed, with the
// prior per candidate (uniform 1/(N+1) unless given), the extra share being "none of them".
#include "abis/system/kinship_search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>

#include "abis/store/crypto.h"
#include "abis/system/candidate_review.h"
#include "audit_object_ids.h"
#include "case_reference.h"
#include "stored_dna_templates.h"

namespace abis {
namespace {

constexpr int kMembersPerPage = 1000;

nlohmann::json FiniteOrNull(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

}  // namespace

std::string_view KinshipDirectionName(KinshipDirection direction) {
  return direction == KinshipDirection::kRemainsToFamilies ? "remains_to_families" : "family_to_remains";
}

Result<KinshipDirection> ParseKinshipDirection(std::string_view name) {
  std::string normal(name);
  std::replace(normal.begin(), normal.end(), '-', '_');
  if (normal == "remains_to_families") return KinshipDirection::kRemainsToFamilies;
  if (normal == "family_to_remains") return KinshipDirection::kFamilyToRemains;
  return Status::InvalidArgument("unknown kinship search direction '" + std::string(name) +
                                 "' (remains-to-families or family-to-remains)");
}

nlohmann::json KinshipSearchResult::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t rank = 0; rank < candidates.size(); ++rank) {
    const KinshipCandidate& c = candidates[rank];
    nlohmann::json loci = nlohmann::json::array();
    for (const PedigreeLocus& locus : c.loci)
      loci.push_back({{"locus", locus.locus}, {"log10_lr", FiniteOrNull(locus.log10_lr)}});
    list.push_back({{"rank", rank + 1},
                    {"missing_person", c.missing_person},
                    {"person_id", c.person_id},
                    {"external_id", c.external_id},
                    {"log10_lr", FiniteOrNull(c.log10_lr)},
                    {"ln_lr", FiniteOrNull(c.log10_lr * std::numbers::ln10)},
                    {"posterior", c.posterior},
                    {"prior", prior_per_candidate},
                    {"pedigree", c.pedigree},
                    {"population", c.population},
                    {"relatives_used", c.relatives_used},
                    {"loci", loci},
                    {"candidate_id", c.review_id}});
  }
  nlohmann::json out = {{"direction", KinshipDirectionName(direction)},
                        {"prior_per_candidate", prior_per_candidate},
                        {"model", model},
                        {"gallery_persons", gallery_persons},
                        {"skipped", skipped},
                        {"candidates", list},
                        {"audit_seq", audit_seq}};
  if (!missing_person.empty()) out["missing_person"] = missing_person;
  return out;
}

Result<KinshipSearchResult> AbisSystem::KinshipSearch(const Operator& op, const KinshipSearchRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.case_ref));
  const std::string action = "kinship_search";
  const std::string purpose(PurposeName(request.purpose));
  std::string refusal;
  if (request.purpose != Purpose::kUnidentifiedRemains && request.purpose != Purpose::kMissingPerson) {
    refusal =
        "a kinship search may only be made for the purpose unidentified_remains or missing_person, not " + purpose;
  } else if (!RoleAllows(op.role, Action::kSearch)) {
    refusal = "role " + std::string(RoleName(op.role)) + " may not search";
  } else if (!RoleAllowsPurpose(op.role, request.purpose)) {
    refusal = "role " + std::string(RoleName(op.role)) + " may not search for the purpose " + purpose;
  }
  if (!refusal.empty()) {
    ABIS_RETURN_IF_ERROR(AuditRefusal(op, action, purpose, request.case_ref, refusal));
    return Status::PermissionDenied(refusal);
  }
  Result<KinshipSearchResult> result = RunKinshipSearch(op, request);
  if (!result.ok()) AuditFailedRequest(op, action, request.purpose, request.case_ref, result.status());
  return result;
}

Result<KinshipSearchResult> AbisSystem::RunKinshipSearch(const Operator& op, const KinshipSearchRequest& request) {
  if (request.probe.has_value() == !request.probe_person.empty()) {
    return Status::InvalidArgument("a kinship search takes exactly one probe: a DNA sample or a stored person");
  }
  if (request.max_candidates < 1 || request.max_candidates > 1000) {
    return Status::InvalidArgument("max candidates must be 1-1000");
  }
  if (!(request.prior_per_candidate >= 0.0 && request.prior_per_candidate < 1.0)) {
    return Status::InvalidArgument("the prior per candidate must be in [0, 1) (0: uniform)");
  }
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(Modality::kDna));
  const KinshipEvaluator* evaluator = engine->kinship();
  if (evaluator == nullptr) return Status::FailedPrecondition("the DNA engine of this ABIS weighs no kinship");
  const bool to_families = request.direction == KinshipDirection::kRemainsToFamilies;

  // The probe sample is extracted before anything is read (it reads nothing stored).
  std::vector<std::string> input_hashes;
  std::optional<BiometricTemplate> probe_template;
  std::string missing_person;  // family -> remains
  std::string probe_relationship;
  if (request.probe) {
    const SampleInput& sample = *request.probe;
    if (sample.modality != Modality::kDna) {
      return Status::InvalidArgument("probe 1: a kinship search takes a DNA sample, not " +
                                     std::string(ModalityName(sample.modality)));
    }
    input_hashes.push_back(Sha256Hex(sample.bytes));
    if (!to_families) {
      Status relative = evaluator->ValidateRelativeOptions(sample.options, /*required=*/true);
      if (!relative.ok()) return relative.WithContext("probe 1 (the family reference)");
      missing_person = OptionText(sample.options, kMissingPersonOption);
      probe_relationship = OptionText(sample.options, kRelationshipOption);
    }
    auto extracted = engine->Extract(sample);
    if (!extracted.ok()) return extracted.status().WithContext("probe 1");
    probe_template = std::move(extracted).value();
  }

  KinshipSearchResult result;
  result.direction = request.direction;
  result.model = evaluator->Model();
  Gallery gallery;
  std::int64_t probe_person_id = 0;
  std::map<std::string, std::int64_t> person_of_external_id;  // every stored person whose profile was used
  std::vector<std::int64_t> family_person_ids;                // family -> remains: the references used
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(gallery, store_->FindGalleryWithoutMemberCount(request.gallery));
    const PersonCategory probe_category =
        to_families ? PersonCategory::kUnidentifiedRemains : PersonCategory::kMissingPersonReference;
    if (!request.probe_person.empty()) {
      ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(request.probe_person));
      if (person.category != probe_category) {
        return Status::FailedPrecondition(
            "person '" + person.external_id + "' is of category " + std::string(PersonCategoryName(person.category)) +
            "; a " + std::string(KinshipDirectionName(request.direction)) +
            " kinship search takes a person of category " + std::string(PersonCategoryName(probe_category)));
      }
      probe_person_id = person.id;
      ABIS_ASSIGN_OR_RETURN(std::vector<StoredDnaTemplate> templates, ActiveDnaTemplates(*store_, *engine, person.id));
      if (!to_families) {
        std::erase_if(templates, [&](const StoredDnaTemplate& stored) {
          return !evaluator->ValidateRelativeOptions(stored.options, /*required=*/true).ok();
        });
      }
      const StoredDnaTemplate* chosen = Fullest(templates);
      if (chosen == nullptr) {
        return Status::FailedPrecondition(
            "person '" + person.external_id + "' has no active DNA template this ABIS can compare" +
            (to_families ? "" : " with the sample options missing_person and relationship"));
      }
      ABIS_ASSIGN_OR_RETURN(probe_template, store_->LoadTemplate(chosen->info.id));
      if (!to_families) missing_person = OptionText(chosen->options, kMissingPersonOption);
    }

    // The gallery's members of the category this direction compares with, each with its templates.
    const PersonCategory member_category =
        to_families ? PersonCategory::kMissingPersonReference : PersonCategory::kUnidentifiedRemains;
    struct Member {
      Person person;
      std::vector<StoredDnaTemplate> templates;
    };
    std::vector<Member> members;
    std::size_t other_category = 0;
    std::size_t without_dna = 0;
    for (std::int64_t after = 0;;) {
      ABIS_ASSIGN_OR_RETURN(auto page, store_->ListGalleryMembers(gallery.id, after, kMembersPerPage));
      for (const auto& [person_id, external_id] : page) {
        after = person_id;
        if (person_id == probe_person_id) continue;
        ABIS_ASSIGN_OR_RETURN(Person person, store_->GetPerson(person_id));
        // Members that are not compared are counted, not named: the answer discloses no person
        // whose record the search did not use.
        if (person.category != member_category) {
          ++other_category;
          continue;
        }
        ABIS_ASSIGN_OR_RETURN(std::vector<StoredDnaTemplate> templates,
                              ActiveDnaTemplates(*store_, *engine, person_id));
        if (templates.empty()) {
          ++without_dna;
          continue;
        }
        members.push_back({std::move(person), std::move(templates)});
      }
      if (page.size() < static_cast<std::size_t>(kMembersPerPage)) break;
    }
    result.gallery_persons = members.size();
    if (other_category > 0) {
      result.skipped.push_back(std::to_string(other_category) + " gallery member(s) of a category other than " +
                               std::string(PersonCategoryName(member_category)));
    }
    if (without_dna > 0) {
      result.skipped.push_back(std::to_string(without_dna) + " gallery member(s) without an active DNA template");
    }

    // What each candidate is weighed with: one unidentified profile against one missing person's
    // references. `lead` is the stored person the examiner reviews.
    struct Weighing {
      std::int64_t lead = 0;
      std::string lead_external_id;
      BiometricTemplate unidentified;
      std::vector<RelativeTemplate> relatives;
    };
    std::vector<Weighing> weighings;
    if (to_families) {
      std::map<std::string, Weighing> by_missing_person;
      for (const Member& member : members) {
        // One template per (reference person, missing person): the fullest profile.
        std::map<std::string, std::vector<StoredDnaTemplate>> by_case;
        for (const StoredDnaTemplate& stored : member.templates) {
          Status relative = evaluator->ValidateRelativeOptions(stored.options, /*required=*/true);
          if (!relative.ok()) {
            result.skipped.push_back(member.person.external_id +
                                     ": a DNA sample without usable reference options: " + relative.message());
            continue;
          }
          by_case[OptionText(stored.options, kMissingPersonOption)].push_back(stored);
        }
        for (const auto& [missing, templates] : by_case) {
          const StoredDnaTemplate* chosen = Fullest(templates);
          ABIS_ASSIGN_OR_RETURN(BiometricTemplate reference, store_->LoadTemplate(chosen->info.id));
          Weighing& weighing = by_missing_person[missing];
          weighing.unidentified = *probe_template;
          weighing.relatives.push_back({missing, member.person.external_id,
                                        OptionText(chosen->options, kRelationshipOption), std::move(reference)});
          person_of_external_id[member.person.external_id] = member.person.id;
        }
      }
      for (auto& [missing, weighing] : by_missing_person) weighings.push_back(std::move(weighing));
    } else {
      // The family: every stored reference of the same missing person (active encounters), plus
      // the probe sample when the probe is a new reference.
      std::vector<RelativeTemplate> family;
      if (request.probe) family.push_back({missing_person, "probe", probe_relationship, *probe_template});
      std::set<std::int64_t> seen;
      for (std::int64_t after = 0;;) {
        ABIS_ASSIGN_OR_RETURN(auto samples, store_->ListSamplesOfModality(Modality::kDna, after, kMembersPerPage));
        for (const Store::SampleInfo& sample : samples) {
          after = sample.id;
          if (!sample.options.is_object() || OptionText(sample.options, kMissingPersonOption) != missing_person)
            continue;
          if (!seen.insert(sample.person_id).second) continue;
          ABIS_ASSIGN_OR_RETURN(Person person, store_->GetPerson(sample.person_id));
          if (person.category != PersonCategory::kMissingPersonReference) continue;
          ABIS_ASSIGN_OR_RETURN(std::vector<StoredDnaTemplate> templates,
                                ActiveDnaTemplates(*store_, *engine, person.id));
          std::erase_if(templates, [&](const StoredDnaTemplate& stored) {
            return OptionText(stored.options, kMissingPersonOption) != missing_person ||
                   !evaluator->ValidateRelativeOptions(stored.options, /*required=*/true).ok();
          });
          const StoredDnaTemplate* chosen = Fullest(templates);
          if (chosen == nullptr) continue;  // only inactive encounters name this missing person
          ABIS_ASSIGN_OR_RETURN(BiometricTemplate reference, store_->LoadTemplate(chosen->info.id));
          family.push_back({missing_person, person.external_id, OptionText(chosen->options, kRelationshipOption),
                            std::move(reference)});
          person_of_external_id[person.external_id] = person.id;
          family_person_ids.push_back(person.id);
        }
        if (samples.size() < static_cast<std::size_t>(kMembersPerPage)) break;
      }
      // A new reference sample that is a stored reference typed again would count that relative's
      // evidence twice: refused, naming the stored reference.
      if (request.probe) {
        for (std::size_t i = 1; i < family.size(); ++i) {
          ABIS_ASSIGN_OR_RETURN(Comparison same, engine->Compare(family.front().reference, family[i].reference));
          if (same.details.value("match", false) && !same.details.value("excluded", true)) {
            return Status::FailedPrecondition("the probe sample is a DNA match to the stored reference '" +
                                              family[i].relative_id + "' of missing person " + missing_person +
                                              ": the same relative would be counted twice");
          }
        }
      }
      for (const Member& member : members) {
        ABIS_ASSIGN_OR_RETURN(BiometricTemplate remains, store_->LoadTemplate(Fullest(member.templates)->info.id));
        weighings.push_back({member.person.id, member.person.external_id, std::move(remains), family});
        person_of_external_id[member.person.external_id] = member.person.id;
      }
    }

    // Weigh every candidate, then rank and compute the posteriors over those weighed.
    for (Weighing& weighing : weighings) {
      auto ranked = evaluator->RankMissingPersons(weighing.unidentified, weighing.relatives, 0.0);
      if (!ranked.ok()) {
        const StatusCode code = ranked.status().code();
        if (code != StatusCode::kInvalidArgument && code != StatusCode::kNotFound) return ranked.status();
        std::string who =
            to_families ? "missing person " + weighing.relatives.front().missing_person : weighing.lead_external_id;
        // kNotFound: an allele the frequency table lacks. One such profile must not stop the search
        // of the whole gallery, and the answer names no allele (genotypes stay out of answers).
        result.skipped.push_back(who + ": " +
                                 (code == StatusCode::kNotFound
                                      ? std::string("an allele of these profiles has no frequency in "
                                                    "the table, so no LR can be stated")
                                      : ranked.status().message()));
        continue;
      }
      PedigreeScore& score = ranked->ranking.front();
      if (!std::isfinite(score.log10_lr)) {
        result.skipped.push_back((to_families ? "missing person " + score.missing_person : weighing.lead_external_id) +
                                 ": excluded (LR " + (score.log10_lr < 0 ? "0" : "infinite") + ")");
        continue;
      }
      KinshipCandidate candidate;
      candidate.missing_person = score.missing_person;
      candidate.log10_lr = score.log10_lr;
      candidate.pedigree = std::move(score.pedigree);
      candidate.population = std::move(score.population);
      candidate.relatives_used = std::move(score.relatives_used);
      candidate.loci = std::move(score.loci);
      candidate.person_id = weighing.lead;
      if (to_families) {
        auto lead = person_of_external_id.find(candidate.relatives_used.front());
        candidate.person_id = lead == person_of_external_id.end() ? 0 : lead->second;
      }
      result.candidates.push_back(std::move(candidate));
    }
    if (weighings.empty()) {
      return Status::FailedPrecondition(
          to_families ? "gallery '" + gallery.name +
                            "' holds no family reference (missing_person_reference person with the sample options "
                            "missing_person and relationship) to weigh"
                      : "gallery '" + gallery.name + "' holds no unidentified_remains person with a DNA template");
    }
    const std::size_t weighed = result.candidates.size();
    result.prior_per_candidate =
        request.prior_per_candidate > 0.0 ? request.prior_per_candidate : 1.0 / (static_cast<double>(weighed) + 1.0);
    if (result.prior_per_candidate * static_cast<double>(weighed) > 1.0 + 1e-12) {
      return Status::InvalidArgument("prior " + std::to_string(result.prior_per_candidate) + " per candidate times " +
                                     std::to_string(weighed) + " candidates exceeds 1");
    }
    std::vector<double> log10_lrs;
    for (const KinshipCandidate& candidate : result.candidates) log10_lrs.push_back(candidate.log10_lr);
    std::vector<double> posteriors = Posteriors(log10_lrs, result.prior_per_candidate);
    for (std::size_t i = 0; i < weighed; ++i) result.candidates[i].posterior = posteriors[i];
    std::stable_sort(result.candidates.begin(), result.candidates.end(),
                     [](const KinshipCandidate& a, const KinshipCandidate& b) { return a.log10_lr > b.log10_lr; });
    if (result.candidates.size() > request.max_candidates) result.candidates.resize(request.max_candidates);
    for (KinshipCandidate& candidate : result.candidates) {
      ABIS_ASSIGN_OR_RETURN(Person person, store_->GetPerson(candidate.person_id));
      candidate.external_id = person.external_id;
    }
    result.missing_person = to_families ? "" : missing_person;
    return Status::Ok();
  }));

  // The audit entry and the leads commit together; a candidate whose person was deleted or merged
  // away since the snapshot is not recorded.
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    std::erase_if(result.candidates,
                  [&](const KinshipCandidate& candidate) { return !store_->GetPerson(candidate.person_id).ok(); });
    // Every stored person whose profile was weighed is named (their subject access reports show
    // the search), not only those of the candidates returned.
    std::vector<std::int64_t> concerned = family_person_ids;
    for (const auto& [external_id, person_id] : person_of_external_id) concerned.push_back(person_id);
    if (probe_person_id != 0) concerned.push_back(probe_person_id);
    nlohmann::json summary = nlohmann::json::array();
    for (const KinshipCandidate& candidate : result.candidates) {
      concerned.push_back(candidate.person_id);
      for (const std::string& relative : candidate.relatives_used) {
        auto found = person_of_external_id.find(relative);
        if (found != person_of_external_id.end()) concerned.push_back(found->second);
      }
      summary.push_back({{"person_id", candidate.person_id},
                         {"missing_person", candidate.missing_person},
                         {"log10_lr", candidate.log10_lr},
                         {"posterior", candidate.posterior},
                         {"pedigree", candidate.pedigree}});
    }
    std::sort(concerned.begin(), concerned.end());
    concerned.erase(std::unique(concerned.begin(), concerned.end()), concerned.end());
    AuditEvent event = EventFor(op, "kinship_search");
    event.purpose = std::string(PurposeName(request.purpose));
    event.case_ref = request.case_ref;
    event.object_ids = Ids({{"galleries", {gallery.id}}, {"persons", concerned}});
    event.input_sha256 = input_hashes;
    event.result = {{"direction", KinshipDirectionName(request.direction)},
                    {"gallery", gallery.name},
                    {"gallery_persons", result.gallery_persons},
                    {"skipped", result.skipped.size()},
                    {"prior_per_candidate", result.prior_per_candidate},
                    {"model", result.model},
                    {"candidates", summary}};
    if (!result.missing_person.empty()) event.result["missing_person"] = result.missing_person;
    if (probe_person_id != 0) event.result["probe_person_id"] = probe_person_id;
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    result.audit_seq = entry.seq;
    std::vector<SearchLead> leads;
    for (const KinshipCandidate& candidate : result.candidates) {
      // The examiner sees what the lead stands for: which missing person, which way, which probe.
      nlohmann::json context = {{"kind", "kinship_search"},
                                {"direction", KinshipDirectionName(request.direction)},
                                {"missing_person", candidate.missing_person},
                                {"pedigree", candidate.pedigree},
                                {"relatives_used", candidate.relatives_used},
                                {"log10_lr", candidate.log10_lr}};
      if (!request.probe_person.empty()) context["probe_person"] = request.probe_person;
      if (!input_hashes.empty()) context["probe_sha256"] = input_hashes.front();
      leads.push_back({candidate.person_id, candidate.log10_lr * std::numbers::ln10, std::move(context)});
    }
    ABIS_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, RecordSearchLeads(*store_, result.audit_seq, gallery.name,
                                                                           request.purpose, request.case_ref, leads));
    for (std::size_t i = 0; i < ids.size() && i < result.candidates.size(); ++i)
      result.candidates[i].review_id = ids[i];
    return Status::Ok();
  }));
  return result;
}

}  // namespace abis
