// Watchlist alerts. After an identification, every candidate that is a hit at the search's
// operating point is checked against the active entries of every watchlist gallery (not only the
// gallery searched); each (candidate, entry) pair raises one alert, stored and audited
// ("watchlist.alert") in one transaction. An entry whose expiry is not after the search time
// never alerts. Alerts are read by investigators and examiners (audited "alert.list").
// Thread-safety: as the Store used (one per thread).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "abis/access/users.h"
#include "abis/core/status.h"
#include "abis/store/store.h"
#include "abis/store/watchlist_alert.h"
#include "abis/system/abis_system.h"

namespace abis {

// Raises the alerts of a completed search (see the file comment). `candidate_ids` are the ids
// from RecordSearchCandidates in rank order (may be empty). `now` (ISO 8601) decides expiry.
// `webhook_configured` marks new alerts "pending" delivery instead of "none".
Result<std::vector<WatchlistAlert>> RaiseWatchlistAlerts(Store& store, const Operator& op, const SearchRequest& request,
                                                         const SearchResult& result,
                                                         const std::vector<std::int64_t>& candidate_ids,
                                                         std::string_view now, bool webhook_configured);

// Alerts with id > `after_id`, oldest first, at most `limit` (1-1000). Audited; refused roles
// are kPermissionDenied and audited as "alert.list.refused".
Result<std::vector<WatchlistAlert>> ListWatchlistAlerts(Store& store, const Operator& op, std::int64_t after_id,
                                                        int limit);

}  // namespace abis
