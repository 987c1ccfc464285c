// A batch import: the persons of a manifest (abis/system/import_manifest.h) created and enrolled
// as a pipeline. Worker threads (each with its own AbisSystem on the same store) read and extract
// persons (AbisSystem::PrepareNewPerson) while one committing thread writes them in batches of up
// to `batch_size` persons or `batch_milliseconds`, whichever comes first: one transaction and one
// audit entry ("enrol.batch") per batch (AbisSystem::CommitNewPersons, abis/system/batch_enrolment.h).
// All or nothing per person: a person whose sample or rows fail is not created and its rows go
// to the error file; a failure of the store rolls the batch back and its persons are retried one
// by one. A person is reported done (progress) only after its batch committed, so a run killed at
// any point leaves whole, acknowledged persons, and a rerun with `resume` skips them.
// Deduplication (`dedup`) is durable: each person's transaction also records that its search is
// owed (Store::PendingDedup); the search, run after the commit, removes the marker in the
// transaction of its audit entry, and a resumed import first completes every owed search.
// Thread-safety: RunBatchImport may be called from any thread; it calls `progress` from one
// thread at a time.
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
#include "abis/system/dna_collection.h"
#include "abis/system/encounter_file_folder.h"

namespace abis {

struct BatchImportProgress {
  std::size_t rows_done = 0;  // rows of persons finished (enrolled, failed or skipped)
  std::size_t rows = 0;
  double seconds = 0.0;
};

struct BatchImportRequest {
  std::filesystem::path manifest;
  // Instead of a manifest: every sample of this DNA collection file becomes a person
  // (DnaCollectionManifest, with `collection_persons`).
  std::filesystem::path dna_collection;
  DnaCollectionPersons collection_persons;
  // Instead of a manifest: every encounter file of this folder (ANSI/NIST-ITL transactions) is a
  // person (EncounterFolderManifest, with `folder_persons`).
  std::filesystem::path encounter_folder;
  FolderPersons folder_persons;
  // Reads the encounter files of a folder and of manifest rows of modality `nist`; without one
  // such rows fail their person.
  EncounterFileReader encounter_files;
  std::string gallery;  // every person joins it (it must exist and not be a watchlist)
  Purpose purpose = Purpose::kIdentityVerification;
  std::string case_ref;  // recorded in every audit entry of the import
  // Each new person is searched against the gallery after its batch commits (purpose
  // deduplication, this case), against the persons created before it (the gallery and the
  // import's earlier persons, so each pair is compared once): candidates that pass the operating
  // point become leads for two-person review (AbisSystem::Search with probe_person); nothing is
  // merged or dropped. Owed searches of an interrupted run are completed first.
  bool dedup = false;
  double target_false_match_rate = 1e-4;  // the operating point of the dedup search
  // A person that already exists is skipped as imported before; without it the import is
  // refused (kAlreadyExists naming the person) before anything is enrolled.
  bool resume = false;
  std::filesystem::path errors_file;  // empty: <manifest, collection or folder>.errors.csv
  int workers = 0;                    // extraction threads; 0: one per core
  std::size_t batch_size = 256;       // persons per transaction at most (1-10000)
  int batch_milliseconds = 200;       // a batch commits at the latest this long after its first person
  std::function<void(const BatchImportProgress&)> progress;
  // After the persons are in: the gallery's indexes are brought up to date and their snapshots
  // written (AbisSystem::RefreshGalleryIndexes), so that the first search loads them instead of
  // preparing every template. `index_refresh_started` is called before (it may take a while).
  bool refresh_indexes = true;
  std::function<void()> index_refresh_started;
  // For tests: called before each person's extraction; an error stops the import there (the
  // persons extracted already are committed, later ones not).
  std::function<Status(const std::string& person)> TEST_before_person;
  // For tests: called before each deduplication search; an error stops the import there (as a
  // kill between a commit and its searches would): the searches are owed.
  std::function<Status(const std::string& person)> TEST_before_dedup;
};

struct BatchImportReport {
  std::size_t rows = 0;
  std::size_t persons = 0;
  std::size_t enrolled = 0;  // persons created
  std::size_t failed = 0;    // persons not created (their rows are in the error file)
  std::size_t failed_rows = 0;
  std::size_t skipped_existing = 0;     // persons that existed already (resume)
  std::size_t possible_duplicates = 0;  // dedup leads above the operating point
  std::size_t batches = 0;              // transactions that created persons
  std::size_t dedup_completed = 0;      // owed searches of an earlier, interrupted run done now
  std::size_t ignored_files = 0;        // folder import: files that are not encounter files
  // Deduplication searches that failed for their person alone (person, reason); their markers
  // stay owed for the next --resume --dedup.
  std::vector<std::pair<std::string, std::string>> dedup_failures;
  double seconds = 0.0;                     // the import, up to the last commit and deduplication search
  std::size_t indexed_templates = 0;        // templates in the refreshed indexes
  double index_seconds = 0.0;               // bringing the indexes up to date and writing their snapshots
  std::vector<std::string> index_warnings;  // a refresh or snapshot that failed (the import stands)
  std::filesystem::path errors_file;        // written only when a person failed
  nlohmann::json ToJson() const;
};

// Opens another AbisSystem on the import's store, for one worker thread.
using SystemOpener = std::function<Result<std::unique_ptr<AbisSystem>>()>;

// Runs the import as `op` (roles: enrol and add persons; search with --dedup). The manifest is
// parsed whole first (a bad header or a limit refuses the import); bad rows fail their person.
// `open_system` is called once per worker thread, from that thread.
// Returns an error when the import could not run or stopped (a store failure, the test hook);
// persons committed before then stay and a rerun with `resume` finishes the job.
Result<BatchImportReport> RunBatchImport(const SystemOpener& open_system, const Operator& op,
                                         const BatchImportRequest& request);

}  // namespace abis
