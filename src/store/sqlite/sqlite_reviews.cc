// SqliteStore: search candidates kept for review and the examiners' decisions (tables
// search_candidates, candidate_decisions).
#include "sqlite/sqlite_store.h"

namespace abis {

Result<std::int64_t> SqliteStore::AddSearchCandidate(const SearchCandidateRecord& candidate) {
  ABIS_ASSIGN_OR_RETURN(auto insert,
                        db_->Prepare("INSERT INTO search_candidates (search_seq, rank, person_id, gallery, "
                                     "purpose, case_ref, fused_log_lr, created_at, context) VALUES (?, ?, ?, "
                                     "?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, candidate.search_seq)
      .Bind(2, candidate.rank)
      .Bind(3, candidate.person_id)
      .Bind(4, candidate.gallery)
      .Bind(5, candidate.purpose)
      .Bind(6, candidate.case_ref)
      .Bind(7, candidate.fused_log_lr)
      .Bind(8, candidate.created_at)
      .Bind(9, candidate.context);
  ABIS_RETURN_IF_ERROR(insert.Run());
  return db_->LastInsertRowId();
}

Result<SearchCandidateRecord> SqliteStore::GetSearchCandidate(std::int64_t candidate_id) {
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

Result<std::vector<std::int64_t>> SqliteStore::ListSearchCandidateIds(std::int64_t search_seq) {
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

Status SqliteStore::AddCandidateDecision(const CandidateDecisionRow& decision) {
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

Result<std::vector<CandidateDecisionRow>> SqliteStore::ListCandidateDecisions(std::int64_t candidate_id) {
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

}  // namespace abis
