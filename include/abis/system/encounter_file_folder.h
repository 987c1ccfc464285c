// Files that each hold a whole encounter, in the batch import (docs/BATCH_IMPORT.md): ANSI/NIST-ITL
// transactions, as manifest rows of modality `nist` or a folder of them
// (`abis import batch --nist-folder DIR`), one person per file. The system layer knows no exchange
// format: the caller supplies the reader (the CLI's is src/cli/nist_transaction_encounter.h).
// Thread-safety: plain values; EncounterFolderManifest calls `identify` from the calling thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/records.h"
#include "abis/system/import_manifest.h"

namespace abis {

// The samples of one encounter file.
struct FileEncounter {
  std::vector<SampleInput> samples;  // each names its origin in source_name
  std::string source_agency;         // the encounter's, when the file states one
};

struct EncounterFileReader {
  // The file's samples; called from the import's worker threads at once (must be thread-safe).
  // An error fails the file's person only (kInvalidArgument, kResourceExhausted, kUnimplemented).
  std::function<Result<FileEncounter>(const std::filesystem::path& file)> read;
  // For a folder: whether the file is one of these (nullopt: not one, it is ignored) and the
  // person id it names ("": none, the file's name is used); an error: it should be one and does
  // not read (its person fails with the reason).
  std::function<Result<std::optional<std::string>>(const std::filesystem::path& file)> identify;
};

// What every person of a folder import is created with.
struct FolderPersons {
  PersonCategory category = PersonCategory::kUnknown;
  std::string legal_basis;
  std::string retention_until;
  std::string id_prefix;                   // the id is this prefix and the file's id (else its name)
  bool id_from_file_name = false;          // the file's name (without extension) even when it names an id
  std::string encounter_kind = "booking";  // as `abis import nist` enrols a transaction
};

inline constexpr std::size_t kMaxFolderFiles = 10'000'000;

struct FolderManifest {
  ImportManifest manifest;
  std::size_t ignored_files = 0;  // regular files that are not encounter files
};

// A manifest with one person per encounter file of `folder` (not its subfolders; hidden files
// skipped), in file-name order, as if written by hand: columns person, category, legal_basis,
// retention_until, modality (`nist`), position (empty), file (absolute), encounter. A file that
// does not identify, and files naming the same person (never merged), fail their person with the
// reason. Fails when the folder cannot be listed, holds more than kMaxFolderFiles files or no
// encounter file at all.
Result<FolderManifest> EncounterFolderManifest(const std::filesystem::path& folder, const FolderPersons& persons,
                                               const EncounterFileReader& reader);

}  // namespace abis
