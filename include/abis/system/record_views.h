// What the system answers about stored records and 1:1 comparisons, as typed values: the CLI
// printer (src/cli/record_json.h) and the OSIA/MOSIP mappers turn them into their own JSON, so
// that a renamed field is a compile error and not a silent default.
// Thread-safety: value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "abis/core/modality.h"
#include "abis/store/records.h"

namespace abis {

// A person with the metadata of their templates and the galleries they belong to
// (AbisSystem::ShowPerson). Template data is never included.
struct PersonRecord {
  Person person;
  std::vector<std::string> galleries;
  std::vector<TemplateInfo> templates;  // every encounter's, active or not, by template id
};

struct EncounterRecord {
  Encounter encounter;
  std::vector<TemplateInfo> templates;  // by template id
};

// A person's encounters (AbisSystem::ReadEncounters), or one of them (ReadEncounter).
struct PersonEncounters {
  Person person;
  std::vector<std::string> galleries;
  std::vector<EncounterRecord> encounters;  // by encounter id
};

// One audited action that concerned a person, as a subject access report lists it.
struct AuditHistoryLine {
  std::int64_t seq = 0;
  std::string time;
  std::string operator_name;
  std::string role;
  std::string action;
  std::string purpose;
  std::string case_ref;
};

// Everything held about a person and every audited action that concerned them
// (AbisSystem::SubjectReport).
struct SubjectAccessReport {
  Person person;
  std::vector<std::string> galleries;
  std::vector<TemplateInfo> templates;
  std::vector<AuditHistoryLine> searches_returning_subject;  // audit action "search"
  std::vector<AuditHistoryLine> history;                     // every other action
};

// The best pair of one (modality, finger position) in a 1:1 comparison.
struct ComparedGroup {
  Modality modality = Modality::kFace;
  FingerPosition position = FingerPosition::kUnknown;
  double score = 0.0;
  double threshold = 0.0;               // the score at the request's operating point
  double log_lr = 0.0;                  // calibrated, natural log
  bool match = false;                   // score >= threshold
  std::size_t references_compared = 0;  // stored templates compared (verification only)
};

}  // namespace abis
