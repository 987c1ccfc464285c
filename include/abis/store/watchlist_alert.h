// A watchlist alert: a search hit on an active watchlist entry, as the store keeps it (how alerts
// are raised and listed: abis/system/alerts.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis {

// Where the alert's webhook delivery stands ("none" when no webhook is configured).
enum class AlertDelivery : std::uint8_t { kNone, kPending, kDelivered, kFailed };
std::string_view AlertDeliveryName(AlertDelivery delivery);
// The inverse of AlertDeliveryName; another text is kDataLoss (a store holding it was altered).
Result<AlertDelivery> ParseAlertDelivery(std::string_view text);

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

}  // namespace abis
