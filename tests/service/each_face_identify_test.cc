// POST /v1/identify/{galleryId} with "eachFace": true over the service: a still of several faces
// (tests/support/still_test_engine.h) is answered per face, each face searched and audited once.
#include <set>

#include "service_fixture.h"

namespace abis::service {
namespace {

using testing::MakeStill;
using testing::RandomSample;

nlohmann::json StillItem(const std::vector<std::uint8_t>& still) {
  return {{"biometricType", "FACE"}, {"image", EncodeBase64(still)}};
}

TEST_F(ServiceTest, IdentifyEachFaceAnswersPerFaceAndAuditsEachSearch) {
  const std::string first = EnrolNewPerson(11);
  const std::string second = EnrolNewPerson(12);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  // Face 0 is the second person, face 1 too small to search, face 2 the first person.
  const std::vector<std::uint8_t> still =
      MakeStill({{RandomSample(12), true}, {RandomSample(99), false}, {RandomSample(11), true}});
  auto response = Identify("ian", {{"biometricData", {StillItem(still)}}, {"eachFace", true}});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->get_header_value("X-Abis-Faces-Searched"), "2");
  const nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["facesFound"], 3);
  ASSERT_EQ(body["faces"].size(), 2u);
  EXPECT_EQ(body["faces"][0]["faceIndex"], 0);
  EXPECT_EQ(body["faces"][0]["box"], (nlohmann::json{{"x", 0}, {"y", 10}, {"width", 80}, {"height", 90}}));
  EXPECT_EQ(body["faces"][0]["candidates"][0]["personId"], second);
  EXPECT_EQ(body["faces"][0]["candidates"][0]["others"]["hit"], true);
  EXPECT_EQ(body["faces"][1]["faceIndex"], 2);
  EXPECT_EQ(body["faces"][1]["candidates"][0]["personId"], first);
  ASSERT_EQ(body["skippedFaces"].size(), 1u);
  EXPECT_EQ(body["skippedFaces"][0]["faceIndex"], 1);
  EXPECT_EQ(body["skippedFaces"][0]["reason"], "too_small");
  const std::set<std::int64_t> seqs = {body["faces"][0]["searchSeq"].get<std::int64_t>(),
                                       body["faces"][1]["searchSeq"].get<std::int64_t>()};
  EXPECT_EQ(seqs.size(), 2u);
  EXPECT_EQ(AuditCount("search"), 2);

  // Each face's candidates are reviewable under its own search.
  auto reviews = Client().Get("/v1/searches/" + std::to_string(*seqs.begin()) + "/candidates", Auth("ian"));
  ASSERT_TRUE(reviews);
  EXPECT_EQ(reviews->status, 200) << reviews->body;
}

TEST_F(ServiceTest, IdentifyOfAStillWithoutEachFaceNamesTheWayAndBadEachFaceIs400) {
  const std::vector<std::uint8_t> still = MakeStill({{RandomSample(12), true}, {RandomSample(11), true}});
  auto whole = Identify("ian", {{"biometricData", {StillItem(still)}}});
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 400);
  EXPECT_NE(whole->body.find("multiple_faces"), std::string::npos) << whole->body;

  auto wrong_type = Identify("ian", {{"biometricData", {StillItem(still)}}, {"eachFace", "yes"}});
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 400);
  EXPECT_NE(wrong_type->body.find("eachFace must be true or false"), std::string::npos) << wrong_type->body;

  auto over_limit = Identify("ian", {{"biometricData", {StillItem(still)}}, {"eachFace", true}, {"maxFaces", 1}});
  ASSERT_TRUE(over_limit);
  EXPECT_EQ(over_limit->status, 400);
  EXPECT_NE(over_limit->body.find("more than the 1"), std::string::npos) << over_limit->body;

  auto two_probes = Identify("ian", {{"biometricData", {StillItem(still), BiometricItem(3)}}, {"eachFace", true}});
  ASSERT_TRUE(two_probes);
  EXPECT_EQ(two_probes->status, 400);
  EXPECT_NE(two_probes->body.find("exactly one probe sample"), std::string::npos) << two_probes->body;
  EXPECT_EQ(AuditCount("search"), 0);
}

}  // namespace
}  // namespace abis::service
