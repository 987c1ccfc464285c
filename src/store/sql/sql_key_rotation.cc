// SqlStore: re-wrapping every record's data key under a new master key (key rotation), and
// telling which key a store's rows are wrapped under (recovery of an interrupted rotation).
#include <algorithm>
#include <string>
#include <vector>

#include "abis/store/crypto.h"
#include "sql/sealed_contexts.h"
#include "sql/sql_store.h"

namespace abis {
namespace {

// Rows are read a page at a time, by id, and updated before the next page is read: no statement
// stays open across an update (libpq cannot run a second statement while one streams rows).
constexpr int kPageRows = 1000;

// One sealed record: its id, the associated data its keys are bound to, and its wrapped key.
struct WrappedRow {
  std::int64_t id = 0;
  std::string context;
  std::vector<std::uint8_t> wrapped_key;
};

// One table holding sealed records: how to read a page of them and how to name and rewrite one.
struct SealedTable {
  const char* name;    // for messages: "samples", "templates", "search_probes"
  const char* select;  // SELECT ... WHERE id > ? ORDER BY id LIMIT ? (first column the id)
  const char* update;  // UPDATE ... SET wrapped_key = ? WHERE id = ?
  std::string (*context)(const SqlStatement& row);
  int wrapped_key_column;
};

std::string SampleRowContext(const SqlStatement& row) {
  auto modality = ParseModality(row.ColumnText(3));
  auto position = FingerPositionFromCode(static_cast<int>(row.ColumnInt(5)));
  // An unreadable modality or position gives a context no key opens: the row is reported damaged.
  if (!modality.ok() || !position.ok()) return "unreadable sample row";
  return SampleContext(row.ColumnInt(1), row.ColumnInt(2), *modality, row.ColumnText(4), *position);
}

std::string TemplateRowContext(const SqlStatement& row) {
  auto modality = ParseModality(row.ColumnText(3));
  auto position = FingerPositionFromCode(static_cast<int>(row.ColumnInt(5)));
  if (!modality.ok() || !position.ok()) return "unreadable template row";
  return TemplateContext(row.ColumnInt(1), row.ColumnInt(2), *modality, row.ColumnText(4), *position);
}

std::string ProbeRowContext(const SqlStatement& row) {
  SearchProbeRecord probe;
  probe.search_seq = row.ColumnInt(1);
  probe.probe_index = static_cast<int>(row.ColumnInt(2));
  probe.case_ref = row.ColumnText(3);
  probe.modality = row.ColumnText(4);
  probe.format = row.ColumnText(5);
  probe.position = static_cast<int>(row.ColumnInt(6));
  return ProbeContext(probe);
}

const SealedTable kSealedTables[] = {
    {"samples",
     "SELECT id, person_id, encounter_id, modality, format, position, wrapped_key FROM samples WHERE id > ? "
     "ORDER BY id LIMIT ?",
     "UPDATE samples SET wrapped_key = ? WHERE id = ?", SampleRowContext, 6},
    {"templates",
     "SELECT id, person_id, sample_id, modality, algorithm, position, wrapped_key FROM templates WHERE id > ? "
     "ORDER BY id LIMIT ?",
     "UPDATE templates SET wrapped_key = ? WHERE id = ?", TemplateRowContext, 6},
    {"search_probes",
     "SELECT id, search_seq, probe_index, case_ref, modality, format, position, wrapped_key FROM search_probes "
     "WHERE id > ? ORDER BY id LIMIT ?",
     "UPDATE search_probes SET wrapped_key = ? WHERE id = ?", ProbeRowContext, 7},
};

Result<std::vector<WrappedRow>> ReadPage(SqlConnection& db, const SealedTable& table, std::int64_t after_id,
                                         int limit) {
  ABIS_ASSIGN_OR_RETURN(auto query, db.Prepare(table.select));
  query.Bind(1, after_id).Bind(2, limit);
  std::vector<WrappedRow> rows;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return rows;
    rows.push_back({query.ColumnInt(0), table.context(query), query.ColumnBlob(table.wrapped_key_column)});
  }
}

std::int64_t& CountOf(KeyRewrapCounts& counts, const SealedTable& table) {
  if (&table == &kSealedTables[0]) return counts.samples;
  if (&table == &kSealedTables[1]) return counts.templates;
  return counts.search_probes;
}

}  // namespace

Result<KeyRewrapCounts> SqlStore::RewrapDataKeys(const MasterKey& new_key,
                                                 const std::function<void(const KeyRewrapCounts&)>& progress) {
  if (!db_->InTransaction()) {
    return Status::FailedPrecondition("re-wrapping the data keys must run inside the rotation's write transaction");
  }
  KeyRewrapCounts counts;
  for (const SealedTable& table : kSealedTables) {
    ABIS_ASSIGN_OR_RETURN(auto update, db_->Prepare(table.update));
    std::int64_t after_id = 0;
    while (true) {
      ABIS_ASSIGN_OR_RETURN(std::vector<WrappedRow> rows, ReadPage(*db_, table, after_id, kPageRows));
      for (const WrappedRow& row : rows) {
        auto rewrapped = RewrapDataKey(key_, new_key, row.wrapped_key, row.context);
        if (!rewrapped.ok()) {
          return Status::DataLoss(std::string(table.name) + " row " + std::to_string(row.id) +
                                  ": its wrapped data key does not open under the current master key (" +
                                  rewrapped.status().message() +
                                  "); nothing was rotated: restore or erase the row first");
        }
        update.Reset();
        update.BindBlob(1, *rewrapped).Bind(2, row.id);
        ABIS_RETURN_IF_ERROR(update.Run());
        ++CountOf(counts, table);
      }
      if (rows.empty()) break;
      after_id = rows.back().id;
      if (progress) progress(counts);
      if (static_cast<int>(rows.size()) < kPageRows) break;
    }
  }
  return counts;
}

Result<std::optional<bool>> SqlStore::FirstWrappedKeyOpensUnder(const MasterKey& key) {
  std::optional<bool> opens;
  ABIS_RETURN_IF_ERROR(db_->ReadTransaction([&]() -> Status {
    for (const SealedTable& table : kSealedTables) {
      // A few rows, so that one damaged row does not decide alone (a rotation re-wraps all or none).
      constexpr int kRowsTried = 4;
      ABIS_ASSIGN_OR_RETURN(std::vector<WrappedRow> rows, ReadPage(*db_, table, 0, kRowsTried));
      if (rows.empty()) continue;
      opens = std::any_of(rows.begin(), rows.end(),
                          [&](const WrappedRow& row) { return WrappedKeyOpens(key, row.wrapped_key, row.context); });
      return Status::Ok();
    }
    return Status::Ok();
  }));
  return opens;
}

}  // namespace abis
