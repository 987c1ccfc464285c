#include "abis/system/alerts.h"

#include <set>

#include "abis/audit/audit_log.h"

namespace abis {
namespace {

constexpr const char* kAlertColumns =
    "a.id, a.search_seq, coalesce(a.candidate_id, 0), a.entry_id, a.person_id, p.external_id, a.gallery_id, "
    "coalesce(g.name, ''), a.authority_reference, a.reason, a.fused_log_lr, a.operator, a.purpose, a.case_ref, "
    "a.raised_at, a.delivery, a.delivery_attempts";

Result<AlertDelivery> ParseAlertDelivery(std::string_view text) {
  if (text == "none") return AlertDelivery::kNone;
  if (text == "pending") return AlertDelivery::kPending;
  if (text == "delivered") return AlertDelivery::kDelivered;
  if (text == "failed") return AlertDelivery::kFailed;
  return Status::DataLoss("unknown alert delivery state '" + std::string(text) + "' in watchlist_alerts");
}

Result<WatchlistAlert> ReadAlertRow(const Statement& row) {
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


std::string_view AlertDeliveryName(AlertDelivery delivery) {
  switch (delivery) {
    case AlertDelivery::kNone: return "none";
    case AlertDelivery::kPending: return "pending";
    case AlertDelivery::kDelivered: return "delivered";
    case AlertDelivery::kFailed: return "failed";
  }
  return "none";
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
          {"fused_log_lr", fused_log_lr},
          {"operator", operator_name},
          {"purpose", purpose},
          {"case_ref", case_ref},
          {"raised_at", raised_at},
          {"delivery", AlertDeliveryName(delivery)},
          {"delivery_attempts", delivery_attempts}};
}

Result<std::vector<WatchlistAlert>> RaiseWatchlistAlerts(Store& store, const Operator& op,
                                                        const SearchRequest& request, const SearchResult& result,
                                                        const std::vector<std::int64_t>& candidate_ids,
                                                        std::string_view now, bool webhook_configured) {
  std::vector<WatchlistAlert> alerts;
  bool any_hit = false;
  for (const auto& candidate : result.candidates) any_hit = any_hit || candidate.hit;
  if (!any_hit) return alerts;
  ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries, store.ListGalleries());
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto insert,
                          store.db().Prepare("INSERT INTO watchlist_alerts (search_seq, candidate_id, entry_id, person_id, "
                                             "gallery_id, authority_reference, reason, fused_log_lr, operator, purpose, "
                                             "case_ref, raised_at, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const std::string delivery(AlertDeliveryName(webhook_configured ? AlertDelivery::kPending : AlertDelivery::kNone));
    for (std::size_t rank = 0; rank < result.candidates.size(); ++rank) {
      const CandidateResult& candidate = result.candidates[rank];
      if (!candidate.hit) continue;
      for (const Gallery& gallery : galleries) {
        if (gallery.kind != GalleryKind::kWatchlist) continue;
        ABIS_ASSIGN_OR_RETURN(auto entries, store.ActiveWatchlistEntries(gallery.id, candidate.person_id, now));
        for (const WatchlistEntry& entry : entries) {
          WatchlistAlert alert;
          alert.search_seq = result.audit_seq;
          alert.candidate_id = rank < candidate_ids.size() ? candidate_ids[rank] : 0;
          alert.entry_id = entry.id;
          alert.person_id = candidate.person_id;
          alert.external_id = candidate.external_id;
          alert.gallery_id = gallery.id;
          alert.gallery = gallery.name;
          alert.authority_reference = entry.authority_reference;
          alert.reason = entry.reason;
          alert.fused_log_lr = candidate.fused_log_lr;
          alert.operator_name = op.name;
          alert.purpose = std::string(PurposeName(request.purpose));
          alert.case_ref = request.case_ref;
          alert.raised_at = std::string(now);
          alert.delivery = webhook_configured ? AlertDelivery::kPending : AlertDelivery::kNone;
          insert.Reset();
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
              .Bind(13, delivery);
          ABIS_RETURN_IF_ERROR(insert.Run());
          alert.id = store.db().LastInsertRowId();
          AuditEvent event;
          event.operator_name = op.name;
          event.role = std::string(RoleName(op.role));
          event.action = "watchlist.alert";
          event.purpose = alert.purpose;
          event.case_ref = alert.case_ref;
          event.object_ids = {{"persons", {alert.person_id}}, {"galleries", {alert.gallery_id}},
                              {"alerts", {alert.id}}, {"watchlist_entries", {alert.entry_id}}};
          event.result = {{"search_seq", alert.search_seq},
                          {"authority_reference", alert.authority_reference},
                          {"fused_log_lr", alert.fused_log_lr}};
          ABIS_RETURN_IF_ERROR(AppendAuditEntry(store.db(), event).status());
          alerts.push_back(std::move(alert));
        }
      }
    }
    return Status::Ok();
  }));
  return alerts;
}

Result<std::vector<WatchlistAlert>> ListWatchlistAlerts(Store& store, const Operator& op, std::int64_t after_id,
                                                       int limit) {
  AuditEvent event;
  event.operator_name = op.name;
  event.role = std::string(RoleName(op.role));
  event.action = "alert.list";
  if (!RoleAllows(op.role, Action::kReadAlerts)) {
    std::string reason = "role " + std::string(RoleName(op.role)) + " may not read watchlist alerts";
    event.action = "alert.list.refused";
    event.result = {{"refused", reason}};
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(store.db(), event).status());
    return Status::PermissionDenied(reason);
  }
  if (limit < 1 || limit > 1000) return Status::InvalidArgument("alert list limit must be 1-1000");
  std::vector<WatchlistAlert> alerts;
  ABIS_RETURN_IF_ERROR(store.db().Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(auto query, store.db().Prepare(std::string("SELECT ") + kAlertColumns +
                                                         " FROM watchlist_alerts a JOIN persons p ON p.id = a.person_id "
                                                         "LEFT JOIN galleries g ON g.id = a.gallery_id WHERE a.id > ? "
                                                         "ORDER BY a.id LIMIT ?"));
    query.Bind(1, after_id).Bind(2, limit);
    std::set<std::int64_t> persons;
    std::vector<std::int64_t> ids;
    while (true) {
      ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      ABIS_ASSIGN_OR_RETURN(WatchlistAlert alert, ReadAlertRow(query));
      persons.insert(alert.person_id);
      ids.push_back(alert.id);
      alerts.push_back(std::move(alert));
    }
    event.object_ids = {{"persons", std::vector<std::int64_t>(persons.begin(), persons.end())}, {"alerts", ids}};
    event.result = {{"after_id", after_id}, {"returned", alerts.size()}};
    return AppendAuditEntry(store.db(), event).status();
  }));
  return alerts;
}

Status RecordAlertDelivery(Store& store, std::int64_t alert_id, bool delivered) {
  ABIS_ASSIGN_OR_RETURN(auto update, store.db().Prepare("UPDATE watchlist_alerts SET delivery = ?, delivery_attempts = "
                                                        "delivery_attempts + 1 WHERE id = ?"));
  update.Bind(1, delivered ? "delivered" : "failed").Bind(2, alert_id);
  ABIS_RETURN_IF_ERROR(update.Run());
  if (store.db().Changes() == 0) return Status::NotFound("no watchlist alert with id " + std::to_string(alert_id));
  return Status::Ok();
}

}  // namespace abis
