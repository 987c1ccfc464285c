// The store's rows in SQL, shared by the SQLite back end (the embedded default, sqlite/) and the
// PostgreSQL one (pg/): one connection per instance. The SQL here is what both dialects accept;
// what differs lives in the connection (SqlConnection) and in each back end's schema. A back end
// derives from SqlStore and adds its schema version and Checkpoint. Private to src/store;
// everything else sees only abis/store/store.h.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "abis/store/crypto.h"
#include "abis/store/store.h"
#include "sql/sql_connection.h"

namespace abis {

// The clause of ListGalleryTemplatesOfPersons for `persons` ids (bound after the gallery and the
// modality). The modality term is written so that no index serves it: the listing must be driven
// by the person ids (gallery_members, templates_person), never by a scan of a modality's templates.
std::string GalleryTemplatesOfPersonsClause(std::size_t persons);

// The FROM/WHERE clause after "FROM templates t" that lists an encounter's templates (both
// parameters the encounter id). Samples have no index by encounter: the person's templates are
// found through templates_person, then kept when their sample belongs to the encounter, so the
// listing costs a few rows, not a scan of every template (it ran once per search with a stored
// person: 0.35 s at 200k templates). Exposed for the test of its query plan.
inline constexpr char kEncounterTemplatesClause[] =
    "JOIN samples s ON s.id = t.sample_id WHERE t.person_id = (SELECT person_id FROM encounters WHERE id = ?) "
    "AND s.encounter_id = ? ORDER BY t.id";

class SqlStore : public Store {
 public:
  // `audit_page_rows`: ForEachAuditRow reads the log in pages of that many rows (0: one query).
  SqlStore(StoreLayout layout, std::unique_ptr<SqlConnection> db, const MasterKey& key, int audit_page_rows = 0)
      : Store(std::move(layout)), db_(std::move(db)), key_(key), audit_page_rows_(audit_page_rows) {}

  // The connection (for the store's own code).
  SqlConnection& connection() { return *db_; }

  Status Transaction(const std::function<Status()>& body) override;
  Status ReadTransaction(const std::function<Status()>& body) override;
  Result<AuditHead> ReadAuditHead() override;
  Status AppendAuditRow(const AuditRow& row, std::span<const std::int64_t> person_ids) override;
  Status ForEachAuditRow(const AuditRowFilter& filter, const std::function<Status(const AuditRow&)>& visit) override;
  Result<std::string> AuditEntryHashAt(std::int64_t seq) override;

  bool InTransaction() const override;
  bool Healthy() const override;
  Status Savepoint(const std::function<Status()>& body) override;
  Result<KeyRewrapCounts> RewrapDataKeys(const MasterKey& new_key,
                                         const std::function<void(const KeyRewrapCounts&)>& progress) override;
  Result<std::optional<bool>> FirstWrappedKeyOpensUnder(const MasterKey& key) override;
  Status AddPendingDedup(const PendingDedup& marker) override;
  Result<std::vector<PendingDedup>> ListPendingDedup(std::int64_t gallery_id, std::int64_t after_person_id,
                                                     int limit) override;
  Result<bool> RemovePendingDedup(std::int64_t person_id) override;
  Status AddPerson(Person& person) override;
  Result<Person> GetPerson(std::int64_t id) override;
  Result<Person> FindPerson(std::string_view external_id) override;
  Result<std::vector<Person>> ListPersons(std::int64_t after_id, int limit) override;
  Result<std::vector<Person>> ListExpiredPersons(std::string_view date, int limit) override;
  Status DeletePerson(std::int64_t id) override;
  Result<std::int64_t> AddEncounter(const Encounter& encounter) override;
  Result<Encounter> FindEncounter(std::int64_t person_id, std::string_view external_id) override;
  Result<std::vector<Encounter>> ListEncounters(std::int64_t person_id) override;
  Status SetEncounterActive(std::int64_t encounter_id, bool active) override;
  Status DeleteEncounter(std::int64_t encounter_id) override;
  Status ClearEncounter(std::int64_t encounter_id) override;
  Status MoveEncounter(std::int64_t encounter_id, std::int64_t target_person_id) override;
  Status MergePersonInto(std::int64_t source_id, std::int64_t target_id) override;
  Result<std::int64_t> AddSample(std::int64_t encounter_id, std::int64_t person_id, Modality modality,
                                 std::string_view format, FingerPosition position, std::span<const std::uint8_t> bytes,
                                 const nlohmann::json& options = nlohmann::json::object()) override;
  Result<std::int64_t> AddTemplate(std::int64_t sample_id, std::int64_t person_id,
                                   const BiometricTemplate& biometric_template) override;
  Result<std::vector<TemplateInfo>> ListTemplates(std::int64_t person_id) override;
  Result<std::vector<TemplateInfo>> ListActiveTemplates(std::int64_t person_id) override;
  Result<BiometricTemplate> LoadTemplate(std::int64_t template_id) override;
  Result<std::vector<std::uint8_t>> LoadSample(std::int64_t sample_id) override;
  Result<std::vector<SampleInfo>> ListSamples(std::int64_t person_id) override;
  Result<std::vector<SampleInfo>> ListSamplesOfModality(Modality modality, std::int64_t after_sample_id,
                                                        int limit) override;
  Result<TemplateReplacement> ReplaceSampleTemplates(std::int64_t sample_id,
                                                     const BiometricTemplate& biometric_template) override;
  Result<std::vector<TemplateInfo>> ListGalleryTemplates(std::int64_t gallery_id, Modality modality) override;
  Result<std::vector<TemplateInfo>> ListGalleryTemplatesOfPersons(std::int64_t gallery_id, Modality modality,
                                                                  const std::vector<std::int64_t>& person_ids) override;
  Result<std::vector<std::int64_t>> ListPersonsChangedSince(std::int64_t since_generation) override;
  Result<std::vector<TemplateInfo>> ListEncounterTemplates(std::int64_t encounter_id) override;
  Result<std::int64_t> GalleryGeneration() override;
  DerivedKey IndexSnapshotKey() const override;
  Result<std::int64_t> CountSamples(std::int64_t person_id) override;
  Result<std::int64_t> CreateGallery(const Gallery& gallery) override;
  Result<Gallery> FindGallery(std::string_view name) override;
  Result<std::vector<Gallery>> ListGalleries() override;
  Result<Gallery> FindGalleryWithoutMemberCount(std::string_view name) override;
  Result<std::vector<Gallery>> ListGalleriesWithoutMemberCount() override;
  Status AddGalleryMember(std::int64_t gallery_id, std::int64_t person_id) override;
  Status RemoveGalleryMember(std::int64_t gallery_id, std::int64_t person_id) override;
  Result<std::vector<std::string>> GalleriesOfPerson(std::int64_t person_id) override;
  Result<std::vector<std::pair<std::int64_t, std::string>>> ListGalleryMembers(std::int64_t gallery_id,
                                                                               std::int64_t after_person_id,
                                                                               int limit) override;
  Result<std::int64_t> AddWatchlistEntry(const WatchlistEntry& entry, std::string_view today) override;
  Result<std::vector<WatchlistEntry>> ActiveWatchlistEntries(std::int64_t gallery_id, std::int64_t person_id,
                                                             std::string_view now) override;
  Result<std::vector<WatchlistEntry>> ListWatchlistEntries(std::int64_t gallery_id) override;
  Result<WatchlistEntry> GetWatchlistEntry(std::int64_t entry_id) override;
  Status EndWatchlistEntry(const WatchlistEntry& entry, std::string_view now, std::string_view operator_name,
                           std::string_view reason) override;
  Result<std::int64_t> AddUser(const UserRecord& user) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Result<UserRecord> FindUser(std::string_view name) override;
  Status SetUserDisabled(std::int64_t user_id, bool disabled) override;
  Status AddApiKey(const ApiKeyRecord& key) override;
  Status RevokeApiKeys(std::int64_t user_id) override;
  Result<std::pair<ApiKeyRecord, UserRecord>> FindApiKey(std::string_view key_id) override;
  Result<std::int64_t> AddSearchCandidate(const SearchCandidateRecord& candidate) override;
  Result<SearchCandidateRecord> GetSearchCandidate(std::int64_t candidate_id) override;
  Result<std::vector<std::int64_t>> ListSearchCandidateIds(std::int64_t search_seq) override;
  Status AddCandidateDecision(const CandidateDecisionRow& decision) override;
  Result<std::vector<CandidateDecisionRow>> ListCandidateDecisions(std::int64_t candidate_id) override;
  Result<std::vector<std::int64_t>> ListOpenSearchCandidateIds(const OpenCandidateFilter& filter, int limit) override;
  Result<std::int64_t> AddSearchProbe(const SearchProbeRecord& probe, std::span<const std::uint8_t> bytes) override;
  Result<std::vector<SearchProbeRecord>> ListSearchProbes(std::int64_t search_seq) override;
  Result<std::pair<SearchProbeRecord, std::vector<std::uint8_t>>> LoadSearchProbe(std::int64_t probe_id) override;
  Result<std::int64_t> DeleteSearchProbes(std::string_view today, std::string_view case_ref) override;
  Result<std::int64_t> AddWatchlistAlert(const WatchlistAlert& alert) override;
  Result<std::vector<WatchlistAlert>> ListWatchlistAlerts(std::int64_t after_id, int limit) override;
  Status RecordAlertDelivery(std::int64_t alert_id, bool delivered) override;
  Status AddServiceTask(const ServiceTask& task, std::string_view now) override;
  Status UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                           const std::string& result, bool count_attempt, std::string_view now) override;
  Result<ServiceTask> GetServiceTask(const std::string& task_id) override;

 private:
  // Runs `erase` in a transaction (joining the caller's); when this call committed it, then
  // checkpoints (best effort).
  Status EraseThenCheckpoint(const std::function<Status()>& erase);
  // Re-seals a sample and its templates for another person and encounter.
  Status ResealSample(std::int64_t sample_id, std::int64_t person_id, std::int64_t encounter_id);
  std::unique_ptr<SqlConnection> db_;
  MasterKey key_;
  int audit_page_rows_;
};

}  // namespace abis
