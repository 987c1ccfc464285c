// The review queue (GET /ui/api/reviews, AbisSystem::ListOpenReviews) is filtered by the store
// before its limit: a filter never misses a candidate that lies beyond the first `limit` open ones.
#include "abis/system/candidate_review.h"
#include "service_fixture.h"

namespace abis::service {
namespace {

ReviewQueueFilter Filter(std::string case_ref, std::string purpose, std::string gallery, std::string state) {
  ReviewQueueFilter filter;
  filter.case_ref = std::move(case_ref);
  filter.purpose = std::move(purpose);
  filter.gallery = std::move(gallery);
  filter.state = std::move(state);
  return filter;
}

class ReviewQueueTest : public ServiceTest {
 protected:
  // Runs one search of `seed` in `case_ref` and returns its first candidate's id.
  std::int64_t SearchInCase(std::uint32_t seed, const std::string& case_ref) {
    auto found = Identify("ian", {{"biometricData", {BiometricItem(seed)}}},
                          "purpose=criminal_investigation&caseRef=" + case_ref);
    EXPECT_EQ(found->status, 200) << found->body;
    return nlohmann::json::parse(found->body).at(0).at("others").at("candidateId");
  }
};

TEST_F(ReviewQueueTest, FiltersApplyBeforeTheLimit) {
  EnrolNewPerson(87);
  for (int i = 0; i < 3; ++i) SearchInCase(87, "A-1");  // three open candidates sort before case B-1
  const std::int64_t wanted = SearchInCase(87, "B-1");
  const Operator& exa = operators_.at("exa");

  auto unfiltered = system_->ListOpenReviews(exa, ReviewQueueFilter(), 2);
  ASSERT_TRUE(unfiltered.ok()) << unfiltered.status().ToString();
  ASSERT_EQ(unfiltered->size(), 2u);
  EXPECT_EQ(unfiltered->at(0).case_ref, "A-1");
  auto by_case = system_->ListOpenReviews(exa, Filter("B-1", "", "", ""), 2);
  ASSERT_TRUE(by_case.ok()) << by_case.status().ToString();
  ASSERT_FALSE(by_case->empty());
  for (const CandidateReview& review : *by_case) EXPECT_EQ(review.case_ref, "B-1");
  EXPECT_EQ(by_case->at(0).candidate_id, wanted);
  EXPECT_TRUE(system_->ListOpenReviews(exa, Filter("", "deduplication", "", ""), 2)->empty());
  EXPECT_EQ(system_->ListOpenReviews(exa, Filter("B-1", "", "register", ""), 1)->size(), 1u);

  // State: one confirmation on the last candidate; it is found with a limit of 1 although every
  // candidate before it is unreviewed.
  ASSERT_EQ(Client()
                .Post("/v1/candidates/" + std::to_string(wanted) + "/decisions", Auth("exa"),
                      R"({"decision":"confirm","comment":"same"})", "application/json")
                ->status,
            200);
  auto one = system_->ListOpenReviews(exa, Filter("", "", "", "one_confirmation"), 1);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->at(0).candidate_id, wanted);
  auto unreviewed = system_->ListOpenReviews(exa, Filter("", "", "", "unreviewed"), 1000);
  for (const CandidateReview& review : *unreviewed) EXPECT_NE(review.candidate_id, wanted);
  EXPECT_TRUE(system_->ListOpenReviews(exa, Filter("", "", "", "confirmed"), 10)->empty());
  EXPECT_EQ(system_->ListOpenReviews(exa, Filter("", "", "", "maybe"), 10).status().code(),
            StatusCode::kInvalidArgument);

  // The page's JSON: the same filters, a bad state is 400.
  auto page = Client().Get("/ui/api/reviews?case=B-1&state=one_confirmation", Auth("exb"));
  ASSERT_EQ(page->status, 200) << page->body;
  auto list = nlohmann::json::parse(page->body);
  ASSERT_EQ(list.size(), 1u) << page->body;
  EXPECT_EQ(list.at(0).at("candidateId"), wanted);
  EXPECT_EQ(Client().Get("/ui/api/reviews?state=maybe", Auth("exb"))->status, 400);
  // The audit names the filters used, never their values.
  auto entry =
      RawDatabase(system_->TEST_store())
          .Prepare("SELECT result FROM audit_log WHERE action = 'candidate.queue.read' ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(*entry->Step());
  EXPECT_NE(entry->ColumnText(0).find(R"("filters":["case","state"])"), std::string::npos) << entry->ColumnText(0);
  EXPECT_EQ(entry->ColumnText(0).find("B-1"), std::string::npos) << entry->ColumnText(0);
}

}  // namespace
}  // namespace abis::service
