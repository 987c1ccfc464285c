#include "sqlite/schema.h"

#include <string>

namespace abis {
namespace {

// Version 1: persons, encounters, samples, templates, galleries, watchlists, users, api keys and
// the hash-chained audit log.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin','enroller','investigator','examiner','auditor')),
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  key_id TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  category TEXT NOT NULL CHECK (category IN ('citizen','foreign_national','stateless','unknown',
                                             'unidentified_remains','missing_person_reference')),
  given_name TEXT NOT NULL DEFAULT '',
  family_name TEXT NOT NULL DEFAULT '',
  date_of_birth TEXT NOT NULL DEFAULT '',
  sex TEXT NOT NULL DEFAULT '',
  legal_basis TEXT NOT NULL CHECK (length(legal_basis) > 0),
  retention_until TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX persons_retention ON persons(retention_until);

CREATE TABLE encounters (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  captured_at TEXT NOT NULL,
  source_agency TEXT NOT NULL DEFAULT '',
  operator_id INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX encounters_person ON encounters(person_id);

CREATE TABLE samples (
  id INTEGER PRIMARY KEY,
  encounter_id INTEGER NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  modality TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX samples_person ON samples(person_id);

CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  modality TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  quality TEXT NOT NULL DEFAULT '{}',
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX templates_person ON templates(person_id);
CREATE INDEX templates_modality ON templates(modality, algorithm);

CREATE TABLE galleries (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);

CREATE TABLE gallery_members (
  gallery_id INTEGER NOT NULL REFERENCES galleries(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  added_at TEXT NOT NULL,
  PRIMARY KEY (gallery_id, person_id)
);
CREATE INDEX gallery_members_person ON gallery_members(person_id);

CREATE TABLE watchlist_entries (
  id INTEGER PRIMARY KEY,
  gallery_id INTEGER NOT NULL REFERENCES galleries(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  authority_reference TEXT NOT NULL,
  reason TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  operator TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  purpose TEXT NOT NULL DEFAULT '',
  case_ref TEXT NOT NULL DEFAULT '',
  object_ids TEXT NOT NULL DEFAULT '[]',
  input_sha256 TEXT NOT NULL DEFAULT '[]',
  result TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  entry_hash TEXT NOT NULL
);
)sql";

// Version 2: an index from audit entries to the persons they concern (for subject access
// reports) and the audit head (count and last hash), so truncation of the log is detected.
constexpr const char* kMigration2 = R"sql(
CREATE TABLE audit_subjects (
  seq INTEGER NOT NULL REFERENCES audit_log(seq),
  person_id INTEGER NOT NULL,
  PRIMARY KEY (person_id, seq)
);
INSERT INTO audit_subjects (seq, person_id)
  SELECT DISTINCT audit_log.seq, json_each.value
  FROM audit_log, json_each(audit_log.object_ids, '$.persons')
  WHERE json_each.type = 'integer';
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  entry_count INTEGER NOT NULL,
  last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, entry_count, last_hash)
  SELECT 1, count(*), coalesce((SELECT entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1), '')
  FROM audit_log;
)sql";

// Version 3: the service's records. Candidates returned by 1:N searches and the examiners'
// decisions on them (two-person confirmation), watchlist alerts, and asynchronous tasks (OSIA
// callbacks). Rows that name a person go with the person (ON DELETE CASCADE); the audit log keeps
// who decided what.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE search_candidates (
  id INTEGER PRIMARY KEY,
  search_seq INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  gallery TEXT NOT NULL,
  purpose TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  fused_log_lr REAL NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (search_seq, rank)
);
CREATE INDEX search_candidates_person ON search_candidates(person_id);

CREATE TABLE candidate_decisions (
  id INTEGER PRIMARY KEY,
  candidate_id INTEGER NOT NULL REFERENCES search_candidates(id) ON DELETE CASCADE,
  examiner_id INTEGER NOT NULL REFERENCES users(id),
  examiner TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('confirm','reject')),
  comment TEXT NOT NULL DEFAULT '',
  decided_at TEXT NOT NULL,
  UNIQUE (candidate_id, examiner_id)
);

CREATE TABLE watchlist_alerts (
  id INTEGER PRIMARY KEY,
  search_seq INTEGER NOT NULL,
  candidate_id INTEGER REFERENCES search_candidates(id) ON DELETE CASCADE,
  entry_id INTEGER NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  gallery_id INTEGER NOT NULL,
  authority_reference TEXT NOT NULL,
  reason TEXT NOT NULL,
  fused_log_lr REAL NOT NULL,
  operator TEXT NOT NULL,
  purpose TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  delivery TEXT NOT NULL DEFAULT 'none' CHECK (delivery IN ('none','pending','delivered','failed')),
  delivery_attempts INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE service_tasks (
  id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  operator TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  callback TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING','RESPONSE_SCHEDULED','RESPONSE_ERROR','RESPONSE_RETRY',
                                         'COMPLETED')),
  http_status INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
)sql";

// Version 4: OSIA encounter management, the gallery change counter and ids never reused.
// - id_counters: the next id of persons, encounters, samples and templates. The store inserts
//   with the counter's id and a trigger advances it, so an id is never given twice even after
//   the row with the largest id was deleted (SQLite's own rowid choice reuses it): a deleted
//   person's audit history or cached template can never attach to a newcomer.
// - encounters.external_id: the encounter id callers see (their own on creation, else the row
//   id in decimal), unique per person; encounters.status: an inactive encounter's templates are
//   not searched.
// - gallery_generation: one counter that every change to what a search can see (templates,
//   gallery members, encounter status) increments in the same transaction, by trigger, so an
//   in-memory gallery index knows from one read whether it is current in a search's snapshot.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE encounters ADD COLUMN external_id TEXT;
ALTER TABLE encounters ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive'));
UPDATE encounters SET external_id = CAST(id AS TEXT);
CREATE UNIQUE INDEX encounters_external_id ON encounters(person_id, external_id);

CREATE TABLE id_counters (
  name TEXT PRIMARY KEY,
  next INTEGER NOT NULL
);
INSERT INTO id_counters (name, next) SELECT 'persons', coalesce(max(id), 0) + 1 FROM persons;
INSERT INTO id_counters (name, next) SELECT 'encounters', coalesce(max(id), 0) + 1 FROM encounters;
INSERT INTO id_counters (name, next) SELECT 'samples', coalesce(max(id), 0) + 1 FROM samples;
INSERT INTO id_counters (name, next) SELECT 'templates', coalesce(max(id), 0) + 1 FROM templates;
UPDATE id_counters SET next = max(next, (SELECT coalesce(max(person_id), 0) + 1 FROM audit_subjects))
  WHERE name = 'persons';
CREATE TRIGGER id_counters_persons AFTER INSERT ON persons
  BEGIN UPDATE id_counters SET next = max(next, NEW.id + 1) WHERE name = 'persons'; END;
CREATE TRIGGER id_counters_encounters AFTER INSERT ON encounters
  BEGIN UPDATE id_counters SET next = max(next, NEW.id + 1) WHERE name = 'encounters'; END;
CREATE TRIGGER id_counters_samples AFTER INSERT ON samples
  BEGIN UPDATE id_counters SET next = max(next, NEW.id + 1) WHERE name = 'samples'; END;
CREATE TRIGGER id_counters_templates AFTER INSERT ON templates
  BEGIN UPDATE id_counters SET next = max(next, NEW.id + 1) WHERE name = 'templates'; END;

CREATE TABLE gallery_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO gallery_generation (id, value) VALUES (1, 1);
CREATE TRIGGER gallery_generation_template_insert AFTER INSERT ON templates
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER gallery_generation_template_delete AFTER DELETE ON templates
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER gallery_generation_template_update AFTER UPDATE ON templates
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER gallery_generation_member_insert AFTER INSERT ON gallery_members
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER gallery_generation_member_delete AFTER DELETE ON gallery_members
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER gallery_generation_encounter_update AFTER UPDATE OF status, person_id ON encounters
  BEGIN UPDATE gallery_generation SET value = value + 1 WHERE id = 1; END;
)sql";

// Version 5: samples.options, the engine options that shaped the sample's template (JSON object
// of the keys the engine declares, ModalityEngine::TemplateOptionKeys: e.g. a fingerprint's scan
// resolution when its file declares none, which face of a photo), so that templates can be
// extracted again from the sample exactly as at enrolment; an index of templates by sample, which
// re-extraction, encounter moves and deletions look up.
constexpr const char* kMigration5 = R"sql(
ALTER TABLE samples ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
CREATE INDEX templates_sample ON templates(sample_id);
)sql";

// Version 6: watchlist entries can be ended before they expire (who, when, why); an index of
// entries by gallery and person, which every hit on a watchlist looks up.
constexpr const char* kMigration6 = R"sql(
ALTER TABLE watchlist_entries ADD COLUMN ended_at TEXT;
ALTER TABLE watchlist_entries ADD COLUMN ended_by TEXT;
ALTER TABLE watchlist_entries ADD COLUMN end_reason TEXT;
CREATE INDEX watchlist_entries_gallery_person ON watchlist_entries(gallery_id, person_id);
)sql";

// Version 7: what a review lead stands for beyond its person (a kinship or DVI lead: the missing
// person, the direction, the probe), as JSON, shown to the examiner.
constexpr const char* kMigration7 = R"sql(
ALTER TABLE search_candidates ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 8: persons whose deduplication search is still owed (a batch import with --dedup
// records the marker in the transaction that creates the person; the search's audit transaction
// removes it; a resumed import completes what a kill left).
constexpr const char* kMigration8 = R"sql(
CREATE TABLE pending_dedup (
  person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
  gallery_id INTEGER NOT NULL REFERENCES galleries(id) ON DELETE CASCADE,
  case_ref TEXT NOT NULL,
  target_fmr REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX pending_dedup_gallery ON pending_dedup(gallery_id, person_id);
)sql";

// Version 9: the probe samples of searches, sealed like samples (key context bound to the search,
// the probe's place in it, modality, format and position), kept with their search for the review
// and erased with their case or at their retention date. Examiners may also record "inconclusive"
// (candidate_decisions is rebuilt: SQLite cannot change a CHECK constraint in place).
constexpr const char* kMigration9 = R"sql(
CREATE TABLE search_probes (
  id INTEGER PRIMARY KEY,
  search_seq INTEGER NOT NULL,
  probe_index INTEGER NOT NULL,
  case_ref TEXT NOT NULL,
  purpose TEXT NOT NULL,
  searched_by TEXT NOT NULL,
  modality TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL,
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  created_at TEXT NOT NULL,
  retain_until TEXT NOT NULL,
  UNIQUE (search_seq, probe_index)
);
CREATE INDEX search_probes_case ON search_probes(case_ref);
CREATE INDEX search_probes_retention ON search_probes(retain_until);

CREATE TABLE candidate_decisions_v9 (
  id INTEGER PRIMARY KEY,
  candidate_id INTEGER NOT NULL REFERENCES search_candidates(id) ON DELETE CASCADE,
  examiner_id INTEGER NOT NULL REFERENCES users(id),
  examiner TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('confirm','reject','inconclusive')),
  comment TEXT NOT NULL DEFAULT '',
  decided_at TEXT NOT NULL,
  UNIQUE (candidate_id, examiner_id)
);
INSERT INTO candidate_decisions_v9 (id, candidate_id, examiner_id, examiner, decision, comment, decided_at)
  SELECT id, candidate_id, examiner_id, examiner, decision, comment, decided_at FROM candidate_decisions;
DROP TABLE candidate_decisions;
ALTER TABLE candidate_decisions_v9 RENAME TO candidate_decisions;
)sql";

// Version 10: the gallery change log, so that an in-memory gallery index catches up with the
// store by reading only the persons changed since its generation instead of listing the whole
// gallery. Every trigger that increments gallery_generation also records, under the new value,
// the person whose searchable templates it may have changed (a moved template or encounter: both
// persons). The log holds person ids only (no biometric data): deleting a person leaves its id
// here until trimmed. gallery_changes_start holds the generation the log starts after: a reader
// at an older generation must list the whole gallery (the log began at this migration, or was
// trimmed since). A trigger keeps the log to its last 2^20 generations (trimmed every 4096).
// A template update counts only when a column a search reads changes: a master key rotation
// re-wraps every row's wrapped_key and must not look like a change of the whole gallery.
constexpr const char* kMigration10 = R"sql(
CREATE TABLE gallery_changes (
  generation INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  PRIMARY KEY (generation, person_id)
) WITHOUT ROWID;
CREATE TABLE gallery_changes_start (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT INTO gallery_changes_start (id, generation) SELECT 1, value FROM gallery_generation WHERE id = 1;
CREATE TRIGGER gallery_changes_trim AFTER INSERT ON gallery_changes WHEN NEW.generation % 4096 = 0
  BEGIN
    DELETE FROM gallery_changes WHERE generation <= NEW.generation - 1048576;
    UPDATE gallery_changes_start SET generation = max(generation, NEW.generation - 1048576) WHERE id = 1;
  END;
DROP TRIGGER gallery_generation_template_insert;
DROP TRIGGER gallery_generation_template_delete;
DROP TRIGGER gallery_generation_template_update;
DROP TRIGGER gallery_generation_member_insert;
DROP TRIGGER gallery_generation_member_delete;
DROP TRIGGER gallery_generation_encounter_update;
CREATE TRIGGER gallery_generation_template_insert AFTER INSERT ON templates
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, NEW.person_id FROM gallery_generation WHERE id = 1;
  END;
CREATE TRIGGER gallery_generation_template_delete AFTER DELETE ON templates
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, OLD.person_id FROM gallery_generation WHERE id = 1;
  END;
CREATE TRIGGER gallery_generation_template_update
  AFTER UPDATE OF sample_id, person_id, modality, algorithm, position, sealed ON templates
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, OLD.person_id FROM gallery_generation WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, NEW.person_id FROM gallery_generation WHERE id = 1;
  END;
CREATE TRIGGER gallery_generation_member_insert AFTER INSERT ON gallery_members
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, NEW.person_id FROM gallery_generation WHERE id = 1;
  END;
CREATE TRIGGER gallery_generation_member_delete AFTER DELETE ON gallery_members
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, OLD.person_id FROM gallery_generation WHERE id = 1;
  END;
CREATE TRIGGER gallery_generation_encounter_update AFTER UPDATE OF status, person_id ON encounters
  BEGIN
    UPDATE gallery_generation SET value = value + 1 WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, OLD.person_id FROM gallery_generation WHERE id = 1;
    INSERT OR IGNORE INTO gallery_changes SELECT value, NEW.person_id FROM gallery_generation WHERE id = 1;
  END;
)sql";

constexpr const char* kMigrations[] = {kMigration1, kMigration2, kMigration3, kMigration4, kMigration5,
                                       kMigration6, kMigration7, kMigration8, kMigration9, kMigration10};
static_assert(std::size(kMigrations) == kCurrentSchemaVersion);

}  // namespace

Result<int> ReadSchemaVersion(Database& db) {
  ABIS_ASSIGN_OR_RETURN(auto exists,
                        db.Prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'"));
  ABIS_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (!row || exists.ColumnInt(0) == 0) return 0;
  ABIS_ASSIGN_OR_RETURN(auto version, db.Prepare("SELECT version FROM schema_version"));
  ABIS_ASSIGN_OR_RETURN(row, version.Step());
  if (!row) return Status::DataLoss("schema_version table is empty");
  return static_cast<int>(version.ColumnInt(0));
}

Status MigrateSchema(Database& db, int target) {
  ABIS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > kCurrentSchemaVersion) {
    return Status::FailedPrecondition("store schema version " + std::to_string(version) +
                                      " is newer than this program supports (" + std::to_string(kCurrentSchemaVersion) +
                                      "); upgrade abis");
  }
  for (int next = version + 1; next <= target; ++next) {
    Status status = db.Transaction([&]() -> Status {
      ABIS_RETURN_IF_ERROR(db.Execute(kMigrations[next - 1]));
      return db.Execute("UPDATE schema_version SET version = " + std::to_string(next));
    });
    if (!status.ok()) return status.WithContext("migrating the store to schema version " + std::to_string(next));
  }
  return Status::Ok();
}

}  // namespace abis
