// The store: persons, encounters, samples, templates, galleries, watchlists, users, the review
// of candidates, alerts, service tasks and the audit log's rows, with samples and templates sealed
// under the master key. Store is the interface a back end implements; Create and Open give the
// embedded SQLite one (src/store/sqlite/) for a folder and the PostgreSQL one (src/store/pg/) for a
// postgresql:// URI; only src/store sees SQL. Methods join the caller's
// transaction when one is open (Transaction), so an operation and its audit entry commit together.
// Thread-safety: one Store per thread (SQLite WAL allows concurrent readers across processes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/account_records.h"
#include "abis/store/audit_storage.h"
#include "abis/store/records.h"
#include "abis/store/review_records.h"
#include "abis/store/sealed_pages.h"
#include "abis/store/service_task.h"
#include "abis/store/watchlist_alert.h"

namespace abis {

// Where a store's files and master key are (docs/STORE_SCHEMA.md "The master key").
struct StoreLayout {
  // SQLite: the store folder. PostgreSQL: the machine-local folder of the store (env
  // ABIS_LOCAL_DIR, may be empty), holding master.key and index-snapshots/ by default.
  std::filesystem::path dir;
  std::filesystem::path database;  // SQLite: <dir>/abis.db; PostgreSQL: empty
  // PostgreSQL: the libpq URI (postgresql://user[:password]@host[:port]/db[?...]); never shown:
  // messages and the audit log name Location() instead. Empty for SQLite.
  std::string database_uri;
  std::filesystem::path key_file;  // env ABIS_KEY_FILE, else <dir>/master.key
  // Env ABIS_KEY_PASSPHRASE_FILE: a file (mode 0600) holding the passphrase the key file is
  // wrapped under (version 2). Create writes a wrapped key file; Open needs it for one.
  std::filesystem::path key_passphrase_file;
  // Env ABIS_KEY_COMMAND: a command whose standard output is the master key in hex (the hook
  // for an HSM or key service). When set, the key file is neither read nor written.
  std::string key_command;
  // Sealed snapshots of gallery indexes (derived data, rebuilt when missing): env
  // ABIS_SNAPSHOT_DIR, else <dir>/index-snapshots.
  std::filesystem::path snapshot_dir;
  static StoreLayout ForDir(const std::filesystem::path& dir);
  // A PostgreSQL store's layout: key file ABIS_KEY_FILE, else <ABIS_LOCAL_DIR>/master.key;
  // snapshots ABIS_SNAPSHOT_DIR, else <ABIS_LOCAL_DIR>/index-snapshots (empty when neither is set:
  // no snapshots).
  static StoreLayout ForUri(std::string_view uri);
  // Whether `location` (a --store value) names a PostgreSQL database (postgresql:// or postgres://).
  static bool IsDatabaseUri(std::string_view location);
  // `location` with any password replaced by "***" (safe for messages and the audit log).
  static std::string Redacted(std::string_view location);
  // The store for messages and the audit log: the folder, or the URI without its password.
  std::string Location() const;
  // Where the master key comes from, for messages: the command or the key file.
  std::string KeySourceDescription() const;
};

// What RewrapDataKeys re-wrapped, by table.
struct KeyRewrapCounts {
  std::int64_t samples = 0;
  std::int64_t templates = 0;
  std::int64_t search_probes = 0;
  std::int64_t total() const { return samples + templates + search_probes; }
};

class Store : public AuditStorage {
 public:
  // Creates a new store folder (or, for a postgresql:// URI, the store's tables in that existing
  // database): the database at the current schema and a new master key (a key file,
  // passphrase-wrapped when layout.key_passphrase_file is set; none with a key command). An
  // existing store there is kAlreadyExists.
  static Result<std::unique_ptr<Store>> Create(const std::filesystem::path& dir);
  // Opens an existing store, upgrading its schema when older. The master key comes from the
  // key command, else the key file (MasterKey::LoadFile: a file group or others may read or write
  // is refused).
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& dir);

  const StoreLayout& layout() const { return layout_; }

  // --- transactions (Transaction and ReadTransaction: see AuditStorage) ---
  virtual bool InTransaction() const = 0;
  // False when the connection's state is not known to be clean (a transaction left open, a failed
  // rollback): a pool must close the store instead of handing it to the next caller.
  virtual bool Healthy() const = 0;
  // The schema version of the store (for health checks).
  virtual Result<int> SchemaVersion() = 0;
  // The key gallery index snapshots are sealed under: derived from the master key for that
  // purpose only (abis/store/sealed_pages.h), so the master key never leaves the store.
  virtual DerivedKey IndexSnapshotKey() const = 0;
  // Inside a Transaction: runs `body` so that, when it returns an error, exactly its changes are
  // undone and the transaction goes on (all-or-nothing per person within a batch). An error that
  // ended the whole transaction comes back as kIoError (the caller must then fail its
  // transaction). Outside a transaction: kFailedPrecondition.
  virtual Status Savepoint(const std::function<Status()>& body) = 0;

  // --- master key rotation (docs/STORE_LIFECYCLE.md "Rotating the master key") ---
  // Inside a Transaction: wraps the data key of every sealed record (samples, templates, kept
  // search probes) under `new_key` instead of the store's key; no ciphertext changes. A wrapped
  // key that does not open under the store's key stops with kDataLoss naming the table and row
  // (the caller rolls back). `progress` sees the running counts after each page of rows. Outside a
  // transaction: kFailedPrecondition. The store keeps its old key: close it once committed.
  virtual Result<KeyRewrapCounts> RewrapDataKeys(const MasterKey& new_key,
                                                 const std::function<void(const KeyRewrapCounts&)>& progress) = 0;
  // Whether the store's first wrapped data keys (up to 4 rows of the first of samples, templates,
  // kept probes that has any, by id) open under `key`: true when any does, so that one damaged row
  // does not decide alone; nullopt when the store holds no sealed record.
  virtual Result<std::optional<bool>> FirstWrappedKeyOpensUnder(const MasterKey& key) = 0;

  // --- persons ---
  // Validates and inserts; sets person.id and created_at. Duplicate external_id: kAlreadyExists.
  virtual Status AddPerson(Person& person) = 0;
  virtual Result<Person> GetPerson(std::int64_t id) = 0;
  virtual Result<Person> FindPerson(std::string_view external_id) = 0;
  // Persons ordered by id, after `after_id`, at most `limit`.
  virtual Result<std::vector<Person>> ListPersons(std::int64_t after_id, int limit) = 0;
  // Persons whose retention date is before `date` (YYYY-MM-DD), at most `limit`.
  virtual Result<std::vector<Person>> ListExpiredPersons(std::string_view date, int limit) = 0;
  // Crypto-erases the person: every sample, template (ciphertext and wrapped key), encounter,
  // gallery membership and watchlist entry, then the person row. kNotFound when absent.
  // The erasing methods below commit and then Checkpoint() the WAL themselves; inside a caller's
  // transaction they cannot, so the caller calls Checkpoint() after its commit.
  virtual Status DeletePerson(std::int64_t id) = 0;

  // --- encounters, samples, templates ---
  // Inserts an encounter; an empty external_id becomes the row id in decimal. An external id the
  // person already has is kAlreadyExists.
  virtual Result<std::int64_t> AddEncounter(const Encounter& encounter) = 0;
  // The person's encounter with this external id; kNotFound when absent.
  virtual Result<Encounter> FindEncounter(std::int64_t person_id, std::string_view external_id) = 0;
  // The person's encounters, oldest first.
  virtual Result<std::vector<Encounter>> ListEncounters(std::int64_t person_id) = 0;
  virtual Status SetEncounterActive(std::int64_t encounter_id, bool active) = 0;
  // Crypto-erases one encounter: its templates, samples (ciphertexts and wrapped keys), the row.
  virtual Status DeleteEncounter(std::int64_t encounter_id) = 0;
  // Crypto-erases the encounter's templates and samples, keeping the encounter.
  virtual Status ClearEncounter(std::int64_t encounter_id) = 0;
  // Moves an encounter, its samples and templates to another person. Every sample and template
  // is re-sealed under a fresh data key bound to the new person (the associated data names the
  // person). The target already holding the encounter's external id is kAlreadyExists.
  virtual Status MoveEncounter(std::int64_t encounter_id, std::int64_t target_person_id) = 0;
  // Merges person `source_id` into `target_id`: every encounter moves (as MoveEncounter), gallery
  // memberships, watchlist entries, search candidates and alerts are re-pointed, the audit
  // subject index gains the source's entries for the target, and the source person row is
  // deleted. The target's retention date becomes the earlier of the two (a merge never extends
  // how long data is kept). Duplicate encounter external ids: kAlreadyExists, nothing changed
  // when the caller's transaction rolls back.
  virtual Status MergePersonInto(std::int64_t source_id, std::int64_t target_id) = 0;
  // Seals and stores the raw sample bytes; returns the sample id. `options` are the engine options
  // that shaped its template (ModalityEngine::TemplateOptionKeys: settings such as a scan
  // resolution, kept in clear so that the template can be extracted again exactly as at
  // enrolment). kInvalidArgument when they are not a JSON object or exceed kMaxSampleOptionsBytes
  // serialised.
  virtual Result<std::int64_t> AddSample(std::int64_t encounter_id, std::int64_t person_id, Modality modality,
                                         std::string_view format, FingerPosition position,
                                         std::span<const std::uint8_t> bytes,
                                         const nlohmann::json& options = nlohmann::json::object()) = 0;
  static constexpr std::size_t kMaxSampleOptionsBytes = 4096;
  // Seals and stores a template; returns the template id.
  virtual Result<std::int64_t> AddTemplate(std::int64_t sample_id, std::int64_t person_id,
                                           const BiometricTemplate& biometric_template) = 0;
  virtual Result<std::vector<TemplateInfo>> ListTemplates(std::int64_t person_id) = 0;
  // The templates of the person's active encounters (what searches and verifications use), by id.
  virtual Result<std::vector<TemplateInfo>> ListActiveTemplates(std::int64_t person_id) = 0;
  // Decrypts a template. Tampering or a wrong key is kDataLoss.
  virtual Result<BiometricTemplate> LoadTemplate(std::int64_t template_id) = 0;
  virtual Result<std::vector<std::uint8_t>> LoadSample(std::int64_t sample_id) = 0;
  // Metadata of a sample (never its bytes).
  struct SampleInfo {
    std::int64_t id = 0;
    std::int64_t person_id = 0;
    std::int64_t encounter_id = 0;
    Modality modality = Modality::kFace;
    std::string format;
    FingerPosition position = FingerPosition::kUnknown;
    nlohmann::json options = nlohmann::json::object();  // null when the stored text is unreadable
  };
  // A person's samples, oldest first.
  virtual Result<std::vector<SampleInfo>> ListSamples(std::int64_t person_id) = 0;
  // Samples of `modality` (every person, active and inactive encounters) with an id above
  // `after_sample_id`, in id order, at most `limit` (>= 1, else kInvalidArgument): for walking the
  // whole store in batches.
  virtual Result<std::vector<SampleInfo>> ListSamplesOfModality(Modality modality, std::int64_t after_sample_id,
                                                                int limit) = 0;
  struct TemplateReplacement {
    std::int64_t template_id = 0;            // the new template
    std::int64_t person_id = 0;              // the sample's person now, whom it is sealed for
    std::vector<std::int64_t> replaced_ids;  // the deleted templates
  };
  // Replaces the templates extracted from `sample_id` by `biometric_template`: the old rows are
  // deleted (their wrapped keys with them), the new one is sealed and inserted for the sample's
  // current person. kNotFound when the sample no longer exists. Call it inside a transaction, so
  // that the sample is never left without a template.
  virtual Result<TemplateReplacement> ReplaceSampleTemplates(std::int64_t sample_id,
                                                             const BiometricTemplate& biometric_template) = 0;
  // Metadata of every template of `modality` whose person is in `gallery_id`, from active
  // encounters only.
  virtual Result<std::vector<TemplateInfo>> ListGalleryTemplates(std::int64_t gallery_id, Modality modality) = 0;
  // ListGalleryTemplates restricted to the templates of `person_ids` (any number, any order;
  // ids of persons that are gone or not members simply list nothing), sorted by template id.
  virtual Result<std::vector<TemplateInfo>> ListGalleryTemplatesOfPersons(
      std::int64_t gallery_id, Modality modality, const std::vector<std::int64_t>& person_ids) = 0;
  // The persons whose searchable templates may have changed after `since_generation` (a
  // GalleryGeneration value), up to the generation of the reader's snapshot: sorted, distinct,
  // read from the change log (person ids only; docs/STORE_SCHEMA.md). kFailedPrecondition when the log
  // does not reach back to `since_generation` (it begins at schema version 10 and is trimmed):
  // the caller then lists the whole gallery.
  virtual Result<std::vector<std::int64_t>> ListPersonsChangedSince(std::int64_t since_generation) = 0;
  // Templates of one encounter.
  virtual Result<std::vector<TemplateInfo>> ListEncounterTemplates(std::int64_t encounter_id) = 0;
  // A counter every change to searchable content (templates, gallery members, encounter status
  // or owner) increments in its own transaction; read inside a snapshot it identifies that
  // snapshot's searchable content.
  virtual Result<std::int64_t> GalleryGeneration() = 0;
  virtual Result<std::int64_t> CountSamples(std::int64_t person_id) = 0;

  // --- deduplication owed (a batch import with --dedup; docs/INTEROP.md "Batch import") ---
  // A marker recorded in the transaction that creates the person: its deduplication search
  // against the gallery is owed. kAlreadyExists when the person has one.
  struct PendingDedup {
    std::int64_t person_id = 0;
    std::string external_id;  // filled by ListPendingDedup
    std::int64_t gallery_id = 0;
    std::string case_ref;
    double target_fmr = 1e-4;
  };
  virtual Status AddPendingDedup(const PendingDedup& marker) = 0;
  // Markers of the gallery with a person id above `after_person_id`, by person id, at most
  // `limit` (>= 1).
  virtual Result<std::vector<PendingDedup>> ListPendingDedup(std::int64_t gallery_id, std::int64_t after_person_id,
                                                             int limit) = 0;
  // Removes the person's marker; false when there was none.
  virtual Result<bool> RemovePendingDedup(std::int64_t person_id) = 0;

  // --- galleries and watchlists ---
  virtual Result<std::int64_t> CreateGallery(const Gallery& gallery) = 0;
  // FindGallery and ListGalleries count each gallery's members (Gallery::member_count), which reads
  // every member row: about 0.1 s per million members. Searches, enrolments and other per-request
  // paths use the ...WithoutMemberCount forms, which leave member_count at -1 (a MOSIP IDENTIFY
  // still counts: it spreads the requested FPR over the gallery's records).
  virtual Result<Gallery> FindGallery(std::string_view name) = 0;
  virtual Result<std::vector<Gallery>> ListGalleries() = 0;
  virtual Result<Gallery> FindGalleryWithoutMemberCount(std::string_view name) = 0;
  virtual Result<std::vector<Gallery>> ListGalleriesWithoutMemberCount() = 0;
  virtual Status AddGalleryMember(std::int64_t gallery_id, std::int64_t person_id) = 0;
  virtual Status RemoveGalleryMember(std::int64_t gallery_id, std::int64_t person_id) = 0;
  virtual Result<std::vector<std::string>> GalleriesOfPerson(std::int64_t person_id) = 0;
  // External ids of the gallery's members, ordered by person id, after `after_person_id`, at most `limit`.
  virtual Result<std::vector<std::pair<std::int64_t, std::string>>> ListGalleryMembers(std::int64_t gallery_id,
                                                                                       std::int64_t after_person_id,
                                                                                       int limit) = 0;
  // Adds the entry (and the person to the gallery). An expiry not after `today` is
  // kInvalidArgument; an active entry of the same person, gallery and authority reference is
  // kAlreadyExists (it would alert twice on one hit).
  virtual Result<std::int64_t> AddWatchlistEntry(const WatchlistEntry& entry, std::string_view today) = 0;
  // Entries of the gallery for the person that have neither expired at `now` (ISO 8601) nor ended.
  virtual Result<std::vector<WatchlistEntry>> ActiveWatchlistEntries(std::int64_t gallery_id, std::int64_t person_id,
                                                                     std::string_view now) = 0;
  // Every entry of the gallery (active, expired and ended) with its person's external id, by id.
  virtual Result<std::vector<WatchlistEntry>> ListWatchlistEntries(std::int64_t gallery_id) = 0;
  virtual Result<WatchlistEntry> GetWatchlistEntry(std::int64_t entry_id) = 0;
  // Ends `entry` (as GetWatchlistEntry read it in the caller's transaction) unless it has ended
  // already (kFailedPrecondition); when the person has no other active entry on the gallery, they
  // leave it (and watchlist searches) too.
  virtual Status EndWatchlistEntry(const WatchlistEntry& entry, std::string_view now, std::string_view operator_name,
                                   std::string_view reason) = 0;

  // --- users and API keys ---
  // Inserts the user (name and role validated by the caller); returns its id. A taken name is
  // kAlreadyExists.
  virtual Result<std::int64_t> AddUser(const UserRecord& user) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  // kNotFound when there is no such user.
  virtual Result<UserRecord> FindUser(std::string_view name) = 0;
  virtual Status SetUserDisabled(std::int64_t user_id, bool disabled) = 0;
  virtual Status AddApiKey(const ApiKeyRecord& key) = 0;
  // Revokes every key of the user.
  virtual Status RevokeApiKeys(std::int64_t user_id) = 0;
  // The key with this public id and its user; kNotFound when there is none.
  virtual Result<std::pair<ApiKeyRecord, UserRecord>> FindApiKey(std::string_view key_id) = 0;

  // --- candidates kept for review, and the examiners' decisions ---
  // Inserts the candidate; returns its id.
  virtual Result<std::int64_t> AddSearchCandidate(const SearchCandidateRecord& candidate) = 0;
  // The candidate with its person's external id; kNotFound when absent.
  virtual Result<SearchCandidateRecord> GetSearchCandidate(std::int64_t candidate_id) = 0;
  // Ids of the candidates of one search, in rank order.
  virtual Result<std::vector<std::int64_t>> ListSearchCandidateIds(std::int64_t search_seq) = 0;
  virtual Status AddCandidateDecision(const CandidateDecisionRow& decision) = 0;
  // The decisions on a candidate, oldest first.
  virtual Result<std::vector<CandidateDecisionRow>> ListCandidateDecisions(std::int64_t candidate_id) = 0;

  // Ids of the candidates still waiting for a decision (no rejection, fewer than two
  // confirmations) that `filter` selects, ordered by case reference, search and rank; at most
  // `limit` (the filter applies before the limit).
  virtual Result<std::vector<std::int64_t>> ListOpenSearchCandidateIds(const OpenCandidateFilter& filter,
                                                                       int limit) = 0;

  // --- probes kept with their search (sealed like samples) ---
  // Seals and inserts one probe sample; returns its id. (search_seq, probe_index) is unique.
  virtual Result<std::int64_t> AddSearchProbe(const SearchProbeRecord& probe, std::span<const std::uint8_t> bytes) = 0;
  // The probes of one search, in probe order (metadata only).
  virtual Result<std::vector<SearchProbeRecord>> ListSearchProbes(std::int64_t search_seq) = 0;
  // The probe's record and its unsealed bytes; kNotFound when absent, kDataLoss when it fails
  // authentication.
  virtual Result<std::pair<SearchProbeRecord, std::vector<std::uint8_t>>> LoadSearchProbe(std::int64_t probe_id) = 0;
  // Erases (deletes) the probes whose retain_until is before `today` (YYYY-MM-DD), or, with a
  // non-empty `case_ref`, every probe of that case; returns how many.
  virtual Result<std::int64_t> DeleteSearchProbes(std::string_view today, std::string_view case_ref) = 0;

  // --- watchlist alerts ---
  // Inserts the alert (alert.candidate_id 0: none recorded); returns its id.
  virtual Result<std::int64_t> AddWatchlistAlert(const WatchlistAlert& alert) = 0;
  // Alerts with id > `after_id`, oldest first, at most `limit`, with person and gallery names.
  virtual Result<std::vector<WatchlistAlert>> ListWatchlistAlerts(std::int64_t after_id, int limit) = 0;
  // Counts one webhook delivery attempt and its outcome; kNotFound for an unknown alert.
  virtual Status RecordAlertDelivery(std::int64_t alert_id, bool delivered) = 0;

  // --- service tasks ---
  // Inserts the task as PENDING, created and updated at `now`.
  virtual Status AddServiceTask(const ServiceTask& task, std::string_view now) = 0;
  // Sets status, HTTP status and result; counts a delivery attempt when `count_attempt`.
  virtual Status UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                                   const std::string& result, bool count_attempt, std::string_view now) = 0;
  // kNotFound when absent.
  virtual Result<ServiceTask> GetServiceTask(const std::string& task_id) = 0;

  // Best effort, after deletions: copies the WAL into the database file and truncates it
  // (PRAGMA wal_checkpoint(TRUNCATE)), so erased ciphertexts and wrapped keys leave both files.
  // Waits up to the busy timeout for readers; a reader that still holds an older snapshot keeps
  // the old pages (in the WAL, and in the database file for pages not yet copied back) until a
  // later checkpoint: that is not an error. Errors: only an I/O failure.
  // REQUIRES: no transaction open on this connection.
  virtual Status Checkpoint() = 0;

 protected:
  explicit Store(StoreLayout layout) : layout_(std::move(layout)) {}

 private:
  StoreLayout layout_;
};

}  // namespace abis
