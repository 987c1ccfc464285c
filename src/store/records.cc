#include "abis/store/records.h"

#include <array>
#include <cctype>
#include <string>

#include "abis/core/enum_names.h"
#include "abis/core/text_validation.h"

namespace abis {
namespace {

constexpr std::array<std::string_view, 6> kCategoryNames = {
    "citizen", "foreign_national", "stateless", "unknown", "unidentified_remains", "missing_person_reference"};
constexpr std::array<std::string_view, 5> kGalleryKindNames = {"register", "watchlist", "unidentified_remains",
                                                               "missing_person_reference", "other"};

}  // namespace

std::string_view PersonCategoryName(PersonCategory category) {
  return kCategoryNames.at(static_cast<std::size_t>(category));
}

Result<PersonCategory> ParsePersonCategory(std::string_view name) {
  return ParseEnumName<PersonCategory>(kCategoryNames, name, "person category");
}

std::string_view GalleryKindName(GalleryKind kind) { return kGalleryKindNames.at(static_cast<std::size_t>(kind)); }

Result<GalleryKind> ParseGalleryKind(std::string_view name) {
  return ParseEnumName<GalleryKind>(kGalleryKindNames, name, "gallery kind");
}

Status ValidateEncounterKind(std::string_view kind) {
  for (auto known : kEncounterKinds) {
    if (known == kind) return Status::Ok();
  }
  return Status::InvalidArgument("unknown encounter kind '" + std::string(kind) +
                                 "' (expected enrollment, border, booking, latent, body_recovery or reference_sample)");
}

WatchlistEntryState WatchlistEntryStateOn(const WatchlistEntry& entry, std::string_view today) {
  if (!entry.ended_at.empty()) return WatchlistEntryState::kEnded;
  if (entry.expires_at.substr(0, 10) <= today.substr(0, 10)) return WatchlistEntryState::kExpired;
  return WatchlistEntryState::kActive;
}

std::string_view WatchlistEntryStateName(WatchlistEntryState state) {
  switch (state) {
    case WatchlistEntryState::kActive: return "active";
    case WatchlistEntryState::kExpired: return "expired";
    case WatchlistEntryState::kEnded: return "ended";
  }
  return "active";
}

Status ValidateIsoDate(std::string_view value, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(field) + " '" + EscapeForDisplay(value, 40) + "' is not " +
                                   std::string(why));
  };
  if (value.size() < 10) return bad("an ISO 8601 date (YYYY-MM-DD)");
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!std::isdigit(static_cast<unsigned char>(value[i]))) return bad("an ISO 8601 date (YYYY-MM-DD)");
  }
  if (value[4] != '-' || value[7] != '-') return bad("an ISO 8601 date (YYYY-MM-DD)");
  if (value.size() > 10 && value[10] != 'T' && value[10] != ' ') return bad("an ISO 8601 date (YYYY-MM-DD)");
  int year = (value[0] - '0') * 1000 + (value[1] - '0') * 100 + (value[2] - '0') * 10 + (value[3] - '0');
  int month = (value[5] - '0') * 10 + (value[6] - '0');
  int day = (value[8] - '0') * 10 + (value[9] - '0');
  if (year < 1800) return bad("a plausible date (years from 1800)");
  if (month < 1 || month > 12) return bad("a calendar date (month 01-12)");
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > days) return bad("a calendar date (that month has " + std::to_string(days) + " days)");
  if (value.size() > 10) ABIS_RETURN_IF_ERROR(ValidateFreeText(value, field, 40, false));
  return Status::Ok();
}

Status ValidateEncounterExternalId(std::string_view external_id) {
  if (external_id.empty() || external_id.size() > 64) {
    return Status::InvalidArgument("encounter id must be 1-64 characters, not " + std::to_string(external_id.size()));
  }
  if (external_id == "." || external_id == "..") {
    return Status::InvalidArgument("encounter id '" + std::string(external_id) + "' would read as a path step");
  }
  for (char c : external_id) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                   c == '.' || c == ':';
    if (!allowed) {
      return Status::InvalidArgument("encounter id '" + std::string(external_id) +
                                     "' may only hold letters, digits, '-', '_', '.' and ':'");
    }
  }
  return Status::Ok();
}

}  // namespace abis
