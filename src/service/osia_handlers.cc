// The OSIA ABIS v1.6.0 operations (and the review and alert extensions) as handlers of the
// service: each maps one request onto AbisSystem and its answer onto OSIA's JSON.
#include "osia_handlers.h"

#include <cctype>
#include <limits>

#include "abis/core/time.h"
#include "abis/service/osia_mapping.h"
#include "abis/store/records.h"
#include "abis/system/candidate_review.h"
#include "request_parsing.h"

namespace abis::service {
namespace {

// What an enrolment stored, for the answer's `others.templates` (never the template itself).
nlohmann::json TemplateSummary(const EnrolResult& enrolled) {
  return {{"templateId", enrolled.template_id},
          {"biometricType", BiometricTypeOf(enrolled.biometric_template.modality)},
          {"algorithm", enrolled.biometric_template.algorithm},
          {"quality", enrolled.biometric_template.quality},
          {"auditSeq", enrolled.audit_seq}};
}

}  // namespace

OsiaHandlers::OsiaHandlers(std::size_t max_probes, bool alerts_via_webhook,
                           std::function<void(const WatchlistAlert&)> post_alert)
    : max_probes_(max_probes), alerts_via_webhook_(alerts_via_webhook), post_alert_(std::move(post_alert)) {}

// --- persons and encounters ---
// Creates one encounter holding every sample of biometricData. `encounter_id` empty: the ABIS
// generates it. `new_person`: the person is created (POST /v1/persons).
Result<Reply> OsiaHandlers::CreateEncounters(AbisSystem& system, const Call& call, const std::string& external_id, bool new_person,
                               const std::string& encounter_id) {
  if (!encounter_id.empty()) ABIS_RETURN_IF_ERROR(ValidateEncounterExternalId(encounter_id));
  ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, max_probes_));
  ABIS_ASSIGN_OR_RETURN(std::string kind, OptionalString(call.body, "encounterType", "encounterType", 64));
  kind = kind.empty() ? "enrollment" : Lowercase(kind);
  ABIS_RETURN_IF_ERROR(ValidateEncounterKind(kind));
  ABIS_ASSIGN_OR_RETURN(std::vector<std::string> galleries, StringArray(call.body, "galleries", 32));
  nlohmann::json contextual = call.body.value("contextualData", nlohmann::json::object());
  std::string agency;
  if (contextual.is_object()) {
    ABIS_ASSIGN_OR_RETURN(agency, OptionalString(contextual, "sourceAgency", "contextualData.sourceAgency", 200));
  }
  EncounterEnrolment request;
  request.person = external_id;
  request.samples = std::move(samples);
  request.encounter_id = encounter_id;
  request.encounter_kind = kind;
  request.source_agency = agency;
  request.galleries = galleries;
  // Deduplication at enrolment (an extension of OSIA's create, as `abis enrol --dedup`): with the
  // query parameters dedupGallery and caseRef (and targetFmr), the person is searched against the
  // gallery after the commit under purpose deduplication; hits become two-person review leads.
  const std::string dedup_gallery = call.HasQuery("dedupGallery") ? call.Query("dedupGallery") : "";
  if (!dedup_gallery.empty() && !call.HasQuery("caseRef")) {
    return Status::InvalidArgument("dedupGallery needs the query parameter caseRef (the deduplication case)");
  }
  ABIS_ASSIGN_OR_RETURN(double dedup_fmr, TargetFalseMatchRate(call));
  if (!RoleAllows(call.op.role, Action::kEnrol)) return system.EnrolEncounter(call.op, request).status();  // audited refusal
  bool create = new_person;
  if (!create) {
    ABIS_ASSIGN_OR_RETURN(bool exists, system.PersonExists(call.op, external_id));
    if (!exists && !call.body.contains("contextualData")) {
      return Status::NotFound("no person '" + external_id + "'; send contextualData (legalBasis, retentionUntil) to create one");
    }
    create = !exists;
  }
  if (create) {
    ABIS_ASSIGN_OR_RETURN(Person person, PersonFromEncounter(call.body, external_id));
    request.new_person = std::move(person);
  }
  // All or nothing: the person (when new), the encounter and every sample commit together.
  ABIS_ASSIGN_OR_RETURN(EncounterEnrolmentResult enrolled, system.EnrolEncounter(call.op, request));
  nlohmann::json templates = nlohmann::json::array();
  for (const EnrolResult& sample : enrolled.samples) templates.push_back(TemplateSummary(sample));
  nlohmann::json body = {{"personId", external_id},
                         {"encounterId", enrolled.encounter_external_id},
                         {"others", {{"templates", templates}, {"personCreated", enrolled.person_created}}}};
  if (!dedup_gallery.empty()) {
    // The enrolment has committed: a failed search is reported beside it, not as the request's
    // failure (a client retrying the create would meet its own person).
    SearchRequest search;
    search.purpose = Purpose::kDeduplication;
    search.case_ref = call.Query("caseRef");
    search.gallery = dedup_gallery;
    search.probe_person = external_id;
    search.probe_encounter = enrolled.encounter_external_id;
    search.target_false_match_rate = dedup_fmr;
    search.hits_only = true;
    Result<SearchResult> found = system.Search(call.op, search);
    nlohmann::json dedup = {{"gallery", dedup_gallery}};
    if (found.ok()) {
      nlohmann::json duplicates = nlohmann::json::array();
      for (const CandidateResult& candidate : found->candidates) {
        duplicates.push_back({{"personId", candidate.external_id},
                              {"fusedLnLr", candidate.fused_log_lr},
                              {"reviewId", candidate.review_id}});
      }
      dedup["possibleDuplicates"] = std::move(duplicates);
      dedup["searchAuditSeq"] = found->audit_seq;
    } else {
      dedup["error"] = found.status().ToString();
    }
    body["others"]["deduplication"] = std::move(dedup);
  }
  return Reply{200, body, {}};
}

// An encounter of AbisSystem::ReadEncounters as an OSIA Encounter.
nlohmann::json OsiaHandlers::OsiaEncounter(const EncounterRecord& record, const std::vector<std::string>& galleries) {
  const Encounter& encounter = record.encounter;
  nlohmann::json items = nlohmann::json::array();
  for (const TemplateInfo& stored : record.templates) {
    nlohmann::json item = {{"encounterId", encounter.external_id}};
    SetBiometricType(item, stored.modality, stored.position);
    item["others"] = {{"templateId", stored.id}, {"algorithm", stored.algorithm}, {"quality", stored.quality}};
    items.push_back(std::move(item));
  }
  return {{"encounterId", encounter.external_id},
          {"status", encounter.active ? "ACTIVE" : "INACTIVE"},
          {"encounterType", encounter.kind},
          {"createdDate", encounter.captured_at},
          {"galleries", galleries},
          {"contextualData", {{"sourceAgency", encounter.source_agency}}},
          {"biometricData", items}};
}

Result<Reply> OsiaHandlers::ReadEncounters(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(PersonEncounters person, system.ReadEncounters(call.op, call.path.at(0)));
  nlohmann::json encounters = nlohmann::json::array();
  for (const EncounterRecord& encounter : person.encounters) {
    encounters.push_back(OsiaEncounter(encounter, person.galleries));
  }
  return Reply{200, encounters, {}};
}

Result<Reply> OsiaHandlers::ReadEncounter(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(PersonEncounters person, system.ReadEncounter(call.op, call.path.at(0), call.path.at(1)));
  return Reply{200, OsiaEncounter(person.encounters.at(0), person.galleries), {}};
}

Result<Reply> OsiaHandlers::UpdateEncounter(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, max_probes_));
  ABIS_ASSIGN_OR_RETURN(std::vector<EnrolResult> enrolled,
                        system.ReplaceEncounter(call.op, call.path.at(0), call.path.at(1), samples));
  nlohmann::json templates = nlohmann::json::array();
  for (const EnrolResult& result : enrolled) {
    templates.push_back(TemplateSummary(result));
  }
  nlohmann::json body = {{"personId", call.path.at(0)}, {"encounterId", call.path.at(1)},
                         {"others", {{"templates", templates}}}};
  return Reply{200, body, {}};
}

Result<Reply> OsiaHandlers::DeleteEncounter(AbisSystem& system, const Call& call) {
  std::string reason = call.Query("reason");
  if (reason.empty()) return Status::InvalidArgument("deleting an encounter needs the query parameter reason");
  ABIS_RETURN_IF_ERROR(system.DeleteEncounter(call.op, call.path.at(0), call.path.at(1), reason,
                                              /*delete_person_when_empty=*/true));
  return Reply{204, nullptr, {}};
}

Result<Reply> OsiaHandlers::UpdateEncounterStatus(AbisSystem& system, const Call& call) {
  std::string status = call.Query("status");
  if (status != "ACTIVE" && status != "INACTIVE") {
    return Status::InvalidArgument("query parameter status must be ACTIVE or INACTIVE, not '" + status + "'");
  }
  ABIS_RETURN_IF_ERROR(system.SetEncounterActive(call.op, call.path.at(0), call.path.at(1), status == "ACTIVE"));
  return Reply{204, nullptr, {}};
}

// Galleries hold persons here, so an encounter's galleries are its person's (docs/SERVICE.md).
Result<Reply> OsiaHandlers::UpdateEncounterGalleries(AbisSystem& system, const Call& call) {
  std::vector<std::string> galleries;
  if (call.body.empty() || call.body.size() > 32) return Status::InvalidArgument("the body must list 1-32 galleries");
  for (std::size_t i = 0; i < call.body.size(); ++i) {
    if (!call.body[i].is_string()) return Status::InvalidArgument("galleries[" + std::to_string(i) + "] must be a string");
    galleries.push_back(call.body[i].get<std::string>());
  }
  ABIS_RETURN_IF_ERROR(system.ReadEncounter(call.op, call.path.at(0), call.path.at(1)).status());  // it must exist
  ABIS_RETURN_IF_ERROR(system.SetPersonGalleries(call.op, call.path.at(0), galleries));
  return Reply{204, nullptr, {}};
}

Result<Reply> OsiaHandlers::MergePersons(AbisSystem& system, const Call& call) {
  ABIS_RETURN_IF_ERROR(system.MergePersons(call.op, call.path.at(1), call.path.at(0)));
  return Reply{204, nullptr, {}};
}

Result<Reply> OsiaHandlers::MoveEncounter(AbisSystem& system, const Call& call) {
  ABIS_RETURN_IF_ERROR(system.MoveEncounter(call.op, call.path.at(1), call.path.at(2), call.path.at(0)));
  return Reply{204, nullptr, {}};
}

// OSIA PersonIds of the gallery: {personId, encounterId} per active encounter of each member,
// `offset` and `limit` (default 1000, at most 10000) over that list.
Result<Reply> OsiaHandlers::ReadGalleryMembers(AbisSystem& system, const Call& call) {
  std::int64_t offset = 0;
  std::int64_t limit = 1000;
  if (call.HasQuery("offset")) {
    ABIS_ASSIGN_OR_RETURN(offset, ParseInteger(call.Query("offset"), "offset", 0, std::numeric_limits<std::int32_t>::max()));
  }
  if (call.HasQuery("limit")) {
    ABIS_ASSIGN_OR_RETURN(limit, ParseInteger(call.Query("limit"), "limit", 1, 10000));
  }
  nlohmann::json ids = nlohmann::json::array();
  std::int64_t skipped = 0;
  std::int64_t after = 0;
  while (static_cast<std::int64_t>(ids.size()) < limit) {
    ABIS_ASSIGN_OR_RETURN(std::vector<GalleryMember> members,
                          system.ListGalleryMembers(call.op, call.path.at(0), after, 1000));
    for (const GalleryMember& member : members) {
      for (const std::string& encounter : member.active_encounters) {
        if (skipped < offset) {
          ++skipped;
        } else if (static_cast<std::int64_t>(ids.size()) < limit) {
          ids.push_back({{"personId", member.external_id}, {"encounterId", encounter}});
        }
      }
      after = member.person_id;
    }
    if (members.size() < 1000) break;
  }
  return Reply{200, ids, {}};
}

Result<Reply> OsiaHandlers::DeletePerson(AbisSystem& system, const Call& call) {
  std::string reason = call.Query("reason");
  if (reason.empty()) return Status::InvalidArgument("deleting a person needs the query parameter reason");
  ABIS_RETURN_IF_ERROR(system.DeletePerson(call.op, call.path.at(0), reason));
  return Reply{204, nullptr, {}};
}

// POST /v1/identify/{galleryId} with biometricData, or /{galleryId}/{personId}[/encounters/{id}]
// searching with the stored person's (encounter's) templates.
Result<Reply> OsiaHandlers::Identify(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
  SearchRequest request;
  request.purpose = purpose.first;
  request.case_ref = purpose.second;
  request.gallery = call.path.at(0);
  if (request.gallery == "ALL") {
    return Status::Unimplemented("gallery 'ALL' is not offered: name the gallery to search (GET /v1/galleries)");
  }
  if (call.HasQuery("maxNbCand")) {
    ABIS_ASSIGN_OR_RETURN(std::int64_t max, ParseInteger(call.Query("maxNbCand"), "maxNbCand", 1, 1000));
    request.max_candidates = static_cast<std::size_t>(max);
  }
  if (call.HasQuery("threshold")) {
    ABIS_ASSIGN_OR_RETURN(request.min_fused_log_lr, ParseNumber(call.Query("threshold"), "threshold"));
  }
  ABIS_ASSIGN_OR_RETURN(request.target_false_match_rate, TargetFalseMatchRate(call));
  if (call.path.size() >= 2) {
    request.probe_person = call.path.at(1);
    if (call.path.size() >= 3) request.probe_encounter = call.path.at(2);
  } else {
    ABIS_ASSIGN_OR_RETURN(request.probes, SamplesFromRequest(call.body, max_probes_));
  }
  request.alerts_via_webhook = alerts_via_webhook_;
  ABIS_ASSIGN_OR_RETURN(const bool each_face, EachFaceRequested(call.body));
  if (each_face) return IdentifyEachFace(system, call, std::move(request));
  ABIS_ASSIGN_OR_RETURN(SearchResult result, system.Search(call.op, request));
  Reply reply{200, CandidatesWithAlerts(result), {}};
  reply.headers["X-Abis-Search-Seq"] = std::to_string(result.audit_seq);
  reply.headers["X-Abis-Gallery-Size"] = std::to_string(result.gallery_size);
  reply.headers["X-Abis-Alerts"] = std::to_string(result.alerts.size());
  return reply;
}

nlohmann::json OsiaHandlers::CandidatesWithAlerts(const SearchResult& result) const {
  nlohmann::json candidates = OsiaCandidates(result);
  for (auto& candidate : candidates) candidate["others"]["alerts"] = nlohmann::json::array();
  for (const WatchlistAlert& alert : result.alerts) {
    for (auto& candidate : candidates) {
      if (candidate["personId"] == alert.external_id) candidate["others"]["alerts"].push_back(alert.id);
    }
    if (post_alert_) post_alert_(alert);
  }
  return candidates;
}
Result<Reply> OsiaHandlers::VerifyAgainstPerson(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
  std::optional<double> threshold;
  if (call.HasQuery("threshold")) {
    ABIS_ASSIGN_OR_RETURN(threshold, ParseNumber(call.Query("threshold"), "threshold"));
  }
  ABIS_ASSIGN_OR_RETURN(double fmr, TargetFalseMatchRate(call));
  ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, max_probes_));
  VerifyRequest request;
  request.purpose = purpose.first;
  request.case_ref = purpose.second;
  request.person = call.path.at(1);
  request.target_false_match_rate = fmr;
  request.probes = std::move(samples);
  ABIS_ASSIGN_OR_RETURN(VerifyResult result, system.Verify(call.op, request));
  nlohmann::json scores = nlohmann::json::array();
  for (const ComparedGroup& probe : result.probes) {
    nlohmann::json detail = {{"score", probe.score}};
    SetBiometricType(detail, probe.modality, probe.position);
    detail["others"] = {{"lnLr", probe.log_lr}, {"threshold", probe.threshold}, {"match", probe.match},
                        {"referencesCompared", probe.references_compared}, {"auditSeq", result.audit_seq}};
    scores.push_back(std::move(detail));
  }
  bool decision = threshold ? result.fused_log_lr >= *threshold : result.match;
  return Reply{200, nlohmann::json({{"decision", decision}, {"scores", scores}}), {}};
}

Result<Reply> OsiaHandlers::VerifyTwoSets(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
  CompareRequest request;
  request.purpose = purpose.first;
  request.case_ref = purpose.second;
  ABIS_ASSIGN_OR_RETURN(request.target_false_match_rate, TargetFalseMatchRate(call));
  std::optional<double> threshold;
  if (call.HasQuery("threshold")) {
    ABIS_ASSIGN_OR_RETURN(threshold, ParseNumber(call.Query("threshold"), "threshold"));
  }
  ABIS_ASSIGN_OR_RETURN(request.first, SamplesFromRequest(call.body, max_probes_, "biometricData1"));
  ABIS_ASSIGN_OR_RETURN(request.second, SamplesFromRequest(call.body, max_probes_, "biometricData2"));
  ABIS_ASSIGN_OR_RETURN(CompareResult result, system.CompareSamples(call.op, request));
  nlohmann::json scores = nlohmann::json::array();
  for (const ComparedGroup& group : result.groups) {
    nlohmann::json detail = {{"score", group.score}};
    SetBiometricType(detail, group.modality, group.position);
    detail["others"] = {{"lnLr", group.log_lr}, {"threshold", group.threshold}, {"match", group.match},
                        {"auditSeq", result.audit_seq}};
    scores.push_back(std::move(detail));
  }
  bool decision = threshold ? result.fused_log_lr >= *threshold : result.match;
  return Reply{200, nlohmann::json({{"decision", decision}, {"scores", scores}}), {}};
}

// --- galleries, alerts, reviews ---
Result<Reply> OsiaHandlers::ReadGalleries(AbisSystem& system, const Call& call) {
  // Names only: the members are not counted (a walk of every member row).
  ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries,
                        system.ListGalleries(call.op, AbisSystem::MemberCount::kNotCounted));
  nlohmann::json names = nlohmann::json::array();
  for (const Gallery& gallery : galleries) names.push_back(gallery.name);
  return Reply{200, names, {}};
}

Result<Reply> OsiaHandlers::ListAlerts(AbisSystem& system, const Call& call) {
  std::int64_t after = 0;
  std::int64_t limit = 100;
  if (call.HasQuery("after")) {
    ABIS_ASSIGN_OR_RETURN(after, ParseInteger(call.Query("after"), "after", 0, std::numeric_limits<std::int64_t>::max()));
  }
  if (call.HasQuery("limit")) {
    ABIS_ASSIGN_OR_RETURN(limit, ParseInteger(call.Query("limit"), "limit", 1, 1000));
  }
  ABIS_ASSIGN_OR_RETURN(auto alerts, system.ListAlerts(call.op, after, static_cast<int>(limit)));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& alert : alerts) list.push_back(CamelCaseKeys(alert.ToJson()));
  return Reply{200, nlohmann::json({{"alerts", list}}), {}};
}

namespace {

nlohmann::json WatchlistEntryJson(const WatchlistEntry& entry, const std::string& today) {
  std::string status(WatchlistEntryStateName(WatchlistEntryStateOn(entry, today)));
  for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));  // OSIA's style
  nlohmann::json out = {{"entryId", entry.id},
                        {"personId", entry.person_external_id},
                        {"authorityReference", entry.authority_reference},
                        {"reason", entry.reason},
                        {"expiresAt", entry.expires_at},
                        {"createdAt", entry.created_at},
                        {"status", status}};
  if (!entry.ended_at.empty()) {
    out["endedAt"] = entry.ended_at;
    out["endedBy"] = entry.ended_by;
    out["endReason"] = entry.end_reason;
  }
  return out;
}

}  // namespace

Result<Reply> OsiaHandlers::ListWatchlistEntries(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::vector<WatchlistEntry> entries, system.ListWatchlistEntries(call.op, call.path.at(0)));
  const std::string today = TodayUtc();
  nlohmann::json list = nlohmann::json::array();
  for (const WatchlistEntry& entry : entries) list.push_back(WatchlistEntryJson(entry, today));
  return Reply{200, nlohmann::json({{"entries", list}}), {}};
}

Result<Reply> OsiaHandlers::AddWatchlistEntry(AbisSystem& system, const Call& call) {
  for (const char* field : {"personId", "authorityReference", "reason", "expiresAt"}) {
    if (!call.body.contains(field)) return Status::InvalidArgument(std::string(field) + " is required");
  }
  ABIS_ASSIGN_OR_RETURN(std::string person, OptionalString(call.body, "personId", "personId", 200));
  ABIS_ASSIGN_OR_RETURN(std::string authority, OptionalString(call.body, "authorityReference", "authorityReference", 200));
  ABIS_ASSIGN_OR_RETURN(std::string reason, OptionalString(call.body, "reason", "reason", 1000));
  ABIS_ASSIGN_OR_RETURN(std::string expires, OptionalString(call.body, "expiresAt", "expiresAt", 32));
  ABIS_ASSIGN_OR_RETURN(std::int64_t entry_id,
                        system.AddWatchlistEntry(call.op, call.path.at(0), person, authority, reason, expires));
  return Reply{201, nlohmann::json({{"entryId", entry_id}}), {}};
}

Result<Reply> OsiaHandlers::EndWatchlistEntry(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::int64_t entry_id, ParseId(call.path.at(1), "watchlist entry id"));
  std::string reason = call.Query("reason");
  if (reason.empty()) return Status::InvalidArgument("ending a watchlist entry needs the query parameter reason");
  ABIS_RETURN_IF_ERROR(system.EndWatchlistEntry(call.op, call.path.at(0), entry_id, reason));
  return Reply{204, nullptr, {}};
}

Result<Reply> OsiaHandlers::ReadReview(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::int64_t id, ParseId(call.path.at(0), "candidate id"));
  ABIS_ASSIGN_OR_RETURN(CandidateReview review, system.ReadCandidateReview(call.op, id));
  return Reply{200, CamelCaseKeys(review.ToJson()), {}};
}

Result<Reply> OsiaHandlers::Decide(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::int64_t id, ParseId(call.path.at(0), "candidate id"));
  if (!call.body.contains("decision")) return Status::InvalidArgument("decision (confirm, reject or inconclusive) is required");
  ABIS_ASSIGN_OR_RETURN(std::string text, OptionalString(call.body, "decision", "decision", 16));
  ABIS_ASSIGN_OR_RETURN(CandidateDecision decision, ParseCandidateDecision(text));
  ABIS_ASSIGN_OR_RETURN(std::string comment, OptionalString(call.body, "comment", "comment", 1000));
  ABIS_ASSIGN_OR_RETURN(CandidateReview review, system.DecideOnCandidate(call.op, id, decision, comment));
  return Reply{200, CamelCaseKeys(review.ToJson()), {}};
}

Result<Reply> OsiaHandlers::SearchReviews(AbisSystem& system, const Call& call) {
  ABIS_ASSIGN_OR_RETURN(std::int64_t seq, ParseId(call.path.at(0), "search sequence number"));
  ABIS_ASSIGN_OR_RETURN(auto reviews, system.ReadSearchReviews(call.op, seq));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& review : reviews) list.push_back(CamelCaseKeys(review.ToJson()));
  return Reply{200, nlohmann::json({{"candidates", list}}), {}};
}

Handler OsiaHandlers::NotImplemented(const std::string& what) {
  return [what](AbisSystem&, const Call&) -> Result<Reply> {
    return Status::Unimplemented(what + " is not implemented by this ABIS (see docs/SERVICE.md)");
  };
}

}  // namespace abis::service
