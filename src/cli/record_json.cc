#include "record_json.h"

namespace abis::cli {
namespace {

nlohmann::json TemplateJson(const TemplateInfo& info, bool with_sample) {
  nlohmann::json out = {{with_sample ? "template_id" : "id", info.id}};
  if (with_sample) out["sample_id"] = info.sample_id;
  out["modality"] = ModalityName(info.modality);
  out["algorithm"] = info.algorithm;
  out["position"] = FingerPositionName(info.position);
  out["quality"] = info.quality;
  out["created_at"] = info.created_at;
  return out;
}

nlohmann::json HistoryJson(const std::vector<AuditHistoryLine>& lines) {
  nlohmann::json out = nlohmann::json::array();
  for (const AuditHistoryLine& line : lines) {
    out.push_back({{"seq", line.seq},
                   {"time", line.time},
                   {"operator", line.operator_name},
                   {"role", line.role},
                   {"action", line.action},
                   {"purpose", line.purpose},
                   {"case_ref", line.case_ref}});
  }
  return out;
}

}  // namespace

nlohmann::json PersonJson(const Person& person) {
  return {{"id", person.id},
          {"external_id", person.external_id},
          {"category", PersonCategoryName(person.category)},
          {"given_name", person.given_name},
          {"family_name", person.family_name},
          {"date_of_birth", person.date_of_birth},
          {"sex", person.sex},
          {"legal_basis", person.legal_basis},
          {"retention_until", person.retention_until},
          {"created_at", person.created_at}};
}

nlohmann::json PersonRecordJson(const PersonRecord& record) {
  nlohmann::json out = PersonJson(record.person);
  out["galleries"] = record.galleries;
  out["templates"] = nlohmann::json::array();
  for (const TemplateInfo& info : record.templates) out["templates"].push_back(TemplateJson(info, false));
  return out;
}

nlohmann::json PersonEncountersJson(const PersonEncounters& encounters) {
  nlohmann::json items = nlohmann::json::array();
  for (const EncounterRecord& record : encounters.encounters) {
    nlohmann::json templates = nlohmann::json::array();
    for (const TemplateInfo& info : record.templates) templates.push_back(TemplateJson(info, true));
    const Encounter& encounter = record.encounter;
    items.push_back({{"encounter_id", encounter.external_id},
                     {"id", encounter.id},
                     {"kind", encounter.kind},
                     {"captured_at", encounter.captured_at},
                     {"source_agency", encounter.source_agency},
                     {"status", encounter.active ? "active" : "inactive"},
                     {"templates", templates}});
  }
  return {{"person_id", encounters.person.id},
          {"external_id", encounters.person.external_id},
          {"galleries", encounters.galleries},
          {"encounters", items}};
}

nlohmann::json SubjectAccessReportJson(const SubjectAccessReport& report) {
  nlohmann::json templates = nlohmann::json::array();
  for (const TemplateInfo& info : report.templates) {
    nlohmann::json item = TemplateJson(info, false);
    item.erase("quality");  // the report lists what is held, not the engines' measures
    templates.push_back(std::move(item));
  }
  return {{"person", PersonJson(report.person)},
          {"galleries", report.galleries},
          {"templates", templates},
          {"searches_returning_subject", HistoryJson(report.searches_returning_subject)},
          {"history", HistoryJson(report.history)}};
}

}  // namespace abis::cli
