#include "abis/system/candidate_review.h"

#include <gtest/gtest.h>

namespace abis {
namespace {

CandidateDecisionRecord Decision(const std::string& examiner, CandidateDecision decision) {
  return {examiner, decision, "", ""};
}

TEST(CandidateReviewTest, StateFollowsTheTwoPersonRule) {
  using enum CandidateDecision;
  EXPECT_EQ(ReviewStateOf({}), ReviewState::kUnreviewed);
  EXPECT_EQ(ReviewStateOf({Decision("a", kConfirm)}), ReviewState::kOneConfirmation);
  EXPECT_EQ(ReviewStateOf({Decision("a", kConfirm), Decision("b", kConfirm)}), ReviewState::kConfirmed);
  EXPECT_EQ(ReviewStateOf({Decision("a", kConfirm), Decision("b", kReject)}), ReviewState::kRejected);
  EXPECT_EQ(ReviewStateOf({Decision("a", kReject)}), ReviewState::kRejected);
}

TEST(CandidateReviewTest, OnlyExaminersDecide) {
  EXPECT_TRUE(RoleAllows(Role::kExaminer, Action::kDecideCandidates));
  for (Role role : {Role::kAdmin, Role::kEnroller, Role::kInvestigator, Role::kAuditor}) {
    EXPECT_FALSE(RoleAllows(role, Action::kDecideCandidates));
  }
  EXPECT_FALSE(ParseCandidateDecision("approve").ok());
}

}  // namespace
}  // namespace abis
