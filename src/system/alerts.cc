#include "abis/system/alerts.h"

#include <set>

#include "abis/audit/audit_log.h"

namespace abis {

Result<std::vector<WatchlistAlert>> RaiseWatchlistAlerts(Store& store, const Operator& op, const SearchRequest& request,
                                                         const SearchResult& result,
                                                         const std::vector<std::int64_t>& candidate_ids,
                                                         std::string_view now, bool webhook_configured) {
  std::vector<WatchlistAlert> alerts;
  bool any_hit = false;
  for (const auto& candidate : result.candidates) any_hit = any_hit || candidate.hit;
  if (!any_hit) return alerts;
  ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries, store.ListGalleriesWithoutMemberCount());
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
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
          ABIS_ASSIGN_OR_RETURN(alert.id, store.AddWatchlistAlert(alert));
          AuditEvent event;
          event.operator_name = op.name;
          event.role = std::string(RoleName(op.role));
          event.action = "watchlist.alert";
          event.purpose = alert.purpose;
          event.case_ref = alert.case_ref;
          event.object_ids = {{"persons", {alert.person_id}},
                              {"galleries", {alert.gallery_id}},
                              {"alerts", {alert.id}},
                              {"watchlist_entries", {alert.entry_id}}};
          event.result = {{"search_seq", alert.search_seq},
                          {"authority_reference", alert.authority_reference},
                          {"fused_ln_lr", alert.fused_log_lr}};
          ABIS_RETURN_IF_ERROR(AppendAuditEntry(store, event).status());
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
    ABIS_RETURN_IF_ERROR(AppendAuditEntry(store, event).status());
    return Status::PermissionDenied(reason);
  }
  if (limit < 1 || limit > 1000) return Status::InvalidArgument("alert list limit must be 1-1000");
  std::vector<WatchlistAlert> alerts;
  ABIS_RETURN_IF_ERROR(store.Transaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(alerts, store.ListWatchlistAlerts(after_id, limit));
    std::set<std::int64_t> persons;
    std::vector<std::int64_t> ids;
    for (const WatchlistAlert& alert : alerts) {
      persons.insert(alert.person_id);
      ids.push_back(alert.id);
    }
    event.object_ids = {{"persons", std::vector<std::int64_t>(persons.begin(), persons.end())}, {"alerts", ids}};
    event.result = {{"after_id", after_id}, {"returned", alerts.size()}};
    return AppendAuditEntry(store, event).status();
  }));
  return alerts;
}

}  // namespace abis
