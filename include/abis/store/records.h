// The records the store holds (docs/STORE_SCHEMA.md describes their tables).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"

namespace abis {

enum class PersonCategory : std::uint8_t {
  kCitizen,
  kForeignNational,
  kStateless,
  kUnknown,
  kUnidentifiedRemains,
  kMissingPersonReference,
};
std::string_view PersonCategoryName(PersonCategory category);
Result<PersonCategory> ParsePersonCategory(std::string_view name);

struct Person {
  std::int64_t id = 0;      // store id
  std::string external_id;  // caller's reference, unique (e.g. a national id or case number)
  PersonCategory category = PersonCategory::kUnknown;
  std::string given_name;  // minimal demographics, may be empty
  std::string family_name;
  std::string date_of_birth;    // ISO 8601 date or empty
  std::string sex;              // "F", "M", "X" or empty
  std::string legal_basis;      // required: the law or decision under which the record is held
  std::string retention_until;  // required: ISO 8601 date; `retention apply` deletes after it
  std::string created_at;
};

// Encounter kinds (why biometrics were captured).
inline constexpr std::string_view kEncounterKinds[] = {"enrollment", "border",        "booking",
                                                       "latent",     "body_recovery", "reference_sample"};
Status ValidateEncounterKind(std::string_view kind);

struct Encounter {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::string external_id;  // the id callers see; unique per person; empty: generated (the row id in
                            // decimal, with a suffix "-n" if the person already has that id)
  std::string kind = "enrollment";
  std::string captured_at;
  std::string source_agency;
  std::int64_t operator_id = 0;
  bool active = true;  // an inactive encounter's templates are kept but not searched
};

// An encounter id chosen by a caller: 1-64 characters of letters, digits, '-', '_', '.', ':'.
Status ValidateEncounterExternalId(std::string_view external_id);

// A stored template's metadata (the template itself is sealed; see Store::LoadTemplate).
struct TemplateInfo {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::int64_t sample_id = 0;
  Modality modality = Modality::kFace;
  std::string algorithm;
  FingerPosition position = FingerPosition::kUnknown;
  nlohmann::json quality = nlohmann::json::object();
  std::string created_at;
  std::string seal_id;  // hex of the ciphertext's random nonce: changes whenever the template is (re)sealed
};

enum class GalleryKind : std::uint8_t {
  kRegister,   // e.g. the national register
  kWatchlist,  // wanted list: hits raise alerts
  kUnidentifiedRemains,
  kMissingPersonReference,
  kOther,
};
std::string_view GalleryKindName(GalleryKind kind);
Result<GalleryKind> ParseGalleryKind(std::string_view name);

struct Gallery {
  std::int64_t id = 0;
  std::string name;
  GalleryKind kind = GalleryKind::kRegister;
  std::string description;
  std::int64_t member_count = 0;  // -1 from the uncounted lookups (Store::FindGalleryWithoutMemberCount)
};

struct WatchlistEntry {
  std::int64_t id = 0;
  std::int64_t gallery_id = 0;
  std::int64_t person_id = 0;
  std::string authority_reference;
  std::string reason;
  std::string expires_at;  // ISO 8601; an expired entry never alerts
  std::string created_at;
  // Set when an examiner or admin ended the entry before it expired (AbisSystem::EndWatchlistEntry):
  // an ended entry never alerts again.
  std::string ended_at;
  std::string ended_by;  // operator name
  std::string end_reason;
  std::string person_external_id;  // filled by listings
};

// Where an entry stands on `today` (YYYY-MM-DD): ended early, expired (its expiry date has come;
// alerting stops at the start of that day), or active. Listings show this; searches apply the
// same rule in Store::ActiveWatchlistEntries.
enum class WatchlistEntryState : std::uint8_t { kActive, kExpired, kEnded };
WatchlistEntryState WatchlistEntryStateOn(const WatchlistEntry& entry, std::string_view today);
// "active", "expired", "ended".
std::string_view WatchlistEntryStateName(WatchlistEntryState state);

// Validates an ISO 8601 date "YYYY-MM-DD" (optionally followed by a time), naming `field`: a real
// calendar date (2040-02-31 is refused), year 1800 or later.
Status ValidateIsoDate(std::string_view value, std::string_view field);

}  // namespace abis
