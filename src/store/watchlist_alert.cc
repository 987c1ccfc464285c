#include "abis/store/watchlist_alert.h"

namespace abis {

std::string_view AlertDeliveryName(AlertDelivery delivery) {
  switch (delivery) {
    case AlertDelivery::kNone: return "none";
    case AlertDelivery::kPending: return "pending";
    case AlertDelivery::kDelivered: return "delivered";
    case AlertDelivery::kFailed: return "failed";
  }
  return "none";
}

Result<AlertDelivery> ParseAlertDelivery(std::string_view text) {
  if (text == "none") return AlertDelivery::kNone;
  if (text == "pending") return AlertDelivery::kPending;
  if (text == "delivered") return AlertDelivery::kDelivered;
  if (text == "failed") return AlertDelivery::kFailed;
  return Status::DataLoss("unknown alert delivery state '" + std::string(text) + "' in watchlist_alerts");
}

nlohmann::json WatchlistAlert::ToJson() const {
  return {{"alert_id", id},
          {"search_seq", search_seq},
          {"candidate_id", candidate_id},
          {"watchlist_entry_id", entry_id},
          {"person_id", person_id},
          {"external_id", external_id},
          {"gallery", gallery},
          {"authority_reference", authority_reference},
          {"reason", reason},
          {"fused_ln_lr", fused_log_lr},
          {"operator", operator_name},
          {"purpose", purpose},
          {"case_ref", case_ref},
          {"raised_at", raised_at},
          {"delivery", AlertDeliveryName(delivery)},
          {"delivery_attempts", delivery_attempts}};
}

}  // namespace abis
