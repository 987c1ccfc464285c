// The store: persons, encounters, samples, templates, galleries and watchlists in SQLite, with
// samples and templates sealed under the master key. Methods join the caller's transaction when
// one is open (Database::Transaction), so an operation and its audit entry commit together.
// Thread-safety: one Store per thread (SQLite WAL allows concurrent readers across processes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/crypto.h"
#include "abis/store/database.h"
#include "abis/store/records.h"

namespace abis {

struct StoreLayout {
  std::filesystem::path dir;
  std::filesystem::path database;  // <dir>/abis.db
  std::filesystem::path key_file;  // env ABIS_KEY_FILE, else <dir>/master.key
  static StoreLayout ForDir(const std::filesystem::path& dir);
};

class Store {
 public:
  // Creates a new store folder (database at the current schema + a new key file).
  // An existing store there is kAlreadyExists.
  static Result<std::unique_ptr<Store>> Create(const std::filesystem::path& dir);
  // Opens an existing store, upgrading its schema when older.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& dir);

  Database& db() { return *db_; }
  const StoreLayout& layout() const { return layout_; }

  // --- persons ---
  // Validates and inserts; sets person.id and created_at. Duplicate external_id: kAlreadyExists.
  Status AddPerson(Person& person);
  Result<Person> GetPerson(std::int64_t id);
  Result<Person> FindPerson(std::string_view external_id);
  // Persons ordered by id, after `after_id`, at most `limit`.
  Result<std::vector<Person>> ListPersons(std::int64_t after_id, int limit);
  // Persons whose retention date is before `date` (YYYY-MM-DD), at most `limit`.
  Result<std::vector<Person>> ListExpiredPersons(std::string_view date, int limit);
  // Crypto-erases the person: every sample, template (ciphertext and wrapped key), encounter,
  // gallery membership and watchlist entry, then the person row. kNotFound when absent.
  Status DeletePerson(std::int64_t id);

  // --- encounters, samples, templates ---
  Result<std::int64_t> AddEncounter(const Encounter& encounter);
  // Seals and stores the raw sample bytes; returns the sample id.
  Result<std::int64_t> AddSample(std::int64_t encounter_id, std::int64_t person_id, Modality modality,
                                 std::string_view format, FingerPosition position,
                                 std::span<const std::uint8_t> bytes);
  // Seals and stores a template; returns the template id.
  Result<std::int64_t> AddTemplate(std::int64_t sample_id, std::int64_t person_id,
                                   const BiometricTemplate& biometric_template);
  Result<std::vector<TemplateInfo>> ListTemplates(std::int64_t person_id);
  // Decrypts a template. Tampering or a wrong key is kDataLoss.
  Result<BiometricTemplate> LoadTemplate(std::int64_t template_id);
  Result<std::vector<std::uint8_t>> LoadSample(std::int64_t sample_id);
  // Metadata of a person's samples: (sample id, modality, format, position), oldest first.
  struct SampleInfo {
    std::int64_t id = 0;
    Modality modality = Modality::kFace;
    std::string format;
    FingerPosition position = FingerPosition::kUnknown;
  };
  Result<std::vector<SampleInfo>> ListSamples(std::int64_t person_id);
  // Metadata of every template of `modality` whose person is in `gallery_id`.
  Result<std::vector<TemplateInfo>> ListGalleryTemplates(std::int64_t gallery_id, Modality modality);
  Result<std::int64_t> CountSamples(std::int64_t person_id);

  // --- galleries and watchlists ---
  Result<std::int64_t> CreateGallery(const Gallery& gallery);
  Result<Gallery> FindGallery(std::string_view name);
  Result<std::vector<Gallery>> ListGalleries();
  Status AddGalleryMember(std::int64_t gallery_id, std::int64_t person_id);
  Status RemoveGalleryMember(std::int64_t gallery_id, std::int64_t person_id);
  Result<std::vector<std::string>> GalleriesOfPerson(std::int64_t person_id);
  Result<std::int64_t> AddWatchlistEntry(const WatchlistEntry& entry);
  // Entries of the gallery for the person that have not expired at `now` (ISO 8601).
  Result<std::vector<WatchlistEntry>> ActiveWatchlistEntries(std::int64_t gallery_id, std::int64_t person_id,
                                                             std::string_view now);

  // Removes deleted data from the WAL too (checkpoint + truncate). Call after deletions.
  Status Checkpoint();

 private:
  Store(StoreLayout layout, std::unique_ptr<Database> db, MasterKey key)
      : layout_(std::move(layout)), db_(std::move(db)), key_(std::move(key)) {}
  StoreLayout layout_;
  std::unique_ptr<Database> db_;
  MasterKey key_;
};

}  // namespace abis
