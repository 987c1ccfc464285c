// AbisSystem: encounter management and identity corrections (OSIA CRUD, merge, move).
#include <algorithm>
#include <set>

#include "abis/core/time.h"
#include "abis/system/abis_system.h"
#include "audit_object_ids.h"

namespace abis {
Result<std::pair<Person, Encounter>> AbisSystem::FindPersonEncounter(const std::string& person,
                                                                    const std::string& encounter) {
  ABIS_ASSIGN_OR_RETURN(Person found, store_->FindPerson(person));
  auto record = store_->FindEncounter(found.id, encounter);
  if (!record.ok()) return record.status().WithContext("person '" + person + "'");
  return std::make_pair(std::move(found), std::move(record).value());
}

Result<PersonEncounters> AbisSystem::ReadEncounters(const Operator& op, const std::string& person) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read encounters"));
  PersonEncounters out;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(out.person, store_->FindPerson(person));
    ABIS_ASSIGN_OR_RETURN(out.galleries, store_->GalleriesOfPerson(out.person.id));
    ABIS_ASSIGN_OR_RETURN(auto encounters, store_->ListEncounters(out.person.id));
    std::vector<std::int64_t> ids;
    for (Encounter& encounter : encounters) {
      ABIS_ASSIGN_OR_RETURN(auto templates, store_->ListEncounterTemplates(encounter.id));
      ids.push_back(encounter.id);
      out.encounters.push_back({std::move(encounter), std::move(templates)});
    }
    AuditEvent event = EventFor(op, "encounter.read");
    event.object_ids = Ids({{"persons", {out.person.id}}, {"encounters", ids}});
    return AppendAuditEntry(*store_, event).status();
  }));
  return out;
}

Result<PersonEncounters> AbisSystem::ReadEncounter(const Operator& op, const std::string& person,
                                                   const std::string& encounter) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "read encounters"));
  PersonEncounters out;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found_encounter, FindPersonEncounter(person, encounter));
    auto& [found, record] = found_encounter;
    ABIS_ASSIGN_OR_RETURN(auto templates, store_->ListEncounterTemplates(record.id));
    ABIS_ASSIGN_OR_RETURN(out.galleries, store_->GalleriesOfPerson(found.id));
    AuditEvent event = EventFor(op, "encounter.read");
    event.object_ids = Ids({{"persons", {found.id}}, {"encounters", {record.id}}});
    out.person = std::move(found);
    out.encounters.push_back({std::move(record), std::move(templates)});
    return AppendAuditEntry(*store_, event).status();
  }));
  return out;
}

Result<bool> AbisSystem::OnActiveWatchlist(std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries, store_->ListGalleriesWithoutMemberCount());
  std::string now = NowUtcIso8601();
  for (const Gallery& gallery : galleries) {
    if (gallery.kind != GalleryKind::kWatchlist) continue;
    ABIS_ASSIGN_OR_RETURN(auto entries, store_->ActiveWatchlistEntries(gallery.id, person_id, now));
    if (!entries.empty()) return true;
  }
  return false;
}

Status AbisSystem::RequireWatchlistAuthority(const Operator& op, const std::string& person, const std::string& what) {
  ABIS_ASSIGN_OR_RETURN(Person found, store_->FindPerson(person));
  ABIS_ASSIGN_OR_RETURN(bool watched, OnActiveWatchlist(found.id));
  if (!watched) return Status::Ok();
  return Require(op, Action::kManageGalleries, what + " of a person on an active watchlist");
}

Status AbisSystem::SetEncounterActive(const Operator& op, const std::string& person, const std::string& encounter,
                                      bool active) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "change encounters"));
  // Deactivating would silently stop a watchlist's alerts: only those who manage watchlists may.
  if (!active) ABIS_RETURN_IF_ERROR(RequireWatchlistAuthority(op, person, "deactivate an encounter"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found_encounter, FindPersonEncounter(person, encounter));
    const auto& [found, record] = found_encounter;
    ABIS_RETURN_IF_ERROR(store_->SetEncounterActive(record.id, active));
    AuditEvent event = EventFor(op, "encounter.status");
    event.object_ids = Ids({{"persons", {found.id}}, {"encounters", {record.id}}});
    event.result = {{"status", active ? "active" : "inactive"}, {"was", record.active ? "active" : "inactive"}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Result<std::vector<EnrolResult>> AbisSystem::ReplaceEncounter(const Operator& op, const std::string& person,
                                                              const std::string& encounter,
                                                              const std::vector<SampleInput>& samples) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "change encounters"));
  if (samples.empty()) return Status::InvalidArgument("an encounter update needs at least one sample");
  ABIS_RETURN_IF_ERROR(RequireWatchlistAuthority(op, person, "replace an encounter"));
  // Every sample is extracted before anything changes: a bad one leaves the encounter as it was.
  ABIS_ASSIGN_OR_RETURN(std::vector<ExtractedSample> extracted, ExtractSamples(samples, "sample"));
  std::vector<EnrolResult> results;
  ABIS_RETURN_IF_ERROR(EraseWithIndexSnapshots([&]() {
    return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found_encounter, FindPersonEncounter(person, encounter));
    const auto& [found, record] = found_encounter;
    ABIS_ASSIGN_OR_RETURN(auto old_templates, store_->ListEncounterTemplates(record.id));
    ABIS_RETURN_IF_ERROR(store_->ClearEncounter(record.id));
    AuditEvent event = EventFor(op, "encounter.update");
    event.object_ids = Ids({{"persons", {found.id}}, {"encounters", {record.id}}});
    event.result = {{"templates_erased", old_templates.size()}, {"samples_added", samples.size()}};
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(*store_, event).status());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      EnrolRequest request;
      request.person = person;
      request.sample = samples[i];
      request.encounter_id = encounter;
      request.join_encounter = true;
      request.encounter_kind = record.kind;
      ABIS_ASSIGN_OR_RETURN(EnrolResult enrolled, StoreEnrolment(op, request, extracted[i].biometric_template));
      results.push_back(std::move(enrolled));
    }
    return Status::Ok();
    });
  }));
  ABIS_RETURN_IF_ERROR(store_->Checkpoint());
  return results;
}

Status AbisSystem::DeleteEncounter(const Operator& op, const std::string& person, const std::string& encounter,
                                   const std::string& reason, bool delete_person_when_empty) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kDeletePerson, "delete encounters"));
  if (reason.empty()) return Status::InvalidArgument("deleting an encounter needs a reason");
  ABIS_RETURN_IF_ERROR(EraseWithIndexSnapshots([&]() {
    return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found_encounter, FindPersonEncounter(person, encounter));
    const auto& [found, record] = found_encounter;
    ABIS_ASSIGN_OR_RETURN(auto templates, store_->ListEncounterTemplates(record.id));
    ABIS_RETURN_IF_ERROR(store_->DeleteEncounter(record.id));
    ABIS_ASSIGN_OR_RETURN(auto remaining, store_->ListEncounters(found.id));
    bool delete_person = delete_person_when_empty && remaining.empty();
    if (delete_person) ABIS_RETURN_IF_ERROR(store_->DeletePerson(found.id));
    AuditEvent event = EventFor(op, "encounter.delete");
    event.object_ids = Ids({{"persons", {found.id}}, {"encounters", {record.id}}});
    event.result = {{"reason", reason},
                    {"encounter", record.external_id},
                    {"templates_erased", templates.size()},
                    {"person_deleted", delete_person}};
    return AppendAuditEntry(*store_, event).status();
    });
  }));
  return store_->Checkpoint();
}

Status AbisSystem::MoveEncounter(const Operator& op, const std::string& source, const std::string& encounter,
                                 const std::string& target) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kMergeRecords, "move encounters between persons"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found_encounter, FindPersonEncounter(source, encounter));
    const auto& [from, record] = found_encounter;
    ABIS_ASSIGN_OR_RETURN(Person to, store_->FindPerson(target));
    ABIS_RETURN_IF_ERROR(store_->MoveEncounter(record.id, to.id));
    AuditEvent event = EventFor(op, "encounter.move");
    event.object_ids = Ids({{"persons", {from.id, to.id}}, {"encounters", {record.id}}});
    event.result = {{"from", from.external_id}, {"to", to.external_id}, {"encounter", record.external_id}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Status AbisSystem::MergePersons(const Operator& op, const std::string& source, const std::string& target) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kMergeRecords, "merge persons"));
  if (source == target) return Status::InvalidArgument("a person cannot be merged into itself");
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person from, store_->FindPerson(source));
    ABIS_ASSIGN_OR_RETURN(Person to, store_->FindPerson(target));
    ABIS_ASSIGN_OR_RETURN(auto encounters, store_->ListEncounters(from.id));
    ABIS_RETURN_IF_ERROR(store_->MergePersonInto(from.id, to.id));
    ABIS_ASSIGN_OR_RETURN(Person merged, store_->GetPerson(to.id));
    std::vector<std::int64_t> moved;
    for (const Encounter& encounter : encounters) moved.push_back(encounter.id);
    AuditEvent event = EventFor(op, "person.merge");
    event.object_ids = Ids({{"persons", {from.id, to.id}}, {"encounters", moved}});
    // The source's record is deleted: its legal basis, category and retention stay on record here.
    event.result = {{"from", from.external_id},
                    {"into", to.external_id},
                    {"encounters_moved", moved.size()},
                    {"retention_until", merged.retention_until},
                    {"source_category", PersonCategoryName(from.category)},
                    {"source_legal_basis", from.legal_basis},
                    {"source_retention_until", from.retention_until},
                    {"target_category", PersonCategoryName(to.category)}};
    return AppendAuditEntry(*store_, event).status();
  });
}

Result<std::vector<GalleryMember>> AbisSystem::ListGalleryMembers(const Operator& op, const std::string& gallery,
                                                                  std::int64_t after_person_id, int limit) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kReadPerson, "list gallery members"));
  if (limit < 1 || limit > 10000) return Status::InvalidArgument("list limit must be 1-10000");
  std::vector<GalleryMember> members;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery found, store_->FindGalleryWithoutMemberCount(gallery));
    ABIS_ASSIGN_OR_RETURN(auto rows, store_->ListGalleryMembers(found.id, after_person_id, limit));
    for (const auto& [person_id, external_id] : rows) {
      GalleryMember member{person_id, external_id, {}};
      ABIS_ASSIGN_OR_RETURN(auto encounters, store_->ListEncounters(person_id));
      for (const Encounter& encounter : encounters) {
        if (encounter.active) member.active_encounters.push_back(encounter.external_id);
      }
      members.push_back(std::move(member));
    }
    AuditEvent event = EventFor(op, "gallery.members");
    event.object_ids = Ids({{"galleries", {found.id}}});
    event.result = {{"after_person_id", after_person_id}, {"returned", members.size()}};
    return AppendAuditEntry(*store_, event).status();
  }));
  return members;
}

Status AbisSystem::SetPersonGalleries(const Operator& op, const std::string& person,
                                      const std::vector<std::string>& galleries) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kManageGalleries, "change galleries"));
  return store_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person found, store_->FindPerson(person));
    std::set<std::int64_t> wanted;
    for (const std::string& name : galleries) {
      ABIS_ASSIGN_OR_RETURN(Gallery gallery, store_->FindGalleryWithoutMemberCount(name));
      if (gallery.kind == GalleryKind::kWatchlist) {
        return Status::FailedPrecondition("persons join watchlist '" + name +
                                          "' through a watchlist entry (authority reference, reason, expiry)");
      }
      wanted.insert(gallery.id);
    }
    ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> all, store_->ListGalleriesWithoutMemberCount());
    ABIS_ASSIGN_OR_RETURN(std::vector<std::string> current, store_->GalleriesOfPerson(found.id));
    std::vector<std::int64_t> added;
    std::vector<std::int64_t> removed;
    for (const Gallery& gallery : all) {
      if (gallery.kind == GalleryKind::kWatchlist) continue;
      bool member = std::find(current.begin(), current.end(), gallery.name) != current.end();
      if (wanted.contains(gallery.id) && !member) {
        ABIS_RETURN_IF_ERROR(store_->AddGalleryMember(gallery.id, found.id));
        added.push_back(gallery.id);
      } else if (!wanted.contains(gallery.id) && member) {
        ABIS_RETURN_IF_ERROR(store_->RemoveGalleryMember(gallery.id, found.id));
        removed.push_back(gallery.id);
      }
    }
    AuditEvent event = EventFor(op, "gallery.set");
    event.object_ids = Ids({{"persons", {found.id}}});
    event.result = {{"added", added}, {"removed", removed}};
    return AppendAuditEntry(*store_, event).status();
  });
}

}  // namespace abis
