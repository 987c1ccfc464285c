// The CLI's JSON for the system's typed record views (abis/system/record_views.h): the shape
// `--json` prints, stable for scripts.
#pragma once

#include <nlohmann/json.hpp>

#include "abis/system/record_views.h"

namespace abis::cli {

// {id, external_id, category, given_name, family_name, date_of_birth, sex, legal_basis,
//  retention_until, created_at}
nlohmann::json PersonJson(const Person& person);
// A person with their galleries and template metadata (`abis person show`).
nlohmann::json PersonRecordJson(const PersonRecord& record);
// {person_id, external_id, galleries, encounters: [{encounter_id, id, kind, captured_at,
//  source_agency, status, templates: [...]}]} (`abis encounter list`).
nlohmann::json PersonEncountersJson(const PersonEncounters& encounters);
// {person, galleries, templates, searches_returning_subject, history} (`abis subject report`).
nlohmann::json SubjectAccessReportJson(const SubjectAccessReport& report);

}  // namespace abis::cli
