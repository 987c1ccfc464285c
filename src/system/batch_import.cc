// RunBatchImport: a pool of workers, each with its own AbisSystem, takes the manifest's persons
// one at a time; AbisSystem::EnrolEncounter extracts outside the write lock (so extraction runs on
// every core) and commits each person in its own transaction.
#include "abis/system/batch_import.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "abis/system/import_manifest.h"

namespace abis {
namespace {

constexpr std::uintmax_t kMaxSampleFileBytes = 256u << 20;

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

// What happened to one person of the manifest.
struct Outcome {
  enum class Kind { kPending, kEnrolled, kFailed, kSkipped } kind = Kind::kPending;
  std::string reason;
  std::size_t possible_duplicates = 0;
};

// Everything the workers share, behind one mutex (the per-person work itself runs unlocked).
class ImportRun {
 public:
  ImportRun(const ImportManifest& manifest, const Operator& op, const BatchImportRequest& request,
            const std::vector<bool>& existing)
      : manifest_(manifest),
        op_(op),
        request_(request),
        existing_(existing),
        outcomes_(manifest.persons.size()),
        started_(std::chrono::steady_clock::now()) {}

  // Takes persons until none is left or the import stops.
  void Work(AbisSystem& system) {
    while (!stopped_.load()) {
      const std::size_t index = next_.fetch_add(1);
      if (index >= manifest_.persons.size()) return;
      Outcome outcome = ImportPerson(system, index);
      if (outcome.kind == Outcome::Kind::kPending) return;  // the import stopped
      Finish(index, std::move(outcome));
    }
  }

  void Stop(const Status& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fatal_.ok()) fatal_ = status;
    stopped_.store(true);
  }

  const Status& fatal() const { return fatal_; }
  const std::vector<Outcome>& outcomes() const { return outcomes_; }
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(); }

 private:
  Outcome ImportPerson(AbisSystem& system, std::size_t index) {
    const ManifestPerson& entry = manifest_.persons[index];
    if (existing_[index]) return {Outcome::Kind::kSkipped, "", 0};
    if (!entry.errors.empty()) {
      std::string reason;
      for (const std::string& error : entry.errors) reason += (reason.empty() ? "" : "; ") + error;
      return {Outcome::Kind::kFailed, reason, 0};
    }
    if (request_.TEST_before_person) {
      Status hook = request_.TEST_before_person(entry.person.external_id);
      if (!hook.ok()) {
        Stop(hook);
        return {};
      }
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
      auto bytes = ReadSampleFile(row.file);
      if (!bytes.ok()) {
        return {Outcome::Kind::kFailed, "line " + std::to_string(row.line) + ": " + bytes.status().message(), 0};
      }
      sample.bytes = std::move(bytes).value();
      enrolment.samples.push_back(std::move(sample));
    }
    auto enrolled = system.EnrolEncounter(op_, enrolment);
    if (!enrolled.ok()) {
      if (enrolled.status().code() == StatusCode::kAlreadyExists && request_.resume) {
        return {Outcome::Kind::kSkipped, "", 0};
      }
      if (!IsPersonFailure(enrolled.status())) {
        Stop(enrolled.status().WithContext("person '" + entry.person.external_id + "'"));
        return {};
      }
      return {Outcome::Kind::kFailed, enrolled.status().ToString(), 0};
    }
    Outcome outcome{Outcome::Kind::kEnrolled, "", 0};
    if (request_.dedup) {
      // After the commit: of two duplicates committed by different workers, the search of the
      // later one sees the earlier, so no pair is missed.
      SearchRequest search;
      search.purpose = request_.purpose;
      search.case_ref = request_.case_ref;
      search.gallery = request_.gallery;
      search.probe_person = entry.person.external_id;
      search.target_false_match_rate = request_.target_false_match_rate;
      search.hits_only = true;
      auto found = system.Search(op_, search);
      if (!found.ok()) {
        Stop(found.status().WithContext("the deduplication search of person '" + entry.person.external_id +
                                        "' (enrolled; rerun with --resume after fixing the cause)"));
        return {};
      }
      outcome.possible_duplicates = found->candidates.size();
    }
    return outcome;
  }

  void Finish(std::size_t index, Outcome outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    rows_done_ += manifest_.persons[index].rows.size();
    outcomes_[index] = std::move(outcome);
    if (request_.progress) request_.progress({rows_done_, manifest_.rows, Seconds()});
  }

  const ImportManifest& manifest_;
  const Operator& op_;
  const BatchImportRequest& request_;
  const std::vector<bool>& existing_;
  std::vector<Outcome> outcomes_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  Status fatal_;
  std::size_t rows_done_ = 0;
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

}  // namespace

nlohmann::json BatchImportReport::ToJson() const {
  nlohmann::json out = {{"rows", rows},
                        {"persons", persons},
                        {"enrolled", enrolled},
                        {"failed", failed},
                        {"failed_rows", failed_rows},
                        {"skipped_existing", skipped_existing},
                        {"possible_duplicates", possible_duplicates},
                        {"seconds", seconds}};
  if (failed > 0) out["errors_file"] = errors_file.string();
  return out;
}

Result<BatchImportReport> RunBatchImport(const SystemOpener& open_system, const Operator& op,
                                         const BatchImportRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  if (request.gallery.empty()) return Status::InvalidArgument("a batch import needs a gallery");
  if (request.case_ref.empty()) return Status::InvalidArgument("a batch import needs a case reference");
  if (request.dedup && request.purpose != Purpose::kDeduplication) {
    return Status::InvalidArgument("the deduplication search runs under purpose deduplication, not " +
                                   std::string(PurposeName(request.purpose)));
  }
  ABIS_ASSIGN_OR_RETURN(ImportManifest manifest, ReadImportManifest(request.manifest));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<AbisSystem> first, open_system());

  // Persons imported before: skipped with `resume`, else the import is refused before it starts.
  std::vector<bool> existing(manifest.persons.size(), false);
  for (std::size_t i = 0; i < manifest.persons.size(); ++i) {
    const std::string& id = manifest.persons[i].person.external_id;
    if (id.empty()) continue;
    ABIS_ASSIGN_OR_RETURN(bool exists, first->PersonExists(op, id));
    if (exists && !request.resume) {
      return Status::AlreadyExists("person '" + id + "' (line " +
                                   std::to_string(manifest.persons[i].rows.front().line) +
                                   ") already exists: a rerun of an interrupted import takes --resume, which skips "
                                   "the persons already imported");
    }
    existing[i] = exists;
  }

  const std::size_t pending = static_cast<std::size_t>(std::count(existing.begin(), existing.end(), false));
  std::size_t workers = request.workers > 0 ? static_cast<std::size_t>(request.workers)
                                            : std::max(1u, std::thread::hardware_concurrency());
  workers = std::clamp<std::size_t>(workers, 1, std::max<std::size_t>(1, pending));

  ImportRun run(manifest, op, request, existing);
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) {
    threads.emplace_back([&run, &open_system] {
      auto system = open_system();
      if (!system.ok()) {
        run.Stop(system.status());
        return;
      }
      run.Work(**system);
    });
  }
  run.Work(*first);
  for (std::thread& thread : threads) thread.join();

  BatchImportReport report;
  report.rows = manifest.rows;
  report.persons = manifest.persons.size();
  report.errors_file = request.errors_file.empty() ? std::filesystem::path(request.manifest.string() + ".errors.csv")
                                                   : request.errors_file;
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
    report.possible_duplicates += outcome.possible_duplicates;
  }
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
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace abis
