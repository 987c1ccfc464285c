// The operations of the system, as an operator performs them: every call checks the operator's
// role (and, for searches, the purpose), runs its change and its audit entry in one transaction,
// and records refusals too. The CLI and the HTTP service are thin layers over this class.
// Thread-safety: one AbisSystem per thread (it owns a Store connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/access/policy.h"
#include "abis/access/users.h"
#include "abis/audit/audit_log.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/records.h"
#include "abis/store/service_task.h"
#include "abis/store/store.h"
#include "abis/store/watchlist_alert.h"
#include "abis/system/candidate_fusion.h"
#include "abis/system/gallery_index_cache.h"
#include "abis/system/gallery_searcher.h"
#include "abis/system/record_views.h"

namespace abis {

// The two-person review of candidates (abis/system/candidate_review.h, which includes this header).
struct CandidateReview;
enum class CandidateDecision : std::uint8_t;
// A search of every face of one still (abis/system/each_face_search.h, which includes this header).
struct EachFaceSearchRequest;
struct EachFaceSearchResult;
// A kinship search of remains and families of missing persons (abis/system/kinship_search.h).
struct KinshipSearchRequest;
struct KinshipSearchResult;
struct DviJobRequest;
struct DviJobResult;
// Enrolment of many new persons in few transactions (abis/system/batch_enrolment.h).
struct PreparedPerson;
struct NewPersonsBatch;
struct NewPersonsCommit;

// Gives the engine for a modality (created lazily by the caller, e.g. from the CLI plugins).
// The engine must outlive the AbisSystem.
using EngineProvider = std::function<Result<const ModalityEngine*>(Modality)>;

struct EnrolRequest {
  std::string person;           // external id
  SampleInput sample;
  // The encounter's external id. Empty: a new encounter with a generated id. Otherwise a new
  // encounter with this id (kAlreadyExists when the person has it), or, with join_encounter,
  // the person's existing encounter of that id gains the sample.
  std::string encounter_id;
  bool join_encounter = false;
  std::string encounter_kind = "enrollment";
  std::string source_agency;
  std::vector<std::string> galleries;  // also add the person to these galleries
  // Recorded as the audit entry's case reference (e.g. the MOSIP requestId of an INSERT); empty
  // for none. At most 128 characters.
  std::string case_ref;
};

struct EnrolResult {
  std::int64_t person_id = 0;
  std::int64_t encounter_id = 0;
  std::int64_t sample_id = 0;
  std::int64_t template_id = 0;
  BiometricTemplate biometric_template;  // for the caller's report (quality); data is not printed
  std::int64_t audit_seq = 0;
};

// One encounter of a person from one or more samples: what every front end enrols (the CLI,
// OSIA, MOSIP, ANSI/NIST import).
struct SampleRejection {
  std::size_t index = 0;  // into EncounterEnrolment::samples
  Status status;
};

// A check of an encounter's samples against what the person already holds (e.g. a slap's fingers
// against the person's stored single-finger templates). Called inside the enrolment's transaction,
// before anything is stored, with the person's active templates (none when the person is new) and
// the templates just extracted (index into the samples, template). An error refuses the whole
// encounter; each rejection returned refuses its sample as an engine rejection would (kRefuseAll:
// the encounter).
using StoredSamplesCheck = std::function<Result<std::vector<SampleRejection>>(
    const std::vector<BiometricTemplate>& stored,
    const std::vector<std::pair<std::size_t, BiometricTemplate>>& extracted)>;

struct EncounterEnrolment {
  std::string person;                // external id
  std::optional<Person> new_person;  // set: the person is created with the encounter (its id is `person`)
  std::vector<SampleInput> samples;  // 1 to kMaxSamplesPerEncounter
  std::string encounter_id;          // empty: generated; else a new encounter with this id
  std::string encounter_kind = "enrollment";
  std::string source_agency;
  std::vector<std::string> galleries;  // the person joins these (non-watchlist) galleries
  std::string case_ref;                // recorded in the audit entries; empty for none
  // kRefuseAll: a sample its engine rejects refuses the whole encounter. kSkip: rejected samples
  // are left out and listed; when every sample is rejected nothing is stored (the result then
  // lists the rejections and no sample).
  enum class RejectedSamples { kRefuseAll, kSkip };
  RejectedSamples rejected_samples = RejectedSamples::kRefuseAll;
  StoredSamplesCheck check_against_stored;  // optional
};

inline constexpr std::size_t kMaxSamplesPerEncounter = 100;

struct EncounterEnrolmentResult {
  std::int64_t person_id = 0;
  std::int64_t encounter_id = 0;
  std::string encounter_external_id;
  bool person_created = false;
  std::vector<EnrolResult> samples;       // the stored samples, in input order
  std::vector<SampleRejection> rejected;  // with kSkip only
};

inline constexpr int kDefaultProbeRetentionDays = 365;

struct SearchRequest {
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;
  std::string gallery;                 // gallery name
  std::vector<SampleInput> probes;     // one or more samples, any modalities
  // Deduplication from stored data: this person's templates (active encounters) are probes too,
  // and the person is never a candidate. Empty: none.
  std::string probe_person;
  std::string probe_encounter;  // with probe_person: only this encounter's templates
  // With probe_person: only the stored templates of these modalities are probes; empty: all.
  std::set<Modality> probe_modalities;
  // Set: only these persons (external ids, at most kMaxRestrictedPersons, each a member of the
  // gallery) are compared, exactly (e.g. MOSIP's referenceIds); empty: nobody. Unset: the gallery.
  std::optional<std::vector<std::string>> within_persons;
  std::size_t max_candidates = 10;
  double target_false_match_rate = 1e-4;  // operating point of the decision
  // Candidates whose fused log-LR is below this are dropped before they are recorded.
  std::optional<double> min_fused_log_lr;
  // Only candidates that pass the operating point are kept and recorded (a deduplication check:
  // every lead is a possible duplicate).
  bool hits_only = false;
  // With probe_person: only persons created before it (a lower store id) are candidates, so that
  // the deduplication of a batch compares each pair of new persons once, from the later one.
  bool earlier_persons_only = false;
  // With probe_person: the person's pending-deduplication marker (Store::AddPendingDedup) is
  // removed in the transaction of the search's audit entry and leads: the owed search is done.
  bool completes_pending_dedup = false;
  // New watchlist alerts are marked for webhook delivery (the caller delivers them).
  bool alerts_via_webhook = false;
  // The probe samples of a search that found candidates are kept sealed with it (for the
  // examiners' comparison) for this many days (1-3650), then erased by ApplyRetention.
  int probe_retention_days = kDefaultProbeRetentionDays;
};

struct CandidateResult {
  std::int64_t person_id = 0;
  std::string external_id;
  std::string category;
  double fused_log_lr = 0.0;              // sum over probe groups of calibrated log-LRs (candidate_fusion.h)
  std::vector<ProbeEvidence> per_probe;   // the best comparison of each probe group
  bool hit = false;                       // passes the operating point on at least one probe
  std::vector<WatchlistEntry> watchlist;  // active watchlist entries when a hit on a watchlist
  std::int64_t review_id = 0;             // the recorded lead, for two-person review (candidate id)
};

// Watchlist entries as the answers show them: [{entry_id, authority_reference, reason, expires_at}].
nlohmann::json WatchlistEntriesJson(const std::vector<WatchlistEntry>& entries);

struct SearchResult {
  std::vector<CandidateResult> candidates;  // best first
  std::size_t gallery_size = 0;             // templates searched
  std::size_t skipped_templates = 0;        // templates of another algorithm (not comparable)
  std::size_t quarantined_templates = 0;    // damaged templates (failed authentication) left out
  std::int64_t audit_seq = 0;
  std::vector<WatchlistAlert> alerts;       // raised by this search, stored and audited
  nlohmann::json ToJson() const;
};

inline constexpr std::size_t kMaxRestrictedPersons = 10000;

// A sample an examiner compares (metadata; the bytes come from ReadCandidateImage).
struct ComparedSample {
  std::int64_t id = 0;            // sample id (candidate) or kept probe id (probe)
  std::int64_t encounter_id = 0;  // candidate samples only
  Modality modality = Modality::kFace;
  std::string format;
  FingerPosition position = FingerPosition::kUnknown;
};

// A kept probe compared again with the candidate's templates of its modality (and finger): the
// best comparison, and the false match rate of the engine's calibration at that score.
struct ProbeComparison {
  std::int64_t probe_id = 0;
  std::int64_t sample_id = 0;  // the candidate's sample whose template compared best
  double score = 0.0;
  double log_lr = 0.0;
  std::optional<double> false_match_rate;  // unset when the engine's calibration cannot say
  nlohmann::json details = nlohmann::json::object();  // the engine's (e.g. minutiae paired)
  // ModalityEngine::ExaminerView of the pair (alleles per locus, minutiae positions): biometric
  // data for the examiner's page only, never in search answers or the audit log.
  nlohmann::json examiner_view = nlohmann::json::object();
};

// What the review queue is narrowed to (applied by the store, before the queue's limit); an empty
// field does not narrow. `state`: "unreviewed" or "one_confirmation" ("confirmed" and "rejected"
// are never open, so select nothing); any other text is kInvalidArgument.
struct ReviewQueueFilter {
  std::string case_ref;
  std::string purpose;
  std::string gallery;
  std::string state;
};

struct CandidateComparison {
  std::vector<ComparedSample> probes;             // the kept probes of the search, in probe order
  std::vector<ComparedSample> candidate_samples;  // the candidate person's samples, oldest first
  std::vector<ProbeComparison> comparisons;       // one per probe that has a comparable template
  std::vector<std::string> comparison_errors;     // probes that could not be compared, and why
};

// How the examiner's page shows a sample: as stored, or as its engine prepares it before
// extraction (ModalityEngine::PreparedImage: for faces the aligned crop the model embeds).
enum class SampleView : std::uint8_t { kAsStored, kPrepared };

struct ViewedSample {
  Modality modality = Modality::kFace;
  std::string format;  // kPrepared: "png"
  FingerPosition position = FingerPosition::kUnknown;
  std::vector<std::uint8_t> bytes;
  std::int64_t encounter_id = 0;
  nlohmann::json options = nlohmann::json::object();  // the engine options kept with the sample
};

struct VerifyRequest {
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;
  std::string person;               // claimed identity (external id)
  std::vector<SampleInput> probes;  // 1 to kMaxSamplesPerEncounter, any modalities
  double target_false_match_rate = 1e-4;
};

struct VerifyResult {
  bool match = false;          // every probe passes the operating point
  double fused_log_lr = 0.0;   // sum over probes of the best reference's log-LR
  // One per probe, in input order: its best comparison with the person's templates of the same
  // modality (and finger, when both are known).
  std::vector<ComparedGroup> probes;
  std::int64_t audit_seq = 0;
};

// 1:1 comparison of two sets of samples that are not stored (OSIA verify from biometric data).
struct CompareRequest {
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;
  std::vector<SampleInput> first;
  std::vector<SampleInput> second;
  double target_false_match_rate = 1e-4;
};

struct CompareResult {
  bool match = false;        // every compared modality/position passes the operating point
  double fused_log_lr = 0.0; // sum over compared groups of the best pair's log-LR
  // One per (modality, finger position) present in both sets: the best pair of it.
  std::vector<ComparedGroup> groups;
  std::int64_t audit_seq = 0;
};

struct GalleryMember {
  std::int64_t person_id = 0;
  std::string external_id;
  std::vector<std::string> active_encounters;  // external ids of the encounters a search sees
};

// A stored sample as it was captured, for export (e.g. to an ANSI/NIST-ITL transaction).
struct StoredSample {
  std::int64_t sample_id = 0;
  Modality modality = Modality::kFace;
  std::string format;
  FingerPosition position = FingerPosition::kUnknown;
  std::vector<std::uint8_t> bytes;
  std::int64_t encounter_id = 0;
  nlohmann::json options = nlohmann::json::object();  // the engine options kept with the sample
};

// A request refused for its content, as the audit log keeps it (AbisSystem::AuditRejectedRequest).
struct RejectedRequest {
  std::string route;                      // the route's pattern, e.g. "/v1/identify/{galleryId}"
  int http_status = 400;
  StatusCode error = StatusCode::kInvalidArgument;
  std::int64_t body_bytes = 0;
  std::string body_sha256;                // empty when there was no body
  std::vector<std::string> query_parameters;  // names only, each validated or replaced by "?"
};

struct RetentionRequest {
  std::string today;        // the reference date YYYY-MM-DD; empty: today (UTC)
  // Required when `today` is not today's date: moving the reference date erases records early
  // (or late), so the reason is audited with every batch.
  std::string date_reason;
  int batch_size = 500;     // persons per transaction, 1-10000
};

struct RetentionReport {
  std::int64_t deleted = 0;
  std::int64_t probes_deleted = 0;  // kept search probes past their retention date
  std::int64_t batches = 0;
  std::vector<std::string> deleted_external_ids;
};

// What AbisSystem::ReextractTemplates did (also what its progress callback sees after each batch).
// How AbisSystem::RotateMasterKey reports and what a test may inject.
struct KeyRotationOptions {
  // Called with the running counts after each page of re-wrapped rows (progress on stderr).
  std::function<void(const KeyRewrapCounts&)> progress;
  // Tests only: runs after the re-wrap committed, before the new key file is renamed over the
  // old one; an error stops the rotation there, as a crash would.
  std::function<Status()> after_commit_for_testing;
};

// What AbisSystem::RotateMasterKey did.
struct KeyRotationReport {
  KeyRewrapCounts rewrapped;
  std::int64_t audit_seq = 0;   // the "store.rotate_key" entry
  std::string key_file;         // now holding the new key
  double seconds = 0;           // the re-wrap transaction, commit included
};

struct ReextractionReport {
  std::string algorithm;             // the engine's algorithm id: every new template has it
  std::int64_t samples = 0;          // samples listed (including any deleted or skipped meanwhile)
  std::int64_t reextracted = 0;      // templates replaced
  std::int64_t skipped_expired = 0;  // samples of persons past their retention date: not processed
  std::int64_t batches = 0;
  std::int64_t last_sample_id = 0;   // to resume after an interruption (`after_sample_id`)
  struct Failure {
    std::int64_t sample_id = 0;
    std::string error;
  };
  std::vector<Failure> failures;     // extraction failed now: these samples keep their old templates
};

// What AbisSystem::Initialize made: the first administrator and its API key (shown once).
struct InitializedStore {
  Operator admin;
  std::string admin_api_key;
  std::string key_source;  // where the master key lives (StoreLayout::KeySourceDescription)
  std::string location;    // the store: its folder, or its database URI without the password
};

class AbisSystem {
 public:
  // Creates a store in `store_dir` (schema, master key) with its first administrator, audited
  // as "store.init" with `details` in the entry's result. An existing store is kAlreadyExists.
  static Result<InitializedStore> Initialize(const std::filesystem::path& store_dir, const std::string& admin_name,
                                             const nlohmann::json& details = nlohmann::json::object());
  // The store at `store_dir` (a folder or a database URI) as messages may show it: a URI's
  // password replaced by "***".
  static std::string DescribeStore(const std::filesystem::path& store_dir);
  // Verifies the audit chain of the store in `store_dir` without the master key or an operator
  // (an oversight body checking a copy), optionally against an anchor. Nothing is written.
  static Result<AuditVerification> VerifyAuditOffline(
      const std::filesystem::path& store_dir, const AuditCheckpoint* anchor = nullptr,
      const std::optional<std::array<std::uint8_t, 32>>& trusted_key = std::nullopt);

  // `gallery_indexes` may be shared by several AbisSystems of one process (they then reuse each
  // other's in-memory gallery indexes); null: a private cache.
  static Result<std::unique_ptr<AbisSystem>> Open(const std::filesystem::path& store_dir, EngineProvider engines,
                                                  std::shared_ptr<GalleryIndexCache> gallery_indexes = nullptr);

  // For tests and benchmarks only (white-box checks of what was stored), as LevelDB's TEST_
  // methods: production code goes through the operations below, never to the store directly
  // (tools/check_boundary.sh fails the build's tests if anything under src/ calls it).
  Store& TEST_store() { return *store_; }
  // False when the store connection is in an unknown state (a transaction left open or a failed
  // rollback): the owner must close this system rather than reuse it.
  bool ConnectionHealthy() const { return store_->Healthy(); }

  // Checks an API key; a refusal is audited (action "auth.refused") with the key's public id and
  // `source` (the client's address, empty for the CLI); the secret is never recorded.
  Result<Operator> Authenticate(const std::string& api_key, const std::string& source = "");
  // For a browser session signed in earlier as `op` with the API key `key_id` (ApiKeyId):
  // kUnauthenticated when that user has since been disabled, removed or given another role, or
  // the key revoked, expired or removed (the session must end).
  Status CheckSignedInOperator(const Operator& op, const std::string& key_id);
  // Whether an API key with this public id exists (enabled or not): cheap, unaudited, for the
  // service's sign-in throttle. The id is not secret.
  Result<bool> KnownApiKeyId(const std::string& key_id);
  // Records that sign-ins from `source` or for `key_id` are being refused unchecked after
  // `failures` failures within `window_seconds` (action "auth.throttled").
  Status AuditSignInThrottled(const std::string& source, const std::string& key_id, std::int64_t failures,
                              std::int64_t window_seconds);
  // Records a browser session of the examiner workstation starting ("session.start") or ended by
  // sign-out ("session.end"): who, from which address, and the session's lifetime in seconds
  // (start only). The session token is never recorded.
  Status AuditWebSession(const Operator& op, bool start, const std::string& source, std::int64_t lifetime_seconds);
  // Records a request refused for its content (HTTP 400/413/415): who, which route, why (the error
  // code), and the body's size and SHA-256 and the query's parameter names, never their bytes.
  Status AuditRejectedRequest(const Operator& op, const RejectedRequest& request);

  // --- users (admin) ---
  // Adds a user and returns its first API key.
  Result<std::pair<User, std::string>> AddUser(const Operator& op, const std::string& name, Role role);
  Result<std::vector<User>> ListUsers(const Operator& op);
  Status DisableUser(const Operator& op, const std::string& name);
  // A disabled user may work again, with a new key (IssueUserKey); audited "user.enable".
  Status EnableUser(const Operator& op, const std::string& name);
  // A new API key for the user (shown once; the audit keeps its public key id only); with
  // `revoke_existing` every older key is revoked in the same transaction (key rotation).
  Result<std::string> IssueUserKey(const Operator& op, const std::string& name, bool revoke_existing);

  // --- persons ---
  // `case_ref` (empty for none, at most 128 characters) is recorded as the audit entry's case
  // reference, e.g. the MOSIP requestId of the INSERT that created the person.
  Result<Person> AddPerson(const Operator& op, Person person, const std::string& case_ref = "");
  // A person with the ids of its templates and galleries; audited as a read.
  Result<PersonRecord> ShowPerson(const Operator& op, const std::string& external_id);
  Result<std::vector<Person>> ListPersons(const Operator& op, std::int64_t after_id, int limit);
  // Whether a gallery lookup counts the members (Gallery::member_count): the count reads every
  // member row (about 0.1 s per million), so per-request paths that need only the gallery's id,
  // kind or name ask for kNotCounted (member_count is then -1).
  enum class MemberCount { kCounted, kNotCounted };
  // A gallery by name (role: read persons; not audited: no person named).
  Result<Gallery> FindGallery(const Operator& op, const std::string& name,
                              MemberCount count = MemberCount::kCounted);
  // The galleries a person belongs to (role: read persons); kNotFound for an unknown person.
  Result<std::vector<std::string>> GalleriesOfPerson(const Operator& op, const std::string& external_id);
  // Whether a person with this external id exists (role: read persons; not audited: it names no
  // record content, and callers use it to choose between creating a person and adding to one).
  Result<bool> PersonExists(const Operator& op, const std::string& external_id);
  // Crypto-erases the person; the audit entry keeps who, when and why (`reason`, required).
  Status DeletePerson(const Operator& op, const std::string& external_id, const std::string& reason);

  // --- encounters (audited; `person` and `encounter` are external ids) ---
  // The person's encounters with the metadata of their templates; audited as a read.
  Result<PersonEncounters> ReadEncounters(const Operator& op, const std::string& person);
  // One encounter (the only element of `encounters`) with its person and their galleries.
  Result<PersonEncounters> ReadEncounter(const Operator& op, const std::string& person, const std::string& encounter);
  // An inactive encounter keeps its data but is not searched. Deactivating (or replacing) an
  // encounter of a person on an active watchlist needs the manage_galleries role as well.
  Status SetEncounterActive(const Operator& op, const std::string& person, const std::string& encounter, bool active);
  // Replaces the encounter's samples and templates with `samples` (all extracted before anything
  // changes; one transaction).
  Result<std::vector<EnrolResult>> ReplaceEncounter(const Operator& op, const std::string& person,
                                                    const std::string& encounter, const std::vector<SampleInput>& samples);
  // Crypto-erases one encounter; `reason` is required and audited. With
  // `delete_person_when_empty` (OSIA's rule) the person goes too when it was the last encounter.
  Status DeleteEncounter(const Operator& op, const std::string& person, const std::string& encounter,
                         const std::string& reason, bool delete_person_when_empty = false);
  // Identity corrections (role: merge_records). See Store::MoveEncounter / MergePersonInto.
  Status MoveEncounter(const Operator& op, const std::string& source, const std::string& encounter,
                       const std::string& target);
  Status MergePersons(const Operator& op, const std::string& source, const std::string& target);

  // --- galleries ---
  Result<Gallery> CreateGallery(const Operator& op, const Gallery& gallery);
  Status AddToGallery(const Operator& op, const std::string& gallery, const std::string& person);
  Status RemoveFromGallery(const Operator& op, const std::string& gallery, const std::string& person);
  Result<std::vector<Gallery>> ListGalleries(const Operator& op, MemberCount count = MemberCount::kCounted);
  // Members after `after_person_id` in person-id order, at most `limit` (1-10000); audited
  // ("gallery.members"): the list says who is on a gallery or watchlist.
  Result<std::vector<GalleryMember>> ListGalleryMembers(const Operator& op, const std::string& gallery,
                                                       std::int64_t after_person_id, int limit);
  // Makes the person a member of exactly these (non-watchlist) galleries; watchlist memberships
  // are left alone (they follow watchlist entries).
  Status SetPersonGalleries(const Operator& op, const std::string& person, const std::vector<std::string>& galleries);
  // An entry needs an authority reference, a reason and an expiry after today; a second active
  // entry of the same person, watchlist and authority reference is kAlreadyExists.
  Result<std::int64_t> AddWatchlistEntry(const Operator& op, const std::string& gallery, const std::string& person,
                                         const std::string& authority_reference, const std::string& reason,
                                         const std::string& expires_at);
  // Every entry of a watchlist (active, expired, ended), by id; audited ("watchlist.list").
  Result<std::vector<WatchlistEntry>> ListWatchlistEntries(const Operator& op, const std::string& gallery);
  // Ends an entry now (role: manage_galleries, i.e. examiner or admin), with a reason, audited
  // ("watchlist.end"): it never alerts again, and a person with no active entry left leaves the
  // watchlist. Removing a person from a watchlist gallery directly is refused.
  Status EndWatchlistEntry(const Operator& op, const std::string& gallery, std::int64_t entry_id,
                           const std::string& reason);

  // --- biometrics ---
  Result<EnrolResult> Enrol(const Operator& op, const EnrolRequest& request);
  // Enrols one encounter all-or-nothing: every sample is extracted first, outside the write lock;
  // then the person (when new), the encounter and its samples commit in one transaction, each
  // sample audited as "enrol" (and a new person as "person.add"). A failure stores nothing and
  // names the sample (index from 1 and source name).
  Result<EncounterEnrolmentResult> EnrolEncounter(const Operator& op, const EncounterEnrolment& request);
  // The first half of a batch enrolment (rules: batch_enrolment.h): checks the request and the
  // roles and extracts every sample; reads and writes nothing stored, so any number of threads
  // (each with its own AbisSystem) prepare while one commits. A bad sample fails the person
  // (naming the sample); nothing is stored either way.
  Result<PreparedPerson> PrepareNewPerson(const Operator& op, EncounterEnrolment request);
  // As PrepareNewPerson for samples that are already templates of this system's engines
  // (template-level imports and benchmarks such as `abis bench store`): `templates[i]` is sample
  // i's template, checked by its engine (modality, algorithm, position, and a comparison with
  // itself, which parses and validates the payload) instead of extracted. The sample bytes are
  // still sealed and hashed at commit like any sample's; the commit is the ordinary one.
  Result<PreparedPerson> PrepareNewPersonWithTemplates(const Operator& op, EncounterEnrolment request,
                                                       std::vector<BiometricTemplate> templates);
  // The second half: one write transaction, one "enrol.batch" audit entry. An error means nothing
  // of the batch was written.
  Result<NewPersonsCommit> CommitNewPersons(const Operator& op, const std::vector<PreparedPerson>& persons,
                                            const NewPersonsBatch& batch);
  // Persons of the gallery whose deduplication search is owed (Store::PendingDedup), by person id
  // after `after_person_id`, at most `limit` (1-10000); role: enrol. Not audited (ids only, and
  // the search that completes each is).
  Result<std::vector<std::string>> ListPendingDedup(const Operator& op, const std::string& gallery,
                                                    std::int64_t after_person_id, int limit,
                                                    std::int64_t* last_person_id);
  Result<SearchResult> Search(const Operator& op, const SearchRequest& request);
  // One ordinary search per usable face of one probe still (rules: each_face_search.h).
  Result<EachFaceSearchResult> SearchEachFace(const Operator& op, const EachFaceSearchRequest& request);
  // Remains against families of missing persons, or a family against remains, by pedigree LR
  // (rules: kinship_search.h); one "kinship_search" audit entry, candidates kept for review.
  Result<KinshipSearchResult> KinshipSearch(const Operator& op, const KinshipSearchRequest& request);
  // Disaster victim identification: a remains gallery against a families gallery in one job, with
  // the joint assignment (rules: dvi_job.h); one "dvi_job" audit entry, assignments kept for review.
  Result<DviJobResult> IdentifyDisasterVictims(const Operator& op, const DviJobRequest& request);
  // Every probe is extracted before anything is read; one audit entry ("verify") for the request.
  // A probe with no comparable template of the person is kFailedPrecondition.
  Result<VerifyResult> Verify(const Operator& op, const VerifyRequest& request);
  // Nothing is stored; audited as "compare" with the hashes of both sets. No comparable pair
  // (no shared modality and position) is kFailedPrecondition.
  Result<CompareResult> CompareSamples(const Operator& op, const CompareRequest& request);
  // Decrypts every sample of a person for export to another system; audited with the purpose,
  // case and destination (a file name or system), and the hashes of what left.
  Result<std::vector<StoredSample>> ExportSamples(const Operator& op, const std::string& external_id,
                                                  Purpose purpose, const std::string& case_ref,
                                                  const std::string& destination);

  // --- accountability ---
  // Verifies the audit chain (role: read_audit) and, with `anchor`, that it still holds the
  // anchored entry (VerifyAuditAnchor, `trusted_key` optional). An intact verification is itself
  // audited ("audit.verify"); a broken chain is reported, not written to.
  Result<AuditVerification> VerifyAudit(const Operator& op, const AuditCheckpoint* anchor = nullptr,
                                        const std::optional<std::array<std::uint8_t, 32>>& trusted_key = std::nullopt);
  // Signs the head of the verified audit chain (auditor or admin) for the auditor to keep
  // elsewhere (docs/AUDIT_FORMAT.md, "Anchoring"); audited as "audit.checkpoint".
  Result<AuditCheckpoint> CheckpointAudit(const Operator& op, const AuditSigningKey& key);
  // Writes the entries the filter selects as JSON lines (role: read_audit); the export is audited
  // with its filter.
  Result<std::int64_t> ExportAudit(const Operator& op, const AuditFilter& filter, std::ostream& out);
  // Deletes persons whose retention date is before the reference date, `batch_size` per
  // transaction (role: apply_retention); each batch is audited ("retention.delete").
  Result<RetentionReport> ApplyRetention(const Operator& op, const RetentionRequest& request,
                                         const std::function<void(std::int64_t done)>& progress = {});
  // What ApplyRetention would delete, changing nothing: at most `limit` (1-10000) persons, those
  // expired longest first; audited ("retention.preview", it names the persons).
  Result<std::vector<Person>> PreviewRetention(const Operator& op, const RetentionRequest& request, int limit);
  // Extracts the template of every stored sample of `modality` again, with the current engine and
  // the options the sample was enrolled with: after an extractor upgrade (the gain reaches stored
  // records) or an algorithm change (templates of another algorithm id are not searched). Samples
  // with an id above `after_sample_id`, `batch_size` (1-10000) per write transaction, each batch
  // one audit entry ("reextract"), indexed under the persons who own the samples when it is
  // written. Samples are decrypted one at a time and wiped after extraction. A sample that cannot
  // be decrypted or extracted now keeps its old template and is listed in the report; samples of
  // persons past their retention date are skipped. A crash loses at most the batch in progress;
  // an error says up to which sample the run got (resume with `after_sample_id`). `progress` is
  // called after each batch.
  Result<ReextractionReport> ReextractTemplates(const Operator& op, Modality modality, int batch_size,
                                                std::int64_t after_sample_id,
                                                const std::function<void(const ReextractionReport&)>& progress = {});
  // Rotates the master key (role: rotate_master_key; docs/STORE_LIFECYCLE.md "Rotating the
  // master key"): writes a new key to `<key file>.new`, re-wraps every data key under it in one
  // write transaction with the audit entry "store.rotate_key" (counts only), deletes the gallery
  // index snapshots of this host (sealed under a key derived from the old one), renames the new
  // file over the key file and syncs the folder, then checkpoints the WAL. A row whose wrapped key
  // does not open stops the rotation (kDataLoss naming it; nothing changed, audited as
  // "store.rotate_key.failed"). A key command is refused (kFailedPrecondition with the manual
  // steps). Other processes of the store must be stopped first: only writers are excluded (the
  // transaction's write lock). This system keeps the old key: close it afterwards.
  Result<KeyRotationReport> RotateMasterKey(const Operator& op, const KeyRotationOptions& options = {});
  // --- review of candidates and watchlist alerts (rules: candidate_review.h, alerts.h) ---
  // One examiner's decision (role: decide_candidates); every decision and refusal is audited.
  Result<CandidateReview> DecideOnCandidate(const Operator& op, std::int64_t candidate_id, CandidateDecision decision,
                                            const std::string& comment);
  Result<CandidateReview> ReadCandidateReview(const Operator& op, std::int64_t candidate_id);
  Result<std::vector<CandidateReview>> ReadSearchReviews(const Operator& op, std::int64_t search_seq);
  // The candidates waiting for a decision (no rejection, fewer than two confirmations) that
  // `filter` selects, ordered by case, search and rank, at most `limit` (1-1000); audited with
  // the names of the filters used (role: read_candidate_reviews).
  Result<std::vector<CandidateReview>> ListOpenReviews(const Operator& op, const ReviewQueueFilter& filter, int limit);
  // What an examiner compares for a candidate: the kept probes of its search and the candidate's
  // samples (metadata, never bytes); audited "candidate.comparison.read".
  Result<CandidateComparison> ReadCandidateComparison(const Operator& op, std::int64_t candidate_id);
  // The bytes of one kept probe (`probe` true) or one of the candidate person's samples, viewed for
  // the review of `candidate_id`; any other id is kNotFound. Audited "candidate.image.read" with
  // the search's purpose and case (role: read_candidate_reviews), also when the engine then
  // prepares no image (`view` kPrepared: the engine's error, e.g. no face found).
  Result<ViewedSample> ReadCandidateImage(const Operator& op, std::int64_t candidate_id, bool probe, std::int64_t id,
                                          SampleView view = SampleView::kAsStored);
  // Alerts with id > after_id, oldest first, at most `limit` (1-1000); audited (role: read_alerts).
  Result<std::vector<WatchlistAlert>> ListAlerts(const Operator& op, std::int64_t after_id, int limit);
  // Records one webhook delivery attempt of an alert (the service's background delivery).
  Status RecordAlertDelivery(std::int64_t alert_id, bool delivered);

  // --- service tasks (the HTTP service's asynchronous requests) ---
  // Records a new PENDING task owned by `op` (task.id chosen by the caller, unique).
  Status CreateServiceTask(const Operator& op, const ServiceTask& task);
  // Moves a task to `status`; `result` is what is (re)delivered; `count_attempt` counts a delivery.
  Status UpdateServiceTask(const std::string& task_id, const std::string& status, int http_status,
                           const std::string& result, bool count_attempt);
  // The task, when `op` owns it; another operator's task is kNotFound.
  Result<ServiceTask> ReadServiceTask(const Operator& op, const std::string& task_id);
  // The store's schema version (for health checks).
  Result<int> SchemaVersion();

  // Everything held about a person and every audited action that concerned them.
  Result<SubjectAccessReport> SubjectReport(const Operator& op, const std::string& external_id);

  // Gallery index snapshots (abis/system/gallery_index_snapshot.h): writes the snapshots of the
  // cached indexes the policy selects (the CLI after a search, the service at shutdown and
  // after changes). Maintenance of derived data: no operator, nothing audited but failures.
  SnapshotSaveReport SaveIndexSnapshots(const SnapshotSavePolicy& policy = {});
  // Brings the cached indexes of `gallery` up to date (building or loading them as a search
  // would: one per modality with a gallery state, and per finger position present), so that the
  // next SaveIndexSnapshots writes them: after a batch import, the first search then loads a
  // snapshot instead of preparing every template. Needs the right to enrol. A refused snapshot or
  // a damaged template met on the way is audited as a search audits it; an index that fails does
  // not stop the others (the first failure is returned). Returns the templates the indexes hold.
  Result<std::size_t> RefreshGalleryIndexes(const Operator& op, const std::string& gallery);
  // Bytes each cached gallery index holds in memory.
  std::vector<GalleryIndexMemory> IndexMemory() const;
  // Unrestricted searches take their candidate lists from `searcher` (abis/system/gallery_searcher.h)
  // instead of this process's gallery indexes; null: this process's indexes (the default).
  void SetGallerySearcher(std::shared_ptr<GallerySearcher> searcher) { gallery_searcher_ = std::move(searcher); }

 private:
  AbisSystem(std::unique_ptr<Store> store, EngineProvider engines, std::shared_ptr<GalleryIndexCache> gallery_indexes)
      : store_(std::move(store)), engines_(std::move(engines)), gallery_indexes_(std::move(gallery_indexes)) {}
  // Inside EnrolEncounter's transaction: runs request.check_against_stored on the person's active
  // templates; under kSkip drops the refused samples from `extracted` into `rejected`.
  Status CheckAgainstStored(const EncounterEnrolment& request,
                            std::vector<std::pair<std::size_t, BiometricTemplate>>& extracted,
                            std::vector<SampleRejection>& rejected);
  // Runs `body` (may be empty) in one write transaction with the audit of what the index cache met
  // since the last call (snapshots refused on loading, templates put in quarantine) and of
  // `also_quarantined` (each template once). When the transaction does not commit, the cache's
  // findings are handed back to it for the next audit.
  Status CommitWithIndexFindings(const Operator& op, const std::vector<QuarantinedTemplate>& also_quarantined,
                                 const std::function<Status()>& body);
  // After a failed search: audits, best effort, what its index builds met.
  void AuditIndexFindingsOfFailedSearch(const Operator& op);
  // The steps of a master key rotation after its re-wrap committed: this host's index snapshots
  // deleted, the new key file installed, the WAL checkpointed.
  Result<KeyRotationReport> FinishCommittedRotation(const StoreLayout& layout, const KeyRotationOptions& options,
                                                    const KeyRotationReport& report);
  // Runs an erasing operation between two erasures of the gallery index snapshots
  // (GalleryIndexSnapshots::Erase), so that no snapshot keeps what it erased.
  Status EraseWithIndexSnapshots(const std::function<Status()>& erase);
  Status DeletePersonNow(const Operator& op, const std::string& external_id, const std::string& reason);
  // Checks the role; a refusal is audited and returned as kPermissionDenied.
  Status Require(const Operator& op, Action action, const std::string& what);
  Status RequirePurpose(const Operator& op, Action action, Purpose purpose, const std::string& case_ref);
  Status AuditRefusal(const Operator& op, const std::string& action, const std::string& purpose,
                      const std::string& case_ref, const std::string& reason);
  AuditEvent EventFor(const Operator& op, const std::string& action) const;
  // Records a purpose-bound request that failed after its purpose was accepted ("<action>.failed"
  // with the purpose, case and the error's code), best effort.
  void AuditFailedRequest(const Operator& op, const std::string& action, Purpose purpose, const std::string& case_ref,
                          const Status& failure);
  // The operations behind Search, Verify and CompareSamples, after the role and purpose checks.
  // `probe_face` (null: none) is recorded in the audit entry: which face of a still was searched.
  Result<SearchResult> RunSearch(const Operator& op, const SearchRequest& request,
                                 const nlohmann::json& probe_face = nullptr);
  Result<EachFaceSearchResult> RunSearchEachFace(const Operator& op, const EachFaceSearchRequest& request);
  Result<KinshipSearchResult> RunKinshipSearch(const Operator& op, const KinshipSearchRequest& request);
  Result<DviJobResult> RunDviJob(const Operator& op, const DviJobRequest& request);
  Result<VerifyResult> RunVerify(const Operator& op, const VerifyRequest& request);
  Result<CompareResult> RunCompareSamples(const Operator& op, const CompareRequest& request);

  // A sample and the template its modality's engine extracted from it.
  struct ExtractedSample {
    const ModalityEngine* engine = nullptr;
    BiometricTemplate biometric_template;
  };
  // Extracts every sample (errors name "<what> <n>"); appends each sample's SHA-256 to
  // `input_hashes` when given (for the audit entry).
  Result<std::vector<ExtractedSample>> ExtractSamples(const std::vector<SampleInput>& samples, const std::string& what,
                                                      std::vector<std::string>* input_hashes = nullptr);
  // True when the person has an unexpired entry on any watchlist.
  Result<bool> OnActiveWatchlist(std::int64_t person_id);
  // A refusal (audited) unless the person is on no active watchlist or the role manages them.
  Status RequireWatchlistAuthority(const Operator& op, const std::string& person, const std::string& what);
  // The person and one of its encounters, by external ids (inside the caller's transaction).
  Result<std::pair<Person, Encounter>> FindPersonEncounter(const std::string& person, const std::string& encounter);
  // Stores an extracted sample in a new or existing encounter (inside the caller's transaction).
  Result<EnrolResult> StoreEnrolment(const Operator& op, const EnrolRequest& request, BiometricTemplate biometric_template);
  // Records the candidates for review and raises watchlist alerts (after the search's audit entry).
  Status RecordLeadsAndAlerts(const Operator& op, const SearchRequest& request, SearchResult& result);

  std::unique_ptr<Store> store_;
  EngineProvider engines_;
  std::shared_ptr<GalleryIndexCache> gallery_indexes_;
  std::shared_ptr<GallerySearcher> gallery_searcher_;
};

}  // namespace abis
