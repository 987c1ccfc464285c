// Signed checkpoints (anchors) of the audit log: what the hash chain alone cannot show.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/audit/audit_log.h"
#include "abis/store/crypto.h"

namespace abis {
namespace {

class AuditAnchorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(Store::Create(dir_.path() / "store")).value();
    Append(5);
    auto key = CreateAuditSigningKey(dir_.path() / "auditor.key");
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_ = std::make_unique<AuditSigningKey>(*key);
  }

  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      AuditEvent event;
      event.operator_name = "op";
      event.role = "examiner";
      event.action = "search";
      event.purpose = "criminal_investigation";
      event.case_ref = "CASE-" + std::to_string(i);
      event.result = {{"candidates", i}};
      ASSERT_TRUE(AppendAuditEntry(*store_, event).ok());
    }
  }

  AuditCheckpoint Checkpoint() {
    auto checkpoint = MakeAuditCheckpoint(*store_, *key_);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
    return *checkpoint;
  }

  AuditVerification VerifyAgainst(const AuditCheckpoint& anchor) {
    auto report = VerifyAuditAnchor(*store_, anchor, key_->public_key);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return *report;
  }

  // Tampering as someone with write access to the file would do it.
  void Sql(const std::string& sql) { ASSERT_TRUE(RawDatabase(*store_).Execute(sql).ok()) << sql; }

  // Recomputes entry_hash and prev_hash from `from_seq` on, and the head, as a forger who read
  // docs/AUDIT_FORMAT.md would: the chain is then consistent again.
  void RehashFrom(std::int64_t from_seq) {
    auto rows = RawDatabase(*store_).Prepare(
        "SELECT seq, time, operator, role, action, purpose, case_ref, object_ids, input_sha256, result "
        "FROM audit_log WHERE seq >= ? ORDER BY seq");
    rows->Bind(1, from_seq);
    auto previous = RawDatabase(*store_).Prepare("SELECT entry_hash FROM audit_log WHERE seq = ?");
    previous->Bind(1, from_seq - 1);
    std::string prev_hash = *previous->Step() ? previous->ColumnText(0) : kAuditGenesisHash;
    std::vector<std::pair<std::int64_t, std::pair<std::string, std::string>>> updates;
    while (*rows->Step()) {
      std::string canonical;
      auto field = [&](const std::string& value) { canonical += std::to_string(value.size()) + ":" + value + ";"; };
      field("abis-audit-v1");
      field(std::to_string(rows->ColumnInt(0)));
      for (int column = 1; column <= 9; ++column) field(rows->ColumnText(column));
      field(prev_hash);
      std::string hash = Sha256Hex(canonical);
      updates.push_back({rows->ColumnInt(0), {prev_hash, hash}});
      prev_hash = hash;
    }
    for (const auto& [seq, hashes] : updates) {
      Sql("UPDATE audit_log SET prev_hash = '" + hashes.first + "', entry_hash = '" + hashes.second +
          "' WHERE seq = " + std::to_string(seq));
    }
    Sql("UPDATE audit_head SET last_hash = '" + prev_hash + "' WHERE id = 1");
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditSigningKey> key_;
};

TEST_F(AuditAnchorTest, AnAnchorOfAnIntactLogHoldsAsTheLogGrows) {
  AuditCheckpoint anchor = Checkpoint();
  EXPECT_EQ(anchor.seq, 5);
  Append(3);
  AuditVerification report = VerifyAgainst(anchor);
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.entries, 8);
  EXPECT_EQ(report.anchor_seq, 5);
  auto round_trip = AuditCheckpoint::FromJson(nlohmann::json::parse(anchor.ToJson().dump()));
  ASSERT_TRUE(round_trip.ok()) << round_trip.status().ToString();
  EXPECT_TRUE(VerifyAgainst(*round_trip).intact);
}

TEST_F(AuditAnchorTest, ATailCutWithTheHeadRowRewrittenIsCaughtOnlyByTheAnchor) {
  AuditCheckpoint anchor = Checkpoint();
  auto third = RawDatabase(*store_).Prepare("SELECT entry_hash FROM audit_log WHERE seq = 3");
  ASSERT_TRUE(*third->Step());
  std::string third_hash = third->ColumnText(0);
  Sql("DELETE FROM audit_log WHERE seq > 3");
  Sql("UPDATE audit_head SET entry_count = 3, last_hash = '" + third_hash + "' WHERE id = 1");
  ASSERT_TRUE(VerifyAuditChain(*store_)->intact) << "the chain alone cannot see this";
  AuditVerification report = VerifyAgainst(anchor);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_NE(report.problem.find("log cut below the anchor"), std::string::npos) << report.problem;
}

TEST_F(AuditAnchorTest, AnEditWithEverythingAfterItRehashedIsCaughtOnlyByTheAnchor) {
  AuditCheckpoint anchor = Checkpoint();
  Append(2);  // entries after the anchor: the forger rehashes them too
  Sql("UPDATE audit_log SET case_ref = 'CASE-FORGED' WHERE seq = 2");
  RehashFrom(2);
  ASSERT_TRUE(VerifyAuditChain(*store_)->intact) << "the chain alone cannot see this";
  AuditVerification report = VerifyAgainst(anchor);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_NE(report.problem.find("anchored entry 5 was rewritten"), std::string::npos) << report.problem;
}

TEST_F(AuditAnchorTest, AnAnchorOfAnotherStoreIsNamed) {
  AuditCheckpoint anchor = Checkpoint();
  Sql("UPDATE audit_log SET operator = 'someone else' WHERE seq = 1");
  RehashFrom(1);
  AuditVerification report = VerifyAgainst(anchor);
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 1);
  EXPECT_NE(report.problem.find("store id"), std::string::npos) << report.problem;
}

TEST_F(AuditAnchorTest, AnAlteredOrForeignAnchorIsRefused) {
  AuditCheckpoint anchor = Checkpoint();
  AuditCheckpoint lowered = anchor;
  lowered.seq = 3;  // what a forger who cut the log would like the anchor to say
  EXPECT_EQ(VerifyAuditAnchor(*store_, lowered, key_->public_key).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(VerifyAuditAnchor(*store_, lowered, std::nullopt).status().code(), StatusCode::kDataLoss);

  auto forger = CreateAuditSigningKey(dir_.path() / "forger.key");
  ASSERT_TRUE(forger.ok());
  auto forged = MakeAuditCheckpoint(*store_, *forger);
  ASSERT_TRUE(forged.ok());
  auto report = VerifyAuditAnchor(*store_, *forged, key_->public_key);
  EXPECT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(report.status().message().find("not by the given public key"), std::string::npos);
  auto public_key = LoadAuditPublicKey(dir_.path() / "auditor.key.pub");
  ASSERT_TRUE(public_key.ok()) << public_key.status().ToString();
  EXPECT_EQ(*public_key, key_->public_key);
}

TEST_F(AuditAnchorTest, ABrokenLogIsNeverAnchored) {
  Sql("UPDATE audit_log SET case_ref = 'X' WHERE seq = 2");
  auto checkpoint = MakeAuditCheckpoint(*store_, *key_);
  EXPECT_EQ(checkpoint.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(AuditAnchorTest, TheSigningKeyIsPrivateAndReloads) {
  auto file = dir_.path() / "auditor.key";
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto loaded = LoadAuditSigningKey(file);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->public_key, key_->public_key);
  EXPECT_EQ(CreateAuditSigningKey(file).status().code(), StatusCode::kAlreadyExists);
  chmod(file.c_str(), 0644);
  EXPECT_EQ(LoadAuditSigningKey(file).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace abis
