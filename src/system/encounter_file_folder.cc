#include "abis/system/encounter_file_folder.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace abis {

Result<FolderManifest> EncounterFolderManifest(const std::filesystem::path& folder, const FolderPersons& persons,
                                               const EncounterFileReader& reader) {
  if (!reader.identify) return Status::FailedPrecondition("this build reads no encounter files (ANSI/NIST-ITL)");
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return Status::InvalidArgument(folder.string() + " is not a folder");
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator entries(folder, error);
  if (error) return Status::InvalidArgument("cannot list " + folder.string() + ": " + error.message());
  for (const auto& entry : entries) {
    if (entry.path().filename().string().starts_with(".") || !entry.is_regular_file(error)) continue;
    if (files.size() >= kMaxFolderFiles) {
      return Status::ResourceExhausted(folder.string() + " holds more than " + std::to_string(kMaxFolderFiles) +
                                       " files");
    }
    files.push_back(std::filesystem::absolute(entry.path()));
  }
  std::sort(files.begin(), files.end());

  FolderManifest out;
  std::map<std::filesystem::path, std::string> unreadable;  // file -> why
  std::ostringstream text;
  text << "person,category,legal_basis,retention_until,modality,position,file,encounter\n";
  for (const std::filesystem::path& file : files) {
    Result<std::optional<std::string>> identified = reader.identify(file);
    std::string id;
    if (!identified.ok()) {
      unreadable[file] = identified.status().message();
    } else if (!identified->has_value()) {
      ++out.ignored_files;
      continue;
    } else {
      id = **identified;
    }
    if (id.empty() || persons.id_from_file_name) id = file.stem().string();
    text << CsvLine({persons.id_prefix + id, std::string(PersonCategoryName(persons.category)), persons.legal_basis,
                     persons.retention_until, std::string(kTransactionModality), "", file.string(),
                     persons.encounter_kind})
         << "\n";
  }
  ABIS_ASSIGN_OR_RETURN(out.manifest, ParseImportManifest(text.str(), folder));
  if (out.manifest.persons.empty()) {
    return Status::InvalidArgument(folder.string() + " holds no ANSI/NIST-ITL transaction (" +
                                   std::to_string(out.ignored_files) + " other files)");
  }
  for (ManifestPerson& person : out.manifest.persons) {
    for (const ManifestRow& row : person.rows) {
      if (auto found = unreadable.find(row.file); found != unreadable.end()) person.errors.push_back(found->second);
    }
    if (person.rows.size() > 1) {
      std::string names;
      for (const ManifestRow& row : person.rows) names += (names.empty() ? "" : ", ") + row.file.filename().string();
      person.errors.push_back(std::to_string(person.rows.size()) + " files name person '" + person.person.external_id +
                              "' (" + names +
                              "): one person per transaction, so none of them was enrolled (give each its own "
                              "control number, or import them one by one)");
    }
  }
  return out;
}

}  // namespace abis
