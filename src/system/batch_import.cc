// RunBatchImport: a pipeline. Extraction workers (each with its own AbisSystem) read and extract
// the manifest's persons and queue them; the calling thread commits the queue in manifest order
// (so that two imports of one manifest number persons and templates alike, whatever the number
// of workers: the search's ties between equal scores are broken by template id) in batches
// (AbisSystem::CommitNewPersons) and reports each person only after its batch committed. With
// deduplication, the committed persons' searches are queued for the workers, which take them
// before extracting more.
#include "abis/system/batch_import.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "abis/system/batch_enrolment.h"
#include "abis/system/import_manifest.h"

namespace abis {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uintmax_t kMaxSampleFileBytes = 256u << 20;
constexpr std::size_t kMaxBatchSize = 10000;

Result<std::vector<std::uint8_t>> ReadSampleFile(const std::filesystem::path& file) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return Status::InvalidArgument("cannot read " + file.string() + ": " + error.message());
  if (size > kMaxSampleFileBytes) {
    return Status::ResourceExhausted(file.string() + " has " + std::to_string(size) + " bytes, more than " +
                                     std::to_string(kMaxSampleFileBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot open " + file.string());
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Failures of the person's own data (its rows go to the error file) as opposed to failures of the
// system or the operator's rights, which stop the import.
bool IsPersonFailure(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
    case StatusCode::kUnimplemented: return true;
    default: return false;
  }
}

std::string JoinErrors(const std::vector<std::string>& errors) {
  std::string reason;
  for (const std::string& error : errors) reason += (reason.empty() ? "" : "; ") + error;
  return reason;
}

// What happened to one person of the manifest.
struct Outcome {
  enum class Kind { kPending, kEnrolled, kFailed, kSkipped } kind = Kind::kPending;
  std::string reason;
};

// A person extracted and waiting for the committing thread.
struct Ready {
  std::size_t index = 0;
  PreparedPerson prepared;
};

// Everything the threads share, behind one mutex (extraction, commits and searches run unlocked).
class ImportRun {
 public:
  ImportRun(const ImportManifest& manifest, const Operator& op, const BatchImportRequest& request,
            const std::vector<bool>& existing, std::size_t workers,
            const std::map<std::filesystem::path, Result<DnaCollection>>& collections)
      : manifest_(manifest),
        collections_(collections),
        op_(op),
        request_(request),
        existing_(existing),
        outcomes_(manifest.persons.size()),
        started_(Clock::now()),
        extracting_workers_(workers),
        settled_(manifest.persons.size(), false),
        max_ready_(std::max<std::size_t>(2 * request.batch_size, 64)) {}

  // The owed searches of an interrupted run: queued before anything else.
  void QueueOwedDedup(std::vector<std::string> persons) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::string& person : persons) dedup_jobs_.push_back({std::move(person), /*owed=*/true});
  }

  // A worker thread: owed searches first, then extraction of the manifest's persons, then
  // searches until the committing thread is done and none is left.
  void Work(AbisSystem& system) {
    bool extracting = true;
    while (true) {
      std::optional<DedupJob> job = TakeDedupJob(extracting);
      if (job) {
        RunDedup(system, *job);
        continue;
      }
      if (!extracting) return;
      const std::size_t index = stopped_.load() ? manifest_.persons.size() : next_.fetch_add(1);
      if (index >= manifest_.persons.size()) {
        extracting = false;
        LeaveExtraction();
        continue;
      }
      Extract(system, index);
    }
  }

  // The committing thread: batches of the queue until extraction is over and the queue empty.
  void Commit(AbisSystem& system) {
    while (true) {
      std::vector<Ready> batch = TakeBatch();
      if (batch.empty()) break;
      CommitBatch(system, std::move(batch));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    committing_ = false;
    changed_.notify_all();
  }

  // A worker extracts no more (the manifest is done, the import stopped, or it could not start).
  void LeaveExtraction() {
    std::lock_guard<std::mutex> lock(mutex_);
    --extracting_workers_;
    changed_.notify_all();
    has_ready_.notify_all();
  }

  void Stop(const Status& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fatal_.ok()) fatal_ = status;
    stopped_.store(true);
    changed_.notify_all();
    has_ready_.notify_all();
  }

  const Status& fatal() const { return fatal_; }
  const std::vector<Outcome>& outcomes() const { return outcomes_; }
  std::size_t possible_duplicates() const { return possible_duplicates_; }
  std::size_t batches() const { return batches_; }
  std::size_t dedup_completed() const { return dedup_completed_; }
  const std::vector<std::pair<std::string, std::string>>& dedup_failures() const { return dedup_failures_; }

 private:
  struct DedupJob {
    std::string person;
    bool owed = false;  // from an earlier run
  };

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  void Extract(AbisSystem& system, std::size_t index) {
    const ManifestPerson& entry = manifest_.persons[index];
    if (existing_[index]) return Settle(index, {Outcome::Kind::kSkipped, ""});
    if (!entry.errors.empty()) return Settle(index, {Outcome::Kind::kFailed, JoinErrors(entry.errors)});
    if (request_.TEST_before_person) {
      Status hook = request_.TEST_before_person(entry.person.external_id);
      if (!hook.ok()) return Stop(hook);
    }
    EncounterEnrolment enrolment;
    enrolment.person = entry.person.external_id;
    enrolment.new_person = entry.person;
    enrolment.encounter_kind = entry.encounter_kind;
    enrolment.galleries = {request_.gallery};
    enrolment.case_ref = request_.case_ref;
    for (const ManifestRow& row : entry.rows) {
      SampleInput sample;
      sample.modality = row.modality;
      sample.position = row.position;
      sample.options = row.sample_options;
      sample.source_name = "line " + std::to_string(row.line) + ": " + row.file.string();
      if (row.encounter_file) {
        // A whole encounter (an ANSI/NIST-ITL transaction): its samples join the person's.
        if (!request_.encounter_files.read) {
          return Settle(index, {Outcome::Kind::kFailed, "line " + std::to_string(row.line) + ": " + row.file.string() +
                                                            ": this build reads no ANSI/NIST-ITL transactions"});
        }
        Result<FileEncounter> read = request_.encounter_files.read(row.file);
        if (!read.ok()) {
          if (!IsPersonFailure(read.status())) {
            return Stop(read.status().WithContext("person '" + entry.person.external_id + "'"));
          }
          return Settle(index, {Outcome::Kind::kFailed, read.status().message()});
        }
        if (enrolment.source_agency.empty()) enrolment.source_agency = read->source_agency;
        for (SampleInput& part : read->samples) enrolment.samples.push_back(std::move(part));
        continue;
      }
      if (!row.collection_sample.empty()) {
        Result<std::string> profile = CollectionProfile(row);
        if (!profile.ok()) return Settle(index, {Outcome::Kind::kFailed, profile.status().message()});
        sample.source_name += " sample " + row.collection_sample;
        sample.format_hint = "csv";
        sample.bytes.assign(profile->begin(), profile->end());
        enrolment.samples.push_back(std::move(sample));
        continue;
      }
      auto bytes = ReadSampleFile(row.file);
      if (!bytes.ok()) {
        return Settle(index,
                      {Outcome::Kind::kFailed, "line " + std::to_string(row.line) + ": " + bytes.status().message()});
      }
      sample.bytes = std::move(bytes).value();
      enrolment.samples.push_back(std::move(sample));
    }
    auto prepared = system.PrepareNewPerson(op_, std::move(enrolment));
    if (!prepared.ok()) {
      if (!IsPersonFailure(prepared.status())) {
        return Stop(prepared.status().WithContext("person '" + entry.person.external_id + "'"));
      }
      return Settle(index, {Outcome::Kind::kFailed, prepared.status().ToString()});
    }
    std::unique_lock<std::mutex> lock(mutex_);
    // The person the commits wait for is always taken, so a full queue cannot stall them.
    changed_.wait(lock, [&] {
      return ready_.size() + committable_.size() < max_ready_ || index == next_commit_ || stopped_.load();
    });
    ready_.emplace(index, Ready{index, std::move(prepared).value()});
    AdvanceLocked();
  }

  // A person done without a commit (skipped, or failed before it): the commits go past it.
  void Settle(std::size_t index, Outcome outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(index, std::move(outcome));
    settled_[index] = true;
    AdvanceLocked();
  }

  // Moves the persons ready in manifest order, up to the first one still being extracted, to the
  // committable queue.
  void AdvanceLocked() {
    bool moved = false;
    while (next_commit_ < settled_.size()) {
      if (auto found = ready_.find(next_commit_); found != ready_.end()) {
        committable_.push_back(std::move(found->second));
        ready_.erase(found);
      } else if (!settled_[next_commit_]) {
        break;
      }
      ++next_commit_;
      moved = true;
    }
    if (!moved) return;
    changed_.notify_all();  // a worker may hold the person now awaited
    if (committable_.size() >= wanted_) has_ready_.notify_one();
  }

  // The profile of the row's sample, cut from its collection file (read once, before the workers).
  Result<std::string> CollectionProfile(const ManifestRow& row) const {
    const std::string where = "line " + std::to_string(row.line) + ": ";
    auto collection = collections_.find(row.file);
    if (collection == collections_.end()) return Status::Internal(where + "the collection was not read");
    if (!collection->second.ok()) return Status::InvalidArgument(where + collection->second.status().message());
    auto found = collection->second->by_sample.find(row.collection_sample);
    if (found == collection->second->by_sample.end()) {
      return Status::InvalidArgument(where + "the DNA collection " + row.file.string() + " holds no sample '" +
                                     row.collection_sample + "'");
    }
    return found->second.profile_csv;
  }

  // Up to batch_size persons, waiting at most batch_milliseconds after the first; empty when
  // extraction is over (or stopped) and nothing is queued.
  std::vector<Ready> TakeBatch() {
    std::unique_lock<std::mutex> lock(mutex_);
    wanted_ = 1;
    has_ready_.wait(lock, [&] { return !committable_.empty() || extracting_workers_ == 0; });
    std::vector<Ready> batch;
    const auto deadline = Clock::now() + std::chrono::milliseconds(request_.batch_milliseconds);
    while (true) {
      while (!committable_.empty() && batch.size() < request_.batch_size) {
        batch.push_back(std::move(committable_.front()));
        committable_.pop_front();
      }
      changed_.notify_all();  // room in the queue
      if (batch.size() >= request_.batch_size || extracting_workers_ == 0 || stopped_.load()) break;
      // Woken when enough persons for the rest of the batch are queued, not for each one.
      wanted_ = request_.batch_size - batch.size();
      if (!has_ready_.wait_until(lock, deadline, [&] {
            return committable_.size() >= wanted_ || extracting_workers_ == 0 || stopped_.load();
          })) {
        while (!committable_.empty() && batch.size() < request_.batch_size) {
          batch.push_back(std::move(committable_.front()));
          committable_.pop_front();
        }
        changed_.notify_all();
        break;
      }
    }
    return batch;
  }

  void CommitBatch(AbisSystem& system, std::vector<Ready> batch) {
    std::vector<PreparedPerson> persons;
    persons.reserve(batch.size());
    for (Ready& ready : batch) persons.push_back(std::move(ready.prepared));
    NewPersonsBatch options;
    options.gallery = request_.gallery;
    options.case_ref = request_.case_ref;
    if (request_.dedup) options.pending_dedup_fmr = request_.target_false_match_rate;
    Result<NewPersonsCommit> commit = system.CommitNewPersons(op_, persons, options);
    if (commit.ok()) return Report(batch, *commit);
    if (persons.size() == 1 || commit.status().code() == StatusCode::kPermissionDenied) {
      return Stop(commit.status().WithContext("a batch of " + std::to_string(persons.size()) + " persons"));
    }
    // The store failed the batch (nothing of it was written): each person alone, so that one
    // person's trouble cannot keep the others out; a second failure stops the import.
    for (std::size_t i = 0; i < persons.size(); ++i) {
      std::vector<PreparedPerson> one;
      one.push_back(std::move(persons[i]));
      Result<NewPersonsCommit> alone = system.CommitNewPersons(op_, one, options);
      if (!alone.ok()) {
        return Stop(alone.status().WithContext("person '" + one.front().request.person + "' (retried alone after " +
                                               commit.status().ToString() + ")"));
      }
      ReportIndexes({batch[i].index}, *alone);
    }
  }

  void Report(const std::vector<Ready>& batch, const NewPersonsCommit& commit) {
    std::vector<std::size_t> indexes;
    for (const Ready& ready : batch) indexes.push_back(ready.index);
    ReportIndexes(indexes, commit);
  }

  void ReportIndexes(const std::vector<std::size_t>& indexes, const NewPersonsCommit& commit) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (commit.audit_seq != 0) ++batches_;
    for (std::size_t i = 0; i < indexes.size(); ++i) {
      const std::size_t index = indexes[i];
      const Status& status = commit.outcomes[i];
      Outcome outcome{Outcome::Kind::kEnrolled, ""};
      if (!status.ok()) {
        outcome = status.code() == StatusCode::kAlreadyExists && request_.resume
                      ? Outcome{Outcome::Kind::kSkipped, ""}
                      : Outcome{Outcome::Kind::kFailed, status.ToString()};
      } else if (request_.dedup) {
        dedup_jobs_.push_back({manifest_.persons[index].person.external_id, false});
      }
      FinishLocked(index, std::move(outcome));
    }
    changed_.notify_all();
  }

  // A job when there is one; none when the worker may go on extracting (`extracting`) or when
  // every search is done (the committing thread finished and the queue is empty).
  std::optional<DedupJob> TakeDedupJob(bool extracting) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!extracting) {
      changed_.wait(lock, [&] { return !dedup_jobs_.empty() || !committing_ || stopped_.load(); });
    }
    if (dedup_jobs_.empty() || stopped_.load()) return std::nullopt;
    DedupJob job = std::move(dedup_jobs_.front());
    dedup_jobs_.pop_front();
    return job;
  }

  void RunDedup(AbisSystem& system, const DedupJob& job) {
    if (request_.TEST_before_dedup) {
      Status hook = request_.TEST_before_dedup(job.person);
      if (!hook.ok()) return Stop(hook);
    }
    SearchRequest search;
    search.purpose = request_.purpose;
    search.case_ref = request_.case_ref;
    search.gallery = request_.gallery;
    search.probe_person = job.person;
    search.target_false_match_rate = request_.target_false_match_rate;
    search.hits_only = true;
    search.earlier_persons_only = true;
    search.completes_pending_dedup = true;
    auto found = system.Search(op_, search);
    // A search that fails for this person alone (deleted meanwhile, no template this build can
    // compare any more) is reported and the import goes on: an owed search must not block every
    // resume. Its marker stays, so a later resume tries again.
    const StatusCode code = found.ok() ? StatusCode::kOk : found.status().code();
    if (code == StatusCode::kNotFound || code == StatusCode::kFailedPrecondition ||
        code == StatusCode::kInvalidArgument) {
      std::lock_guard<std::mutex> lock(mutex_);
      dedup_failures_.push_back({job.person, found.status().ToString()});
      return;
    }
    if (!found.ok()) {
      return Stop(found.status().WithContext("the deduplication search of person '" + job.person +
                                             "' (enrolled; the search is owed and a rerun with --resume --dedup "
                                             "completes it)"));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    possible_duplicates_ += found->candidates.size();
    if (job.owed) ++dedup_completed_;
  }

  void FinishLocked(std::size_t index, Outcome outcome) {
    rows_done_ += manifest_.persons[index].rows.size();
    outcomes_[index] = std::move(outcome);
    if (request_.progress) request_.progress({rows_done_, manifest_.rows, Seconds()});
  }

  const ImportManifest& manifest_;
  const std::map<std::filesystem::path, Result<DnaCollection>>& collections_;
  const Operator& op_;
  const BatchImportRequest& request_;
  const std::vector<bool>& existing_;
  std::vector<Outcome> outcomes_;
  Clock::time_point started_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable changed_;    // room in the queue, searches to run, the phases (workers wait)
  std::condition_variable has_ready_;  // `wanted_` persons queued, or extraction over (the committer waits)
  std::size_t wanted_ = 1;
  std::size_t extracting_workers_;
  bool committing_ = true;
  std::vector<bool> settled_;  // by manifest index: done without a commit
  const std::size_t max_ready_;
  std::map<std::size_t, Ready> ready_;  // extracted, waiting for the persons before them
  std::size_t next_commit_ = 0;         // the first manifest index not yet committable or settled
  std::deque<Ready> committable_;       // in manifest order
  std::deque<DedupJob> dedup_jobs_;
  Status fatal_;
  std::size_t rows_done_ = 0;
  std::size_t possible_duplicates_ = 0;
  std::size_t batches_ = 0;
  std::size_t dedup_completed_ = 0;
  std::vector<std::pair<std::string, std::string>> dedup_failures_;  // person, reason
};

Status WriteErrorFile(const std::filesystem::path& path, const ImportManifest& manifest,
                      const std::vector<Outcome>& outcomes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot write the error file " + path.string());
  std::vector<std::string> header = manifest.header;
  header.emplace_back("error");
  out << CsvLine(header) << "\n";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].kind != Outcome::Kind::kFailed) continue;
    for (const ManifestRow& row : manifest.persons[i].rows) {
      std::vector<std::string> cells = row.cells;
      cells.resize(manifest.header.size());
      cells.push_back(outcomes[i].reason);
      out << CsvLine(cells) << "\n";
    }
  }
  out.flush();
  if (!out) return Status::IoError("cannot write the error file " + path.string());
  return Status::Ok();
}

// The external ids of every person of `gallery` whose deduplication search is owed.
Result<std::vector<std::string>> OwedDedup(AbisSystem& system, const Operator& op, const std::string& gallery) {
  std::vector<std::string> owed;
  std::int64_t after = 0;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(std::vector<std::string> page, system.ListPendingDedup(op, gallery, after, 10000, &after));
    owed.insert(owed.end(), page.begin(), page.end());
    if (page.size() < 10000) return owed;
  }
}

}  // namespace

nlohmann::json BatchImportReport::ToJson() const {
  nlohmann::json out = {{"rows", rows},
                        {"persons", persons},
                        {"enrolled", enrolled},
                        {"failed", failed},
                        {"failed_rows", failed_rows},
                        {"skipped_existing", skipped_existing},
                        {"possible_duplicates", possible_duplicates},
                        {"batches", batches},
                        {"seconds", seconds}};
  if (dedup_completed > 0) out["dedup_completed_from_earlier_run"] = dedup_completed;
  if (!dedup_failures.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [person, reason] : dedup_failures) list.push_back({{"person", person}, {"reason", reason}});
    out["dedup_failed"] = list;
  }
  if (ignored_files > 0) out["ignored_files"] = ignored_files;
  if (failed > 0) out["errors_file"] = errors_file.string();
  if (indexed_templates > 0 || index_seconds > 0) {
    out["indexed_templates"] = indexed_templates;
    out["index_seconds"] = index_seconds;
  }
  if (!index_warnings.empty()) out["index_warnings"] = index_warnings;
  return out;
}

Result<BatchImportReport> RunBatchImport(const SystemOpener& open_system, const Operator& op,
                                         const BatchImportRequest& request) {
  const auto started = Clock::now();
  if (request.gallery.empty()) return Status::InvalidArgument("a batch import needs a gallery");
  if (request.case_ref.empty()) return Status::InvalidArgument("a batch import needs a case reference");
  if (request.dedup && request.purpose != Purpose::kDeduplication) {
    return Status::InvalidArgument("the deduplication search runs under purpose deduplication, not " +
                                   std::string(PurposeName(request.purpose)));
  }
  if (request.batch_size < 1 || request.batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("the batch size must be 1-" + std::to_string(kMaxBatchSize) + ", not " +
                                   std::to_string(request.batch_size));
  }
  if (request.batch_milliseconds < 0 || request.batch_milliseconds > 60'000) {
    return Status::InvalidArgument("the batch time must be 0-60000 ms");
  }
  const int inputs = (request.manifest.empty() ? 0 : 1) + (request.dna_collection.empty() ? 0 : 1) +
                     (request.encounter_folder.empty() ? 0 : 1);
  if (inputs != 1) {
    return Status::InvalidArgument(
        "a batch import reads a manifest, a DNA collection or a folder of transactions (one of them)");
  }
  ImportManifest manifest;
  std::size_t ignored_files = 0;
  if (!request.encounter_folder.empty()) {
    ABIS_ASSIGN_OR_RETURN(
        FolderManifest folder,
        EncounterFolderManifest(request.encounter_folder, request.folder_persons, request.encounter_files));
    manifest = std::move(folder.manifest);
    ignored_files = folder.ignored_files;
  } else if (!request.dna_collection.empty()) {
    ABIS_ASSIGN_OR_RETURN(manifest, DnaCollectionManifest(request.dna_collection, request.collection_persons));
  } else {
    ABIS_ASSIGN_OR_RETURN(manifest, ReadImportManifest(request.manifest));
  }
  // Each DNA collection the rows name is read and cut once; a bad one fails its persons only.
  std::map<std::filesystem::path, Result<DnaCollection>> collections;
  for (const ManifestPerson& person : manifest.persons) {
    for (const ManifestRow& row : person.rows) {
      if (row.collection_sample.empty() || collections.contains(row.file)) continue;
      collections.emplace(row.file, ReadDnaCollection(row.file, request.dna_collection.empty()
                                                                    ? "sample"
                                                                    : request.collection_persons.sample_column));
    }
  }
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<AbisSystem> committer, open_system());

  // Persons imported before: skipped with `resume`, else the import is refused before it starts.
  std::vector<bool> existing(manifest.persons.size(), false);
  for (std::size_t i = 0; i < manifest.persons.size(); ++i) {
    const std::string& id = manifest.persons[i].person.external_id;
    if (id.empty()) continue;
    ABIS_ASSIGN_OR_RETURN(bool exists, committer->PersonExists(op, id));
    if (exists && !request.resume) {
      return Status::AlreadyExists("person '" + id + "' (line " +
                                   std::to_string(manifest.persons[i].rows.front().line) +
                                   ") already exists: a rerun of an interrupted import takes --resume, which skips "
                                   "the persons already imported");
    }
    existing[i] = exists;
  }

  std::size_t workers = request.workers > 0 ? static_cast<std::size_t>(request.workers)
                                            : std::max(1u, std::thread::hardware_concurrency());
  workers = std::clamp<std::size_t>(workers, 1, 256);

  ImportRun run(manifest, op, request, existing, workers, collections);
  if (request.dedup) {
    ABIS_ASSIGN_OR_RETURN(std::vector<std::string> owed, OwedDedup(*committer, op, request.gallery));
    run.QueueOwedDedup(std::move(owed));
  }
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&run, &open_system] {
      auto system = open_system();
      if (!system.ok()) {
        run.Stop(system.status());
        return run.LeaveExtraction();
      }
      run.Work(**system);
    });
  }
  run.Commit(*committer);
  for (std::thread& thread : threads) thread.join();

  BatchImportReport report;
  report.rows = manifest.rows;
  report.persons = manifest.persons.size();
  // A folder's error file sits beside it (named after it), not inside it.
  std::filesystem::path folder = request.encounter_folder.lexically_normal();
  if (folder.has_parent_path() && folder.filename().empty()) folder = folder.parent_path();
  const std::filesystem::path input = !request.dna_collection.empty()     ? request.dna_collection
                                      : !request.encounter_folder.empty() ? folder
                                                                          : request.manifest;
  report.errors_file =
      request.errors_file.empty() ? std::filesystem::path(input.string() + ".errors.csv") : request.errors_file;
  for (std::size_t i = 0; i < run.outcomes().size(); ++i) {
    const Outcome& outcome = run.outcomes()[i];
    switch (outcome.kind) {
      case Outcome::Kind::kEnrolled: ++report.enrolled; break;
      case Outcome::Kind::kSkipped: ++report.skipped_existing; break;
      case Outcome::Kind::kFailed:
        ++report.failed;
        report.failed_rows += manifest.persons[i].rows.size();
        break;
      case Outcome::Kind::kPending: break;
    }
  }
  report.possible_duplicates = run.possible_duplicates();
  report.batches = run.batches();
  report.dedup_completed = run.dedup_completed();
  report.ignored_files = ignored_files;
  report.dedup_failures = run.dedup_failures();
  // The error file lists this run's failures; a stale one from an earlier run is removed.
  if (report.failed > 0) {
    ABIS_RETURN_IF_ERROR(WriteErrorFile(report.errors_file, manifest, run.outcomes()));
  } else {
    std::error_code ignored;
    std::filesystem::remove(report.errors_file, ignored);
  }
  if (!run.fatal().ok()) {
    return run.fatal().WithContext("the import stopped after " + std::to_string(report.enrolled) +
                                   " persons were enrolled (rerun with --resume to finish it)");
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (request.refresh_indexes && report.enrolled > 0) {
    if (request.index_refresh_started) request.index_refresh_started();
    const auto refresh_started = Clock::now();
    Result<std::size_t> indexed = committer->RefreshGalleryIndexes(op, request.gallery);
    if (indexed.ok()) {
      report.indexed_templates = *indexed;
    } else {
      report.index_warnings.push_back(indexed.status().ToString());
    }
    // Only current indexes are written: one whose refresh failed is left to the first search.
    for (std::string& error : committer->SaveIndexSnapshots().errors) report.index_warnings.push_back(std::move(error));
    report.index_seconds = std::chrono::duration<double>(Clock::now() - refresh_started).count();
  }
  return report;
}

}  // namespace abis
