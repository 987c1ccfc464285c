// Roles, actions and search purposes, and the one table that says which role may do what.
// docs/ACCESS.md shows the table; tests check it cell by cell.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

enum class Role : std::uint8_t { kAdmin, kEnroller, kInvestigator, kExaminer, kAuditor };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

// Every search is bound to one of these purposes.
enum class Purpose : std::uint8_t {
  kIdentityVerification,
  kDeduplication,
  kCriminalInvestigation,
  kMissingPerson,
  kUnidentifiedRemains,
  kBorderControl,
};
std::string_view PurposeName(Purpose purpose);
Result<Purpose> ParsePurpose(std::string_view name);
std::vector<Purpose> AllPurposes();

enum class Action : std::uint8_t {
  kManageUsers,      // user add/list/disable, key issue
  kManageGalleries,  // gallery create/add/remove, watchlist entries
  kAddPerson,        // person add
  kEnrol,            // add samples/templates to a person
  kReadPerson,       // person show/list
  kDeletePerson,     // person delete (crypto-erase)
  kSearch,           // 1:N identification (also needs the purpose)
  kVerify,           // 1:1 verification (also needs the purpose)
  kReadAudit,        // audit verify/export
  kApplyRetention,   // retention apply
  kSubjectReport,    // subject report
  kMergeRecords,     // merge two persons, move an encounter between persons (identity corrections)
  kReextract,        // extract every stored template of a modality again from its sample
  kDecideCandidates,     // confirm or reject a search's candidate (two-person review)
  kReadCandidateReviews, // read the review of a search's candidates
  kReadAlerts,           // list watchlist alerts
  kRotateMasterKey,      // re-wrap every data key under a new master key (abis store rotate-key)
};
std::string_view ActionName(Action action);

bool RoleAllows(Role role, Action action);
bool RoleAllowsPurpose(Role role, Purpose purpose);

}  // namespace abis
