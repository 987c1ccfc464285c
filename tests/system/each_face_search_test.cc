// AbisSystem::SearchEachFace over a face-like test engine whose "stills" hold several subjects
// (tests/support/still_test_engine.h): per-face answers, one audit entry per searched face,
// skipped faces, the refusals, and enrolment of a still that still takes one face only.
#include "abis/system/each_face_search.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../support/still_test_engine.h"
#include "abis/store/crypto.h"
#include "abis/system/candidate_review.h"

namespace abis {
namespace {

using testing::MakeStill;
using testing::RandomSample;

class EachFaceSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Store::Create(dir_.path() / "store").ok());
    auto system = AbisSystem::Open(dir_.path() / "store", [this](Modality modality) -> Result<const ModalityEngine*> {
      if (modality == Modality::kFinger) return &finger_engine_;
      return &face_engine_;
    });
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    admin_ = MakeOperator("root", Role::kAdmin);
    enroller_ = MakeOperator("eve", Role::kEnroller);
    investigator_ = MakeOperator("ian", Role::kInvestigator);
    auditor_ = MakeOperator("ada", Role::kAuditor);
    Gallery gallery;
    gallery.name = "register";
    ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
    Enrol("alice", RandomSample(1));
    Enrol("bob", RandomSample(2));
    Enrol("carol", RandomSample(3));
  }

  Operator MakeOperator(const std::string& name, Role role) {
    User user = *AddUser(system_->TEST_store(), name, role);
    return Operator{user.id, name, role};
  }

  void Enrol(const std::string& id, std::vector<std::uint8_t> bytes) {
    Person person;
    person.external_id = id;
    person.category = PersonCategory::kCitizen;
    person.legal_basis = "Register Act s.4";
    person.retention_until = "2099-01-01";
    ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
    EnrolRequest request;
    request.person = id;
    request.sample.bytes = std::move(bytes);
    request.galleries = {"register"};
    auto enrolled = system_->Enrol(enroller_, request);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  }

  // A still of bob (face 0), a face too small to search (1) and alice (2).
  static std::vector<std::uint8_t> StreetStill() {
    return MakeStill({{RandomSample(2), true}, {RandomSample(7), false}, {RandomSample(1), true}});
  }

  EachFaceSearchRequest EachFace(std::vector<std::uint8_t> still) {
    EachFaceSearchRequest request;
    request.search.purpose = Purpose::kCriminalInvestigation;
    request.search.case_ref = "CAM-17";
    request.search.gallery = "register";
    request.search.max_candidates = 2;
    SampleInput probe;
    probe.modality = Modality::kFace;
    probe.bytes = std::move(still);
    probe.source_name = "camera-17.jpg";
    request.search.probes.push_back(std::move(probe));
    return request;
  }

  // The audit entries with this action, as the export writes them.
  std::vector<nlohmann::json> Audited(const std::string& action) {
    AuditFilter filter;
    filter.action = action;
    std::ostringstream out;
    EXPECT_TRUE(system_->ExportAudit(auditor_, filter, out).ok());
    std::vector<nlohmann::json> entries;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
    return entries;
  }

  testing::TempDir dir_;
  testing::StillTestEngine face_engine_{Modality::kFace};
  testing::TestEngine finger_engine_{Modality::kFinger};
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_, investigator_, auditor_;
};

TEST_F(EachFaceSearchTest, SearchesEveryUsableFaceAndAnswersPerFace) {
  auto result = system_->SearchEachFace(investigator_, EachFace(StreetStill()));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->faces_found, 3u);
  ASSERT_EQ(result->searched.size(), 2u);
  EXPECT_EQ(result->searched[0].face.index, 0u);
  EXPECT_EQ(result->searched[1].face.index, 2u);
  ASSERT_TRUE(result->searched[1].face.region.has_value());
  EXPECT_EQ(result->searched[1].face.region->x, 200.0);
  ASSERT_FALSE(result->searched[0].result.candidates.empty());
  EXPECT_EQ(result->searched[0].result.candidates[0].external_id, "bob");
  EXPECT_TRUE(result->searched[0].result.candidates[0].hit);
  ASSERT_FALSE(result->searched[1].result.candidates.empty());
  EXPECT_EQ(result->searched[1].result.candidates[0].external_id, "alice");
  EXPECT_TRUE(result->searched[1].result.candidates[0].hit);
  EXPECT_NE(result->searched[0].result.audit_seq, result->searched[1].result.audit_seq);
  ASSERT_EQ(result->skipped.size(), 1u);
  EXPECT_EQ(result->skipped[0].index, 1u);
  EXPECT_EQ(result->skipped[0].skipped_reason, "too_small");

  // Each face's candidates are leads of its own search, for the two-person review.
  auto reviews = system_->ReadSearchReviews(investigator_, result->searched[1].result.audit_seq);
  ASSERT_TRUE(reviews.ok()) << reviews.status().ToString();
  EXPECT_EQ(reviews->size(), result->searched[1].result.candidates.size());

  nlohmann::json answer = result->ToJson();
  EXPECT_EQ(answer["faces"][1]["face_index"], 2);
  EXPECT_EQ(answer["faces"][1]["box"]["x"], 200);
  EXPECT_EQ(answer["faces"][1]["search"]["candidates"][0]["external_id"], "alice");
  EXPECT_EQ(answer["skipped_faces"][0]["reason"], "too_small");
}

TEST_F(EachFaceSearchTest, AuditsOneSearchPerFaceWithTheStillsHashNeverItsBytes) {
  const std::vector<std::uint8_t> still = StreetStill();
  auto result = system_->SearchEachFace(investigator_, EachFace(still));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<nlohmann::json> searches = Audited("search");
  ASSERT_EQ(searches.size(), 2u);
  for (std::size_t i = 0; i < searches.size(); ++i) {
    const nlohmann::json& entry = searches[i];
    EXPECT_EQ(entry["seq"], result->searched[i].result.audit_seq);
    EXPECT_EQ(entry["operator"], "ian");
    EXPECT_EQ(entry["purpose"], "criminal_investigation");
    EXPECT_EQ(entry["case_ref"], "CAM-17");
    EXPECT_EQ(entry["input_sha256"], nlohmann::json::array({Sha256Hex(still)}));
    EXPECT_EQ(entry["result"]["probe_face"]["index"], result->searched[i].face.index);
    EXPECT_EQ(entry["result"]["probe_face"]["faces_found"], 3);
    EXPECT_EQ(entry["result"]["probe_face"]["box"]["width"], 80);
  }
  EXPECT_TRUE(Audited("search.failed").empty());
  // Neither the still nor any face's bytes reach the database file.
  system_.reset();
  for (const auto& file : std::filesystem::directory_iterator(dir_.path() / "store")) {
    EXPECT_FALSE(testing::FileContains(file.path(), still)) << file.path();
    EXPECT_FALSE(testing::FileContains(file.path(), RandomSample(7))) << file.path();
  }
}

TEST_F(EachFaceSearchTest, SearchesOnlyTheFaceTheStillsOptionsPick) {
  EachFaceSearchRequest request = EachFace(StreetStill());
  request.search.probes[0].options = {{"face_index", 2}};
  auto result = system_->SearchEachFace(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->searched.size(), 1u);
  EXPECT_EQ(result->searched[0].face.index, 2u);
  EXPECT_EQ(result->searched[0].result.candidates.at(0).external_id, "alice");
  EXPECT_TRUE(result->skipped.empty());
  EXPECT_EQ(Audited("search").size(), 1u);
}

TEST_F(EachFaceSearchTest, RefusesWhatIsNotOneFaceStillAndAuditsTheFailure) {
  EachFaceSearchRequest two = EachFace(StreetStill());
  two.search.probes.push_back(two.search.probes[0]);
  auto refused = system_->SearchEachFace(investigator_, two);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("exactly one probe sample"), std::string::npos)
      << refused.status().ToString();

  EachFaceSearchRequest finger = EachFace(RandomSample(2));
  finger.search.probes[0].modality = Modality::kFinger;
  refused = system_->SearchEachFace(investigator_, finger);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("finger sample is searched whole"), std::string::npos)
      << refused.status().ToString();

  EachFaceSearchRequest person = EachFace(StreetStill());
  person.search.probe_person = "alice";
  EXPECT_EQ(system_->SearchEachFace(investigator_, person).status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(face_engine_.find_subjects_calls(), 0);
  EXPECT_EQ(Audited("search.failed").size(), 3u);
  EXPECT_TRUE(Audited("search").empty());
}

TEST_F(EachFaceSearchTest, RefusesMoreUsableFacesThanTheLimitBeforeAnySearch) {
  EachFaceSearchRequest request = EachFace(StreetStill());
  request.max_faces = 1;
  auto refused = system_->SearchEachFace(investigator_, request);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("2 faces above the quality floor, more than the 1"), std::string::npos)
      << refused.status().ToString();
  EXPECT_TRUE(Audited("search").empty());
  request.max_faces = 2;
  EXPECT_TRUE(system_->SearchEachFace(investigator_, request).ok());
  request.max_faces = kMaxFacesPerStill + 1;
  EXPECT_EQ(system_->SearchEachFace(investigator_, request).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EachFaceSearchTest, AStillWithNoUsableFaceIsAnErrorNamingEachReason) {
  auto refused =
      system_->SearchEachFace(investigator_, EachFace(MakeStill({{RandomSample(1), false}, {RandomSample(2), false}})));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("face 0: too_small; face 1: too_small"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(Audited("search.failed").size(), 1u);
}

TEST_F(EachFaceSearchTest, PurposeIsCheckedBeforeTheStillIsLookedAt) {
  EachFaceSearchRequest request = EachFace(StreetStill());
  request.search.purpose = Purpose::kDeduplication;  // not an investigator's purpose
  EXPECT_EQ(system_->SearchEachFace(investigator_, request).status().code(), StatusCode::kPermissionDenied);
  request.search.case_ref = "";
  EXPECT_EQ(system_->SearchEachFace(investigator_, request).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face_engine_.find_subjects_calls(), 0);
  EXPECT_EQ(Audited("search.refused").size(), 1u);
}

TEST_F(EachFaceSearchTest, EnrolmentOfAStillWithSeveralFacesIsStillRefused) {
  Person person;
  person.external_id = "dave";
  person.category = PersonCategory::kCitizen;
  person.legal_basis = "Register Act s.4";
  person.retention_until = "2099-01-01";
  ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
  EnrolRequest request;
  request.person = "dave";
  request.sample.bytes = StreetStill();
  auto refused = system_->Enrol(enroller_, request);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("multiple_faces"), std::string::npos) << refused.status().ToString();
  request.sample.options = {{"face_index", 2}};
  EXPECT_TRUE(system_->Enrol(enroller_, request).ok());
}

}  // namespace
}  // namespace abis
