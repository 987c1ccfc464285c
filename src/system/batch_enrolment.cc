// AbisSystem::PrepareNewPerson and CommitNewPersons: the two halves of a batch enrolment
// (abis/system/batch_enrolment.h). One transaction and one audit entry per batch instead of per
// person: the store's commit (an fsync) is what bounded the batch import, not extraction.
#include "abis/system/batch_enrolment.h"

#include <map>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/modality/kinship_evaluator.h"
#include "abis/store/crypto.h"
#include "audit_object_ids.h"
#include "kept_sample_options.h"

namespace abis {
namespace {

std::string SampleName(const SampleInput& sample, std::size_t index) {
  std::string name = "sample " + std::to_string(index + 1);
  if (!sample.source_name.empty()) name += " (" + sample.source_name + ")";
  return name;
}

}  // namespace

bool IsPersonLevelFailure(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kAlreadyExists ||
         status.code() == StatusCode::kFailedPrecondition;
}

namespace {

// The checks of a new person's encounter common to both ways of preparing it.
Status CheckNewPersonRequest(const EncounterEnrolment& request) {
  if (!request.new_person) return Status::InvalidArgument("a batch enrolment creates its persons: no new person given");
  if (request.new_person->external_id != request.person) {
    return Status::InvalidArgument("the new person's id differs from the encounter's person");
  }
  if (request.samples.empty()) return Status::InvalidArgument("an encounter needs at least one sample");
  if (request.samples.size() > kMaxSamplesPerEncounter) {
    return Status::InvalidArgument("an encounter holds at most " + std::to_string(kMaxSamplesPerEncounter) +
                                   " samples, not " + std::to_string(request.samples.size()));
  }
  const Person& person = *request.new_person;
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(person.external_id, "person id", 200));
  // The store keeps records whose date has passed (until retention runs); a new one must not start so.
  if (person.retention_until.size() >= 10 && person.retention_until.substr(0, 10) < TodayUtc()) {
    return Status::InvalidArgument("retention date " + EscapeForDisplay(person.retention_until) +
                                   " is in the past (today is " + TodayUtc() + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<PreparedPerson> AbisSystem::PrepareNewPersonWithTemplates(const Operator& op, EncounterEnrolment request,
                                                                 std::vector<BiometricTemplate> templates) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  ABIS_RETURN_IF_ERROR(Require(op, Action::kAddPerson, "add persons"));
  ABIS_RETURN_IF_ERROR(CheckNewPersonRequest(request));
  if (templates.size() != request.samples.size()) {
    return Status::InvalidArgument("one template per sample is needed: " + std::to_string(request.samples.size()) +
                                   " samples, " + std::to_string(templates.size()) + " templates");
  }
  PreparedPerson prepared;
  for (std::size_t i = 0; i < request.samples.size(); ++i) {
    const SampleInput& sample = request.samples[i];
    BiometricTemplate& biometric_template = templates[i];
    ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(sample.modality));
    if (biometric_template.modality != sample.modality || biometric_template.algorithm != engine->algorithm() ||
        biometric_template.position != sample.position) {
      return Status::InvalidArgument("the template is not one of the " + std::string(ModalityName(sample.modality)) +
                                     " engine '" + engine->algorithm() + "' for this sample's position")
          .WithContext(SampleName(sample, i))
          .WithContext("nothing was enrolled");
    }
    Result<Comparison> itself = engine->Compare(biometric_template, biometric_template);
    if (!itself.ok()) return itself.status().WithContext(SampleName(sample, i)).WithContext("nothing was enrolled");
    prepared.templates.push_back(std::move(biometric_template));
    prepared.kept_options.push_back(KeptSampleOptions(*engine, sample.options));
    prepared.sample_sha256.push_back(Sha256Hex(sample.bytes));
  }
  prepared.request = std::move(request);
  return prepared;
}

Result<PreparedPerson> AbisSystem::PrepareNewPerson(const Operator& op, EncounterEnrolment request) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  ABIS_RETURN_IF_ERROR(Require(op, Action::kAddPerson, "add persons"));
  ABIS_RETURN_IF_ERROR(CheckNewPersonRequest(request));
  const Person& person = *request.new_person;
  PreparedPerson prepared;
  for (std::size_t i = 0; i < request.samples.size(); ++i) {
    const SampleInput& sample = request.samples[i];
    ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(sample.modality));
    // A family reference's sample says whom it was collected for and how the person relates.
    if (person.category == PersonCategory::kMissingPersonReference && engine->kinship() != nullptr) {
      Status relative = engine->kinship()->ValidateRelativeOptions(sample.options, /*required=*/true);
      if (!relative.ok()) return relative.WithContext(SampleName(sample, i)).WithContext("nothing was enrolled");
    }
    Result<BiometricTemplate> extracted = engine->Extract(sample);
    if (!extracted.ok())
      return extracted.status().WithContext(SampleName(sample, i)).WithContext("nothing was enrolled");
    prepared.templates.push_back(std::move(extracted).value());
    prepared.kept_options.push_back(KeptSampleOptions(*engine, sample.options));
    prepared.sample_sha256.push_back(Sha256Hex(sample.bytes));
  }
  prepared.request = std::move(request);
  return prepared;
}

Result<std::vector<std::string>> AbisSystem::ListPendingDedup(const Operator& op, const std::string& gallery,
                                                              std::int64_t after_person_id, int limit,
                                                              std::int64_t* last_person_id) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  if (limit < 1 || limit > 10000) return Status::InvalidArgument("the limit must be 1-10000");
  std::vector<std::string> out;
  ABIS_RETURN_IF_ERROR(store_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Gallery found, store_->FindGalleryWithoutMemberCount(gallery));
    ABIS_ASSIGN_OR_RETURN(auto markers, store_->ListPendingDedup(found.id, after_person_id, limit));
    for (const Store::PendingDedup& marker : markers) {
      out.push_back(marker.external_id);
      if (last_person_id != nullptr) *last_person_id = marker.person_id;
    }
    return Status::Ok();
  }));
  return out;
}

Result<NewPersonsCommit> AbisSystem::CommitNewPersons(const Operator& op, const std::vector<PreparedPerson>& persons,
                                                      const NewPersonsBatch& batch) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  ABIS_RETURN_IF_ERROR(Require(op, Action::kAddPerson, "add persons"));
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(batch.case_ref, "case reference", 128));
  NewPersonsCommit commit;
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    commit = NewPersonsCommit();
    commit.outcomes.assign(persons.size(), Status::Ok());
    commit.person_ids.assign(persons.size(), 0);
    ABIS_ASSIGN_OR_RETURN(Gallery gallery, store_->FindGalleryWithoutMemberCount(batch.gallery));
    if (gallery.kind == GalleryKind::kWatchlist) {
      return Status::FailedPrecondition("enrolment cannot add to watchlist '" + batch.gallery + "'");
    }
    std::vector<std::int64_t> person_ids, encounter_ids, sample_ids, template_ids;
    std::vector<std::string> hashes;
    std::map<std::string, std::int64_t> modalities, categories;
    std::size_t left_out = 0;
    for (std::size_t p = 0; p < persons.size(); ++p) {
      const PreparedPerson& prepared = persons[p];
      const EncounterEnrolment& request = prepared.request;
      std::vector<std::int64_t> samples, templates;
      std::int64_t encounter_id = 0;
      Person person = *request.new_person;
      Status stored = store_->Savepoint([&]() -> Status {
        ABIS_RETURN_IF_ERROR(store_->AddPerson(person));
        Encounter encounter;
        encounter.person_id = person.id;
        encounter.external_id = request.encounter_id;
        encounter.kind = request.encounter_kind;
        encounter.source_agency = request.source_agency;
        encounter.operator_id = op.user_id;
        ABIS_ASSIGN_OR_RETURN(encounter_id, store_->AddEncounter(encounter));
        for (std::size_t i = 0; i < request.samples.size(); ++i) {
          const SampleInput& sample = request.samples[i];
          Result<std::int64_t> sample_id =
              store_->AddSample(encounter_id, person.id, sample.modality, sample.format_hint, sample.position,
                                sample.bytes, prepared.kept_options[i]);
          if (!sample_id.ok()) return sample_id.status().WithContext(SampleName(sample, i));
          Result<std::int64_t> template_id = store_->AddTemplate(*sample_id, person.id, prepared.templates[i]);
          if (!template_id.ok()) return template_id.status().WithContext(SampleName(sample, i));
          samples.push_back(*sample_id);
          templates.push_back(*template_id);
        }
        ABIS_RETURN_IF_ERROR(store_->AddGalleryMember(gallery.id, person.id));
        if (batch.pending_dedup_fmr) {
          Store::PendingDedup marker;
          marker.person_id = person.id;
          marker.gallery_id = gallery.id;
          marker.case_ref = batch.case_ref;
          marker.target_fmr = *batch.pending_dedup_fmr;
          ABIS_RETURN_IF_ERROR(store_->AddPendingDedup(marker));
        }
        return Status::Ok();
      });
      if (!stored.ok()) {
        // A failure of the store itself (I/O, corruption, a full disk) fails the whole batch.
        if (!IsPersonLevelFailure(stored)) return stored.WithContext("person '" + request.person + "'");
        commit.outcomes[p] = stored.WithContext("person '" + request.person + "'");
        ++left_out;
        continue;
      }
      commit.person_ids[p] = person.id;
      person_ids.push_back(person.id);
      encounter_ids.push_back(encounter_id);
      sample_ids.insert(sample_ids.end(), samples.begin(), samples.end());
      template_ids.insert(template_ids.end(), templates.begin(), templates.end());
      hashes.insert(hashes.end(), prepared.sample_sha256.begin(), prepared.sample_sha256.end());
      for (const SampleInput& sample : request.samples) ++modalities[std::string(ModalityName(sample.modality))];
      ++categories[std::string(PersonCategoryName(person.category))];
    }
    if (person_ids.empty()) return Status::Ok();  // nobody was created: nothing to audit
    AuditEvent event = EventFor(op, "enrol.batch");
    event.case_ref = batch.case_ref;
    event.object_ids = Ids({{"persons", person_ids},
                            {"encounters", encounter_ids},
                            {"samples", sample_ids},
                            {"templates", template_ids},
                            {"galleries", {gallery.id}}});
    event.input_sha256 = std::move(hashes);
    event.result = {{"persons", person_ids.size()}, {"samples", sample_ids.size()},
                    {"modalities", modalities},     {"categories", categories},
                    {"left_out", left_out},         {"pending_dedup", batch.pending_dedup_fmr.has_value()}};
    ABIS_ASSIGN_OR_RETURN(AuditEntry entry, AppendAuditEntry(*store_, event));
    commit.audit_seq = entry.seq;
    return Status::Ok();
  }));
  return commit;
}

}  // namespace abis
