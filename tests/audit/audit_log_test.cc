#include "abis/audit/audit_log.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/store/crypto.h"

namespace abis {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(Store::Create(dir_.path() / "store")).value();
    for (int i = 1; i <= 5; ++i) {
      AuditEvent event;
      event.operator_name = "op" + std::to_string(i);
      event.role = "examiner";
      event.action = "search";
      event.purpose = "criminal_investigation";
      event.case_ref = "CASE-" + std::to_string(i);
      event.object_ids = {{"persons", {i, 100}}};
      event.input_sha256 = {Sha256Hex(std::to_string(i))};
      event.result = {{"candidates", i}};
      ASSERT_TRUE(AppendAuditEntry(*store_, event).ok());
    }
  }

  AuditVerification Verify() {
    auto report = VerifyAuditChain(*store_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return *report;
  }

  // Tampering as someone with write access to the file would do it (foreign keys off).
  void Sql(const std::string& sql) {
    ASSERT_TRUE(RawDatabase(*store_).Execute("PRAGMA foreign_keys=OFF").ok());
    ASSERT_TRUE(RawDatabase(*store_).Execute(sql).ok()) << sql;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(AuditLogTest, IntactChainVerifies) {
  AuditVerification report = Verify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.entries, 5);
  EXPECT_EQ(report.head_hash.size(), 64u);
}

TEST_F(AuditLogTest, EntriesAreChainedFromGenesis) {
  auto query = RawDatabase(*store_).Prepare("SELECT prev_hash, entry_hash FROM audit_log ORDER BY seq");
  std::string previous = kAuditGenesisHash;
  while (*query->Step()) {
    EXPECT_EQ(query->ColumnText(0), previous);
    previous = query->ColumnText(1);
  }
}

TEST_F(AuditLogTest, EditedEntryIsNamed) {
  Sql("UPDATE audit_log SET case_ref = 'CASE-X' WHERE seq = 3");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("modified"), std::string::npos) << report.problem;
}

TEST_F(AuditLogTest, EditedEntryWithRecomputedPlainHashIsStillCaughtByItsSuccessor) {
  // An attacker who rewrites entry 2 and its hash breaks the link from entry 3.
  Sql("UPDATE audit_log SET operator = 'mallory', entry_hash = 'ff' WHERE seq = 2");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_F(AuditLogTest, DeletedEntryIsNamed) {
  Sql("DELETE FROM audit_log WHERE seq = 2");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 2);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_F(AuditLogTest, ReorderedEntriesAreNamed) {
  // Swap the contents of entries 2 and 4 (keeping the sequence numbers).
  Sql("CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (2, 4)");
  Sql("UPDATE audit_log SET time = s.time, operator = s.operator, case_ref = s.case_ref, object_ids = s.object_ids, "
      "input_sha256 = s.input_sha256, result = s.result, prev_hash = s.prev_hash, entry_hash = s.entry_hash "
      "FROM swap s WHERE audit_log.seq IN (2, 4) AND s.seq = 6 - audit_log.seq");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_F(AuditLogTest, InsertedEntryIsNamed) {
  // Shift entries 3..5 up and forge an entry 3 that points at entry 2.
  Sql("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3");
  Sql("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103");
  Sql("INSERT INTO audit_log (seq, time, operator, role, action, prev_hash, entry_hash) "
      "SELECT 3, time, 'mallory', 'admin', 'forged', entry_hash, 'x' FROM audit_log WHERE seq = 2");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(AuditLogTest, AppendedEntryOutsideTheApiIsNamed) {
  Sql("INSERT INTO audit_log (seq, time, operator, role, action, prev_hash, entry_hash) "
      "SELECT 6, time, 'mallory', 'admin', 'forged', entry_hash, 'x' FROM audit_log WHERE seq = 5");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 6);
}

TEST_F(AuditLogTest, TruncatedLogIsNamed) {
  Sql("DELETE FROM audit_log WHERE seq = 5");
  AuditVerification report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_NE(report.problem.find("removed from the end"), std::string::npos) << report.problem;
}

TEST_F(AuditLogTest, ExportWritesJsonLinesSinceATime) {
  std::ostringstream out;
  auto written = ExportAudit(*store_, AuditFilter{}, out);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 5);
  std::istringstream lines(out.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto entry = nlohmann::json::parse(line);
    EXPECT_EQ(entry["seq"], ++count);
    EXPECT_EQ(entry["action"], "search");
    EXPECT_EQ(entry["input_sha256"].size(), 1u);
  }
  std::ostringstream none;
  AuditFilter future;
  future.since = "2999-01-01";
  EXPECT_EQ(*ExportAudit(*store_, future, none), 0);
}

// Issue 18, item 11: the export filters by operator, action, purpose, case and a time window.
TEST_F(AuditLogTest, ExportFiltersCombine) {
  auto filter = [](std::initializer_list<std::pair<std::string AuditFilter::*, std::string>> fields) {
    AuditFilter out;
    for (const auto& [field, value] : fields) out.*field = value;
    return out;
  };
  auto count = [&](const AuditFilter& selected) {
    std::ostringstream out;
    auto written = ExportAudit(*store_, selected, out);
    EXPECT_TRUE(written.ok()) << written.status().ToString();
    return written.ok() ? *written : -1;
  };
  EXPECT_EQ(count(filter({{&AuditFilter::operator_name, "op2"}})), 1);
  EXPECT_EQ(count(filter({{&AuditFilter::case_ref, "CASE-3"}})), 1);
  EXPECT_EQ(count(filter({{&AuditFilter::operator_name, "op2"}, {&AuditFilter::case_ref, "CASE-3"}})), 0);
  EXPECT_EQ(count(filter({{&AuditFilter::action, "search"}, {&AuditFilter::purpose, "criminal_investigation"}})), 5);
  EXPECT_EQ(count(filter({{&AuditFilter::purpose, "deduplication"}})), 0);
  EXPECT_EQ(count(filter({{&AuditFilter::until, "2000-01-01"}})), 0);
  EXPECT_EQ(count(filter({{&AuditFilter::since, "2000-01-01"}, {&AuditFilter::until, "2999-01-01"}})), 5);
  std::ostringstream out;
  EXPECT_EQ(ExportAudit(*store_, filter({{&AuditFilter::until, "yesterday"}}), out).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ExportAudit(*store_, filter({{&AuditFilter::case_ref, std::string(200, 'c')}}), out).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, EntriesAreFoundByPerson) {
  auto entries = AuditEntriesForPerson(*store_, 100);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 5u);
  EXPECT_EQ(AuditEntriesForPerson(*store_, 3)->size(), 1u);
  EXPECT_EQ(AuditEntriesForPerson(*store_, 999)->size(), 0u);
}

TEST_F(AuditLogTest, AppendInsideAFailedTransactionLeavesNoEntry) {
  Status status = RawDatabase(*store_).Transaction([&]() -> Status {
    AuditEvent event;
    event.action = "enrol";
    EXPECT_TRUE(AppendAuditEntry(*store_, event).ok());
    return Status::Internal("the change failed");
  });
  EXPECT_FALSE(status.ok());
  AuditVerification report = Verify();
  EXPECT_TRUE(report.intact);
  EXPECT_EQ(report.entries, 5);
}

TEST_F(AuditLogTest, RejectsMalformedObjectIds) {
  AuditEvent event;
  event.action = "x";
  event.object_ids = {{"persons", 5}};
  EXPECT_EQ(AppendAuditEntry(*store_, event).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace abis
