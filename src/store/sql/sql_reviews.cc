// SqlStore: search candidates kept for review and the examiners' decisions (tables
// search_candidates, candidate_decisions).
#include "abis/store/crypto.h"
#include "sql/sealed_contexts.h"
#include "sql/sql_store.h"

namespace abis {
namespace {

constexpr const char* kProbeColumns =
    "SELECT id, search_seq, probe_index, case_ref, purpose, searched_by, modality, format, position, size, "
    "created_at, retain_until FROM search_probes ";

SearchProbeRecord ReadProbe(const SqlStatement& query) {
  SearchProbeRecord probe;
  probe.id = query.ColumnInt(0);
  probe.search_seq = query.ColumnInt(1);
  probe.probe_index = static_cast<int>(query.ColumnInt(2));
  probe.case_ref = query.ColumnText(3);
  probe.purpose = query.ColumnText(4);
  probe.searched_by = query.ColumnText(5);
  probe.modality = query.ColumnText(6);
  probe.format = query.ColumnText(7);
  probe.position = static_cast<int>(query.ColumnInt(8));
  probe.bytes = query.ColumnInt(9);
  probe.created_at = query.ColumnText(10);
  probe.retain_until = query.ColumnText(11);
  return probe;
}

}  // namespace

Result<std::int64_t> SqlStore::AddSearchCandidate(const SearchCandidateRecord& candidate) {
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO search_candidates (search_seq, rank, person_id, gallery, "
                                     "purpose, case_ref, fused_log_lr, created_at, context) VALUES (?, ?, ?, "
                                     "?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, candidate.search_seq)
      .Bind(2, candidate.rank)
      .Bind(3, candidate.person_id)
      .Bind(4, candidate.gallery)
      .Bind(5, candidate.purpose)
      .Bind(6, candidate.case_ref)
      .Bind(7, candidate.fused_log_lr)
      .Bind(8, candidate.created_at)
      .Bind(9, candidate.context);
  return insert.RunReturningId();
}

Result<SearchCandidateRecord> SqlStore::GetSearchCandidate(std::int64_t candidate_id) {
  ABIS_ASSIGN_OR_RETURN(
      auto query,
      db_->Prepare("SELECT c.id, c.search_seq, c.rank, c.person_id, p.external_id, c.gallery, "
                   "c.purpose, c.case_ref, c.fused_log_lr, c.created_at, c.context FROM search_candidates c "
                   "JOIN persons p ON p.id = c.person_id WHERE c.id = ?"));
  query.Bind(1, candidate_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no search candidate with id " + std::to_string(candidate_id));
  SearchCandidateRecord candidate;
  candidate.id = query.ColumnInt(0);
  candidate.search_seq = query.ColumnInt(1);
  candidate.rank = static_cast<int>(query.ColumnInt(2));
  candidate.person_id = query.ColumnInt(3);
  candidate.external_id = query.ColumnText(4);
  candidate.gallery = query.ColumnText(5);
  candidate.purpose = query.ColumnText(6);
  candidate.case_ref = query.ColumnText(7);
  candidate.fused_log_lr = query.ColumnDouble(8);
  candidate.created_at = query.ColumnText(9);
  candidate.context = query.ColumnText(10);
  return candidate;
}

Result<std::vector<std::int64_t>> SqlStore::ListSearchCandidateIds(std::int64_t search_seq) {
  ABIS_ASSIGN_OR_RETURN(auto query,
                        db_->Prepare("SELECT id FROM search_candidates WHERE search_seq = ? ORDER BY rank"));
  query.Bind(1, search_seq);
  std::vector<std::int64_t> ids;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return ids;
    ids.push_back(query.ColumnInt(0));
  }
}

Status SqlStore::AddCandidateDecision(const CandidateDecisionRow& decision) {
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO candidate_decisions (candidate_id, examiner_id, examiner, "
                                     "decision, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, decision.candidate_id)
      .Bind(2, decision.examiner_id)
      .Bind(3, decision.examiner)
      .Bind(4, decision.decision)
      .Bind(5, decision.comment)
      .Bind(6, decision.decided_at);
  return insert.Run();
}

Result<std::vector<CandidateDecisionRow>> SqlStore::ListCandidateDecisions(std::int64_t candidate_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare("SELECT examiner_id, examiner, decision, comment, decided_at FROM "
                                                 "candidate_decisions WHERE candidate_id = ? ORDER BY id"));
  query.Bind(1, candidate_id);
  std::vector<CandidateDecisionRow> decisions;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return decisions;
    CandidateDecisionRow decision;
    decision.candidate_id = candidate_id;
    decision.examiner_id = query.ColumnInt(0);
    decision.examiner = query.ColumnText(1);
    decision.decision = query.ColumnText(2);
    decision.comment = query.ColumnText(3);
    decision.decided_at = query.ColumnText(4);
    decisions.push_back(std::move(decision));
  }
}

Result<std::vector<std::int64_t>> SqlStore::ListOpenSearchCandidateIds(const OpenCandidateFilter& filter, int limit) {
  ABIS_ASSIGN_OR_RETURN(
      auto query,
      db_->Prepare(
          "SELECT c.id FROM search_candidates c WHERE NOT EXISTS (SELECT 1 FROM candidate_decisions d "
          "WHERE d.candidate_id = c.id AND d.decision = 'reject') AND (?1 = '' OR c.case_ref = ?1) AND (?2 = "
          "'' OR c.purpose = ?2) AND (?3 = '' OR c.gallery = ?3) AND (SELECT count(*) FROM candidate_decisions "
          "d WHERE d.candidate_id = c.id AND d.decision = 'confirm') < 2 AND (?4 < 0 OR (SELECT "
          "count(*) FROM candidate_decisions d WHERE d.candidate_id = c.id AND d.decision = 'confirm') = ?4) "
          "ORDER BY c.case_ref, c.search_seq, c.rank LIMIT ?5"));
  query.Bind(1, filter.case_ref)
      .Bind(2, filter.purpose)
      .Bind(3, filter.gallery)
      .Bind(4, filter.confirmations)
      .Bind(5, limit);
  std::vector<std::int64_t> ids;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return ids;
    ids.push_back(query.ColumnInt(0));
  }
}

Result<std::int64_t> SqlStore::AddSearchProbe(const SearchProbeRecord& probe, std::span<const std::uint8_t> bytes) {
  if (probe.search_seq <= 0 || probe.probe_index <= 0) {
    return Status::InvalidArgument("a kept probe needs its search's audit sequence number and its index (from 1)");
  }
  ABIS_ASSIGN_OR_RETURN(SealedRecord sealed, Seal(key_, bytes, ProbeContext(probe)));
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO search_probes (search_seq, probe_index, case_ref, purpose, "
                                     "searched_by, modality, format, position, size, wrapped_key, sealed, created_at, "
                                     "retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  insert.Bind(1, probe.search_seq)
      .Bind(2, probe.probe_index)
      .Bind(3, probe.case_ref)
      .Bind(4, probe.purpose)
      .Bind(5, probe.searched_by)
      .Bind(6, probe.modality)
      .Bind(7, probe.format)
      .Bind(8, probe.position)
      .Bind(9, static_cast<std::int64_t>(bytes.size()))
      .BindBlob(10, sealed.wrapped_key)
      .BindBlob(11, sealed.ciphertext)
      .Bind(12, probe.created_at)
      .Bind(13, probe.retain_until);
  return insert.RunReturningId();
}

Result<std::vector<SearchProbeRecord>> SqlStore::ListSearchProbes(std::int64_t search_seq) {
  ABIS_ASSIGN_OR_RETURN(auto query,
                        db_->Prepare(std::string(kProbeColumns) + "WHERE search_seq = ? ORDER BY probe_index"));
  query.Bind(1, search_seq);
  std::vector<SearchProbeRecord> probes;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return probes;
    probes.push_back(ReadProbe(query));
  }
}

Result<std::pair<SearchProbeRecord, std::vector<std::uint8_t>>> SqlStore::LoadSearchProbe(std::int64_t probe_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, db_->Prepare(std::string(kProbeColumns) + "WHERE id = ?"));
  query.Bind(1, probe_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no kept probe with id " + std::to_string(probe_id));
  SearchProbeRecord probe = ReadProbe(query);
  ABIS_ASSIGN_OR_RETURN(auto sealed_query, db_->Prepare("SELECT wrapped_key, sealed FROM search_probes WHERE id = ?"));
  sealed_query.Bind(1, probe_id);
  ABIS_ASSIGN_OR_RETURN(row, sealed_query.Step());
  if (!row) return Status::NotFound("no kept probe with id " + std::to_string(probe_id));
  SealedRecord sealed{sealed_query.ColumnBlob(0), sealed_query.ColumnBlob(1)};
  auto plaintext = Unseal(key_, sealed, ProbeContext(probe));
  if (!plaintext.ok()) return plaintext.status().WithContext("kept probe " + std::to_string(probe_id));
  return std::make_pair(std::move(probe), std::move(plaintext).value());
}

Result<std::int64_t> SqlStore::DeleteSearchProbes(std::string_view today, std::string_view case_ref) {
  ABIS_ASSIGN_OR_RETURN(auto erase, case_ref.empty() ? db_->Prepare("DELETE FROM search_probes WHERE retain_until < ?")
                                                     : db_->Prepare("DELETE FROM search_probes WHERE case_ref = ?"));
  erase.Bind(1, case_ref.empty() ? today : case_ref);
  ABIS_RETURN_IF_ERROR(erase.Run());
  return static_cast<std::int64_t>(db_->Changes());
}

}  // namespace abis
