// Watchlist alerts. After an identification, every candidate that is a hit at the search's
// operating point is checked against the active entries of every watchlist gallery (not only the
// gallery searched); each (candidate, entry) pair raises one alert, stored and audited
// ("watchlist.alert") in one transaction. An entry whose expiry is not after the search time
// never alerts. Alerts are read by investigators and examiners (audited "alert.list").
// Thread-safety: as the Store used (one per thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/access/users.h"
#include "abis/core/status.h"
#include "abis/store/store.h"
#include "abis/system/abis_system.h"

namespace abis {

bool RoleMayReadAlerts(Role role);

// Where the alert's webhook delivery stands ("none" when no webhook is configured).
enum class AlertDelivery : std::uint8_t { kNone, kPending, kDelivered, kFailed };
std::string_view AlertDeliveryName(AlertDelivery delivery);

struct WatchlistAlert {
  std::int64_t id = 0;
  std::int64_t search_seq = 0;
  std::int64_t candidate_id = 0;  // 0 when the candidate was not recorded for review
  std::int64_t entry_id = 0;
  std::int64_t person_id = 0;
  std::string external_id;
  std::int64_t gallery_id = 0;
  std::string gallery;
  std::string authority_reference;
  std::string reason;
  double fused_log_lr = 0.0;
  std::string operator_name;
  std::string purpose;
  std::string case_ref;
  std::string raised_at;
  AlertDelivery delivery = AlertDelivery::kNone;
  int delivery_attempts = 0;
  nlohmann::json ToJson() const;
};

// Raises the alerts of a completed search (see the file comment). `candidate_ids` are the ids
// from RecordSearchCandidates in rank order (may be empty). `now` (ISO 8601) decides expiry.
// `webhook_configured` marks new alerts "pending" delivery instead of "none".
Result<std::vector<WatchlistAlert>> RaiseWatchlistAlerts(Store& store, const Operator& op,
                                                        const SearchRequest& request, const SearchResult& result,
                                                        const std::vector<std::int64_t>& candidate_ids,
                                                        std::string_view now, bool webhook_configured);

// Alerts with id > `after_id`, oldest first, at most `limit` (1-1000). Audited; refused roles
// are kPermissionDenied and audited as "alert.list.refused".
Result<std::vector<WatchlistAlert>> ListWatchlistAlerts(Store& store, const Operator& op, std::int64_t after_id,
                                                       int limit);

// Records the outcome of one webhook delivery attempt.
Status RecordAlertDelivery(Store& store, std::int64_t alert_id, bool delivered);

}  // namespace abis
