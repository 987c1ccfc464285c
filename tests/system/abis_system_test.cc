#include "abis/system/abis_system.h"

#include <gtest/gtest.h>

#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::RandomSample;

class AbisSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto store = Store::Create(dir_.path() / "store");
      ASSERT_TRUE(store.ok());
    }
    auto system = AbisSystem::Open(dir_.path() / "store", [this](Modality) -> Result<const ModalityEngine*> {
      return static_cast<const ModalityEngine*>(&engine_);
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
  }

  Operator MakeOperator(const std::string& name, Role role) {
    User user = *AddUser(system_->store().db(), name, role);
    return Operator{user.id, name, role};
  }

  void AddPersonWithSample(const std::string& id, std::uint32_t seed, const std::string& retention = "2099-01-01") {
    Person person;
    person.external_id = id;
    person.category = PersonCategory::kCitizen;
    person.legal_basis = "Register Act s.4";
    person.retention_until = retention;
    ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
    EnrolRequest request;
    request.person = id;
    request.sample.bytes = RandomSample(seed);
    request.galleries = {"register"};
    auto enrolled = system_->Enrol(enroller_, request);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  }

  SearchRequest SearchFor(std::uint32_t seed, Purpose purpose) {
    SearchRequest request;
    request.purpose = purpose;
    request.case_ref = "CASE-1";
    request.gallery = "register";
    SampleInput probe;
    probe.bytes = RandomSample(seed);
    request.probes.push_back(probe);
    return request;
  }

  std::int64_t AuditCount(const std::string& action) {
    auto query = system_->store().db().Prepare("SELECT count(*) FROM audit_log WHERE action = ?");
    query->Bind(1, action);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  testing::TempDir dir_;
  testing::TestEngine engine_;
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_, investigator_, auditor_;
};

TEST_F(AbisSystemTest, SearchFindsTheEnrolledPersonFirstAndAuditsIt) {
  AddPersonWithSample("alice", 1);
  AddPersonWithSample("bob", 2);
  auto result = system_->Search(investigator_, SearchFor(2, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->candidates.size(), 2u);
  EXPECT_EQ(result->candidates[0].external_id, "bob");
  EXPECT_TRUE(result->candidates[0].hit);
  EXPECT_FALSE(result->candidates[1].hit);
  EXPECT_EQ(AuditCount("search"), 1);
  auto audited = AuditEntriesForPerson(system_->store().db(), result->candidates[0].person_id);
  ASSERT_TRUE(audited.ok());
  EXPECT_EQ(audited->back().event.action, "search");
  EXPECT_EQ(audited->back().event.case_ref, "CASE-1");
  EXPECT_EQ(audited->back().event.input_sha256.front(), Sha256Hex(RandomSample(2)));
}

TEST_F(AbisSystemTest, PurposeNotAllowedForRoleIsRefusedAndAudited) {
  AddPersonWithSample("alice", 1);
  auto refused = system_->Search(investigator_, SearchFor(1, Purpose::kDeduplication));
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  auto admin_search = system_->Search(admin_, SearchFor(1, Purpose::kIdentityVerification));
  EXPECT_EQ(admin_search.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditCount("search.refused"), 2);
  EXPECT_EQ(AuditCount("search"), 0);
}

TEST_F(AbisSystemTest, SearchWithoutCaseReferenceIsInvalid) {
  SearchRequest request = SearchFor(1, Purpose::kCriminalInvestigation);
  request.case_ref = "";
  EXPECT_EQ(system_->Search(investigator_, request).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AbisSystemTest, RoleWithoutActionIsRefusedAndAudited) {
  Person person;
  person.external_id = "x";
  person.legal_basis = "b";
  person.retention_until = "2099-01-01";
  EXPECT_EQ(system_->AddPerson(auditor_, person).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(system_->DeletePerson(enroller_, "x", "why").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditCount("add_person.refused"), 1);
  EXPECT_EQ(AuditCount("delete_person.refused"), 1);
}

TEST_F(AbisSystemTest, VerifyAcceptsTheSamePersonAndRejectsAnother) {
  AddPersonWithSample("alice", 1);
  VerifyRequest request;
  request.purpose = Purpose::kIdentityVerification;
  request.case_ref = "BORDER-7";
  request.person = "alice";
  request.probe.bytes = RandomSample(1);
  auto same = system_->Verify(enroller_, request);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->match);
  request.probe.bytes = RandomSample(9);
  auto other = system_->Verify(enroller_, request);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->match);
  EXPECT_EQ(AuditCount("verify"), 2);
}

TEST_F(AbisSystemTest, BadSampleIsAClearErrorAndStoresNothing) {
  AddPersonWithSample("alice", 1);
  EnrolRequest request;
  request.person = "alice";
  request.sample.bytes = {1, 2, 3};
  request.sample.source_name = "tiny.bin";
  auto result = system_->Enrol(enroller_, request);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("tiny.bin"), std::string::npos);
  EXPECT_EQ(*system_->store().CountSamples(1), 1);
}

TEST_F(AbisSystemTest, DeletedPersonDisappearsFromSearchesAndTheAuditKeepsTheFact) {
  AddPersonWithSample("alice", 1);
  ASSERT_TRUE(system_->DeletePerson(admin_, "alice", "court order 12/2026").ok());
  auto result = system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->candidates.empty());
  auto query = system_->store().db().Prepare("SELECT result FROM audit_log WHERE action = 'person.delete'");
  ASSERT_TRUE(*query->Step());
  EXPECT_NE(query->ColumnText(0).find("court order 12/2026"), std::string::npos);
  EXPECT_TRUE(VerifyAuditChain(system_->store().db())->intact);
}

TEST_F(AbisSystemTest, RetentionDeletesOnlyExpiredPersonsInBatches) {
  AddPersonWithSample("old1", 1, "2020-01-01");
  AddPersonWithSample("old2", 2, "2021-01-01");
  AddPersonWithSample("old3", 3, "2022-01-01");
  AddPersonWithSample("current", 4, "2099-01-01");
  auto report = system_->ApplyRetention(admin_, "2026-01-01", 2);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->deleted, 3);
  EXPECT_EQ(report->batches, 2);
  EXPECT_TRUE(system_->store().FindPerson("current").ok());
  EXPECT_EQ(system_->store().FindPerson("old2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("retention.delete"), 2);
}

TEST_F(AbisSystemTest, SubjectReportListsSearchesThatReturnedThePerson) {
  AddPersonWithSample("alice", 1);
  ASSERT_TRUE(system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation)).ok());
  auto report = system_->SubjectReport(auditor_, "alice");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ((*report)["searches_returning_subject"].size(), 1u);
  EXPECT_EQ((*report)["searches_returning_subject"][0]["operator"], "ian");
  EXPECT_EQ((*report)["searches_returning_subject"][0]["purpose"], "criminal_investigation");
  EXPECT_EQ((*report)["templates"].size(), 1u);
  EXPECT_EQ(system_->SubjectReport(investigator_, "alice").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(AbisSystemTest, WatchlistHitCarriesTheActiveEntryOnly) {
  AddPersonWithSample("wanted", 5);
  AddPersonWithSample("expired", 6);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(admin_, watchlist).ok());
  ASSERT_TRUE(system_->AddWatchlistEntry(admin_, "wanted", "wanted", "WARRANT-1", "fraud", "2099-01-01").ok());
  ASSERT_TRUE(system_->AddWatchlistEntry(admin_, "wanted", "expired", "WARRANT-2", "theft", "2001-01-01").ok());
  EXPECT_EQ(system_->AddToGallery(admin_, "wanted", "wanted").code(), StatusCode::kFailedPrecondition);

  SearchRequest request = SearchFor(5, Purpose::kBorderControl);
  request.gallery = "wanted";
  auto result = system_->Search(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->candidates.empty());
  EXPECT_EQ(result->candidates[0].external_id, "wanted");
  ASSERT_EQ(result->candidates[0].watchlist.size(), 1u);
  EXPECT_EQ(result->candidates[0].watchlist[0]["authority_reference"], "WARRANT-1");

  request = SearchFor(6, Purpose::kBorderControl);
  request.gallery = "wanted";
  result = system_->Search(investigator_, request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->candidates[0].external_id, "expired");
  EXPECT_TRUE(result->candidates[0].hit);
  EXPECT_TRUE(result->candidates[0].watchlist.empty()) << "an expired entry never alerts";
}

}  // namespace
}  // namespace abis
