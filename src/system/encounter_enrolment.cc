// AbisSystem::EnrolEncounter: one encounter of a person from several samples, the one way every
// front end (CLI, OSIA, MOSIP, ANSI/NIST import) enrols.
#include "abis/system/abis_system.h"

namespace abis {
namespace {

// An engine's refusal of one sample (no face, too few minutiae, a bad image) as opposed to a
// failure of the system (I/O, a missing engine, corrupt data).
bool IsSampleRejection(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kResourceExhausted ||
         status.code() == StatusCode::kFailedPrecondition;
}

std::string SampleName(const SampleInput& sample, std::size_t index) {
  std::string name = "sample " + std::to_string(index + 1);
  if (!sample.source_name.empty()) name += " (" + sample.source_name + ")";
  return name;
}

}  // namespace

Status AbisSystem::CheckAgainstStored(const EncounterEnrolment& request,
                                      std::vector<std::pair<std::size_t, BiometricTemplate>>& extracted,
                                      std::vector<SampleRejection>& rejected) {
  std::vector<BiometricTemplate> stored;
  if (!request.new_person) {
    if (auto person = store_->FindPerson(request.person); person.ok()) {
      ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store_->ListActiveTemplates(person->id));
      for (const TemplateInfo& info : templates) {
        ABIS_ASSIGN_OR_RETURN(BiometricTemplate one, store_->LoadTemplate(info.id));
        stored.push_back(std::move(one));
      }
    }
  }
  ABIS_ASSIGN_OR_RETURN(std::vector<SampleRejection> refused, request.check_against_stored(stored, extracted));
  if (refused.empty()) return Status::Ok();
  if (request.rejected_samples == EncounterEnrolment::RejectedSamples::kRefuseAll) {
    std::string why;
    for (const SampleRejection& one : refused) why += (why.empty() ? "" : "; ") + one.status.message();
    return Status::FailedPrecondition(why + "; nothing was enrolled");
  }
  for (SampleRejection& one : refused) {
    std::erase_if(extracted, [&](const auto& entry) { return entry.first == one.index; });
    rejected.push_back(std::move(one));
  }
  return Status::Ok();
}

Result<EncounterEnrolmentResult> AbisSystem::EnrolEncounter(const Operator& op, const EncounterEnrolment& request) {
  ABIS_RETURN_IF_ERROR(Require(op, Action::kEnrol, "enrol samples"));
  if (request.new_person) ABIS_RETURN_IF_ERROR(Require(op, Action::kAddPerson, "add persons"));
  if (request.samples.empty()) return Status::InvalidArgument("an encounter needs at least one sample");
  if (request.samples.size() > kMaxSamplesPerEncounter) {
    return Status::InvalidArgument("an encounter holds at most " + std::to_string(kMaxSamplesPerEncounter) +
                                   " samples, not " + std::to_string(request.samples.size()));
  }
  if (request.new_person && request.new_person->external_id != request.person) {
    return Status::InvalidArgument("the new person's id differs from the encounter's person");
  }

  // Extraction is slow and needs no lock: every sample is extracted before the write transaction.
  EncounterEnrolmentResult result;
  std::vector<std::pair<std::size_t, BiometricTemplate>> extracted;
  for (std::size_t i = 0; i < request.samples.size(); ++i) {
    const SampleInput& sample = request.samples[i];
    ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(sample.modality));
    Result<BiometricTemplate> biometric_template = engine->Extract(sample);
    if (biometric_template.ok()) {
      extracted.emplace_back(i, std::move(biometric_template).value());
      continue;
    }
    Status why = biometric_template.status().WithContext(SampleName(sample, i));
    if (request.rejected_samples == EncounterEnrolment::RejectedSamples::kRefuseAll ||
        !IsSampleRejection(biometric_template.status())) {
      return why.WithContext("nothing was enrolled");
    }
    result.rejected.push_back({i, why});
  }
  if (extracted.empty()) return result;  // kSkip and every sample rejected: nothing is stored

  // One transaction: the person (when new), the encounter and every sample, or nothing.
  ABIS_RETURN_IF_ERROR(store_->Transaction([&]() -> Status {
    if (request.check_against_stored) {
      ABIS_RETURN_IF_ERROR(CheckAgainstStored(request, extracted, result.rejected));
      if (extracted.empty()) return Status::Ok();  // kSkip and every sample refused: nothing is stored
    }
    if (request.new_person) {
      if (store_->FindPerson(request.person).ok()) {
        return Status::AlreadyExists("person '" + request.person + "' already exists");
      }
      ABIS_RETURN_IF_ERROR(AddPerson(op, *request.new_person, request.case_ref).status());
      result.person_created = true;
    }
    for (std::size_t n = 0; n < extracted.size(); ++n) {
      auto& [index, biometric_template] = extracted[n];
      EnrolRequest sample;
      sample.person = request.person;
      sample.sample = request.samples[index];
      sample.encounter_id = n == 0 ? request.encounter_id : result.encounter_external_id;
      sample.join_encounter = n > 0;
      sample.encounter_kind = request.encounter_kind;
      sample.source_agency = request.source_agency;
      sample.case_ref = request.case_ref;
      if (n == 0) sample.galleries = request.galleries;
      auto stored = StoreEnrolment(op, sample, std::move(biometric_template));
      if (!stored.ok()) return stored.status().WithContext(SampleName(request.samples[index], index));
      if (n == 0) {
        result.person_id = stored->person_id;
        result.encounter_id = stored->encounter_id;
        ABIS_ASSIGN_OR_RETURN(auto encounters, store_->ListEncounters(stored->person_id));
        for (const Encounter& encounter : encounters) {
          if (encounter.id == stored->encounter_id) result.encounter_external_id = encounter.external_id;
        }
      }
      result.samples.push_back(std::move(stored).value());
    }
    return Status::Ok();
  }));
  return result;
}

}  // namespace abis
