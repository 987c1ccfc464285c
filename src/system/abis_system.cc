#include "abis/system/abis_system.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include <sodium.h>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/modality/kinship_evaluator.h"
#include "abis/store/crypto.h"
#include "abis/system/alerts.h"
#include "abis/system/candidate_review.h"
#include "audit_object_ids.h"
#include "case_reference.h"
#include "kept_sample_options.h"

namespace abis {
namespace {

// Overwrites decrypted sample bytes before their memory is released.
void WipeBytes(std::vector<std::uint8_t>& bytes) {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
  bytes.clear();
}

// A private index of the templates of a restricted search (SearchRequest::within_persons): the
// templates of `modality` and a compatible finger, decrypted from the search's snapshot. Damaged
// templates are left out and counted, as the shared gallery index does.
struct RestrictedIndex {
  std::unique_ptr<ModalityGallery> index;
  std::unordered_map<std::int64_t, std::int64_t> person_of_template;
  std::size_t skipped = 0;                // another algorithm's templates
  std::vector<QuarantinedTemplate> damaged;  // left out: they fail authentication or decoding
};

Result<RestrictedIndex> BuildRestrictedIndex(Store& store, const ModalityEngine& engine,
                                             const std::vector<TemplateInfo>& templates, Modality modality,
                                             FingerPosition position, std::int64_t gallery_id) {
  RestrictedIndex out;
  out.index = engine.NewGallery();
  for (const TemplateInfo& info : templates) {
    if (info.modality != modality) continue;
    if (!FingerPositionsCompatible(position, info.position)) continue;
    if (info.algorithm != engine.algorithm()) {
      ++out.skipped;
      continue;
    }
    Result<BiometricTemplate> reference = store.LoadTemplate(info.id);
    if (!reference.ok() && reference.status().code() == StatusCode::kDataLoss) {
      out.damaged.push_back({info.id, info.person_id, gallery_id, reference.status().ToString()});
      continue;
    }
    if (!reference.ok()) return reference.status();
    Status added = out.index->Add(info.id, *reference);
    if (!added.ok() && (added.code() == StatusCode::kInvalidArgument || added.code() == StatusCode::kDataLoss)) {
      out.index->Remove(info.id);
      out.damaged.push_back(
          {info.id, info.person_id, gallery_id, added.WithContext("template " + std::to_string(info.id)).ToString()});
      continue;
    }
    if (!added.ok()) return added.WithContext("template " + std::to_string(info.id));
    out.person_of_template.emplace(info.id, info.person_id);
  }
  return out;
}

// The templates of the active encounters of `persons` (external ids), each a member of `gallery`;
// `person_ids` receives the persons' store ids (for the audit entry: each was compared).
Result<std::vector<TemplateInfo>> ActiveTemplatesOfMembers(Store& store, const Gallery& gallery,
                                                           const std::vector<std::string>& persons,
                                                           std::vector<std::int64_t>* person_ids) {
  std::vector<TemplateInfo> out;
  std::set<std::string> seen;
  for (const std::string& external_id : persons) {
    if (!seen.insert(external_id).second) continue;
    Result<Person> person = store.FindPerson(external_id);
    if (!person.ok()) return person.status().WithContext("the search's restriction to listed persons");
    ABIS_ASSIGN_OR_RETURN(std::vector<std::string> galleries, store.GalleriesOfPerson(person->id));
    if (std::find(galleries.begin(), galleries.end(), gallery.name) == galleries.end()) {
      return Status::FailedPrecondition("person '" + external_id + "' of the search's restriction is not a member of gallery '" +
                                        gallery.name + "'");
    }
    person_ids->push_back(person->id);
    ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store.ListActiveTemplates(person->id));
    out.insert(out.end(), templates.begin(), templates.end());
  }
  return out;
}

Status ValidateFalseMatchRate(double fmr) {
  if (!(fmr > 0.0 && fmr < 1.0)) {
    return Status::InvalidArgument("target false match rate " + std::to_string(fmr) + " must be in (0, 1)");
  }
  return Status::Ok();
}

}  // namespace

nlohmann::json WatchlistEntriesJson(const std::vector<WatchlistEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const WatchlistEntry& entry : entries) {
    list.push_back({{"entry_id", entry.id},
                    {"authority_reference", entry.authority_reference},
                    {"reason", entry.reason},
                    {"expires_at", entry.expires_at}});
  }
  return list;
}

nlohmann::json SearchResult::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t rank = 0; rank < candidates.size(); ++rank) {
    const CandidateResult& c = candidates[rank];
    nlohmann::json per_probe = nlohmann::json::array();
    for (const ProbeEvidence& evidence : c.per_probe) per_probe.push_back(evidence.ToJson());
    list.push_back({{"rank", rank + 1},
                    {"person_id", c.person_id},
                    {"external_id", c.external_id},
                    {"category", c.category},
                    {"fused_ln_lr", c.fused_log_lr},
                    {"hit", c.hit},
                    {"per_probe", per_probe},
                    {"watchlist", WatchlistEntriesJson(c.watchlist)},
                    {"candidate_id", c.review_id}});
  }
  nlohmann::json alert_list = nlohmann::json::array();
  for (const WatchlistAlert& alert : alerts) alert_list.push_back(alert.ToJson());
  return {{"candidates", list},
          {"gallery_size", gallery_size},
          {"skipped_templates", skipped_templates},
          {"quarantined_templates", quarantined_templates},
          {"audit_seq", audit_seq},
          {"alerts", alert_list}};
}

Result<std::unique_ptr<AbisSystem>> AbisSystem::Open(const std::filesystem::path& store_dir, EngineProvider engines,
                                                      std::shared_ptr<GalleryIndexCache> gallery_indexes) {
  ABIS_ASSIGN_OR_RETURN(auto store, Store::Open(store_dir));
  if (!gallery_indexes) gallery_indexes = std::make_shared<GalleryIndexCache>();
  if (!gallery_indexes->snapshots_enabled() && !store->layout().snapshot_dir.empty()) {
    gallery_indexes->EnableSnapshots(store->layout().snapshot_dir, store->IndexSnapshotKey());
  }
  return std::unique_ptr<AbisSystem>(new AbisSystem(std::move(store), std::move(engines), std::move(gallery_indexes)));
}

Result<InitializedStore> AbisSystem::Initialize(const std::filesystem::path& store_dir, const std::string& admin_name,
                                                const nlohmann::json& details) {
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(admin_name, "user name", 64));
  ABIS_ASSIGN_OR_RETURN(auto store, Store::Create(store_dir));
  InitializedStore out;
  out.key_source = store->layout().KeySourceDescription();
  out.location = store->layout().Location();
  ABIS_RETURN_IF_ERROR(store->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(User admin, abis::AddUser(*store, admin_name, Role::kAdmin));
    ABIS_ASSIGN_OR_RETURN(out.admin_api_key, IssueApiKey(*store, admin.id));
    out.admin = Operator{admin.id, admin_name, Role::kAdmin};
    AuditEvent event;
    event.operator_name = admin_name;
    event.role = "admin";
    event.action = "store.init";
    event.object_ids = Ids({{"users", {admin.id}}});
    event.result = details.is_object() ? details : nlohmann::json::object();
    event.result["store"] = out.location;
    return AppendAuditEntry(*store, event).status();
  }));
  return out;
}

std::string AbisSystem::DescribeStore(const std::filesystem::path& store_dir) {
  return StoreLayout::Redacted(store_dir.native());
}

Result<AuditVerification> AbisSystem::VerifyAuditOffline(const std::filesystem::path& store_dir,
                                                         const AuditCheckpoint* anchor,
                                                         const std::optional<std::array<std::uint8_t, 32>>& trusted_key) {
  ABIS_ASSIGN_OR_RETURN(auto storage, AuditStorage::OpenWithoutKey(store_dir));
  return anchor != nullptr ? VerifyAuditAnchor(*storage, *anchor, trusted_key) : VerifyAuditChain(*storage);
}

AuditEvent AbisSystem::EventFor(const Operator& op, const std::string& action) const {
  AuditEvent event;
  event.operator_name = op.name;
  event.role = std::string(RoleName(op.role));
  event.action = action;
  return event;
}

Status AbisSystem::AuditRefusal(const Operator& op, const std::string& action, const std::string& purpose,
                                const std::string& case_ref, const std::string& reason) {
  AuditEvent event = EventFor(op, action + ".refused");
  event.purpose = purpose;
  event.case_ref = case_ref;
  event.result = {{"refused", reason}};
  return AppendAuditEntry(*store_, event).status();
}

void AbisSystem::AuditFailedRequest(const Operator& op, const std::string& action, Purpose purpose,
                                    const std::string& case_ref, const Status& failure) {
  // Only the error's code: its message may quote the request.
  AuditEvent event = EventFor(op, action + ".failed");
  event.purpose = std::string(PurposeName(purpose));
  event.case_ref = case_ref;
  event.result = {{"error", StatusCodeName(failure.code())}};
  (void)AppendAuditEntry(*store_, event);  // best effort: the caller gets the original error
}

Status AbisSystem::Require(const Operator& op, Action action, const std::string& what) {
  if (RoleAllows(op.role, action)) return Status::Ok();
  std::string reason = "role " + std::string(RoleName(op.role)) + " may not " + what;
  ABIS_RETURN_IF_ERROR(AuditRefusal(op, std::string(ActionName(action)), "", "", reason));
  return Status::PermissionDenied(reason);
}

Status AbisSystem::RequirePurpose(const Operator& op, Action action, Purpose purpose, const std::string& case_ref) {
  if (RoleAllows(op.role, action) && RoleAllowsPurpose(op.role, purpose)) return Status::Ok();
  // A refusal carries the purpose and case the operator gave (docs/ACCESS.md), whichever rule refused.
  std::string reason = !RoleAllows(op.role, action)
                           ? "role " + std::string(RoleName(op.role)) + " may not " + std::string(ActionName(action))
                           : "role " + std::string(RoleName(op.role)) + " may not search for the purpose " +
                                 std::string(PurposeName(purpose));
  ABIS_RETURN_IF_ERROR(AuditRefusal(op, std::string(ActionName(action)), std::string(PurposeName(purpose)), case_ref, reason));
  return Status::PermissionDenied(reason);
}

Result<Operator> AbisSystem::Authenticate(const std::string& api_key, const std::string& source) {
  auto op = abis::Authenticate(*store_, api_key);
  if (!op.ok()) {
    AuditEvent event;
    event.operator_name = "(unauthenticated)";
    event.role = "";
    event.action = "auth.refused";
    event.result = {{"reason", op.status().message()}, {"key_id", ApiKeyId(api_key)}, {"source", source}};
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
  }
  return op;
}

Status AbisSystem::CheckSignedInOperator(const Operator& op, const std::string& key_id) {
  Result<User> user = FindUser(*store_, op.name);
  if (!user.ok() && user.status().code() != StatusCode::kNotFound) return user.status();
  if (!user.ok() || user->id != op.user_id || user->disabled || user->role != op.role) {
    return Status::Unauthenticated("user '" + op.name + "' was disabled or changed since signing in: sign in again");
  }
  Result<std::pair<ApiKeyRecord, UserRecord>> key = store_->FindApiKey(key_id);
  if (!key.ok() && key.status().code() != StatusCode::kNotFound) return key.status();
  if (!key.ok() || key->second.id != op.user_id || key->first.revoked ||
      (key->first.expires_at && *key->first.expires_at <= NowUtcIso8601())) {
    return Status::Unauthenticated("the API key user '" + op.name +
                                   "' signed in with was revoked or has expired since: sign in again");
  }
  return Status::Ok();
}

Result<bool> AbisSystem::KnownApiKeyId(const std::string& key_id) {
  Result<std::pair<ApiKeyRecord, UserRecord>> key = store_->FindApiKey(key_id);
  if (key.ok()) return true;
  if (key.status().code() == StatusCode::kNotFound) return false;
  return key.status();
}

Status AbisSystem::AuditSignInThrottled(const std::string& source, const std::string& key_id, std::int64_t failures,
                                        std::int64_t window_seconds) {
  AuditEvent event;
  event.operator_name = "(unauthenticated)";
  event.action = "auth.throttled";
  event.result = {{"source", source}, {"key_id", key_id}, {"failures", failures}, {"window_seconds", window_seconds}};
  return AppendAuditEntry(*store_, event).status();
}

Status AbisSystem::AuditWebSession(const Operator& op, bool start, const std::string& source,
                                   std::int64_t lifetime_seconds) {
  AuditEvent event = EventFor(op, start ? "session.start" : "session.end");
  event.result = {{"source", source}};
  if (start) event.result["lifetime_seconds"] = lifetime_seconds;
  return AppendAuditEntry(*store_, event).status();
}

Status AbisSystem::AuditRejectedRequest(const Operator& op, const RejectedRequest& request) {
  AuditEvent event = EventFor(op, "http.rejected");
  if (!request.body_sha256.empty()) event.input_sha256 = {request.body_sha256};
  event.result = {{"route", request.route},
                  {"status", request.http_status},
                  {"error", std::string(StatusCodeName(request.error))},
                  {"body_bytes", request.body_bytes},
                  {"query_parameters", request.query_parameters}};
  return AppendAuditEntry(*store_, event).status();
}

Result<std::pair<User, std::string>> AbisSystem::AddUser(const Operator& op, const std::string& name, Role role) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageUsers, "add users"));
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(name, "user name", 64));
  std::pair<User, std::string> out;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(out.first, abis::AddUser(*store_, name, role));
    ABIS_ASSIGN_OR_RETURN(out.second, IssueApiKey(*store_, out.first.id));
    AuditEvent event = EventFor(op, "user.add");
    event.object_ids = Ids({{"users", {out.first.id}}});
    event.result = {{"user", name}, {"role", RoleName(role)}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return out;
}

Result<std::vector<User>> AbisSystem::ListUsers(const Operator& op) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageUsers, "list users"));
  return abis::ListUsers(*store_);
}

Status AbisSystem::DisableUser(const Operator& op, const std::string& name) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageUsers, "disable users"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(User user, FindUser(*store_, name));
    ABIS_RETURN_IF_ERROR(abis::DisableUser(*store_, name));
    AuditEvent event = EventFor(op, "user.disable");
    event.object_ids = Ids({{"users", {user.id}}});
    event.result = {{"user", name}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Status AbisSystem::EnableUser(const Operator& op, const std::string& name) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageUsers, "enable users"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(User user, FindUser(*store_, name));
    ABIS_RETURN_IF_ERROR(abis::EnableUser(*store_, name));
    AuditEvent event = EventFor(op, "user.enable");
    event.object_ids = Ids({{"users", {user.id}}});
    event.result = {{"user", name}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Result<std::string> AbisSystem::IssueUserKey(const Operator& op, const std::string& name, bool revoke_existing) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageUsers, "issue API keys"));
  std::string key;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(User user, FindUser(*store_, name));
    if (user.disabled) return Status::FailedPrecondition("user '" + name + "' is disabled: enable them first");
    if (revoke_existing) ABIS_RETURN_IF_ERROR(RevokeApiKeys(*store_, user.id));
    ABIS_ASSIGN_OR_RETURN(key, IssueApiKey(*store_, user.id));
    AuditEvent event = EventFor(op, "user.key");
    event.object_ids = Ids({{"users", {user.id}}});
    event.result = {{"user", name}, {"key_id", ApiKeyId(key)}, {"older_keys_revoked", revoke_existing}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return key;
}

Result<Person> AbisSystem::AddPerson(const Operator& op, Person person, const std::string& case_ref) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kAddPerson, "add persons"));
  if (!case_ref.empty()) ABIS_RETURN_IF_ERROR(ValidateIdentifier(case_ref, "case reference", 128));
  // The store keeps records whose date has passed (until retention runs); a new one must not start so.
  if (person.retention_until.size() >= 10 && person.retention_until.substr(0, 10) < TodayUtc()) {
    return Status::InvalidArgument("retention date " + EscapeForDisplay(person.retention_until) +
                                   " is in the past (today is " + TodayUtc() + ")");
  }
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_RETURN_IF_ERROR(store_->AddPerson(person));
    AuditEvent event = EventFor(op, "person.add");
    event.case_ref = case_ref;
    event.object_ids = Ids({{"persons", {person.id}}});
    event.result = {{"category", PersonCategoryName(person.category)},
                    {"legal_basis", person.legal_basis},
                    {"retention_until", person.retention_until}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return person;
}

Result<PersonRecord> AbisSystem::ShowPerson(const Operator& op, const std::string& external_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read persons"));
  PersonRecord out;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(out.person, store_->FindPerson(external_id));
    ABIS_ASSIGN_OR_RETURN(out.templates, store_->ListTemplates(out.person.id));
    ABIS_ASSIGN_OR_RETURN(out.galleries, store_->GalleriesOfPerson(out.person.id));
    AuditEvent event = EventFor(op, "person.show");
    event.object_ids = Ids({{"persons", {out.person.id}}});
    return AppendAuditEntry(*store_, event).status();
  }));
  return out;
}

Result<std::vector<Person>> AbisSystem::ListPersons(const Operator& op, std::int64_t after_id, int limit) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "list persons"));
  if (limit < 1 || limit > 10000) return Status::InvalidArgument("list limit must be 1-10000");
  return store_->ListPersons(after_id, limit);
}

Result<Gallery> AbisSystem::FindGallery(const Operator& op, const std::string& name, MemberCount count) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read galleries"));
  return count == MemberCount::kCounted ? store_->FindGallery(name) : store_->FindGalleryWithoutMemberCount(name);
}

Result<std::vector<std::string>> AbisSystem::GalleriesOfPerson(const Operator& op, const std::string& external_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read persons"));
  ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(external_id));
  return store_->GalleriesOfPerson(person.id);
}

Result<bool> AbisSystem::PersonExists(const Operator& op, const std::string& external_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read persons"));
  auto person = store_->FindPerson(external_id);
  if (person.ok()) return true;
  if (person.status().code() == StatusCode::kNotFound) return false;
  return person.status();
}

SnapshotSaveReport AbisSystem::SaveIndexSnapshots(const SnapshotSavePolicy& policy) {
  return gallery_indexes_->SaveSnapshots(policy);
}

Status AbisSystem::CommitWithIndexFindings(const Operator& op,
                                           const std::vector<QuarantinedTemplate>& also_quarantined,
                                           const std::function<Status()>& body) {
  GalleryIndexFindings findings = gallery_indexes_->TakeFindings();
  Status committed = store_->Transaction([&]() -> Status {
    // A snapshot refused on loading (tampered, another build, older than an erasure) was deleted
    // and its index rebuilt from the store; each refusal is recorded.
    for (const std::string& warning : findings.snapshot_warnings) {
      AuditEvent discarded = EventFor(op, "index_snapshot.discarded");
      discarded.result = {{"reason", warning}};
      ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, discarded).status());
    }
    std::set<std::int64_t> reported;
    std::vector<QuarantinedTemplate> quarantined = findings.quarantined;
    for (const QuarantinedTemplate& damaged : quarantined) reported.insert(damaged.template_id);
    for (const QuarantinedTemplate& damaged : also_quarantined) {
      if (reported.insert(damaged.template_id).second) quarantined.push_back(damaged);
    }
    for (const QuarantinedTemplate& damaged : quarantined) {
      AuditEvent alert = EventFor(op, "template.quarantined");
      alert.object_ids = Ids({{"persons", {damaged.person_id}},
                              {"templates", {damaged.template_id}},
                              {"galleries", {damaged.gallery_id}}});
      alert.result = {{"reason", damaged.reason}};
      ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, alert).status());
    }
    return body ? body() : Status::Ok();
  });
  if (!committed.ok()) gallery_indexes_->RestoreFindings(std::move(findings));
  return committed;
}

void AbisSystem::AuditIndexFindingsOfFailedSearch(const Operator& op) {
  (void)CommitWithIndexFindings(op, {}, nullptr);  // best effort: kept for the next audit otherwise
}

Result<std::size_t> AbisSystem::RefreshGalleryIndexes(const Operator& op, const std::string& gallery_name) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "bring gallery indexes up to date"));
  ABIS_ASSIGN_OR_RETURN(const Gallery gallery, store_->FindGalleryWithoutMemberCount(gallery_name));
  std::size_t templates = 0;
  Status first_failure = Status::Ok();  // an index that fails does not stop the others
  for (const Modality modality : {Modality::kFace, Modality::kFinger}) {
    auto engine = engines_(modality);
    if (!engine.ok()) continue;  // no engine of this modality in this build
    std::set<FingerPosition> positions;
    ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(const std::vector<TemplateInfo> listed, store_->ListGalleryTemplates(gallery.id, modality));
      for (const TemplateInfo& info : listed) {
        if (info.algorithm == (*engine)->algorithm()) positions.insert(info.position);
      }
      return Status::Ok();
    }));
    for (const FingerPosition position : positions) {
      const Status refreshed = store_->ReadTransaction([&]() -> Status {
        ABIS_ASSIGN_OR_RETURN(const std::int64_t generation, store_->GalleryGeneration());
        const GalleryIndexKey key{gallery.id, modality, position, (*engine)->algorithm()};
        ABIS_ASSIGN_OR_RETURN(const GalleryIndexView view,
                              gallery_indexes_->Acquire(*store_, **engine, key, generation));
        templates += view.index().size();
        return Status::Ok();
      });
      if (!refreshed.ok() && first_failure.ok()) first_failure = refreshed;
    }
  }
  // What the refresh met (a snapshot refused, a damaged template) is audited as a search would.
  ABIS_RETURN_IF_ERROR(CommitWithIndexFindings(op, {}, nullptr));
  if (!first_failure.ok()) return first_failure;
  return templates;
}

std::vector<GalleryIndexMemory> AbisSystem::IndexMemory() const { return gallery_indexes_->MemoryUse(); }

Status AbisSystem::EraseWithIndexSnapshots(const std::function<Status()>& erase) {
  // Before: every snapshot goes and a marker stops new ones being published or loaded while the
  // erasure runs (a crash leaves the marker; the next process to meet it deletes every snapshot).
  // After, on every path (an erasure in batches may have committed in part when it fails): the
  // snapshots go again and the floor keeps any index older than the erasure from coming back.
  ABIS_ASSIGN_OR_RETURN(std::int64_t before, store_->GalleryGeneration());
  ABIS_ASSIGN_OR_RETURN(std::string marker, gallery_indexes_->BeginSnapshotErasure(before + 1));
  Status erased = erase();
  Result<std::int64_t> after = store_->GalleryGeneration();
  const Status ended = gallery_indexes_->EndSnapshotErasure(marker, after.ok() ? *after : before + 1);
  if (!erased.ok()) return erased;
  if (!after.ok()) return after.status().WithContext("erased; reading the gallery generation afterwards failed");
  return ended.WithContext("erased; removing the gallery index snapshots failed");
}

Status AbisSystem::DeletePerson(const Operator& op, const std::string& external_id, const std::string& reason) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kDeletePerson, "delete persons"));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(reason, "the reason for deleting a person", 1000, /*required=*/true));
  return EraseWithIndexSnapshots([&]() { return DeletePersonNow(op, external_id, reason); });
}

Status AbisSystem::DeletePersonNow(const Operator& op, const std::string& external_id, const std::string& reason) {
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(external_id));
    ABIS_ASSIGN_OR_RETURN(auto templates, store_->ListTemplates(person.id));
    ABIS_RETURN_IF_ERROR(store_->DeletePerson(person.id));
    AuditEvent event = EventFor(op, "person.delete");
    event.object_ids = Ids({{"persons", {person.id}}});
    event.result = {{"reason", reason}, {"templates_erased", templates.size()}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return store_->Checkpoint();
}

Result<Gallery> AbisSystem::CreateGallery(const Operator& op, const Gallery& gallery) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "create galleries"));
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(std::int64_t id, store_->CreateGallery(gallery));
    AuditEvent event = EventFor(op, "gallery.create");
    event.object_ids = Ids({{"galleries", {id}}});
    event.result = {{"name", gallery.name}, {"kind", GalleryKindName(gallery.kind)}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return store_->FindGallery(gallery.name);
}

Status AbisSystem::AddToGallery(const Operator& op, const std::string& gallery, const std::string& person) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "change galleries"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery g, store_->FindGalleryWithoutMemberCount(gallery));
    if (g.kind == GalleryKind::kWatchlist) {
      return Status::FailedPrecondition("persons join watchlist '" + gallery +
                                        "' through a watchlist entry (authority reference, reason, expiry)");
    }
    ABIS_ASSIGN_OR_RETURN(Person p, store_->FindPerson(person));
    ABIS_RETURN_IF_ERROR(store_->AddGalleryMember(g.id, p.id));
    AuditEvent event = EventFor(op, "gallery.add");
    event.object_ids = Ids({{"galleries", {g.id}}, {"persons", {p.id}}});
    return AppendAuditEntry(*store_, event).status();
  });
}

Status AbisSystem::RemoveFromGallery(const Operator& op, const std::string& gallery, const std::string& person) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "change galleries"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery g, store_->FindGalleryWithoutMemberCount(gallery));
    if (g.kind == GalleryKind::kWatchlist) {
      return Status::FailedPrecondition("persons leave watchlist '" + gallery +
                                        "' when their watchlist entries end (end each entry with a reason)");
    }
    ABIS_ASSIGN_OR_RETURN(Person p, store_->FindPerson(person));
    ABIS_RETURN_IF_ERROR(store_->RemoveGalleryMember(g.id, p.id));
    AuditEvent event = EventFor(op, "gallery.remove");
    event.object_ids = Ids({{"galleries", {g.id}}, {"persons", {p.id}}});
    return AppendAuditEntry(*store_, event).status();
  });
}

Result<std::vector<Gallery>> AbisSystem::ListGalleries(const Operator& op, MemberCount count) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "list galleries"));
  return count == MemberCount::kCounted ? store_->ListGalleries() : store_->ListGalleriesWithoutMemberCount();
}

Result<std::int64_t> AbisSystem::AddWatchlistEntry(const Operator& op, const std::string& gallery,
                                                   const std::string& person, const std::string& authority_reference,
                                                   const std::string& reason, const std::string& expires_at) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "change watchlists"));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(authority_reference, "watchlist authority reference", 200, /*required=*/true));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(reason, "watchlist reason", 1000, /*required=*/true));
  std::int64_t entry_id = 0;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery g, store_->FindGalleryWithoutMemberCount(gallery));
    if (g.kind != GalleryKind::kWatchlist) return Status::FailedPrecondition("gallery '" + gallery + "' is not a watchlist");
    ABIS_ASSIGN_OR_RETURN(Person p, store_->FindPerson(person));
    WatchlistEntry entry;
    entry.gallery_id = g.id;
    entry.person_id = p.id;
    entry.authority_reference = authority_reference;
    entry.reason = reason;
    entry.expires_at = expires_at;
    ABIS_ASSIGN_OR_RETURN(entry_id, store_->AddWatchlistEntry(entry, TodayUtc()));
    AuditEvent event = EventFor(op, "watchlist.add");
    event.object_ids = Ids({{"galleries", {g.id}}, {"persons", {p.id}}});
    event.result = {{"authority_reference", authority_reference}, {"reason", reason}, {"expires_at", expires_at}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return entry_id;
}

Result<std::vector<WatchlistEntry>> AbisSystem::ListWatchlistEntries(const Operator& op, const std::string& gallery) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "list watchlist entries"));
  std::vector<WatchlistEntry> entries;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery g, store_->FindGalleryWithoutMemberCount(gallery));
    if (g.kind != GalleryKind::kWatchlist) return Status::FailedPrecondition("gallery '" + gallery + "' is not a watchlist");
    ABIS_ASSIGN_OR_RETURN(entries, store_->ListWatchlistEntries(g.id));
    std::vector<std::int64_t> persons;
    for (const WatchlistEntry& entry : entries) persons.push_back(entry.person_id);
    std::sort(persons.begin(), persons.end());
    persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
    AuditEvent event = EventFor(op, "watchlist.list");
    event.object_ids = Ids({{"galleries", {g.id}}, {"persons", persons}});
    event.result = {{"entries", entries.size()}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return entries;
}

Status AbisSystem::EndWatchlistEntry(const Operator& op, const std::string& gallery, std::int64_t entry_id,
                                     const std::string& reason) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "end watchlist entries"));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(reason, "reason for ending the watchlist entry", 1000, /*required=*/true));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery g, store_->FindGalleryWithoutMemberCount(gallery));
    ABIS_ASSIGN_OR_RETURN(WatchlistEntry entry, store_->GetWatchlistEntry(entry_id));
    if (entry.gallery_id != g.id) {
      return Status::NotFound("watchlist '" + gallery + "' has no entry " + std::to_string(entry_id));
    }
    ABIS_RETURN_IF_ERROR(store_->EndWatchlistEntry(entry, NowUtcIso8601(), op.name, reason));
    AuditEvent event = EventFor(op, "watchlist.end");
    event.object_ids = Ids({{"galleries", {entry.gallery_id}}, {"persons", {entry.person_id}}, {"watchlist_entries", {entry_id}}});
    event.result = {{"authority_reference", entry.authority_reference}, {"reason", reason}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Result<EnrolResult> AbisSystem::Enrol(const Operator& op, const EnrolRequest& request) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(request.sample.modality));
  // Extraction is slow and needs no lock: do it before the transaction.
  ABIS_ASSIGN_OR_RETURN(BiometricTemplate biometric_template, engine->Extract(request.sample));
  EnrolResult result;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(result, StoreEnrolment(op, request, biometric_template));
    return Status::Ok();
  }));
  result.biometric_template = std::move(biometric_template);
  return result;
}

Result<EnrolResult> AbisSystem::StoreEnrolment(const Operator& op, const EnrolRequest& request,
                                               BiometricTemplate biometric_template) {
  if (request.case_ref.size() > 128) return Status::InvalidArgument("case reference longer than 128 characters");
  EnrolResult result;
  ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(request.person));
  result.person_id = person.id;
  if (request.join_encounter) {
    ABIS_ASSIGN_OR_RETURN(Encounter existing, store_->FindEncounter(person.id, request.encounter_id));
    result.encounter_id = existing.id;
  } else {
    Encounter encounter;
    encounter.person_id = person.id;
    encounter.external_id = request.encounter_id;
    encounter.kind = request.encounter_kind;
    encounter.source_agency = request.source_agency;
    encounter.operator_id = op.user_id;
    ABIS_ASSIGN_OR_RETURN(result.encounter_id, store_->AddEncounter(encounter));
  }
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(request.sample.modality));
  // A family reference's sample says whom it was collected for and how the person relates:
  // kinship searches group and weigh the references by it (kinship_search.h).
  if (person.category == PersonCategory::kMissingPersonReference && engine->kinship() != nullptr) {
    Status relative = engine->kinship()->ValidateRelativeOptions(request.sample.options, /*required=*/true);
    if (!relative.ok()) {
      return relative.WithContext(std::string(ModalityName(request.sample.modality)) + " sample " +
                                  (request.sample.source_name.empty() ? "" : "'" + request.sample.source_name + "' ") +
                                  "of missing_person_reference person '" + person.external_id + "'");
    }
  }
  ABIS_ASSIGN_OR_RETURN(result.sample_id,
                        store_->AddSample(result.encounter_id, person.id, request.sample.modality,
                                          request.sample.format_hint, request.sample.position, request.sample.bytes,
                                          KeptSampleOptions(*engine, request.sample.options)));
  ABIS_ASSIGN_OR_RETURN(result.template_id, store_->AddTemplate(result.sample_id, person.id, biometric_template));
  std::vector<std::int64_t> gallery_ids;
  for (const auto& name : request.galleries) {
    ABIS_ASSIGN_OR_RETURN(Gallery gallery, store_->FindGalleryWithoutMemberCount(name));
    if (gallery.kind == GalleryKind::kWatchlist) {
      return Status::FailedPrecondition("enrolment cannot add to watchlist '" + name + "'");
    }
    ABIS_RETURN_IF_ERROR(store_->AddGalleryMember(gallery.id, person.id));
    gallery_ids.push_back(gallery.id);
  }
  AuditEvent event = EventFor(op, "enrol");
  event.case_ref = request.case_ref;
  event.object_ids = Ids({{"persons", {person.id}},
                          {"encounters", {result.encounter_id}},
                          {"samples", {result.sample_id}},
                          {"templates", {result.template_id}},
                          {"galleries", gallery_ids}});
  event.input_sha256 = {Sha256Hex(request.sample.bytes)};
  event.result = {{"modality", ModalityName(request.sample.modality)},
                  {"algorithm", biometric_template.algorithm},
                  {"position", FingerPositionName(biometric_template.position)},
                  {"encounter_kind", request.encounter_kind}};
  ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
  result.audit_seq = entry.seq;
  result.biometric_template = std::move(biometric_template);
  return result;
}

Result<std::vector<AbisSystem::ExtractedSample>> AbisSystem::ExtractSamples(const std::vector<SampleInput>& samples,
                                                                           const std::string& what,
                                                                           std::vector<std::string>* input_hashes) {
  std::vector<ExtractedSample> out;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (input_hashes != nullptr) input_hashes->push_back(Sha256Hex(samples[i].bytes));
    ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(samples[i].modality));
    auto extracted = engine->Extract(samples[i]);
    if (!extracted.ok()) return extracted.status().WithContext(what + " " + std::to_string(i + 1));
    out.push_back({engine, std::move(extracted).value()});
  }
  return out;
}

Result<SearchResult> AbisSystem::Search(const Operator& op, const SearchRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.case_ref));
  ABIS_RETURN_IF_ERROR(RequirePurpose(op, Action::kSearch, request.purpose, request.case_ref));
  Result<SearchResult> result = RunSearch(op, request);
  if (!result.ok()) {
    AuditFailedRequest(op, "search", request.purpose, request.case_ref, result.status());
    AuditIndexFindingsOfFailedSearch(op);
  }
  return result;
}

Result<SearchResult> AbisSystem::RunSearch(const Operator& op, const SearchRequest& request,
                                           const nlohmann::json& probe_face) {
  ABIS_RETURN_IF_ERROR(ValidateFalseMatchRate(request.target_false_match_rate));
  if (request.probes.empty() && request.probe_person.empty()) {
    return Status::InvalidArgument("a search needs at least one probe sample or a stored person to search with");
  }
  if (request.max_candidates < 1 || request.max_candidates > 1000) {
    return Status::InvalidArgument("max candidates must be 1-1000");
  }
  if (request.min_fused_log_lr && !std::isfinite(*request.min_fused_log_lr)) {
    return Status::InvalidArgument("the minimum fused log-LR must be a finite number");
  }
  if (request.within_persons && request.within_persons->size() > kMaxRestrictedPersons) {
    return Status::InvalidArgument("a search may be restricted to at most " + std::to_string(kMaxRestrictedPersons) +
                                   " persons, not " + std::to_string(request.within_persons->size()));
  }

  // Probes are extracted before the snapshot: extraction is slow and reads nothing stored.
  struct Probe {
    const ModalityEngine* engine = nullptr;
    BiometricTemplate biometric_template;
    std::string source;  // "probe 1", "template 17 of person X"
    // Evidence of one group is counted once per candidate (its best comparison): each probe
    // sample is its own group; a stored person's templates group by modality and finger, so a
    // person enrolled several times is not counted several times.
    std::string group;
  };
  std::vector<Probe> sample_probes;
  std::vector<std::string> input_hashes;
  ABIS_ASSIGN_OR_RETURN(std::vector<ExtractedSample> extracted, ExtractSamples(request.probes, "probe", &input_hashes));
  for (std::size_t i = 0; i < extracted.size(); ++i) {
    std::string name = "probe " + std::to_string(i + 1);
    sample_probes.push_back({extracted[i].engine, std::move(extracted[i].biometric_template), name, name});
  }

  SearchResult result;
  Gallery gallery;
  std::int64_t probe_person_id = 0;
  std::vector<std::int64_t> restricted_person_ids;
  std::vector<QuarantinedTemplate> restricted_damaged;  // met by the private indexes of a restricted search
  std::vector<QuarantinedTemplate> searcher_damaged;    // newly quarantined by the gallery searcher (the grid)
  // What the searcher reported goes back to it when this search ends without auditing it.
  struct ReturnUnauditedToSearcher {
    GallerySearcher* searcher;
    std::vector<QuarantinedTemplate>& damaged;
    bool audited = false;
    ReturnUnauditedToSearcher(GallerySearcher* to, std::vector<QuarantinedTemplate>& findings)
        : searcher(to), damaged(findings) {}
    ReturnUnauditedToSearcher(const ReturnUnauditedToSearcher&) = delete;
    ReturnUnauditedToSearcher& operator=(const ReturnUnauditedToSearcher&) = delete;
    ~ReturnUnauditedToSearcher() {
      if (searcher != nullptr && !audited && !damaged.empty()) searcher->ReturnUnaudited(std::move(damaged));
    }
  } searcher_findings{gallery_searcher_.get(), searcher_damaged};
  // Every read happens in one snapshot, so a search sees a consistent gallery while enrolments
  // go on; the shared gallery index is brought to exactly that snapshot. When another search
  // has already moved the index past this snapshot, the snapshot is taken again (at most twice)
  // rather than decrypting the gallery into a private index.
  constexpr int kAttempts = 3;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    bool stale = false;
    result = SearchResult();
    probe_person_id = 0;
    CandidateEvidence evidence;
    ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(std::int64_t generation, store_->GalleryGeneration());
      ABIS_ASSIGN_OR_RETURN(gallery, store_->FindGalleryWithoutMemberCount(request.gallery));
      std::vector<Probe> person_probes;
      if (!request.probe_person.empty()) {
        ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(request.probe_person));
        probe_person_id = person.id;
        ABIS_ASSIGN_OR_RETURN(auto encounters, store_->ListEncounters(person.id));
        if (!request.probe_encounter.empty()) {
          ABIS_ASSIGN_OR_RETURN(Encounter chosen, store_->FindEncounter(person.id, request.probe_encounter));
          encounters = {chosen};
        }
        for (const Encounter& encounter : encounters) {
          if (!encounter.active && request.probe_encounter.empty()) continue;
          ABIS_ASSIGN_OR_RETURN(auto templates, store_->ListEncounterTemplates(encounter.id));
          for (const TemplateInfo& info : templates) {
            auto engine = engines_(info.modality);
            if (!engine.ok() || info.algorithm != (*engine)->algorithm()) continue;  // not comparable here
            if (!request.probe_modalities.empty() && !request.probe_modalities.contains(info.modality)) continue;
            ABIS_ASSIGN_OR_RETURN(BiometricTemplate stored, store_->LoadTemplate(info.id));
            std::string group = "stored " + std::string(ModalityName(info.modality)) + " " +
                                std::string(FingerPositionName(info.position));
            person_probes.push_back({*engine, std::move(stored),
                                     "template " + std::to_string(info.id) + " of person " + request.probe_person,
                                     group});
          }
        }
        if (person_probes.empty()) {
          return Status::FailedPrecondition("person '" + request.probe_person +
                                            "' has no active template this ABIS can compare");
        }
      }
      std::optional<std::vector<TemplateInfo>> restricted;
      // One private index per (modality, finger, algorithm), shared by the probes that need it.
      std::map<std::tuple<Modality, FingerPosition, std::string>, RestrictedIndex> private_indexes;
      restricted_person_ids.clear();
      restricted_damaged.clear();
      if (request.within_persons) {
        ABIS_ASSIGN_OR_RETURN(restricted, ActiveTemplatesOfMembers(*store_, gallery, *request.within_persons,
                                                                   &restricted_person_ids));
      }
      std::vector<const Probe*> probes;
      for (const Probe& probe : sample_probes) probes.push_back(&probe);
      for (const Probe& probe : person_probes) probes.push_back(&probe);
      std::vector<double> thresholds(probes.size(), 0.0);
      // One comparison of probe `probe_index` with a person's template, offered to the fusion;
      // `rank` is the person's rank in the probe's own list (0: compared exactly, not listed).
      auto offer = [&](std::size_t probe_index, std::int64_t person, int rank, std::int64_t template_id, double score,
                       double log_lr) {
        const Probe& probe = *probes[probe_index];
        ProbeEvidence found;
        found.probe = static_cast<int>(probe_index + 1);
        found.rank = rank;
        found.source = probe.source;
        found.modality = probe.biometric_template.modality;
        found.position = probe.biometric_template.position;
        found.template_id = template_id;
        found.score = score;
        found.threshold = thresholds[probe_index];
        found.log_lr = log_lr;
        found.hit = score >= thresholds[probe_index];
        evidence.Offer(person, probe.group, std::move(found));
      };
      for (std::size_t probe_index = 0; probe_index < probes.size(); ++probe_index) {
        const Probe& probe = *probes[probe_index];
        const BiometricTemplate& probe_template = probe.biometric_template;
        ABIS_ASSIGN_OR_RETURN(thresholds[probe_index],
                              probe.engine->ThresholdForFalseMatchRate(request.target_false_match_rate));
        // Several templates may belong to one person (and the probe person is left out): ask
        // for enough to fill the list with other persons; a restricted search ranks all of them.
        const std::size_t wanted_unrestricted = request.max_candidates * 4 + (probe_person_id != 0 ? 16 : 0);
        // The shared index of the gallery, or a private one of the restricted persons' templates,
        // or the gallery searcher set on this system (the matcher grid).
        const ModalityGallery* index = nullptr;
        std::function<std::int64_t(std::int64_t)> person_of_template;
        std::optional<GalleryIndexView> view;
        std::optional<GalleryIndexKey> shared_key;
        std::vector<Candidate> listed;
        if (!restricted && gallery_searcher_) {
          GalleryIndexKey key{gallery.id, probe_template.modality, probe_template.position, probe.engine->algorithm()};
          Result<GallerySearchAnswer> answer =
              gallery_searcher_->Search(key, generation, probe_template, wanted_unrestricted);
          if (!answer.ok()) return answer.status().WithContext(probe.source);
          // Reported once by the searcher: kept across the retries of a stale snapshot.
          searcher_damaged.insert(searcher_damaged.end(), answer->newly_quarantined.begin(),
                                  answer->newly_quarantined.end());
          if (answer->stale) {
            if (attempt == kAttempts) {
              return Status::Unavailable("the gallery changed during the search " + std::to_string(kAttempts) +
                                         " times: retry the search");
            }
            stale = true;
            return Status::Ok();
          }
          result.gallery_size += answer->gallery_size;
          result.skipped_templates += answer->skipped_templates;
          result.quarantined_templates += answer->quarantined_templates;
          auto persons = std::make_shared<std::unordered_map<std::int64_t, std::int64_t>>();
          for (std::size_t i = 0; i < answer->candidates.size() && i < answer->person_ids.size(); ++i) {
            persons->emplace(answer->candidates[i].reference_id, answer->person_ids[i]);
          }
          person_of_template = [persons](std::int64_t id) {
            auto found = persons->find(id);
            return found == persons->end() ? std::int64_t{0} : found->second;
          };
          listed = std::move(answer->candidates);
        } else if (restricted) {
          auto index_key = std::make_tuple(probe_template.modality, probe_template.position, probe.engine->algorithm());
          auto cached = private_indexes.find(index_key);
          if (cached == private_indexes.end()) {
            ABIS_ASSIGN_OR_RETURN(RestrictedIndex built,
                                  BuildRestrictedIndex(*store_, *probe.engine, *restricted, probe_template.modality,
                                                       probe_template.position, gallery.id));
            restricted_damaged.insert(restricted_damaged.end(), built.damaged.begin(), built.damaged.end());
            cached = private_indexes.emplace(index_key, std::move(built)).first;
          }
          const RestrictedIndex& private_index = cached->second;
          index = private_index.index.get();
          person_of_template = [&private_index](std::int64_t id) {
            auto found = private_index.person_of_template.find(id);
            return found == private_index.person_of_template.end() ? std::int64_t{0} : found->second;
          };
          result.skipped_templates += private_index.skipped;
          result.quarantined_templates += private_index.damaged.size();
        } else {
          GalleryIndexKey key{gallery.id, probe_template.modality, probe_template.position, probe.engine->algorithm()};
          shared_key = key;
          if (attempt < kAttempts) {
            ABIS_ASSIGN_OR_RETURN(view, gallery_indexes_->TryAcquire(*store_, *probe.engine, key, generation));
            if (!view) {
              stale = true;
              return Status::Ok();
            }
          } else {
            ABIS_ASSIGN_OR_RETURN(view, gallery_indexes_->Acquire(*store_, *probe.engine, key, generation));
          }
          index = &view->index();
          person_of_template = [&](std::int64_t id) { return view->PersonOfTemplate(id); };
          result.skipped_templates += view->skipped_templates();
          result.quarantined_templates += view->quarantined_templates().size();
        }
        if (index != nullptr) {
          result.gallery_size += index->size();
          std::size_t wanted = restricted ? index->size() : wanted_unrestricted;
          auto candidates = index->Search(probe_template, std::min<std::size_t>(index->size(), wanted));
          if (!candidates.ok() && candidates.status().code() == StatusCode::kDataLoss && shared_key &&
              attempt < kAttempts) {
            // A cached index found damaged (an array it reads on demand from its snapshot failed to
            // authenticate): dropped with its snapshot, and the search runs again on a rebuilt one.
            view.reset();
            gallery_indexes_->DiscardDamagedIndex(*shared_key, candidates.status());
            stale = true;
            return Status::Ok();
          }
          if (!candidates.ok()) return candidates.status().WithContext(probe.source);
          listed = std::move(candidates).value();
        }
        std::map<std::int64_t, int> rank_of_person;  // in this probe's list, from 1
        for (const Candidate& candidate : listed) {
          std::int64_t person = person_of_template(candidate.reference_id);
          if (person == 0 || person == probe_person_id) continue;
          if (request.earlier_persons_only && probe_person_id != 0 && person > probe_person_id) continue;
          const int rank = rank_of_person.emplace(person, static_cast<int>(rank_of_person.size()) + 1).first->second;
          offer(probe_index, person, rank, candidate.reference_id, candidate.score, candidate.log_lr);
        }
      }

      // A person the index search of a probe group did not return (ranked below its list) but who
      // holds templates that group's probes compare with gets that group's evidence by exact
      // comparison (the gallery's non-match evidence, rank 0). Only a person with no comparable
      // template (the modality or finger is not in their record) has no evidence for the group,
      // which then counts as 0 in the fused log-LR (docs/SEARCH.md, "Fusion").
      std::vector<std::int64_t> persons;
      for (const auto& [person_id, groups] : evidence.by_person()) persons.push_back(person_id);
      for (std::int64_t person_id : persons) {
        std::set<std::string> missing;
        for (const Probe* probe : probes) {
          if (!evidence.by_person().at(person_id).contains(probe->group)) missing.insert(probe->group);
        }
        if (missing.empty()) continue;
        ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store_->ListActiveTemplates(person_id));
        for (std::size_t probe_index = 0; probe_index < probes.size(); ++probe_index) {
          const Probe& probe = *probes[probe_index];
          if (!missing.contains(probe.group)) continue;
          const BiometricTemplate& probe_template = probe.biometric_template;
          for (const TemplateInfo& info : templates) {
            if (info.modality != probe_template.modality || info.algorithm != probe.engine->algorithm()) continue;
            if (!FingerPositionsCompatible(probe_template.position, info.position)) continue;
            Result<BiometricTemplate> reference = store_->LoadTemplate(info.id);
            if (!reference.ok() && reference.status().code() == StatusCode::kDataLoss) continue;  // quarantined
            if (!reference.ok()) return reference.status();
            ABIS_ASSIGN_OR_RETURN(Comparison comparison, probe.engine->Compare(probe_template, *reference));
            offer(probe_index, person_id, /*rank=*/0, info.id, comparison.score, comparison.log_lr);
          }
        }
      }

      for (FusedCandidate& fused : FuseCandidates(evidence, request.max_candidates, request.min_fused_log_lr)) {
        if (request.hits_only && !fused.hit) continue;
        CandidateResult candidate;
        candidate.person_id = fused.person_id;
        candidate.fused_log_lr = fused.fused_log_lr;
        candidate.hit = fused.hit;
        candidate.per_probe = std::move(fused.evidence);
        result.candidates.push_back(std::move(candidate));
      }

      std::string now = NowUtcIso8601();
      for (CandidateResult& candidate : result.candidates) {
        ABIS_ASSIGN_OR_RETURN(Person person, store_->GetPerson(candidate.person_id));
        candidate.external_id = person.external_id;
        candidate.category = std::string(PersonCategoryName(person.category));
        if (candidate.hit && gallery.kind == GalleryKind::kWatchlist) {
          ABIS_ASSIGN_OR_RETURN(auto entries, store_->ActiveWatchlistEntries(gallery.id, person.id, now));
          candidate.watchlist = std::move(entries);
        }
      }
      return Status::Ok();
    }));
    if (!stale) break;
  }

  // The audit entry, the recorded leads and the alerts commit together. A candidate whose person
  // was deleted or merged away since the snapshot is not recorded (the audit entry says so).
  // A damaged template (it fails authentication) was left out of the index and the search went
  // on; each one is recorded once, naming its owner, for the administrators to restore it.
  // A restricted search's private indexes report what they met each time (they keep no state).
  // The gallery searcher (the matcher grid) reports what its matchers quarantined, once each.
  restricted_damaged.insert(restricted_damaged.end(), searcher_damaged.begin(), searcher_damaged.end());
  Status committed = CommitWithIndexFindings(op, restricted_damaged, [&]() -> Status {
    std::vector<std::int64_t> vanished;
    std::erase_if(result.candidates, [&](const CandidateResult& candidate) {
      bool gone = !store_->GetPerson(candidate.person_id).ok();
      if (gone) vanished.push_back(candidate.person_id);
      return gone;
    });
    AuditEvent event = EventFor(op, "search");
    event.purpose = std::string(PurposeName(request.purpose));
    event.case_ref = request.case_ref;
    std::vector<std::int64_t> concerned;
    for (const auto& candidate : result.candidates) concerned.push_back(candidate.person_id);
    if (probe_person_id != 0) concerned.push_back(probe_person_id);
    // Every person a restricted search compared is named (their subject reports show the search).
    concerned.insert(concerned.end(), restricted_person_ids.begin(), restricted_person_ids.end());
    std::sort(concerned.begin(), concerned.end());
    concerned.erase(std::unique(concerned.begin(), concerned.end()), concerned.end());
    event.object_ids = Ids({{"galleries", {gallery.id}}, {"persons", concerned}});
    event.input_sha256 = input_hashes;
    nlohmann::json summary = nlohmann::json::array();
    for (const auto& candidate : result.candidates) {
      summary.push_back({{"person_id", candidate.person_id},
                         {"fused_ln_lr", candidate.fused_log_lr},
                         {"hit", candidate.hit},
                         {"watchlist_alert", !candidate.watchlist.empty()}});
    }
    event.result = {{"gallery", gallery.name},
                    {"gallery_size", result.gallery_size},
                    {"target_fmr", request.target_false_match_rate},
                    {"candidates", summary}};
    if (probe_person_id != 0) event.result["probe_person_id"] = probe_person_id;
    if (!probe_face.is_null()) event.result["probe_face"] = probe_face;
    if (request.min_fused_log_lr) event.result["min_fused_ln_lr"] = *request.min_fused_log_lr;
    if (request.hits_only) event.result["hits_only"] = true;
    if (request.within_persons) event.result["restricted_to_persons"] = request.within_persons->size();
    if (!vanished.empty()) event.result["candidates_deleted_since_search"] = vanished;
    if (result.quarantined_templates > 0) event.result["quarantined_templates"] = result.quarantined_templates;
    if (request.completes_pending_dedup && probe_person_id != 0) {
      // The id was read in the search's snapshot: it must still be the probe's (an id freed by a
      // deletion meanwhile and given to a new person must not lose that person's marker).
      Result<Person> probe = store_->GetPerson(probe_person_id);
      const bool same = probe.ok() && probe->external_id == request.probe_person;
      bool owed = false;
      if (same) {
        ABIS_ASSIGN_OR_RETURN(owed, store_->RemovePendingDedup(probe_person_id));
      }
      event.result["completed_pending_dedup"] = owed;
    }
    // The probes are kept with a search that has leads to review (the examiners compare them).
    const bool keep_probes = !result.candidates.empty() && !request.probes.empty();
    if (keep_probes) event.result["probes_kept"] = request.probes.size();
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    result.audit_seq = entry.seq;
    if (keep_probes) ABIS_RETURN_IF_ERROR(KeepSearchProbes(*store_, op, request, entry.seq));
    return RecordLeadsAndAlerts(op, request, result);
  });
  ABIS_RETURN_IF_ERROR(committed);
  searcher_findings.audited = true;
  return result;
}

Status AbisSystem::RecordLeadsAndAlerts(const Operator& op, const SearchRequest& request, SearchResult& result) {
  // Candidates become reviewable leads (two-person confirmation), and hits on any active
  // watchlist entry raise stored, audited alerts.
  ABIS_ASSIGN_OR_RETURN(std::vector<std::int64_t> review_ids, RecordSearchCandidates(*store_, request, result));
  for (std::size_t i = 0; i < review_ids.size() && i < result.candidates.size(); ++i) {
    result.candidates[i].review_id = review_ids[i];
  }
  ABIS_ASSIGN_OR_RETURN(result.alerts, RaiseWatchlistAlerts(*store_, op, request, result, review_ids, NowUtcIso8601(),
                                                            request.alerts_via_webhook));
  return Status::Ok();
}

Result<VerifyResult> AbisSystem::Verify(const Operator& op, const VerifyRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.case_ref));
  ABIS_RETURN_IF_ERROR(RequirePurpose(op, Action::kVerify, request.purpose, request.case_ref));
  Result<VerifyResult> result = RunVerify(op, request);
  if (!result.ok()) AuditFailedRequest(op, "verify", request.purpose, request.case_ref, result.status());
  return result;
}

Result<VerifyResult> AbisSystem::RunVerify(const Operator& op, const VerifyRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateFalseMatchRate(request.target_false_match_rate));
  if (request.probes.empty() || request.probes.size() > kMaxSamplesPerEncounter) {
    return Status::InvalidArgument("a verification needs 1-" + std::to_string(kMaxSamplesPerEncounter) +
                                   " probe samples, not " + std::to_string(request.probes.size()));
  }
  // Probes are extracted before anything is read: extraction is slow and reads nothing stored.
  std::vector<std::string> input_hashes;
  ABIS_ASSIGN_OR_RETURN(std::vector<ExtractedSample> probes, ExtractSamples(request.probes, "probe", &input_hashes));
  // The same sample twice would count its evidence twice in the fused log-LR.
  for (std::size_t i = 0; i < input_hashes.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (input_hashes[i] == input_hashes[j]) {
        return Status::InvalidArgument("probe " + std::to_string(i + 1) + " is the same sample as probe " +
                                       std::to_string(j + 1));
      }
    }
  }
  VerifyResult result;
  std::int64_t person_id = 0;
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(request.person));
    person_id = person.id;
    // An inactive encounter is kept but not used, for verification as for searches.
    ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store_->ListActiveTemplates(person.id));
    std::map<std::int64_t, BiometricTemplate> loaded;  // each reference decrypted once
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const ModalityEngine& engine = *probes[i].engine;
      const BiometricTemplate& probe = probes[i].biometric_template;
      ComparedGroup group;
      group.modality = probe.modality;
      group.position = probe.position;
      ABIS_ASSIGN_OR_RETURN(group.threshold, engine.ThresholdForFalseMatchRate(request.target_false_match_rate));
      group.score = -std::numeric_limits<double>::infinity();
      group.log_lr = -std::numeric_limits<double>::infinity();
      for (const TemplateInfo& info : templates) {
        if (info.modality != probe.modality || info.algorithm != engine.algorithm()) continue;
        if (!FingerPositionsCompatible(probe.position, info.position)) continue;
        auto reference = loaded.find(info.id);
        if (reference == loaded.end()) {
          ABIS_ASSIGN_OR_RETURN(BiometricTemplate stored, store_->LoadTemplate(info.id));
          reference = loaded.emplace(info.id, std::move(stored)).first;
        }
        ABIS_ASSIGN_OR_RETURN(Comparison comparison, engine.Compare(probe, reference->second));
        ++group.references_compared;
        if (comparison.score > group.score) {
          group.score = comparison.score;
          group.log_lr = comparison.log_lr;
        }
      }
      if (group.references_compared == 0) {
        return Status::FailedPrecondition("person '" + request.person + "' has no " +
                                          std::string(ModalityName(probe.modality)) +
                                          " template comparable with probe " + std::to_string(i + 1));
      }
      group.match = group.score >= group.threshold;
      result.probes.push_back(group);
    }
    return Status::Ok();
  }));
  result.match = true;
  for (const ComparedGroup& group : result.probes) {
    result.match = result.match && group.match;
    result.fused_log_lr += group.log_lr;
  }
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    // A person deleted or merged away since the comparison is not reported as a match.
    ABIS_RETURN_IF_ERROR(store_->GetPerson(person_id).status().WithContext("person '" + request.person + "'"));
    AuditEvent event = EventFor(op, "verify");
    event.purpose = std::string(PurposeName(request.purpose));
    event.case_ref = request.case_ref;
    event.object_ids = Ids({{"persons", {person_id}}});
    event.input_sha256 = input_hashes;
    nlohmann::json per_probe = nlohmann::json::array();
    for (const ComparedGroup& group : result.probes) {
      per_probe.push_back({{"modality", ModalityName(group.modality)},
                           {"position", FingerPositionName(group.position)},
                           {"score", group.score},
                           {"threshold", group.threshold},
                           {"references_compared", group.references_compared},
                           {"match", group.match}});
    }
    event.result = {{"match", result.match}, {"fused_ln_lr", result.fused_log_lr}, {"probes", per_probe}};
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    result.audit_seq = entry.seq;
    return Status::Ok();
  }));
  return result;
}

Result<CompareResult> AbisSystem::CompareSamples(const Operator& op, const CompareRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.case_ref));
  ABIS_RETURN_IF_ERROR(RequirePurpose(op, Action::kVerify, request.purpose, request.case_ref));
  Result<CompareResult> result = RunCompareSamples(op, request);
  if (!result.ok()) AuditFailedRequest(op, "compare", request.purpose, request.case_ref, result.status());
  return result;
}

Result<CompareResult> AbisSystem::RunCompareSamples(const Operator& op, const CompareRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateFalseMatchRate(request.target_false_match_rate));
  if (request.first.empty() || request.second.empty()) {
    return Status::InvalidArgument("a comparison needs at least one sample in each set");
  }
  std::vector<std::string> input_hashes;
  ABIS_ASSIGN_OR_RETURN(std::vector<ExtractedSample> first, ExtractSamples(request.first, "first set sample", &input_hashes));
  ABIS_ASSIGN_OR_RETURN(std::vector<ExtractedSample> second,
                        ExtractSamples(request.second, "second set sample", &input_hashes));
  // The best pair per (modality, finger position of the first set's sample).
  std::map<std::pair<Modality, FingerPosition>, std::pair<Comparison, const ExtractedSample*>> best;
  for (const ExtractedSample& a : first) {
    for (const ExtractedSample& b : second) {
      const BiometricTemplate& ta = a.biometric_template;
      const BiometricTemplate& tb = b.biometric_template;
      if (ta.modality != tb.modality || ta.algorithm != tb.algorithm) continue;
      if (!FingerPositionsCompatible(ta.position, tb.position)) continue;
      ABIS_ASSIGN_OR_RETURN(Comparison comparison, a.engine->Compare(ta, tb));
      auto key = std::make_pair(ta.modality, ta.position);
      auto found = best.find(key);
      if (found == best.end() || comparison.score > found->second.first.score) best[key] = {comparison, &a};
    }
  }
  if (best.empty()) {
    return Status::FailedPrecondition("the two sets share no comparable modality and finger position");
  }
  CompareResult result;
  result.match = true;
  for (const auto& [key, pair] : best) {
    ABIS_ASSIGN_OR_RETURN(double threshold, pair.second->engine->ThresholdForFalseMatchRate(request.target_false_match_rate));
    bool match = pair.first.score >= threshold;
    result.match = result.match && match;
    result.fused_log_lr += pair.first.log_lr;
    ComparedGroup group;
    group.modality = key.first;
    group.position = key.second;
    group.score = pair.first.score;
    group.threshold = threshold;
    group.log_lr = pair.first.log_lr;
    group.match = match;
    result.groups.push_back(group);
  }
  AuditEvent event = EventFor(op, "compare");
  event.purpose = std::string(PurposeName(request.purpose));
  event.case_ref = request.case_ref;
  event.input_sha256 = input_hashes;
  nlohmann::json groups = nlohmann::json::array();
  for (const ComparedGroup& group : result.groups) {
    groups.push_back({{"modality", ModalityName(group.modality)},
                      {"position", FingerPositionName(group.position)},
                      {"score", group.score},
                      {"threshold", group.threshold},
                      {"ln_lr", group.log_lr},
                      {"match", group.match}});
  }
  event.result = {{"match", result.match}, {"fused_ln_lr", result.fused_log_lr}, {"groups", groups}};
  ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
  result.audit_seq = entry.seq;
  return result;
}

Result<std::vector<StoredSample>> AbisSystem::ExportSamples(const Operator& op, const std::string& external_id,
                                                            Purpose purpose, const std::string& case_ref,
                                                            const std::string& destination) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(case_ref));
  ABIS_RETURN_IF_ERROR(RequirePurpose(op, Action::kVerify, purpose, case_ref));
  std::vector<StoredSample> out;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person person, store_->FindPerson(external_id));
    ABIS_ASSIGN_OR_RETURN(auto samples, store_->ListSamples(person.id));
    std::vector<std::int64_t> sample_ids;
    std::vector<std::string> hashes;
    for (const auto& info : samples) {
      StoredSample sample{info.id, info.modality, info.format, info.position, {}, info.encounter_id, info.options};
      ABIS_ASSIGN_OR_RETURN(sample.bytes, store_->LoadSample(info.id));
      sample_ids.push_back(info.id);
      hashes.push_back(Sha256Hex(sample.bytes));
      out.push_back(std::move(sample));
    }
    AuditEvent event = EventFor(op, "person.export");
    event.purpose = std::string(PurposeName(purpose));
    event.case_ref = case_ref;
    event.object_ids = Ids({{"persons", {person.id}}, {"samples", sample_ids}});
    event.input_sha256 = hashes;
    event.result = {{"destination", destination}, {"samples", sample_ids.size()}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return out;
}

Result<AuditCheckpoint> AbisSystem::CheckpointAudit(const Operator& op, const AuditSigningKey& key) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadAudit, "checkpoint the audit log"));
  AuditCheckpoint checkpoint;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(checkpoint, MakeAuditCheckpoint(*store_, key));
    AuditEvent event = EventFor(op, "audit.checkpoint");
    event.result = {{"seq", checkpoint.seq}, {"entry_hash", checkpoint.entry_hash}, {"public_key", checkpoint.public_key}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return checkpoint;
}

Result<AuditVerification> AbisSystem::VerifyAudit(const Operator& op, const AuditCheckpoint* anchor,
                                                  const std::optional<std::array<std::uint8_t, 32>>& trusted_key) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadAudit, "read the audit log"));
  ABIS_ASSIGN_OR_RETURN(AuditVerification report, VerifyAuditChain(*store_));
  if (anchor != nullptr && report.intact) {
    ABIS_ASSIGN_OR_RETURN(report, VerifyAuditAnchor(*store_, *anchor, trusted_key));
  }
  if (!report.intact) return report;
  AuditEvent event = EventFor(op, "audit.verify");
  event.result = {{"intact", report.intact}, {"entries", report.entries}};
  if (anchor != nullptr) event.result["anchor_seq"] = anchor->seq;
  ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
  return report;
}

Result<std::int64_t> AbisSystem::ExportAudit(const Operator& op, const AuditFilter& filter, std::ostream& out) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadAudit, "read the audit log"));
  ABIS_ASSIGN_OR_RETURN(std::int64_t written, abis::ExportAudit(*store_, filter, out));  // validates the filter
  AuditEvent event = EventFor(op, "audit.export");
  event.result = {{"since", filter.since}, {"filter", filter.ToJson()}, {"entries", written}};
  ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
  return written;
}

namespace {

// The reference date of a retention run: today unless the request names another with a reason.
struct RetentionDate {
  std::string date;
  bool moved = false;  // not today's date: the reason is audited
};

Result<RetentionDate> RetentionReferenceDate(const RetentionRequest& request) {
  const std::string today = TodayUtc();
  RetentionDate out{request.today.empty() ? today : request.today, false};
  ABIS_RETURN_IF_ERROR(ValidateIsoDate(out.date, "retention reference date"));
  if (out.date.size() != 10) return Status::InvalidArgument("the retention reference date must be YYYY-MM-DD");
  out.moved = out.date != today;
  if (out.moved || !request.date_reason.empty()) {
    ABIS_RETURN_IF_ERROR(ValidateFreeText(request.date_reason, "reason for a retention reference date other than today",
                                          1000, /*required=*/out.moved)
                             .WithContext("retention as of " + out.date + " instead of today (" + today + ")"));
  }
  return out;
}

}  // namespace

Result<std::vector<Person>> AbisSystem::PreviewRetention(const Operator& op, const RetentionRequest& request, int limit) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kApplyRetention, "preview retention"));
  ABIS_ASSIGN_OR_RETURN(RetentionDate reference, RetentionReferenceDate(request));
  const std::string& today = reference.date;
  if (limit < 1 || limit > 10000) return Status::InvalidArgument("the retention preview limit must be 1-10000");
  std::vector<Person> expired;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(expired, store_->ListExpiredPersons(today, limit));
    std::vector<std::int64_t> ids;
    for (const Person& person : expired) ids.push_back(person.id);
    AuditEvent event = EventFor(op, "retention.preview");
    event.object_ids = Ids({{"persons", ids}});
    event.result = {{"reference_date", today}, {"listed", ids.size()}};
    if (reference.moved) event.result["reference_date_reason"] = request.date_reason;
    return AppendAuditEntry(*store_, event).status();
  }));
  return expired;
}

Result<RetentionReport> AbisSystem::ApplyRetention(const Operator& op, const RetentionRequest& request,
                                                   const std::function<void(std::int64_t)>& progress) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kApplyRetention, "apply retention"));
  ABIS_ASSIGN_OR_RETURN(RetentionDate reference, RetentionReferenceDate(request));
  const std::string& today = reference.date;
  const int batch_size = request.batch_size;
  if (batch_size < 1 || batch_size > 10000) return Status::InvalidArgument("retention batch size must be 1-10000");
  const bool moved_date = reference.moved;
  RetentionReport report;
  // Persons: an erasure (index snapshots erased around it) only when someone has expired.
  ABIS_ASSIGN_OR_RETURN(auto any_expired, store_->ListExpiredPersons(today, 1));
  auto erase = [&]() -> Status {
    while (true) {
      bool done = false;
      ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
        ABIS_ASSIGN_OR_RETURN(auto expired, store_->ListExpiredPersons(today, batch_size));
        if (expired.empty()) {
          done = true;
          return Status::Ok();
        }
        std::vector<std::int64_t> ids;
        for (const Person& person : expired) {
          ABIS_RETURN_IF_ERROR(store_->DeletePerson(person.id));
          ids.push_back(person.id);
          report.deleted_external_ids.push_back(person.external_id);
        }
        AuditEvent event = EventFor(op, "retention.delete");
        event.object_ids = Ids({{"persons", ids}});
        event.result = {{"reason", "retention period ended before " + today}, {"deleted", ids.size()}};
        if (moved_date) event.result["reference_date_reason"] = request.date_reason;
        ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
        report.deleted += static_cast<std::int64_t>(ids.size());
        ++report.batches;
        return Status::Ok();
      }));
      if (done) break;
      if (progress) progress(report.deleted);
    }
    return Status::Ok();
  };
  if (!any_expired.empty()) ABIS_RETURN_IF_ERROR(EraseWithIndexSnapshots(erase));
  // Probes kept with searches go when their own retention date has passed.
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(report.probes_deleted, store_->DeleteSearchProbes(today, ""));
    if (report.probes_deleted == 0) return Status::Ok();
    AuditEvent event = EventFor(op, "retention.delete_probes");
    event.result = {{"reason", "retention period of kept search probes ended before " + today},
                    {"deleted", report.probes_deleted}};
    if (moved_date) event.result["reference_date_reason"] = request.date_reason;
    return AppendAuditEntry(*store_, event).status();
  }));
  if (report.deleted > 0 || report.probes_deleted > 0) ABIS_RETURN_IF_ERROR(store_->Checkpoint());
  return report;
}

Result<ReextractionReport> AbisSystem::ReextractTemplates(const Operator& op, Modality modality, int batch_size,
                                                          std::int64_t after_sample_id,
                                                          const std::function<void(const ReextractionReport&)>& progress) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReextract, "re-extract templates"));
  if (batch_size < 1 || batch_size > 10000) return Status::InvalidArgument("re-extraction batch size must be 1-10000");
  if (after_sample_id < 0) return Status::InvalidArgument("the sample id to resume after must not be negative");
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(modality));
  const std::string today = TodayUtc();
  ReextractionReport report;
  report.algorithm = engine->algorithm();
  report.last_sample_id = after_sample_id;
  // Replaced ciphertexts leave the WAL on every way out, an error included.
  struct CheckpointOnExit {
    Store& store;
    const ReextractionReport& report;
    ~CheckpointOnExit() {
      if (report.reextracted > 0) (void)store.Checkpoint();
    }
  } checkpoint{*store_, report};
  auto stopped = [&](const Status& status) {
    return status.WithContext("re-extraction stopped; samples up to id " + std::to_string(report.last_sample_id) +
                              " are done, resume with --after-sample " + std::to_string(report.last_sample_id));
  };
  while (true) {
    std::vector<Store::SampleInfo> batch;
    Status listed = store_->Transaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(batch, store_->ListSamplesOfModality(modality, report.last_sample_id, batch_size));
      return Status::Ok();
    });
    if (!listed.ok()) return stopped(listed);
    if (batch.empty()) break;
    // One sample at a time: decrypt (a short read), extract without holding the database, wipe.
    struct Extracted {
      std::size_t index = 0;
      BiometricTemplate biometric_template;
    };
    std::vector<Extracted> extracted;
    std::vector<std::int64_t> failed_samples, failed_persons, expired_samples;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Store::SampleInfo& info = batch[i];
      auto fail = [&](const Status& status) {
        report.failures.push_back({info.id, status.ToString()});
        failed_samples.push_back(info.id);
        failed_persons.push_back(info.person_id);
      };
      Result<Person> owner = store_->GetPerson(info.person_id);
      if (owner.ok() && owner->retention_until < today) {  // due for deletion: not processed again
        expired_samples.push_back(info.id);
        continue;
      }
      if (info.options.is_null()) {
        fail(Status::DataLoss("sample " + std::to_string(info.id) + " has unreadable options"));
        continue;
      }
      SampleInput input;
      input.modality = modality;
      Result<std::vector<std::uint8_t>> bytes = store_->LoadSample(info.id);
      if (bytes.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
      if (!bytes.ok()) {
        fail(bytes.status());
        continue;
      }
      input.bytes = std::move(*bytes);
      input.format_hint = info.format;
      input.position = info.position;
      input.source_name = "sample " + std::to_string(info.id);
      input.options = KeptSampleOptions(*engine, info.options);
      Result<BiometricTemplate> result = engine->Extract(input);
      WipeBytes(input.bytes);
      if (!result.ok()) {
        fail(result.status());
        continue;
      }
      extracted.push_back({i, std::move(*result)});
    }
    std::int64_t replaced_in_batch = 0;
    Status written = store_->Transaction([&]() -> Status {
      std::vector<std::int64_t> persons = failed_persons, samples, new_templates, old_templates;
      for (const Extracted& item : extracted) {
        const std::int64_t sample_id = batch[item.index].id;
        auto replacement = store_->ReplaceSampleTemplates(sample_id, item.biometric_template);
        if (replacement.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        ABIS_RETURN_IF_ERROR(replacement.status());
        persons.push_back(replacement->person_id);  // the owner now, after any move or merge
        samples.push_back(sample_id);
        new_templates.push_back(replacement->template_id);
        old_templates.insert(old_templates.end(), replacement->replaced_ids.begin(), replacement->replaced_ids.end());
      }
      std::sort(persons.begin(), persons.end());
      persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
      AuditEvent event = EventFor(op, "reextract");
      event.object_ids = Ids({{"persons", persons}, {"samples", samples}, {"templates", new_templates}});
      event.result = {{"modality", ModalityName(modality)},
                      {"algorithm", report.algorithm},
                      {"reextracted", samples.size()},
                      {"replaced_templates", old_templates},
                      {"failed_samples", failed_samples},
                      {"skipped_expired_samples", expired_samples},
                      {"through_sample_id", batch.back().id}};
      ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
      replaced_in_batch = static_cast<std::int64_t>(samples.size());
      return Status::Ok();
    });
    if (!written.ok()) return stopped(written);
    report.samples += static_cast<std::int64_t>(batch.size());
    report.reextracted += replaced_in_batch;
    report.skipped_expired += static_cast<std::int64_t>(expired_samples.size());
    report.last_sample_id = batch.back().id;
    ++report.batches;
    if (progress) progress(report);
  }
  return report;
}

Result<SubjectAccessReport> AbisSystem::SubjectReport(const Operator& op, const std::string& external_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kSubjectReport, "produce subject reports"));
  SubjectAccessReport report;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(report.person, store_->FindPerson(external_id));
    ABIS_ASSIGN_OR_RETURN(report.templates, store_->ListTemplates(report.person.id));
    ABIS_ASSIGN_OR_RETURN(report.galleries, store_->GalleriesOfPerson(report.person.id));
    ABIS_ASSIGN_OR_RETURN(auto entries, AuditEntriesForPerson(*store_, report.person.id));
    for (const auto& entry : entries) {
      AuditHistoryLine line{entry.seq,          entry.time,          entry.event.operator_name, entry.event.role,
                            entry.event.action, entry.event.purpose, entry.event.case_ref};
      (entry.event.action == "search" ? report.searches_returning_subject : report.history).push_back(std::move(line));
    }
    AuditEvent event = EventFor(op, "subject.report");
    event.object_ids = Ids({{"persons", {report.person.id}}});
    return AppendAuditEntry(*store_, event).status();
  }));
  return report;
}

}  // namespace abis
