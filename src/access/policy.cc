#include "abis/access/policy.h"

#include <array>
#include <string>

#include "abis/core/enum_names.h"

namespace abis {
namespace {

constexpr std::array<std::string_view, 5> kRoleNames = {"admin", "enroller", "investigator", "examiner", "auditor"};
constexpr std::array<std::string_view, 6> kPurposeNames = {"identity_verification", "deduplication",
                                                           "criminal_investigation", "missing_person",
                                                           "unidentified_remains", "border_control"};
constexpr std::array<std::string_view, 17> kActionNames = {
    "manage_users",   "manage_galleries", "add_person",      "enrol",          "read_person",   "delete_person",
    "search",         "verify",           "read_audit",      "apply_retention", "subject_report", "merge_records",
    "reextract",      "decide_candidates", "read_candidate_reviews", "read_alerts", "rotate_master_key"};

// The policy, in one place. Rows: roles in enum order. Separation of duties: the admin manages
// the system but searches nothing; the auditor reads the audit trail and subject reports only.
// Merging identities (deciding that two records are one person) belongs to the examiner, who
// adjudicates, and to the admin. Re-extracting templates after an extractor upgrade is system
// maintenance: the admin's alone. Candidates of a search are leads that only examiners confirm or
// reject (two of them, see candidate_review.h); investigators and examiners read the reviews and
// the watchlist alerts that searches raise. Rotating the master key is the admin's alone.
//                                         users gall  addP  enrol readP delP  srch  vrfy  audit reten subj  merge reext decide revw  alerts rotate
constexpr bool kActionTable[5][17] = {
    /* admin        */ {true, true, true, false, true, true, false, false, true, true, true, true, true, false, false, false, true},
    /* enroller     */ {false, false, true, true, true, false, true, true, false, false, false, false, false, false, false, false, false},
    /* investigator */ {false, false, false, false, true, false, true, true, false, false, false, false, false, false, true, true, false},
    /* examiner     */ {false, true, false, false, true, false, true, true, false, false, false, true, false, true, true, true, false},
    /* auditor      */ {false, false, false, false, true, false, false, false, true, false, true, false, false, false, false, false, false},
};

//                                          idver dedup crim  missing remains border
constexpr bool kPurposeTable[5][6] = {
    /* admin        */ {false, false, false, false, false, false},
    /* enroller     */ {true, true, false, false, false, true},
    /* investigator */ {false, false, true, true, true, true},
    /* examiner     */ {true, true, true, true, true, true},
    /* auditor      */ {false, false, false, false, false, false},
};

}  // namespace

std::string_view RoleName(Role role) { return kRoleNames.at(static_cast<std::size_t>(role)); }
Result<Role> ParseRole(std::string_view name) { return ParseEnumName<Role>(kRoleNames, name, "role"); }
std::string_view PurposeName(Purpose purpose) { return kPurposeNames.at(static_cast<std::size_t>(purpose)); }
Result<Purpose> ParsePurpose(std::string_view name) { return ParseEnumName<Purpose>(kPurposeNames, name, "purpose"); }
std::string_view ActionName(Action action) { return kActionNames.at(static_cast<std::size_t>(action)); }

std::vector<Purpose> AllPurposes() {
  std::vector<Purpose> out;
  for (std::size_t i = 0; i < kPurposeNames.size(); ++i) out.push_back(static_cast<Purpose>(i));
  return out;
}

bool RoleAllows(Role role, Action action) {
  return kActionTable[static_cast<std::size_t>(role)][static_cast<std::size_t>(action)];
}

bool RoleAllowsPurpose(Role role, Purpose purpose) {
  return kPurposeTable[static_cast<std::size_t>(role)][static_cast<std::size_t>(purpose)];
}

}  // namespace abis
