#include "sql/sql_store.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <string>

#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "sql/sealed_contexts.h"
#include "sql/sql_audit_rows.h"

namespace abis {
namespace {

Person ReadPerson(const SqlStatement& row) {
  Person person;
  person.id = row.ColumnInt(0);
  person.external_id = row.ColumnText(1);
  auto category = ParsePersonCategory(row.ColumnText(2));
  person.category = category.ok() ? *category : PersonCategory::kUnknown;
  person.given_name = row.ColumnText(3);
  person.family_name = row.ColumnText(4);
  person.date_of_birth = row.ColumnText(5);
  person.sex = row.ColumnText(6);
  person.legal_basis = row.ColumnText(7);
  person.retention_until = row.ColumnText(8);
  person.created_at = row.ColumnText(9);
  return person;
}

constexpr const char* kPersonColumns =
    "id, external_id, category, given_name, family_name, date_of_birth, sex, legal_basis, retention_until, "
    "created_at";

Result<std::vector<Person>> QueryPersons(SqlConnection& db, const std::string& sql,
                                         const std::function<void(SqlStatement&)>& bind) {
  ABIS_ASSIGN_OR_RETURN(auto statement, db.Prepare(sql));
  bind(statement);
  std::vector<Person> persons;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    persons.push_back(ReadPerson(statement));
  }
  return persons;
}

Result<std::vector<TemplateInfo>> QueryTemplates(SqlConnection& db, const std::string& where,
                                                 const std::function<void(SqlStatement&)>& bind) {
  ABIS_ASSIGN_OR_RETURN(auto statement,
                        db.Prepare("SELECT t.id, t.person_id, t.sample_id, t.modality, t.algorithm, t.position, "
                                   "t.quality, t.created_at, " +
                                   db.HexPrefixExpression("t.sealed", 24) + " FROM templates t " + where));
  bind(statement);
  std::vector<TemplateInfo> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    TemplateInfo info;
    info.id = statement.ColumnInt(0);
    info.person_id = statement.ColumnInt(1);
    info.sample_id = statement.ColumnInt(2);
    ABIS_ASSIGN_OR_RETURN(info.modality, ParseModality(statement.ColumnText(3)));
    info.algorithm = statement.ColumnText(4);
    ABIS_ASSIGN_OR_RETURN(info.position, FingerPositionFromCode(static_cast<int>(statement.ColumnInt(5))));
    info.quality = nlohmann::json::parse(statement.ColumnText(6), nullptr, false);
    if (info.quality.is_discarded()) info.quality = nlohmann::json::object();
    info.created_at = statement.ColumnText(7);
    info.seal_id = statement.ColumnText(8);
    out.push_back(std::move(info));
  }
  return out;
}

Status ValidatePerson(const Person& person) {
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(person.external_id, "person id", 200));
  if (person.legal_basis.empty()) {
    return Status::InvalidArgument("person '" + person.external_id + "' has no legal basis; every record needs one");
  }
  ABIS_RETURN_IF_ERROR(ValidateFreeText(person.legal_basis, "legal basis of person '" + person.external_id + "'", 500,
                                        /*required=*/true));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(person.given_name, "given name", 200, /*required=*/false));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(person.family_name, "family name", 200, /*required=*/false));
  ABIS_RETURN_IF_ERROR(ValidateIsoDate(person.retention_until, "retention date"));
  if (!person.date_of_birth.empty()) ABIS_RETURN_IF_ERROR(ValidateIsoDate(person.date_of_birth, "date of birth"));
  if (!person.sex.empty() && person.sex != "F" && person.sex != "M" && person.sex != "X") {
    return Status::InvalidArgument("sex '" + person.sex + "' must be F, M, X or empty");
  }
  return Status::Ok();
}

}  // namespace

Status SqlStore::AddPerson(Person& person) {
  ABIS_RETURN_IF_ERROR(ValidatePerson(person));
  if (FindPerson(person.external_id).ok()) {
    return Status::AlreadyExists("person '" + person.external_id + "' already exists");
  }
  person.created_at = NowUtcIso8601();
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO persons (id, external_id, category, given_name, family_name, "
                                     "date_of_birth, sex, legal_basis, retention_until, created_at) "
                                     "VALUES ((SELECT next FROM id_counters WHERE name = 'persons'), "
                                     "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, person.external_id)
      .Bind(2, PersonCategoryName(person.category))
      .Bind(3, person.given_name)
      .Bind(4, person.family_name)
      .Bind(5, person.date_of_birth)
      .Bind(6, person.sex)
      .Bind(7, person.legal_basis)
      .Bind(8, person.retention_until)
      .Bind(9, person.created_at);
  ABIS_ASSIGN_OR_RETURN(person.id, insert.RunReturningId());
  return Status::Ok();
}

Result<Person> SqlStore::GetPerson(std::int64_t id) {
  ABIS_ASSIGN_OR_RETURN(auto persons,
                        QueryPersons(*db_, std::string("SELECT ") + kPersonColumns + " FROM persons WHERE id = ?",
                                     [&](SqlStatement& s) { s.Bind(1, id); }));
  if (persons.empty()) return Status::NotFound("no person with id " + std::to_string(id));
  return persons.front();
}

Result<Person> SqlStore::FindPerson(std::string_view external_id) {
  ABIS_ASSIGN_OR_RETURN(
      auto persons, QueryPersons(*db_, std::string("SELECT ") + kPersonColumns + " FROM persons WHERE external_id = ?",
                                 [&](SqlStatement& s) { s.Bind(1, external_id); }));
  if (persons.empty()) return Status::NotFound("no person '" + std::string(external_id) + "'");
  return persons.front();
}

Result<std::vector<Person>> SqlStore::ListPersons(std::int64_t after_id, int limit) {
  return QueryPersons(*db_, std::string("SELECT ") + kPersonColumns + " FROM persons WHERE id > ? ORDER BY id LIMIT ?",
                      [&](SqlStatement& s) { s.Bind(1, after_id).Bind(2, limit); });
}

Result<std::vector<Person>> SqlStore::ListExpiredPersons(std::string_view date, int limit) {
  return QueryPersons(*db_,
                      std::string("SELECT ") + kPersonColumns +
                          " FROM persons WHERE retention_until < ? ORDER BY retention_until, id LIMIT ?",
                      [&](SqlStatement& s) { s.Bind(1, date).Bind(2, limit); });
}

Status SqlStore::EraseThenCheckpoint(const std::function<Status()>& erase) {
  const bool commits_here = !db_->InTransaction();
  ABIS_RETURN_IF_ERROR(db_->Transaction(erase));
  // Best effort: the erasure has committed whatever the checkpoint does (see Checkpoint).
  if (commits_here) (void)Checkpoint();
  return Status::Ok();
}

Status SqlStore::DeletePerson(std::int64_t id) {
  return EraseThenCheckpoint([&]() -> Status {
    ABIS_RETURN_IF_ERROR(GetPerson(id).status());
    // Explicit deletes (not only ON DELETE CASCADE) keep the order obvious: ciphertexts and
    // wrapped keys first. secure_delete overwrites the freed pages.
    for (const char* sql :
         {"DELETE FROM templates WHERE person_id = ?", "DELETE FROM samples WHERE person_id = ?",
          "DELETE FROM encounters WHERE person_id = ?", "DELETE FROM watchlist_entries WHERE person_id = ?",
          "DELETE FROM gallery_members WHERE person_id = ?", "DELETE FROM persons WHERE id = ?"}) {
      ABIS_ASSIGN_OR_RETURN(auto statement, db_->Prepare(sql));
      statement.Bind(1, id);
      ABIS_RETURN_IF_ERROR(statement.Run());
    }
    return Status::Ok();
  });
}

Result<std::int64_t> SqlStore::AddEncounter(const Encounter& encounter) {
  ABIS_RETURN_IF_ERROR(ValidateEncounterKind(encounter.kind));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(encounter.source_agency, "source agency", 200, /*required=*/false));
  if (!encounter.external_id.empty()) {
    ABIS_RETURN_IF_ERROR(ValidateEncounterExternalId(encounter.external_id));
    if (FindEncounter(encounter.person_id, encounter.external_id).ok()) {
      return Status::AlreadyExists("the person already has an encounter '" + encounter.external_id + "'");
    }
  }
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO encounters (id, person_id, kind, captured_at, source_agency, "
                                     "operator_id, external_id, status) VALUES ((SELECT next FROM "
                                     "id_counters WHERE name = 'encounters'), ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, encounter.person_id)
      .Bind(2, encounter.kind)
      .Bind(3, encounter.captured_at.empty() ? NowUtcIso8601() : encounter.captured_at)
      .Bind(4, encounter.source_agency)
      .Bind(5, encounter.operator_id);
  if (encounter.external_id.empty()) {
    insert.BindNull(6);
  } else {
    insert.Bind(6, encounter.external_id);
  }
  insert.Bind(7, encounter.active ? "active" : "inactive");
  ABIS_ASSIGN_OR_RETURN(const std::int64_t id, insert.RunReturningId());
  if (encounter.external_id.empty()) {
    // The row id in decimal; should the caller already have chosen that id for this person, a
    // suffix keeps it unique.
    std::string generated = std::to_string(id);
    for (int suffix = 1; FindEncounter(encounter.person_id, generated).ok(); ++suffix) {
      generated = std::to_string(id) + "-" + std::to_string(suffix);
    }
    ABIS_ASSIGN_OR_RETURN(auto name, db_->Prepare("UPDATE encounters SET external_id = ? WHERE id = ?"));
    name.Bind(1, generated).Bind(2, id);
    ABIS_RETURN_IF_ERROR(name.Run());
  }
  return id;
}

namespace {

constexpr const char* kEncounterColumns =
    "id, person_id, external_id, kind, captured_at, source_agency, operator_id, status";

Result<std::vector<Encounter>> QueryEncounters(SqlConnection& db, const std::string& where,
                                               const std::function<void(SqlStatement&)>& bind) {
  ABIS_ASSIGN_OR_RETURN(auto statement,
                        db.Prepare(std::string("SELECT ") + kEncounterColumns + " FROM encounters " + where));
  bind(statement);
  std::vector<Encounter> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    Encounter encounter;
    encounter.id = statement.ColumnInt(0);
    encounter.person_id = statement.ColumnInt(1);
    encounter.external_id = statement.ColumnText(2);
    encounter.kind = statement.ColumnText(3);
    encounter.captured_at = statement.ColumnText(4);
    encounter.source_agency = statement.ColumnText(5);
    encounter.operator_id = statement.ColumnInt(6);
    encounter.active = statement.ColumnText(7) == "active";
    out.push_back(std::move(encounter));
  }
  return out;
}

Status RunWithId(SqlConnection& db, const char* sql, std::int64_t id) {
  ABIS_ASSIGN_OR_RETURN(auto statement, db.Prepare(sql));
  statement.Bind(1, id);
  return statement.Run();
}

Status RunWithIds(SqlConnection& db, const char* sql, std::int64_t first, std::int64_t second) {
  ABIS_ASSIGN_OR_RETURN(auto statement, db.Prepare(sql));
  statement.Bind(1, first).Bind(2, second);
  return statement.Run();
}

}  // namespace

Result<Encounter> SqlStore::FindEncounter(std::int64_t person_id, std::string_view external_id) {
  ABIS_ASSIGN_OR_RETURN(auto found,
                        QueryEncounters(*db_, "WHERE person_id = ? AND external_id = ?",
                                        [&](SqlStatement& s) { s.Bind(1, person_id).Bind(2, external_id); }));
  if (found.empty()) return Status::NotFound("no encounter '" + std::string(external_id) + "' of this person");
  return found.front();
}

Result<std::vector<Encounter>> SqlStore::ListEncounters(std::int64_t person_id) {
  return QueryEncounters(*db_, "WHERE person_id = ? ORDER BY id", [&](SqlStatement& s) { s.Bind(1, person_id); });
}

Status SqlStore::SetEncounterActive(std::int64_t encounter_id, bool active) {
  ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE encounters SET status = ? WHERE id = ?"));
  update.Bind(1, active ? "active" : "inactive").Bind(2, encounter_id);
  ABIS_RETURN_IF_ERROR(update.Run());
  if (db_->Changes() == 0) return Status::NotFound("no encounter with id " + std::to_string(encounter_id));
  return Status::Ok();
}

Status SqlStore::ClearEncounter(std::int64_t encounter_id) {
  return EraseThenCheckpoint([&]() -> Status {
    ABIS_RETURN_IF_ERROR(RunWithId(*db_,
                                   "DELETE FROM templates WHERE sample_id IN (SELECT id FROM samples WHERE "
                                   "encounter_id = ?)",
                                   encounter_id));
    return RunWithId(*db_, "DELETE FROM samples WHERE encounter_id = ?", encounter_id);
  });
}

Status SqlStore::DeleteEncounter(std::int64_t encounter_id) {
  return EraseThenCheckpoint([&]() -> Status {
    ABIS_RETURN_IF_ERROR(ClearEncounter(encounter_id));
    ABIS_RETURN_IF_ERROR(RunWithId(*db_, "DELETE FROM encounters WHERE id = ?", encounter_id));
    if (db_->Changes() == 0) return Status::NotFound("no encounter with id " + std::to_string(encounter_id));
    return Status::Ok();
  });
}

Status SqlStore::ResealSample(std::int64_t sample_id, std::int64_t person_id, std::int64_t encounter_id) {
  ABIS_ASSIGN_OR_RETURN(auto sample_query, db_->Prepare("SELECT modality, format, position FROM samples WHERE id = ?"));
  sample_query.Bind(1, sample_id);
  ABIS_ASSIGN_OR_RETURN(bool row, sample_query.Step());
  if (!row) return Status::NotFound("no sample with id " + std::to_string(sample_id));
  ABIS_ASSIGN_OR_RETURN(Modality modality, ParseModality(sample_query.ColumnText(0)));
  std::string format = sample_query.ColumnText(1);
  ABIS_ASSIGN_OR_RETURN(FingerPosition position, FingerPositionFromCode(static_cast<int>(sample_query.ColumnInt(2))));
  ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, LoadSample(sample_id));
  ABIS_ASSIGN_OR_RETURN(SealedRecord sealed,
                        Seal(key_, bytes, SampleContext(person_id, encounter_id, modality, format, position)));
  ABIS_ASSIGN_OR_RETURN(auto update,
                        db_->Prepare("UPDATE samples SET person_id = ?, encounter_id = ?, wrapped_key = ?, "
                                     "sealed = ? WHERE id = ?"));
  update.Bind(1, person_id)
      .Bind(2, encounter_id)
      .BindBlob(3, sealed.wrapped_key)
      .BindBlob(4, sealed.ciphertext)
      .Bind(5, sample_id);
  ABIS_RETURN_IF_ERROR(update.Run());
  ABIS_ASSIGN_OR_RETURN(auto templates, QueryTemplates(*db_, "WHERE t.sample_id = ? ORDER BY t.id",
                                                       [&](SqlStatement& s) { s.Bind(1, sample_id); }));
  for (const TemplateInfo& info : templates) {
    ABIS_ASSIGN_OR_RETURN(BiometricTemplate plain, LoadTemplate(info.id));
    ABIS_ASSIGN_OR_RETURN(
        SealedRecord resealed,
        Seal(key_, plain.data, TemplateContext(person_id, sample_id, plain.modality, plain.algorithm, plain.position)));
    ABIS_ASSIGN_OR_RETURN(auto move, db_->Prepare("UPDATE templates SET person_id = ?, wrapped_key = ?, sealed = ? "
                                                  "WHERE id = ?"));
    move.Bind(1, person_id).BindBlob(2, resealed.wrapped_key).BindBlob(3, resealed.ciphertext).Bind(4, info.id);
    ABIS_RETURN_IF_ERROR(move.Run());
  }
  return Status::Ok();
}

Status SqlStore::MoveEncounter(std::int64_t encounter_id, std::int64_t target_person_id) {
  return db_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto found,
                          QueryEncounters(*db_, "WHERE id = ?", [&](SqlStatement& s) { s.Bind(1, encounter_id); }));
    if (found.empty()) return Status::NotFound("no encounter with id " + std::to_string(encounter_id));
    const Encounter& encounter = found.front();
    ABIS_RETURN_IF_ERROR(GetPerson(target_person_id).status());
    if (encounter.person_id == target_person_id) return Status::Ok();
    if (FindEncounter(target_person_id, encounter.external_id).ok()) {
      return Status::AlreadyExists("the target person already has an encounter '" + encounter.external_id + "'");
    }
    ABIS_RETURN_IF_ERROR(
        RunWithIds(*db_, "UPDATE encounters SET person_id = ? WHERE id = ?", target_person_id, encounter_id));
    ABIS_ASSIGN_OR_RETURN(auto samples, db_->Prepare("SELECT id FROM samples WHERE encounter_id = ? ORDER BY id"));
    samples.Bind(1, encounter_id);
    std::vector<std::int64_t> sample_ids;
    while (true) {
      ABIS_ASSIGN_OR_RETURN(bool row, samples.Step());
      if (!row) break;
      sample_ids.push_back(samples.ColumnInt(0));
    }
    for (std::int64_t sample_id : sample_ids) {
      ABIS_RETURN_IF_ERROR(ResealSample(sample_id, target_person_id, encounter_id));
    }
    return Status::Ok();
  });
}

Status SqlStore::MergePersonInto(std::int64_t source_id, std::int64_t target_id) {
  if (source_id == target_id) return Status::InvalidArgument("a person cannot be merged into itself");
  return db_->Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(Person source, GetPerson(source_id));
    ABIS_ASSIGN_OR_RETURN(Person target, GetPerson(target_id));
    ABIS_ASSIGN_OR_RETURN(std::vector<Encounter> encounters, ListEncounters(source_id));
    for (const Encounter& encounter : encounters) {
      if (FindEncounter(target_id, encounter.external_id).ok()) {
        return Status::AlreadyExists("both persons have an encounter '" + encounter.external_id +
                                     "'; nothing was merged");
      }
    }
    for (const Encounter& encounter : encounters) ABIS_RETURN_IF_ERROR(MoveEncounter(encounter.id, target_id));
    for (const char* sql : {
             "INSERT INTO gallery_members (gallery_id, person_id, added_at) "
             "SELECT gallery_id, ?1, added_at FROM gallery_members WHERE person_id = ?2 ON CONFLICT DO NOTHING",
             "UPDATE watchlist_entries SET person_id = ?1 WHERE person_id = ?2",
             "UPDATE search_candidates SET person_id = ?1 WHERE person_id = ?2",
             "UPDATE watchlist_alerts SET person_id = ?1 WHERE person_id = ?2",
             "INSERT INTO audit_subjects (seq, person_id) SELECT seq, ?1 FROM audit_subjects WHERE person_id "
             "= ?2 ON CONFLICT DO NOTHING",
         }) {
      ABIS_RETURN_IF_ERROR(RunWithIds(*db_, sql, target_id, source_id));
    }
    // Both records may have been watched under the same authority reference: keep the earliest
    // entry, end the others (one hit must raise one alert per warrant).
    ABIS_ASSIGN_OR_RETURN(auto duplicates,
                          db_->Prepare("UPDATE watchlist_entries AS w SET ended_at = ?2, ended_by = 'merge', "
                                       "end_reason = 'merged: the same authority reference as an earlier entry' "
                                       "WHERE w.person_id = ?1 AND w.ended_at IS NULL AND EXISTS (SELECT 1 FROM "
                                       "watchlist_entries o WHERE o.person_id = ?1 AND o.gallery_id = w.gallery_id "
                                       "AND o.authority_reference = w.authority_reference AND o.ended_at IS NULL "
                                       "AND o.id < w.id)"));
    duplicates.Bind(1, target_id).Bind(2, NowUtcIso8601());
    ABIS_RETURN_IF_ERROR(duplicates.Run());
    if (source.retention_until < target.retention_until) {
      ABIS_ASSIGN_OR_RETURN(auto retention, db_->Prepare("UPDATE persons SET retention_until = ? WHERE id = ?"));
      retention.Bind(1, source.retention_until).Bind(2, target_id);
      ABIS_RETURN_IF_ERROR(retention.Run());
    }
    ABIS_RETURN_IF_ERROR(RunWithId(*db_, "DELETE FROM gallery_members WHERE person_id = ?", source_id));
    return RunWithId(*db_, "DELETE FROM persons WHERE id = ?", source_id);
  });
}

Result<std::int64_t> SqlStore::AddSample(std::int64_t encounter_id, std::int64_t person_id, Modality modality,
                                         std::string_view format, FingerPosition position,
                                         std::span<const std::uint8_t> bytes, const nlohmann::json& options) {
  if (!options.is_object()) return Status::InvalidArgument("sample options must be a JSON object");
  const std::string options_text = options.dump();
  if (options_text.size() > kMaxSampleOptionsBytes) {
    return Status::InvalidArgument("sample options take " + std::to_string(options_text.size()) + " bytes, more than " +
                                   std::to_string(kMaxSampleOptionsBytes));
  }
  ABIS_ASSIGN_OR_RETURN(SealedRecord sealed,
                        Seal(key_, bytes, SampleContext(person_id, encounter_id, modality, format, position)));
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO samples (id, encounter_id, person_id, modality, format, "
                                                  "position, wrapped_key, sealed, created_at, options) "
                                                  "VALUES ((SELECT next FROM id_counters WHERE name = 'samples'), "
                                                  "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, encounter_id)
      .Bind(2, person_id)
      .Bind(3, ModalityName(modality))
      .Bind(4, format)
      .Bind(5, static_cast<int>(position))
      .BindBlob(6, sealed.wrapped_key)
      .BindBlob(7, sealed.ciphertext)
      .Bind(8, NowUtcIso8601())
      .Bind(9, options_text);
  return insert.RunReturningId();
}

Result<std::int64_t> SqlStore::AddTemplate(std::int64_t sample_id, std::int64_t person_id,
                                           const BiometricTemplate& biometric_template) {
  if (biometric_template.algorithm.empty()) return Status::InvalidArgument("template has no algorithm id");
  ABIS_ASSIGN_OR_RETURN(SealedRecord sealed,
                        Seal(key_, biometric_template.data,
                             TemplateContext(person_id, sample_id, biometric_template.modality,
                                             biometric_template.algorithm, biometric_template.position)));
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO templates (id, sample_id, person_id, modality, algorithm, "
                                     "position, quality, wrapped_key, sealed, created_at) "
                                     "VALUES ((SELECT next FROM id_counters WHERE name = 'templates'), "
                                     "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, sample_id)
      .Bind(2, person_id)
      .Bind(3, ModalityName(biometric_template.modality))
      .Bind(4, biometric_template.algorithm)
      .Bind(5, static_cast<int>(biometric_template.position))
      .Bind(6, biometric_template.quality.dump())
      .BindBlob(7, sealed.wrapped_key)
      .BindBlob(8, sealed.ciphertext)
      .Bind(9, NowUtcIso8601());
  return insert.RunReturningId();
}

Result<std::vector<TemplateInfo>> SqlStore::ListTemplates(std::int64_t person_id) {
  return QueryTemplates(*db_, "WHERE t.person_id = ? ORDER BY t.id", [&](SqlStatement& s) { s.Bind(1, person_id); });
}

Result<std::vector<TemplateInfo>> SqlStore::ListActiveTemplates(std::int64_t person_id) {
  return QueryTemplates(*db_,
                        "JOIN samples s ON s.id = t.sample_id JOIN encounters e ON e.id = s.encounter_id "
                        "WHERE t.person_id = ? AND e.status = 'active' ORDER BY t.id",
                        [&](SqlStatement& s) { s.Bind(1, person_id); });
}

Result<std::vector<TemplateInfo>> SqlStore::ListGalleryTemplates(std::int64_t gallery_id, Modality modality) {
  return QueryTemplates(*db_,
                        "JOIN gallery_members m ON m.person_id = t.person_id JOIN samples s ON s.id = t.sample_id "
                        "JOIN encounters e ON e.id = s.encounter_id WHERE m.gallery_id = ? AND t.modality = ? "
                        "AND e.status = 'active' ORDER BY t.id",
                        [&](SqlStatement& s) { s.Bind(1, gallery_id).Bind(2, ModalityName(modality)); });
}

std::string GalleryTemplatesOfPersonsClause(std::size_t persons) {
  std::string in = "?";
  for (std::size_t i = 1; i < persons; ++i) in += ", ?";
  return "JOIN gallery_members m ON m.person_id = t.person_id JOIN samples s ON s.id = t.sample_id "
         "JOIN encounters e ON e.id = s.encounter_id WHERE m.gallery_id = ? AND t.modality || '' = ? "
         "AND e.status = 'active' AND t.person_id IN (" +
         in + ")";
}

Result<std::vector<TemplateInfo>> SqlStore::ListGalleryTemplatesOfPersons(std::int64_t gallery_id, Modality modality,
                                                                          const std::vector<std::int64_t>& person_ids) {
  // In chunks, so that no statement exceeds a back end's limit on bound values.
  constexpr std::size_t kChunk = 500;
  std::vector<TemplateInfo> out;
  for (std::size_t first = 0; first < person_ids.size(); first += kChunk) {
    const std::size_t count = std::min(kChunk, person_ids.size() - first);
    ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> chunk,
                          QueryTemplates(*db_, GalleryTemplatesOfPersonsClause(count), [&](SqlStatement& s) {
                            s.Bind(1, gallery_id).Bind(2, ModalityName(modality));
                            for (std::size_t i = 0; i < count; ++i)
                              s.Bind(static_cast<int>(3 + i), person_ids[first + i]);
                          }));
    std::move(chunk.begin(), chunk.end(), std::back_inserter(out));
  }
  std::sort(out.begin(), out.end(), [](const TemplateInfo& a, const TemplateInfo& b) { return a.id < b.id; });
  out.erase(
      std::unique(out.begin(), out.end(), [](const TemplateInfo& a, const TemplateInfo& b) { return a.id == b.id; }),
      out.end());
  return out;
}

Result<std::vector<std::int64_t>> SqlStore::ListPersonsChangedSince(std::int64_t since_generation) {
  if (since_generation < 0) {
    return Status::InvalidArgument("gallery generation " + std::to_string(since_generation) + " is negative");
  }
  ABIS_ASSIGN_OR_RETURN(auto start, db_->Prepare("SELECT generation FROM gallery_changes_start WHERE id = 1"));
  ABIS_ASSIGN_OR_RETURN(bool row, start.Step());
  if (!row) return Status::DataLoss("the gallery_changes_start row is missing");
  if (since_generation < start.ColumnInt(0)) {
    return Status::FailedPrecondition("the gallery change log starts after generation " +
                                      std::to_string(start.ColumnInt(0)) + ", not at " +
                                      std::to_string(since_generation));
  }
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT DISTINCT person_id FROM gallery_changes WHERE generation > ? "
                                                 "ORDER BY person_id"));
  query.Bind(1, since_generation);
  std::vector<std::int64_t> persons;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool more, query.Step());
    if (!more) break;
    persons.push_back(query.ColumnInt(0));
  }
  return persons;
}

Result<std::vector<TemplateInfo>> SqlStore::ListEncounterTemplates(std::int64_t encounter_id) {
  return QueryTemplates(*db_, kEncounterTemplatesClause, [&](SqlStatement& s) {
    s.Bind(1, encounter_id);
    s.Bind(2, encounter_id);
  });
}

DerivedKey SqlStore::IndexSnapshotKey() const { return DeriveKey(key_, "abisgidx", 1); }

Result<std::int64_t> SqlStore::GalleryGeneration() {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT value FROM gallery_generation WHERE id = 1"));
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::DataLoss("the gallery_generation row is missing");
  return query.ColumnInt(0);
}

Result<BiometricTemplate> SqlStore::LoadTemplate(std::int64_t template_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT person_id, sample_id, modality, algorithm, position, quality, "
                                                 "wrapped_key, sealed FROM templates WHERE id = ?"));
  query.Bind(1, template_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no template with id " + std::to_string(template_id));
  BiometricTemplate out;
  ABIS_ASSIGN_OR_RETURN(out.modality, ParseModality(query.ColumnText(2)));
  out.algorithm = query.ColumnText(3);
  ABIS_ASSIGN_OR_RETURN(out.position, FingerPositionFromCode(static_cast<int>(query.ColumnInt(4))));
  out.quality = nlohmann::json::parse(query.ColumnText(5), nullptr, false);
  if (out.quality.is_discarded()) out.quality = nlohmann::json::object();
  SealedRecord sealed{query.ColumnBlob(6), query.ColumnBlob(7)};
  auto plaintext = Unseal(
      key_, sealed, TemplateContext(query.ColumnInt(0), query.ColumnInt(1), out.modality, out.algorithm, out.position));
  if (!plaintext.ok()) return plaintext.status().WithContext("template " + std::to_string(template_id));
  out.data = std::move(plaintext).value();
  return out;
}

Result<std::vector<std::uint8_t>> SqlStore::LoadSample(std::int64_t sample_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT person_id, encounter_id, modality, format, position, "
                                                 "wrapped_key, sealed FROM samples WHERE id = ?"));
  query.Bind(1, sample_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no sample with id " + std::to_string(sample_id));
  ABIS_ASSIGN_OR_RETURN(Modality modality, ParseModality(query.ColumnText(2)));
  ABIS_ASSIGN_OR_RETURN(FingerPosition position, FingerPositionFromCode(static_cast<int>(query.ColumnInt(4))));
  SealedRecord sealed{query.ColumnBlob(5), query.ColumnBlob(6)};
  auto plaintext = Unseal(
      key_, sealed, SampleContext(query.ColumnInt(0), query.ColumnInt(1), modality, query.ColumnText(3), position));
  if (!plaintext.ok()) return plaintext.status().WithContext("sample " + std::to_string(sample_id));
  return plaintext;
}

namespace {

constexpr const char* kSampleInfoColumns =
    "SELECT id, person_id, encounter_id, modality, format, position, options "
    "FROM samples ";

Result<std::vector<Store::SampleInfo>> ReadSampleInfos(SqlStatement& query) {
  std::vector<Store::SampleInfo> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    Store::SampleInfo info;
    info.id = query.ColumnInt(0);
    info.person_id = query.ColumnInt(1);
    info.encounter_id = query.ColumnInt(2);
    ABIS_ASSIGN_OR_RETURN(info.modality, ParseModality(query.ColumnText(3)));
    info.format = query.ColumnText(4);
    ABIS_ASSIGN_OR_RETURN(info.position, FingerPositionFromCode(static_cast<int>(query.ColumnInt(5))));
    info.options = nlohmann::json::parse(query.ColumnText(6), nullptr, false);
    if (!info.options.is_object()) info.options = nullptr;  // one damaged row must not hide the others
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

Result<std::vector<Store::SampleInfo>> SqlStore::ListSamples(std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string(kSampleInfoColumns) + "WHERE person_id = ? ORDER BY id"));
  query.Bind(1, person_id);
  return ReadSampleInfos(query);
}

Result<std::vector<Store::SampleInfo>> SqlStore::ListSamplesOfModality(Modality modality, std::int64_t after_sample_id,
                                                                       int limit) {
  if (limit < 1) return Status::InvalidArgument("sample batch size must be at least 1");
  ABIS_ASSIGN_OR_RETURN(
      auto query, db_->Prepare(std::string(kSampleInfoColumns) + "WHERE modality = ? AND id > ? ORDER BY id LIMIT ?"));
  query.Bind(1, ModalityName(modality)).Bind(2, after_sample_id).Bind(3, limit);
  return ReadSampleInfos(query);
}

Result<Store::TemplateReplacement> SqlStore::ReplaceSampleTemplates(std::int64_t sample_id,
                                                                    const BiometricTemplate& biometric_template) {
  TemplateReplacement replacement;
  ABIS_ASSIGN_OR_RETURN(auto owner, db_->Prepare("SELECT person_id FROM samples WHERE id = ?"));
  owner.Bind(1, sample_id);
  ABIS_ASSIGN_OR_RETURN(bool row, owner.Step());
  if (!row) return Status::NotFound("no sample with id " + std::to_string(sample_id));
  replacement.person_id = owner.ColumnInt(0);
  ABIS_ASSIGN_OR_RETURN(auto old, db_->Prepare("SELECT id FROM templates WHERE sample_id = ? ORDER BY id"));
  old.Bind(1, sample_id);
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool more, old.Step());
    if (!more) break;
    replacement.replaced_ids.push_back(old.ColumnInt(0));
  }
  ABIS_RETURN_IF_ERROR(RunWithId(*db_, "DELETE FROM templates WHERE sample_id = ?", sample_id));
  ABIS_ASSIGN_OR_RETURN(replacement.template_id, AddTemplate(sample_id, replacement.person_id, biometric_template));
  return replacement;
}

Result<std::int64_t> SqlStore::CountSamples(std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT count(*) FROM samples WHERE person_id = ?"));
  query.Bind(1, person_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.ColumnInt(0) : 0;
}

Result<std::int64_t> SqlStore::CreateGallery(const Gallery& gallery) {
  ABIS_RETURN_IF_ERROR(ValidateIdentifier(gallery.name, "gallery name", 100));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(gallery.description, "gallery description", 1000, /*required=*/false));
  if (FindGalleryWithoutMemberCount(gallery.name).ok())
    return Status::AlreadyExists("gallery '" + gallery.name + "' already exists");
  ABIS_ASSIGN_OR_RETURN(
      auto insert,
      db_->Prepare("INSERT INTO galleries (name, kind, description, created_at) VALUES (?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, gallery.name)
      .Bind(2, GalleryKindName(gallery.kind))
      .Bind(3, gallery.description)
      .Bind(4, NowUtcIso8601());
  return insert.RunReturningId();
}

namespace {

// One gallery by name; its members counted when `counted` (else member_count is -1).
Result<Gallery> FindGalleryRow(SqlConnection& db, std::string_view name, bool counted) {
  ABIS_ASSIGN_OR_RETURN(auto query,
                        db.Prepare(counted ? "SELECT g.id, g.name, g.kind, g.description, (SELECT count(*) FROM "
                                             "gallery_members m WHERE m.gallery_id = g.id) FROM galleries g "
                                             "WHERE g.name = ?"
                                           : "SELECT g.id, g.name, g.kind, g.description, -1 FROM galleries g "
                                             "WHERE g.name = ?"));
  query.Bind(1, name);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no gallery '" + std::string(name) + "'");
  Gallery gallery;
  gallery.id = query.ColumnInt(0);
  gallery.name = query.ColumnText(1);
  ABIS_ASSIGN_OR_RETURN(gallery.kind, ParseGalleryKind(query.ColumnText(2)));
  gallery.description = query.ColumnText(3);
  gallery.member_count = query.ColumnInt(4);
  return gallery;
}

Result<std::vector<Gallery>> ListGalleryRows(SqlConnection& db, bool counted) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare("SELECT name FROM galleries ORDER BY name"));
  std::vector<std::string> names;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    names.push_back(query.ColumnText(0));
  }
  std::vector<Gallery> out;
  for (const auto& name : names) {
    ABIS_ASSIGN_OR_RETURN(Gallery gallery, FindGalleryRow(db, name, counted));
    out.push_back(std::move(gallery));
  }
  return out;
}

}  // namespace

Result<Gallery> SqlStore::FindGallery(std::string_view name) { return FindGalleryRow(*db_, name, /*counted=*/true); }

Result<std::vector<Gallery>> SqlStore::ListGalleries() { return ListGalleryRows(*db_, /*counted=*/true); }

Result<Gallery> SqlStore::FindGalleryWithoutMemberCount(std::string_view name) {
  return FindGalleryRow(*db_, name, /*counted=*/false);
}

Result<std::vector<Gallery>> SqlStore::ListGalleriesWithoutMemberCount() {
  return ListGalleryRows(*db_, /*counted=*/false);
}

Status SqlStore::AddGalleryMember(std::int64_t gallery_id, std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO gallery_members (gallery_id, person_id, "
                                                  "added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
  insert.Bind(1, gallery_id).Bind(2, person_id).Bind(3, NowUtcIso8601());
  return insert.Run();
}

Status SqlStore::RemoveGalleryMember(std::int64_t gallery_id, std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto remove,
                        db_->Prepare("DELETE FROM gallery_members WHERE gallery_id = ? AND person_id = ?"));
  remove.Bind(1, gallery_id).Bind(2, person_id);
  ABIS_RETURN_IF_ERROR(remove.Run());
  if (db_->Changes() == 0) {
    return Status::NotFound("person " + std::to_string(person_id) + " is not in gallery " + std::to_string(gallery_id));
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::int64_t, std::string>>> SqlStore::ListGalleryMembers(std::int64_t gallery_id,
                                                                                       std::int64_t after_person_id,
                                                                                       int limit) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT p.id, p.external_id FROM gallery_members m JOIN persons p ON "
                                                 "p.id = m.person_id WHERE m.gallery_id = ? AND p.id > ? ORDER BY p.id "
                                                 "LIMIT ?"));
  query.Bind(1, gallery_id).Bind(2, after_person_id).Bind(3, limit);
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    out.emplace_back(query.ColumnInt(0), query.ColumnText(1));
  }
  return out;
}

Result<std::vector<std::string>> SqlStore::GalleriesOfPerson(std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT g.name FROM galleries g JOIN gallery_members m ON "
                                                 "m.gallery_id = g.id WHERE m.person_id = ? ORDER BY g.name"));
  query.Bind(1, person_id);
  std::vector<std::string> names;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    names.push_back(query.ColumnText(0));
  }
  return names;
}

Result<std::int64_t> SqlStore::AddWatchlistEntry(const WatchlistEntry& entry, std::string_view today) {
  ABIS_RETURN_IF_ERROR(
      ValidateFreeText(entry.authority_reference, "watchlist authority reference", 200, /*required=*/true));
  ABIS_RETURN_IF_ERROR(ValidateFreeText(entry.reason, "watchlist reason", 1000, /*required=*/true));
  ABIS_RETURN_IF_ERROR(ValidateIsoDate(entry.expires_at, "watchlist expiry"));
  // A date only: the entry stops alerting at the start of that day (UTC), as listings say.
  if (entry.expires_at.size() != 10) return Status::InvalidArgument("watchlist expiry must be a date YYYY-MM-DD");
  if (entry.expires_at <= today.substr(0, 10)) {
    return Status::InvalidArgument("watchlist expiry " + entry.expires_at + " is not after today (" +
                                   std::string(today.substr(0, 10)) + "): the entry would never alert");
  }
  ABIS_ASSIGN_OR_RETURN(std::vector<WatchlistEntry> active,
                        ActiveWatchlistEntries(entry.gallery_id, entry.person_id, NowUtcIso8601()));
  for (const WatchlistEntry& existing : active) {
    if (existing.authority_reference == entry.authority_reference) {
      return Status::AlreadyExists("watchlist entry " + std::to_string(existing.id) +
                                   " already holds this person on this watchlist under the same authority reference");
    }
  }
  ABIS_RETURN_IF_ERROR(AddGalleryMember(entry.gallery_id, entry.person_id));
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO watchlist_entries (gallery_id, person_id, "
                                                  "authority_reference, reason, expires_at, created_at) "
                                                  "VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, entry.gallery_id)
      .Bind(2, entry.person_id)
      .Bind(3, entry.authority_reference)
      .Bind(4, entry.reason)
      .Bind(5, entry.expires_at)
      .Bind(6, NowUtcIso8601());
  return insert.RunReturningId();
}

namespace {

constexpr const char* kWatchlistColumns =
    "w.id, w.gallery_id, w.person_id, w.authority_reference, w.reason, w.expires_at, w.created_at, "
    "w.ended_at, w.ended_by, w.end_reason, p.external_id";

WatchlistEntry WatchlistEntryFromRow(SqlStatement& query) {
  WatchlistEntry entry;
  entry.id = query.ColumnInt(0);
  entry.gallery_id = query.ColumnInt(1);
  entry.person_id = query.ColumnInt(2);
  entry.authority_reference = query.ColumnText(3);
  entry.reason = query.ColumnText(4);
  entry.expires_at = query.ColumnText(5);
  entry.created_at = query.ColumnText(6);
  entry.ended_at = query.ColumnOptionalText(7).value_or("");
  entry.ended_by = query.ColumnOptionalText(8).value_or("");
  entry.end_reason = query.ColumnOptionalText(9).value_or("");
  entry.person_external_id = query.ColumnText(10);
  return entry;
}

}  // namespace

Result<std::vector<WatchlistEntry>> SqlStore::ListWatchlistEntries(std::int64_t gallery_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string("SELECT ") + kWatchlistColumns +
                                                 " FROM watchlist_entries w JOIN persons p ON p.id = w.person_id "
                                                 "WHERE w.gallery_id = ? ORDER BY w.id"));
  query.Bind(1, gallery_id);
  std::vector<WatchlistEntry> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    out.push_back(WatchlistEntryFromRow(query));
  }
  return out;
}

Result<WatchlistEntry> SqlStore::GetWatchlistEntry(std::int64_t entry_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string("SELECT ") + kWatchlistColumns +
                                                 " FROM watchlist_entries w JOIN persons p ON p.id = w.person_id "
                                                 "WHERE w.id = ?"));
  query.Bind(1, entry_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no watchlist entry with id " + std::to_string(entry_id));
  return WatchlistEntryFromRow(query);
}

Status SqlStore::EndWatchlistEntry(const WatchlistEntry& entry, std::string_view now, std::string_view operator_name,
                                   std::string_view reason) {
  const std::int64_t entry_id = entry.id;
  if (!entry.ended_at.empty()) {
    return Status::FailedPrecondition("watchlist entry " + std::to_string(entry_id) + " already ended at " +
                                      entry.ended_at);
  }
  ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE watchlist_entries SET ended_at = ?, ended_by = ?, "
                                                  "end_reason = ? WHERE id = ? AND ended_at IS NULL"));
  update.Bind(1, std::string(now)).Bind(2, std::string(operator_name)).Bind(3, std::string(reason)).Bind(4, entry_id);
  ABIS_RETURN_IF_ERROR(update.Run());
  ABIS_ASSIGN_OR_RETURN(std::vector<WatchlistEntry> still_active,
                        ActiveWatchlistEntries(entry.gallery_id, entry.person_id, now));
  if (!still_active.empty()) return Status::Ok();
  Status left = RemoveGalleryMember(entry.gallery_id, entry.person_id);
  return left.code() == StatusCode::kNotFound ? Status::Ok() : left;
}

Result<std::vector<WatchlistEntry>> SqlStore::ActiveWatchlistEntries(std::int64_t gallery_id, std::int64_t person_id,
                                                                     std::string_view now) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT id, authority_reference, reason, expires_at FROM "
                                                 "watchlist_entries WHERE gallery_id = ? AND person_id = ? AND "
                                                 "expires_at > ? AND ended_at IS NULL ORDER BY id"));
  query.Bind(1, gallery_id).Bind(2, person_id).Bind(3, now);
  std::vector<WatchlistEntry> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    WatchlistEntry entry;
    entry.id = query.ColumnInt(0);
    entry.gallery_id = gallery_id;
    entry.person_id = person_id;
    entry.authority_reference = query.ColumnText(1);
    entry.reason = query.ColumnText(2);
    entry.expires_at = query.ColumnText(3);
    out.push_back(std::move(entry));
  }
  return out;
}

Status SqlStore::Transaction(const std::function<Status()>& body) { return db_->Transaction(body); }

Status SqlStore::ReadTransaction(const std::function<Status()>& body) { return db_->ReadTransaction(body); }

bool SqlStore::InTransaction() const { return db_->InTransaction(); }

bool SqlStore::Healthy() const { return db_->Healthy(); }

Status SqlStore::Savepoint(const std::function<Status()>& body) { return db_->Savepoint(body); }

Status SqlStore::AddPendingDedup(const PendingDedup& marker) {
  if (!(marker.target_fmr > 0.0 && marker.target_fmr < 1.0)) {
    return Status::InvalidArgument("the pending deduplication's false match rate must be in (0, 1)");
  }
  ABIS_RETURN_IF_ERROR(ValidateFreeText(marker.case_ref, "case reference", 128, /*required=*/false));
  ABIS_ASSIGN_OR_RETURN(auto exists, db_->Prepare("SELECT count(*) FROM pending_dedup WHERE person_id = ?"));
  exists.Bind(1, marker.person_id);
  ABIS_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (row && exists.ColumnInt(0) > 0) {
    return Status::AlreadyExists("person " + std::to_string(marker.person_id) + " already owes a deduplication");
  }
  ABIS_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT INTO pending_dedup (person_id, gallery_id, case_ref, "
                                                  "target_fmr, created_at) VALUES (?, ?, ?, ?, ?)"));
  insert.Bind(1, marker.person_id)
      .Bind(2, marker.gallery_id)
      .Bind(3, marker.case_ref)
      .Bind(4, marker.target_fmr)
      .Bind(5, NowUtcIso8601());
  return insert.Run();
}

Result<std::vector<Store::PendingDedup>> SqlStore::ListPendingDedup(std::int64_t gallery_id,
                                                                    std::int64_t after_person_id, int limit) {
  if (limit < 1) return Status::InvalidArgument("the limit must be at least 1");
  ABIS_ASSIGN_OR_RETURN(auto query,
                        db_->Prepare("SELECT d.person_id, p.external_id, d.gallery_id, d.case_ref, d.target_fmr "
                                     "FROM pending_dedup d JOIN persons p ON p.id = d.person_id "
                                     "WHERE d.gallery_id = ? AND d.person_id > ? ORDER BY d.person_id LIMIT ?"));
  query.Bind(1, gallery_id).Bind(2, after_person_id).Bind(3, limit);
  std::vector<PendingDedup> out;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    PendingDedup marker;
    marker.person_id = query.ColumnInt(0);
    marker.external_id = query.ColumnText(1);
    marker.gallery_id = query.ColumnInt(2);
    marker.case_ref = query.ColumnText(3);
    marker.target_fmr = query.ColumnDouble(4);
    out.push_back(std::move(marker));
  }
  return out;
}

Result<bool> SqlStore::RemovePendingDedup(std::int64_t person_id) {
  ABIS_RETURN_IF_ERROR(RunWithId(*db_, "DELETE FROM pending_dedup WHERE person_id = ?", person_id));
  return db_->Changes() > 0;
}

Result<AuditHead> SqlStore::ReadAuditHead() { return sql_audit::ReadHead(*db_); }

Status SqlStore::AppendAuditRow(const AuditRow& row, std::span<const std::int64_t> person_ids) {
  return sql_audit::AppendRow(*db_, row, person_ids);
}

Status SqlStore::ForEachAuditRow(const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) {
  return sql_audit::ForEachRow(*db_, filter, visit, audit_page_rows_);
}

Result<std::string> SqlStore::AuditEntryHashAt(std::int64_t seq) { return sql_audit::EntryHashAt(*db_, seq); }

}  // namespace abis
