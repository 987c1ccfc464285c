// SqlStore: watchlist alerts (table watchlist_alerts).
#include "sql/sql_store.h"

namespace abis {
namespace {

constexpr const char* kAlertColumns =
    "a.id, a.search_seq, coalesce(a.candidate_id, 0), a.entry_id, a.person_id, p.external_id, a.gallery_id, "
    "coalesce(g.name, ''), a.authority_reference, a.reason, a.fused_log_lr, a.operator, a.purpose, a.case_ref, "
    "a.raised_at, a.delivery, a.delivery_attempts";

Result<WatchlistAlert> ReadAlertRow(const SqlStatement& row) {
  WatchlistAlert alert;
  alert.id = row.ColumnInt(0);
  alert.search_seq = row.ColumnInt(1);
  alert.candidate_id = row.ColumnInt(2);
  alert.entry_id = row.ColumnInt(3);
  alert.person_id = row.ColumnInt(4);
  alert.external_id = row.ColumnText(5);
  alert.gallery_id = row.ColumnInt(6);
  alert.gallery = row.ColumnText(7);
  alert.authority_reference = row.ColumnText(8);
  alert.reason = row.ColumnText(9);
  alert.fused_log_lr = row.ColumnDouble(10);
  alert.operator_name = row.ColumnText(11);
  alert.purpose = row.ColumnText(12);
  alert.case_ref = row.ColumnText(13);
  alert.raised_at = row.ColumnText(14);
  ABIS_ASSIGN_OR_RETURN(alert.delivery, ParseAlertDelivery(row.ColumnText(15)));
  alert.delivery_attempts = static_cast<int>(row.ColumnInt(16));
  return alert;
}

}  // namespace

Result<std::int64_t> SqlStore::AddWatchlistAlert(const WatchlistAlert& alert) {
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO watchlist_alerts (search_seq, candidate_id, entry_id, person_id, "
                                     "gallery_id, authority_reference, reason, fused_log_lr, operator, purpose, "
                                     "case_ref, raised_at, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                     "RETURNING id"));
  insert.Bind(1, alert.search_seq);
  if (alert.candidate_id > 0) {
    insert.Bind(2, alert.candidate_id);
  } else {
    insert.BindNull(2);
  }
  insert.Bind(3, alert.entry_id)
      .Bind(4, alert.person_id)
      .Bind(5, alert.gallery_id)
      .Bind(6, alert.authority_reference)
      .Bind(7, alert.reason)
      .Bind(8, alert.fused_log_lr)
      .Bind(9, alert.operator_name)
      .Bind(10, alert.purpose)
      .Bind(11, alert.case_ref)
      .Bind(12, alert.raised_at)
      .Bind(13, AlertDeliveryName(alert.delivery));
  return insert.RunReturningId();
}

Result<std::vector<WatchlistAlert>> SqlStore::ListWatchlistAlerts(std::int64_t after_id, int limit) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string("SELECT ") + kAlertColumns +
                                                 " FROM watchlist_alerts a JOIN persons p ON p.id = a.person_id "
                                                 "LEFT JOIN galleries g ON g.id = a.gallery_id WHERE a.id > ? "
                                                 "ORDER BY a.id LIMIT ?"));
  query.Bind(1, after_id).Bind(2, limit);
  std::vector<WatchlistAlert> alerts;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return alerts;
    ABIS_ASSIGN_OR_RETURN(WatchlistAlert alert, ReadAlertRow(query));
    alerts.push_back(std::move(alert));
  }
}

Status SqlStore::RecordAlertDelivery(std::int64_t alert_id, bool delivered) {
  ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare("UPDATE watchlist_alerts SET delivery = ?, delivery_attempts = "
                                                  "delivery_attempts + 1 WHERE id = ?"));
  update.Bind(1, AlertDeliveryName(delivered ? AlertDelivery::kDelivered : AlertDelivery::kFailed)).Bind(2, alert_id);
  ABIS_RETURN_IF_ERROR(update.Run());
  if (db_->Changes() == 0) return Status::NotFound("no watchlist alert with id " + std::to_string(alert_id));
  return Status::Ok();
}

}  // namespace abis
