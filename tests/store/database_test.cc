#include "sqlite/database.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "../support/test_engine.h"

namespace abis {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.path() / "test.db";
    auto db = Database::Open(file_, /*create=*/true);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Execute("CREATE TABLE t (v TEXT)").ok());
  }

  Status Insert(Database& db, const std::string& value) {
    ABIS_ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO t (v) VALUES (?)"));
    insert.Bind(1, value);
    return insert.Run();
  }

  // What another connection (as after a restart) sees.
  std::int64_t CountSeenByAnotherConnection(const std::string& value) {
    auto other = Database::Open(file_, false);
    EXPECT_TRUE(other.ok());
    auto query = (*other)->Prepare("SELECT count(*) FROM t WHERE v = ?");
    query->Bind(1, value);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  testing::TempDir dir_;
  std::filesystem::path file_;
  std::unique_ptr<Database> db_;
};

// The 63-byte request of issue 16: an exception (from the JSON library) thrown inside a write
// transaction left it open, so every later "commit" on that connection joined it and nothing
// reached the disk.
TEST_F(DatabaseTest, ATransactionWhoseBodyThrowsIsRolledBackAndLaterCommitsReachTheDisk) {
  EXPECT_THROW((void)db_->Transaction([&]() -> Status {
    EXPECT_TRUE(Insert(*db_, "lost").ok());
    throw std::runtime_error("thrown half-way");
  }),
               std::runtime_error);
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_TRUE(db_->Healthy());
  ASSERT_TRUE(db_->Transaction([&] { return Insert(*db_, "acknowledged"); }).ok());
  EXPECT_EQ(CountSeenByAnotherConnection("acknowledged"), 1);
  EXPECT_EQ(CountSeenByAnotherConnection("lost"), 0);
}

TEST_F(DatabaseTest, AnExceptionFromANestedTransactionEndsTheOuterOne) {
  EXPECT_THROW((void)db_->Transaction([&]() -> Status {
    EXPECT_TRUE(Insert(*db_, "outer").ok());
    return db_->Transaction([&]() -> Status { throw std::runtime_error("inner"); });
  }),
               std::runtime_error);
  EXPECT_TRUE(db_->Healthy());
  ASSERT_TRUE(db_->Transaction([&] { return Insert(*db_, "after"); }).ok());
  EXPECT_EQ(CountSeenByAnotherConnection("after"), 1);
  EXPECT_EQ(CountSeenByAnotherConnection("outer"), 0);
}

TEST_F(DatabaseTest, AReadTransactionWhoseBodyThrowsEndsToo) {
  EXPECT_THROW((void)db_->ReadTransaction([]() -> Status { throw std::runtime_error("read"); }), std::runtime_error);
  EXPECT_TRUE(db_->Healthy());
  ASSERT_TRUE(db_->Transaction([&] { return Insert(*db_, "x"); }).ok());
  EXPECT_EQ(CountSeenByAnotherConnection("x"), 1);
}

TEST_F(DatabaseTest, ATransactionLeftOpenOutsideTheWrapperMakesTheConnectionUnhealthy) {
  ASSERT_TRUE(db_->Execute("BEGIN").ok());
  EXPECT_FALSE(db_->Healthy());  // a pool must close it, not hand it to the next request
  ASSERT_TRUE(db_->Execute("ROLLBACK").ok());
  EXPECT_TRUE(db_->Healthy());
}

}  // namespace
}  // namespace abis
