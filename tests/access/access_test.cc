#include <gtest/gtest.h>

#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/access/policy.h"
#include "abis/access/users.h"

namespace abis {
namespace {

TEST(PolicyTest, AdminManagesButNeverSearches) {
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Action::kManageUsers));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Action::kApplyRetention));
  for (Purpose purpose : AllPurposes()) EXPECT_FALSE(RoleAllowsPurpose(Role::kAdmin, purpose));
}

TEST(PolicyTest, AuditorReadsTheTrailOnly) {
  EXPECT_TRUE(RoleAllows(Role::kAuditor, Action::kReadAudit));
  EXPECT_TRUE(RoleAllows(Role::kAuditor, Action::kSubjectReport));
  EXPECT_FALSE(RoleAllows(Role::kAuditor, Action::kSearch));
  EXPECT_FALSE(RoleAllows(Role::kAuditor, Action::kEnrol));
  EXPECT_FALSE(RoleAllows(Role::kAuditor, Action::kDeletePerson));
}

TEST(PolicyTest, OnlyExaminersAndAdminsMergeIdentities) {
  EXPECT_TRUE(RoleAllows(Role::kExaminer, Action::kMergeRecords));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Action::kMergeRecords));
  EXPECT_FALSE(RoleAllows(Role::kEnroller, Action::kMergeRecords));
  EXPECT_FALSE(RoleAllows(Role::kInvestigator, Action::kMergeRecords));
  EXPECT_FALSE(RoleAllows(Role::kAuditor, Action::kMergeRecords));
}

TEST(PolicyTest, OnlyExaminersDecideOnCandidatesAndInvestigatorsReadLeadsAndAlerts) {
  for (Role role : {Role::kAdmin, Role::kEnroller, Role::kInvestigator, Role::kExaminer, Role::kAuditor}) {
    EXPECT_EQ(RoleAllows(role, Action::kDecideCandidates), role == Role::kExaminer) << RoleName(role);
    bool reads_leads = role == Role::kInvestigator || role == Role::kExaminer;
    EXPECT_EQ(RoleAllows(role, Action::kReadCandidateReviews), reads_leads) << RoleName(role);
    EXPECT_EQ(RoleAllows(role, Action::kReadAlerts), reads_leads) << RoleName(role);
  }
  EXPECT_EQ(ActionName(Action::kReadAlerts), "read_alerts");
}

TEST(PolicyTest, PurposesFollowTheRole) {
  EXPECT_TRUE(RoleAllowsPurpose(Role::kEnroller, Purpose::kDeduplication));
  EXPECT_FALSE(RoleAllowsPurpose(Role::kEnroller, Purpose::kCriminalInvestigation));
  EXPECT_TRUE(RoleAllowsPurpose(Role::kInvestigator, Purpose::kCriminalInvestigation));
  EXPECT_FALSE(RoleAllowsPurpose(Role::kInvestigator, Purpose::kDeduplication));
  for (Purpose purpose : AllPurposes()) EXPECT_TRUE(RoleAllowsPurpose(Role::kExaminer, purpose));
}

TEST(PolicyTest, NamesRoundTripAndUnknownNamesAreRejected) {
  for (Purpose purpose : AllPurposes()) EXPECT_EQ(*ParsePurpose(PurposeName(purpose)), purpose);
  EXPECT_EQ(*ParseRole("examiner"), Role::kExaminer);
  auto bad = ParsePurpose("curiosity");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("border_control"), std::string::npos) << "lists the valid purposes";
  EXPECT_FALSE(ParseRole("root").ok());
}

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(Store::Create(dir_.path() / "store")).value(); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(UsersTest, IssuedKeyAuthenticatesItsUser) {
  User user = *AddUser(*store_, "ines", Role::kInvestigator);
  std::string key = *IssueApiKey(*store_, user.id);
  auto op = Authenticate(*store_, key);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  EXPECT_EQ(op->name, "ines");
  EXPECT_EQ(op->role, Role::kInvestigator);
}

TEST_F(UsersTest, SecretIsStoredOnlyAsArgon2idHash) {
  User user = *AddUser(*store_, "ines", Role::kInvestigator);
  std::string key = *IssueApiKey(*store_, user.id);
  auto query = RawDatabase(*store_).Prepare("SELECT secret_hash FROM api_keys");
  ASSERT_TRUE(*query->Step());
  std::string hash = query->ColumnText(0);
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find(key.substr(22)), std::string::npos);
}

TEST_F(UsersTest, RefusesWrongMalformedRevokedAndExpiredKeys) {
  User user = *AddUser(*store_, "ines", Role::kInvestigator);
  std::string key = *IssueApiKey(*store_, user.id);
  std::string wrong = key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(Authenticate(*store_, wrong).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Authenticate(*store_, "hello").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Authenticate(*store_, "").status().code(), StatusCode::kUnauthenticated);

  std::string expired = *IssueApiKey(*store_, user.id, std::string("2001-01-01"));
  auto refused = Authenticate(*store_, expired);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("expired"), std::string::npos);

  ASSERT_TRUE(DisableUser(*store_, "ines").ok());
  EXPECT_EQ(Authenticate(*store_, key).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(UsersTest, ValidatesUserNames) {
  EXPECT_EQ(AddUser(*store_, "", Role::kAdmin).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AddUser(*store_, "a b", Role::kAdmin).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(AddUser(*store_, "a.b-c_1", Role::kAdmin).ok());
  EXPECT_EQ(AddUser(*store_, "a.b-c_1", Role::kAdmin).status().code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace abis
