#include "abis/core/status.h"

#include <gtest/gtest.h>

#include "abis/core/modality.h"

namespace abis {
namespace {

Result<int> Half(int value) {
  if (value % 2 != 0) return Status::InvalidArgument(std::to_string(value) + " is odd");
  return value / 2;
}

Result<int> Quarter(int value) {
  ABIS_ASSIGN_OR_RETURN(int half, Half(value));
  ABIS_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status status = Status::NotFound("no person 'X'");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.ToString(), "not_found: no person 'X'");
  EXPECT_EQ(status.WithContext("loading").message(), "loading: no person 'X'");
  EXPECT_EQ(Status::Ok().ToString(), "ok");
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> odd = Quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().message(), "3 is odd");
}

TEST(StatusTest, ResultFromOkStatusIsAnInternalError) {
  Result<int> result{Status::Ok()};
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
}

TEST(FingerPositionTest, AcceptsCodesAndNamesAndRejectsOutOfRange) {
  EXPECT_EQ(*FingerPositionFromCode(2), FingerPosition::kRightIndex);
  EXPECT_EQ(*ParseFingerPosition("left_little"), FingerPosition::kLeftLittle);
  EXPECT_EQ(*ParseFingerPosition("7"), FingerPosition::kLeftIndex);
  Result<FingerPosition> bad = FingerPositionFromCode(12);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "finger position 12 out of range 0-10");
  EXPECT_FALSE(ParseFingerPosition("right_toe").ok());
  EXPECT_FALSE(ParseFingerPosition("-1").ok());
}

TEST(FingerPositionTest, AnUnknownPositionIsCompatibleWithEveryFingerAndAKnownOneOnlyWithItself) {
  EXPECT_TRUE(FingerPositionsCompatible(FingerPosition::kUnknown, FingerPosition::kLeftIndex));
  EXPECT_TRUE(FingerPositionsCompatible(FingerPosition::kRightThumb, FingerPosition::kUnknown));
  EXPECT_TRUE(FingerPositionsCompatible(FingerPosition::kRightIndex, FingerPosition::kRightIndex));
  EXPECT_FALSE(FingerPositionsCompatible(FingerPosition::kRightIndex, FingerPosition::kLeftIndex));
}

TEST(StatusTest, UnavailableNamesAPartOfTheSystemThatIsDown) {
  const Status down = Status::Unavailable("matcher rank 1 has died").WithContext("probe 1");
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeName(down.code()), "unavailable");
  EXPECT_EQ(down.ToString(), "unavailable: probe 1: matcher rank 1 has died");
}

TEST(ModalityTest, ParsesKnownNamesOnly) {
  EXPECT_EQ(*ParseModality("fingerprint"), Modality::kFinger);
  EXPECT_EQ(ModalityName(Modality::kDna), "dna");
  EXPECT_FALSE(ParseModality("iris").ok());
}

}  // namespace
}  // namespace abis
