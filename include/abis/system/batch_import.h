// A batch import: the persons of a manifest (abis/system/import_manifest.h) created and enrolled
// on several worker threads, each with its own AbisSystem on the same store. Each person is one
// AbisSystem::EnrolEncounter with a new person (person, encounter, samples, gallery membership
// and audit in one transaction): all or nothing per person, so a run killed at any point leaves
// whole persons only, and a rerun with `resume` skips them. Thread-safety: RunBatchImport may be
// called from any thread; it calls `progress` from one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "abis/access/policy.h"
#include "abis/core/status.h"
#include "abis/system/abis_system.h"

namespace abis {

struct BatchImportProgress {
  std::size_t rows_done = 0;  // rows of persons finished (enrolled, failed or skipped)
  std::size_t rows = 0;
  double seconds = 0.0;
};

struct BatchImportRequest {
  std::filesystem::path manifest;
  std::string gallery;  // every person joins it (it must exist and not be a watchlist)
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;  // recorded in every audit entry of the import
  // Each new person is searched against the gallery right after its commit (purpose
  // deduplication, this case): candidates that pass the operating point become leads for
  // two-person review (AbisSystem::Search with probe_person); nothing is merged or dropped.
  bool dedup = false;
  double target_false_match_rate = 1e-4;  // the operating point of the dedup search
  // A person that already exists is skipped as imported before; without it the import is
  // refused (kAlreadyExists naming the person) before anything is enrolled.
  bool resume = false;
  std::filesystem::path errors_file;  // empty: <manifest>.errors.csv
  int workers = 0;                    // 0: one per core
  std::function<void(const BatchImportProgress&)> progress;
  // For tests: called before each person's enrolment; an error stops the import there (as a
  // kill would), the persons committed so far stay.
  std::function<Status(const std::string& person)> TEST_before_person;
};

struct BatchImportReport {
  std::size_t rows = 0;
  std::size_t persons = 0;
  std::size_t enrolled = 0;  // persons created
  std::size_t failed = 0;    // persons not created (their rows are in the error file)
  std::size_t failed_rows = 0;
  std::size_t skipped_existing = 0;     // persons that existed already (resume)
  std::size_t possible_duplicates = 0;  // dedup leads above the operating point
  double seconds = 0.0;
  std::filesystem::path errors_file;  // written only when a person failed
  nlohmann::json ToJson() const;
};

// Opens another AbisSystem on the import's store, for one worker thread.
using SystemOpener = std::function<Result<std::unique_ptr<AbisSystem>>()>;

// Runs the import as `op` (roles: enrol and add persons; search with --dedup). The manifest is
// parsed whole first (a bad header or a limit refuses the import); bad rows fail their person.
// Returns an error when the import could not run or stopped (a store failure, the test hook);
// persons committed before then stay and a rerun with `resume` finishes the job.
Result<BatchImportReport> RunBatchImport(const SystemOpener& open_system, const Operator& op,
                                         const BatchImportRequest& request);

}  // namespace abis
