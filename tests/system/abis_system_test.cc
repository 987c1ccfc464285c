#include "abis/system/abis_system.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/core/text_validation.h"

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
      return engine_in_use_;
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
    User user = *AddUser(system_->TEST_store(), name, role);
    return Operator{user.id, name, role};
  }

  // Adds a person and enrols one sample (kept in last_enrolled_) into the register.
  void AddPersonWithSample(const std::string& id, std::uint32_t seed, const std::string& retention = "2099-01-01",
                           const nlohmann::json& options = nlohmann::json::object()) {
    Person person;
    person.external_id = id;
    person.category = PersonCategory::kCitizen;
    person.legal_basis = "Register Act s.4";
    person.retention_until = retention;
    ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
    EnrolRequest request;
    request.person = id;
    request.sample.bytes = RandomSample(seed);
    request.sample.options = options;
    request.galleries = {"register"};
    auto enrolled = system_->Enrol(enroller_, request);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    last_enrolled_ = *enrolled;
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
    auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT count(*) FROM audit_log WHERE action = ?");
    query->Bind(1, action);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  testing::TempDir dir_;
  testing::TestEngine engine_;
  const ModalityEngine* engine_in_use_ = &engine_;
  EnrolResult last_enrolled_;
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
  auto audited = AuditEntriesForPerson(system_->TEST_store(), result->candidates[0].person_id);
  ASSERT_TRUE(audited.ok());
  EXPECT_EQ(audited->back().event.action, "search");
  EXPECT_EQ(audited->back().event.case_ref, "CASE-1");
  EXPECT_EQ(audited->back().event.input_sha256.front(), Sha256Hex(RandomSample(2)));
}

// Counting a gallery's members reads every member row (0.1 s per million members, twice per
// search at 1M faces before this test): searches and enrolments look their galleries up uncounted.
TEST_F(AbisSystemTest, SearchAndEnrolmentDoNotCountTheGallerysMembers) {
  AddPersonWithSample("alice", 1);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(admin_, watchlist).ok());
  std::vector<std::string> statements;
  const auto record = [](unsigned, void* context, void* statement, void*) {
    char* sql = sqlite3_expanded_sql(static_cast<sqlite3_stmt*>(statement));
    if (sql != nullptr) static_cast<std::vector<std::string>*>(context)->push_back(sql);
    sqlite3_free(sql);
    return 0;
  };
  sqlite3* handle = RawDatabase(system_->TEST_store()).handle();
  sqlite3_trace_v2(handle, SQLITE_TRACE_STMT, record, &statements);
  AddPersonWithSample("bob", 2);
  auto result = system_->Search(investigator_, SearchFor(2, Purpose::kCriminalInvestigation));
  sqlite3_trace_v2(handle, 0, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->candidates.empty());
  EXPECT_TRUE(result->candidates[0].hit);  // so the watchlist alerts were looked for
  EXPECT_FALSE(statements.empty());
  for (std::string sql : statements) {
    std::transform(sql.begin(), sql.end(), sql.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(sql.find("count(*) from gallery_members"), std::string::npos) << sql;
  }
  // The listings an administrator asks for still count.
  auto listed = system_->ListGalleries(admin_);
  ASSERT_TRUE(listed.ok());
  for (const Gallery& gallery : *listed) EXPECT_EQ(gallery.member_count, gallery.name == "register" ? 2 : 0);
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
  request.probes.resize(1);
  request.probes[0].bytes = RandomSample(1);
  auto same = system_->Verify(enroller_, request);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->match);
  request.probes[0].bytes = RandomSample(9);
  auto other = system_->Verify(enroller_, request);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->match);
  EXPECT_EQ(AuditCount("verify"), 2);
}

// Several probes in one verification: each is compared with the person's templates, the decision
// needs every probe to match, the log-LRs add up, and one audit entry records the request.
TEST_F(AbisSystemTest, VerifyWithSeveralProbesDecidesOnAllOfThemInOneAuditedRequest) {
  AddPersonWithSample("alice", 1);
  VerifyRequest request;
  request.purpose = Purpose::kIdentityVerification;
  request.case_ref = "BORDER-8";
  request.person = "alice";
  request.probes.resize(2);
  request.probes[0].bytes = RandomSample(1);
  request.probes[1].bytes = RandomSample(9);
  auto mixed = system_->Verify(enroller_, request);
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  ASSERT_EQ(mixed->probes.size(), 2u);
  EXPECT_TRUE(mixed->probes[0].match);
  EXPECT_FALSE(mixed->probes[1].match);
  EXPECT_EQ(mixed->probes[0].references_compared, 1u);
  EXPECT_FALSE(mixed->match);
  EXPECT_DOUBLE_EQ(mixed->fused_log_lr, mixed->probes[0].log_lr + mixed->probes[1].log_lr);
  EXPECT_EQ(AuditCount("verify"), 1);
  auto audited = AuditEntriesForPerson(system_->TEST_store(), last_enrolled_.person_id);
  ASSERT_TRUE(audited.ok());
  EXPECT_EQ(audited->back().event.action, "verify");
  EXPECT_EQ(audited->back().event.input_sha256.size(), 2u);

  // The same sample twice would count its evidence twice: refused.
  request.probes[1].bytes = RandomSample(1);
  EXPECT_EQ(system_->Verify(enroller_, request).status().code(), StatusCode::kInvalidArgument);
  // Two different samples of the person both match.
  EnrolRequest second;
  second.person = "alice";
  second.sample.bytes = RandomSample(2);
  ASSERT_TRUE(system_->Enrol(enroller_, second).ok());
  request.probes[1].bytes = RandomSample(2);
  auto both = system_->Verify(enroller_, request);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_TRUE(both->match);
  request.probes.clear();
  EXPECT_EQ(system_->Verify(enroller_, request).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditCount("verify"), 2);

  // An inactive encounter is kept but not used: its templates verify nothing.
  auto encounters = system_->ReadEncounters(admin_, "alice");
  ASSERT_TRUE(encounters.ok());
  for (const EncounterRecord& record : encounters->encounters) {
    ASSERT_TRUE(system_->SetEncounterActive(enroller_, "alice", record.encounter.external_id, false).ok());
  }
  request.probes.resize(1);
  request.probes[0].bytes = RandomSample(1);
  EXPECT_EQ(system_->Verify(enroller_, request).status().code(), StatusCode::kFailedPrecondition);
}

// A search restricted to listed persons ranks them alone: a listed person is returned even when
// unlisted persons score higher and the list is short.
TEST_F(AbisSystemTest, SearchRestrictedToListedPersonsComparesOnlyThem) {
  AddPersonWithSample("alice", 1);
  AddPersonWithSample("bob", 2);
  AddPersonWithSample("carol", 3);
  SearchRequest request = SearchFor(2, Purpose::kCriminalInvestigation);
  request.max_candidates = 1;
  auto open = system_->Search(investigator_, request);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  ASSERT_EQ(open->candidates.size(), 1u);
  EXPECT_EQ(open->candidates[0].external_id, "bob");

  request.within_persons = std::vector<std::string>{"carol", "carol"};
  auto restricted = system_->Search(investigator_, request);
  ASSERT_TRUE(restricted.ok()) << restricted.status().ToString();
  ASSERT_EQ(restricted->candidates.size(), 1u);
  EXPECT_EQ(restricted->candidates[0].external_id, "carol");
  EXPECT_FALSE(restricted->candidates[0].hit);
  EXPECT_EQ(restricted->gallery_size, 1u);
  // Every listed person was compared: the audit entry names them (their subject reports show it).
  request.within_persons = std::vector<std::string>{"carol", "alice"};
  auto two_listed = system_->Search(investigator_, request);
  ASSERT_TRUE(two_listed.ok());
  ASSERT_EQ(two_listed->candidates.size(), 1u);
  auto alice_history = AuditEntriesForPerson(system_->TEST_store(), system_->TEST_store().FindPerson("alice")->id);
  ASSERT_TRUE(alice_history.ok());
  EXPECT_EQ(alice_history->back().event.action, "search");

  request.within_persons = std::vector<std::string>{};
  auto nobody = system_->Search(investigator_, request);
  ASSERT_TRUE(nobody.ok()) << nobody.status().ToString();
  EXPECT_TRUE(nobody->candidates.empty());

  request.within_persons = std::vector<std::string>{"carol", "nobody"};
  auto unknown = system_->Search(investigator_, request);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("nobody"), std::string::npos) << unknown.status().ToString();

  Person outsider;
  outsider.external_id = "dave";
  outsider.legal_basis = "Register Act s.4";
  outsider.retention_until = "2099-01-01";
  ASSERT_TRUE(system_->AddPerson(admin_, outsider).ok());
  request.within_persons = std::vector<std::string>{"dave"};
  auto not_member = system_->Search(investigator_, request);
  EXPECT_EQ(not_member.status().code(), StatusCode::kFailedPrecondition) << not_member.status().ToString();
  request.within_persons = std::vector<std::string>(kMaxRestrictedPersons + 1, "carol");
  EXPECT_EQ(system_->Search(investigator_, request).status().code(), StatusCode::kInvalidArgument);

  // A damaged template of a listed person is left out, and the search says so in the audit.
  const std::int64_t carol_template = system_->TEST_store().ListTemplates(
      system_->TEST_store().FindPerson("carol")->id)->front().id;
  auto read = RawDatabase(system_->TEST_store()).Prepare("SELECT sealed FROM templates WHERE id = ?");
  read->Bind(1, carol_template);
  ASSERT_TRUE(*read->Step());
  std::vector<std::uint8_t> sealed = read->ColumnBlob(0);
  sealed[sealed.size() / 2] ^= 1;
  auto write = RawDatabase(system_->TEST_store()).Prepare("UPDATE templates SET sealed = ? WHERE id = ?");
  write->BindBlob(1, sealed).Bind(2, carol_template);
  ASSERT_TRUE(write->Run().ok());
  request.within_persons = std::vector<std::string>{"carol", "alice"};
  auto damaged = system_->Search(investigator_, request);
  ASSERT_TRUE(damaged.ok()) << damaged.status().ToString();
  EXPECT_EQ(damaged->quarantined_templates, 1u);
  ASSERT_EQ(damaged->candidates.size(), 1u);
  EXPECT_EQ(damaged->candidates[0].external_id, "alice");
  EXPECT_EQ(AuditCount("template.quarantined"), 1);
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
  EXPECT_EQ(*system_->TEST_store().CountSamples(1), 1);
}

// Issue 18, item 11: a search that fails after its purpose was accepted is audited with its
// purpose, case and the error's code (never the error's text, which may quote the request).
TEST_F(AbisSystemTest, AFailedSearchIsAuditedWithItsPurposeCaseAndErrorCode) {
  AddPersonWithSample("alice", 1);
  SearchRequest request = SearchFor(1, Purpose::kCriminalInvestigation);
  request.probes[0].bytes = {1, 2, 3};
  request.probes[0].source_name = "secret-name.bin";
  ASSERT_FALSE(system_->Search(investigator_, request).ok());
  request = SearchFor(1, Purpose::kCriminalInvestigation);
  request.gallery = "no-such-gallery";
  EXPECT_EQ(system_->Search(investigator_, request).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("search.failed"), 2);
  EXPECT_EQ(AuditCount("search"), 0);
  auto audited = RawDatabase(system_->TEST_store()).Prepare(
      "SELECT purpose, case_ref, result FROM audit_log WHERE action = 'search.failed' ORDER BY seq");
  ASSERT_TRUE(*audited->Step());
  EXPECT_EQ(audited->ColumnText(0), "criminal_investigation");
  EXPECT_EQ(audited->ColumnText(1), "CASE-1");
  EXPECT_EQ(audited->ColumnText(2).find("secret-name"), std::string::npos) << audited->ColumnText(2);
  EXPECT_NE(audited->ColumnText(2).find("invalid_argument"), std::string::npos) << audited->ColumnText(2);
  // A refused purpose stays a refusal, not a failure.
  ASSERT_FALSE(system_->Search(investigator_, SearchFor(1, Purpose::kDeduplication)).ok());
  EXPECT_EQ(AuditCount("search.failed"), 2);
}

// A search that met a damaged template and then failed for another reason (here its own audit
// entry cannot be written, so its transaction rolls back) still records the quarantine, once, for
// the administrators; the next search does not record it again.
TEST_F(AbisSystemTest, WhatAFailedSearchFoundDamagedIsAuditedOnce) {
  AddPersonWithSample("alice", 1);
  AddPersonWithSample("carol", 3);
  Store& store = system_->TEST_store();
  const std::int64_t carol_template = store.ListTemplates(store.FindPerson("carol")->id)->front().id;
  auto read = RawDatabase(store).Prepare("SELECT sealed FROM templates WHERE id = ?");
  read->Bind(1, carol_template);
  ASSERT_TRUE(*read->Step());
  std::vector<std::uint8_t> sealed = read->ColumnBlob(0);
  sealed[sealed.size() / 2] ^= 0x10;
  auto write = RawDatabase(store).Prepare("UPDATE templates SET sealed = ? WHERE id = ?");
  write->BindBlob(1, sealed).Bind(2, carol_template);
  ASSERT_TRUE(write->Run().ok());
  ASSERT_TRUE(RawDatabase(store)
                  .Execute("CREATE TEMP TRIGGER refuse_search BEFORE INSERT ON audit_log WHEN NEW.action = 'search' "
                           "BEGIN SELECT RAISE(ABORT, 'search entries refused by the test'); END")
                  .ok());
  EXPECT_FALSE(system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation)).ok());
  EXPECT_EQ(AuditCount("search.failed"), 1);
  EXPECT_EQ(AuditCount("template.quarantined"), 1);

  ASSERT_TRUE(RawDatabase(store).Execute("DROP TRIGGER refuse_search").ok());
  auto searched = system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(searched.ok()) << searched.status().ToString();
  EXPECT_EQ(searched->quarantined_templates, 1u);
  EXPECT_EQ(AuditCount("template.quarantined"), 1);
}

// Issue 18, item 8: a person the finger probe's index search did not return, but who has a finger
// template, gets the exact comparison's (negative) evidence instead of a neutral 0 (before, "both"
// tied "finger-only" at +10 and ranked first on its lower id); a person with no finger template
// has no finger evidence at all. Per-probe ranks say which list returned whom.
TEST(SearchFusionTest, APersonNotReturnedForAProbeIsComparedExactlyAndOnlyAMissingModalityCountsZero) {
  testing::TempDir dir;
  ASSERT_TRUE(Store::Create(dir.path() / "store").ok());
  testing::TestEngine face(Modality::kFace);
  testing::TestEngine finger(Modality::kFinger);
  auto system = AbisSystem::Open(dir.path() / "store", [&](Modality modality) -> Result<const ModalityEngine*> {
    return modality == Modality::kFinger ? &finger : &face;
  });
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  auto user = [&](const std::string& name, Role role) {
    User added = *AddUser((*system)->TEST_store(), name, role);
    return Operator{added.id, name, role};
  };
  const Operator admin = user("root", Role::kAdmin);
  const Operator enroller = user("eve", Role::kEnroller);
  Gallery gallery;
  gallery.name = "register";
  ASSERT_TRUE((*system)->CreateGallery(admin, gallery).ok());
  auto sample = [](Modality modality, std::vector<std::uint8_t> bytes) {
    SampleInput input;
    input.modality = modality;
    input.bytes = std::move(bytes);
    return input;
  };
  auto enrol = [&](const std::string& id, std::vector<SampleInput> samples) {
    EncounterEnrolment request;
    request.person = id;
    Person person;
    person.external_id = id;
    person.legal_basis = "Register Act s.4";
    person.retention_until = "2099-01-01";
    request.new_person = person;
    request.samples = std::move(samples);
    request.galleries = {"register"};
    auto enrolled = (*system)->EnrolEncounter(enroller, request);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  };
  const std::vector<std::uint8_t> face_probe = testing::RandomSample(1);
  const std::vector<std::uint8_t> finger_probe = testing::RandomSample(2);
  enrol("both", {sample(Modality::kFace, face_probe), sample(Modality::kFinger, testing::RandomSample(99))});
  enrol("finger-only", {sample(Modality::kFinger, finger_probe)});
  for (int i = 0; i < 14; ++i) {  // a quarter like the finger probe: they fill its list above "both"
    std::vector<std::uint8_t> bytes = testing::RandomSample(1000 + i);
    std::copy(finger_probe.begin(), finger_probe.begin() + 512, bytes.begin());
    enrol("filler-" + std::to_string(i), {sample(Modality::kFinger, bytes)});
  }
  SearchRequest request;
  request.purpose = Purpose::kDeduplication;
  request.case_ref = "DEDUP-8";
  request.gallery = "register";
  request.probes = {sample(Modality::kFace, face_probe), sample(Modality::kFinger, finger_probe)};
  request.max_candidates = 3;  // each probe's list holds 12 persons: "both" is not in the finger list
  auto result = (*system)->Search(enroller, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->candidates.size(), 3u);
  EXPECT_EQ(result->candidates[0].external_id, "finger-only");
  ASSERT_EQ(result->candidates[0].per_probe.size(), 1u) << "no face template: no face evidence";
  EXPECT_EQ(result->candidates[0].per_probe[0].rank, 1);
  const CandidateResult& both = result->candidates[1];
  EXPECT_EQ(both.external_id, "both");
  ASSERT_EQ(both.per_probe.size(), 2u);
  for (const ProbeEvidence& evidence : both.per_probe) {
    if (evidence.modality == Modality::kFace) {
      EXPECT_EQ(evidence.rank, 1);
      EXPECT_GT(evidence.log_lr, 9.0);
    } else {
      EXPECT_EQ(evidence.rank, 0) << "not in the finger list: compared exactly";
      EXPECT_LT(evidence.log_lr, -9.0) << "the non-match counts";
    }
  }
  EXPECT_LT(both.fused_log_lr, 1.0);
  EXPECT_GT(both.fused_log_lr, result->candidates[2].fused_log_lr);
}

TEST_F(AbisSystemTest, DeletedPersonDisappearsFromSearchesAndTheAuditKeepsTheFact) {
  AddPersonWithSample("alice", 1);
  ASSERT_TRUE(system_->DeletePerson(admin_, "alice", "court order 12/2026").ok());
  auto result = system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->candidates.empty());
  auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT result FROM audit_log WHERE action = 'person.delete'");
  ASSERT_TRUE(*query->Step());
  EXPECT_NE(query->ColumnText(0).find("court order 12/2026"), std::string::npos);
  EXPECT_TRUE(VerifyAuditChain(system_->TEST_store())->intact);
}

TEST_F(AbisSystemTest, RetentionDeletesOnlyExpiredPersonsInBatches) {
  setenv("ABIS_FAKE_NOW", "2019-06-01T00:00:00.000Z", 1);  // enrolled back then: no retention date was past
  AddPersonWithSample("old1", 1, "2020-01-01");
  AddPersonWithSample("old2", 2, "2021-01-01");
  AddPersonWithSample("old3", 3, "2022-01-01");
  AddPersonWithSample("current", 4, "2099-01-01");
  unsetenv("ABIS_FAKE_NOW");
  RetentionRequest request;
  request.today = "2026-01-01";
  request.batch_size = 2;
  // A reference date other than today needs a reason (issue 18, item 3).
  EXPECT_EQ(system_->ApplyRetention(admin_, request).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(system_->PreviewRetention(admin_, request, 10).status().code(), StatusCode::kInvalidArgument);
  request.date_reason = "test of a past reference date";
  // The dry run lists who would go and changes nothing.
  auto preview = system_->PreviewRetention(admin_, request, 2);
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  ASSERT_EQ(preview->size(), 2u);
  EXPECT_EQ((*preview)[0].external_id, "old1");
  EXPECT_TRUE(system_->TEST_store().FindPerson("old1").ok());
  EXPECT_EQ(AuditCount("retention.preview"), 1);
  EXPECT_EQ(system_->PreviewRetention(enroller_, request, 2).status().code(), StatusCode::kPermissionDenied);

  auto report = system_->ApplyRetention(admin_, request);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->deleted, 3);
  EXPECT_EQ(report->batches, 2);
  EXPECT_TRUE(system_->TEST_store().FindPerson("current").ok());
  EXPECT_EQ(system_->TEST_store().FindPerson("old2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("retention.delete"), 2);
  auto audited = RawDatabase(system_->TEST_store()).Prepare(
      "SELECT count(*) FROM audit_log WHERE action = 'retention.delete' AND result LIKE '%test of a past reference date%'");
  ASSERT_TRUE(*audited->Step());
  EXPECT_EQ(audited->ColumnInt(0), 2);
}

// The test engine after an "upgrade": a new algorithm id (so stored templates of the old one are
// not searched until re-extracted), the sample's options recorded in the template's quality, and
// samples enrolled with {"variant": "refused"} refused. `on_extract` runs before each extraction
// (to change the store while a re-extraction is under way).
class UpgradedEngine final : public ModalityEngine {
 public:
  Modality modality() const override { return Modality::kFace; }
  std::string algorithm() const override { return "test-bytes/2"; }
  std::vector<std::string> TemplateOptionKeys() const override { return base_.TemplateOptionKeys(); }
  Result<BiometricTemplate> Extract(const SampleInput& sample) const override {
    if (on_extract) on_extract(sample);
    if (sample.options.value("variant", "") == "refused") return Status::InvalidArgument("refused by the upgrade");
    ABIS_ASSIGN_OR_RETURN(BiometricTemplate out, base_.Extract(sample));
    out.algorithm = algorithm();
    out.quality["options"] = sample.options;
    return out;
  }
  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    if (probe.algorithm != algorithm() || reference.algorithm != algorithm()) {
      return Status::InvalidArgument("not a test-bytes/2 template");
    }
    BiometricTemplate a = probe, b = reference;
    a.algorithm = b.algorithm = base_.algorithm();
    return base_.Compare(a, b);
  }
  std::unique_ptr<ModalityGallery> NewGallery() const override { return NewExhaustiveGallery(*this); }
  Result<double> ThresholdForFalseMatchRate(double rate) const override { return base_.ThresholdForFalseMatchRate(rate); }

  std::function<void(const SampleInput&)> on_extract;

 private:
  testing::TestEngine base_;
};

TEST_F(AbisSystemTest, ReextractionMovesStoredTemplatesToTheCurrentAlgorithm) {
  // Only the options that shape the template are kept with the sample: never a debug folder.
  AddPersonWithSample("alice", 1, "2099-01-01", {{"variant", "a"}, {"debug_dir", "/tmp/somewhere"}});
  const EnrolResult alice_enrolled = last_enrolled_;
  auto stored = system_->TEST_store().ListSamples(alice_enrolled.person_id);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].options, (nlohmann::json{{"variant", "a"}}));
  AddPersonWithSample("bob", 2);
  AddPersonWithSample("carol", 3, "2099-01-01", {{"variant", "refused"}});
  const EnrolResult carol_enrolled = last_enrolled_;
  AddPersonWithSample("dan", 4);
  const EnrolResult dan_enrolled = last_enrolled_;
  // Dan's sample can no longer be decrypted: a failure of its own, the run goes on.
  auto tamper = RawDatabase(system_->TEST_store()).Prepare("UPDATE samples SET sealed = x'00' WHERE id = ?");
  tamper->Bind(1, dan_enrolled.sample_id);
  ASSERT_TRUE(tamper->Run().ok());

  UpgradedEngine upgraded;
  engine_in_use_ = &upgraded;
  auto before = system_->Search(investigator_, SearchFor(2, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->candidates.empty()) << "templates of the old algorithm are not searched";

  EXPECT_EQ(system_->ReextractTemplates(enroller_, Modality::kFace, 10, 0).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditCount("reextract.refused"), 1);
  EXPECT_EQ(system_->ReextractTemplates(admin_, Modality::kFace, 0, 0).status().code(), StatusCode::kInvalidArgument);

  int progress_calls = 0;
  auto report = system_->ReextractTemplates(admin_, Modality::kFace, 2, 0,
                                            [&](const ReextractionReport&) { ++progress_calls; });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->algorithm, "test-bytes/2");
  EXPECT_EQ(report->samples, 4);
  EXPECT_EQ(report->reextracted, 2);
  EXPECT_EQ(report->batches, 2);
  EXPECT_EQ(progress_calls, 2);
  EXPECT_EQ(report->last_sample_id, dan_enrolled.sample_id);
  ASSERT_EQ(report->failures.size(), 2u);
  EXPECT_EQ(report->failures[0].sample_id, carol_enrolled.sample_id);
  EXPECT_NE(report->failures[0].error.find("refused by the upgrade"), std::string::npos);
  EXPECT_EQ(report->failures[1].sample_id, dan_enrolled.sample_id);
  EXPECT_EQ(AuditCount("reextract"), 2);

  auto after = system_->Search(investigator_, SearchFor(2, Purpose::kCriminalInvestigation));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->candidates.size(), 2u);
  EXPECT_EQ(after->candidates[0].external_id, "bob");
  EXPECT_TRUE(after->candidates[0].hit);

  // Re-extracted with the enrolment's options; carol keeps her old template.
  auto alice_templates = system_->TEST_store().ListTemplates(alice_enrolled.person_id);
  ASSERT_EQ(alice_templates->size(), 1u);
  EXPECT_EQ((*alice_templates)[0].algorithm, "test-bytes/2");
  EXPECT_EQ((*alice_templates)[0].quality["options"], (nlohmann::json{{"variant", "a"}}));
  auto carol_templates = system_->TEST_store().ListTemplates(carol_enrolled.person_id);
  ASSERT_EQ(carol_templates->size(), 1u);
  EXPECT_EQ((*carol_templates)[0].id, carol_enrolled.template_id);
  EXPECT_EQ((*carol_templates)[0].algorithm, "test-bytes/1");

  // The subject report of a re-extracted person shows it.
  auto subject = system_->SubjectReport(admin_, "alice");
  ASSERT_TRUE(subject.ok()) << subject.status().ToString();
  bool listed = false;
  for (const auto& line : subject->history) listed = listed || line.action == "reextract";
  EXPECT_TRUE(listed);
  auto audit = system_->VerifyAudit(admin_);
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->intact) << audit->problem;
  // Resuming after the last sample finds nothing left to do.
  auto again = system_->ReextractTemplates(admin_, Modality::kFace, 2, report->last_sample_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->samples, 0);
  EXPECT_EQ(again->batches, 0);
}

TEST_F(AbisSystemTest, ReextractionAuditsTheOwnerAtWritingAfterAMoveDuringTheRun) {
  AddPersonWithSample("alice", 1);
  const EnrolResult alice_enrolled = last_enrolled_;
  AddPersonWithSample("bob", 2);
  const EnrolResult bob_enrolled = last_enrolled_;
  UpgradedEngine upgraded;
  engine_in_use_ = &upgraded;
  // While alice's sample is being extracted, an examiner's correction moves her encounter to bob.
  bool moved = false;
  upgraded.on_extract = [&](const SampleInput& sample) {
    if (moved || sample.source_name != "sample " + std::to_string(alice_enrolled.sample_id)) return;
    moved = true;
    Status status = system_->MoveEncounter(admin_, "alice", std::to_string(alice_enrolled.encounter_id), "bob");
    ASSERT_TRUE(status.ok()) << status.ToString();
  };
  auto report = system_->ReextractTemplates(admin_, Modality::kFace, 10, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(moved);
  EXPECT_EQ(report->reextracted, 2);
  auto bob_templates = system_->TEST_store().ListTemplates(bob_enrolled.person_id);
  ASSERT_EQ(bob_templates->size(), 2u);
  for (const auto& info : *bob_templates) {
    EXPECT_TRUE(system_->TEST_store().LoadTemplate(info.id).ok()) << "sealed for bob, the owner now";
  }
  auto entries = AuditEntriesForPerson(system_->TEST_store(), bob_enrolled.person_id);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->back().event.action, "reextract");
  EXPECT_EQ(entries->back().event.object_ids["persons"], (nlohmann::json{bob_enrolled.person_id}));
}

TEST_F(AbisSystemTest, ReextractionErasesTheReplacedTemplateFromTheFiles) {
  AddPersonWithSample("alice", 1);
  const EnrolResult alice_enrolled = last_enrolled_;
  auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT wrapped_key, sealed FROM templates WHERE id = ?");
  query->Bind(1, alice_enrolled.template_id);
  ASSERT_TRUE(*query->Step());
  const std::vector<std::uint8_t> wrapped_key = query->ColumnBlob(0), sealed = query->ColumnBlob(1);
  query = RawDatabase(system_->TEST_store()).Prepare("SELECT 1");
  ASSERT_TRUE(system_->TEST_store().Checkpoint().ok());
  ASSERT_TRUE(testing::FileContains(dir_.path() / "store" / "abis.db", wrapped_key)) << "the check can fail";

  UpgradedEngine upgraded;
  engine_in_use_ = &upgraded;
  auto report = system_->ReextractTemplates(admin_, Modality::kFace, 10, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->reextracted, 1);
  const std::vector<std::uint8_t> sealed_start(sealed.begin(), sealed.begin() + 64);
  for (const auto& file : std::filesystem::directory_iterator(dir_.path() / "store")) {
    EXPECT_FALSE(testing::FileContains(file.path(), wrapped_key)) << file.path();
    EXPECT_FALSE(testing::FileContains(file.path(), sealed_start)) << file.path();
  }
}

TEST_F(AbisSystemTest, SubjectReportListsSearchesThatReturnedThePerson) {
  AddPersonWithSample("alice", 1);
  ASSERT_TRUE(system_->Search(investigator_, SearchFor(1, Purpose::kCriminalInvestigation)).ok());
  auto report = system_->SubjectReport(auditor_, "alice");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->searches_returning_subject.size(), 1u);
  EXPECT_EQ(report->searches_returning_subject[0].operator_name, "ian");
  EXPECT_EQ(report->searches_returning_subject[0].purpose, "criminal_investigation");
  EXPECT_EQ(report->templates.size(), 1u);
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
  // An expiry in the past is refused now; an entry that has expired since is written directly.
  EXPECT_EQ(system_->AddWatchlistEntry(admin_, "wanted", "expired", "WARRANT-2", "theft", "2001-01-01").status().code(),
            StatusCode::kInvalidArgument);
  WatchlistEntry old_entry;
  old_entry.gallery_id = system_->FindGallery(admin_, "wanted")->id;
  old_entry.person_id = system_->TEST_store().FindPerson("expired")->id;
  old_entry.authority_reference = "WARRANT-2";
  old_entry.reason = "theft";
  old_entry.expires_at = "2001-01-01";
  ASSERT_TRUE(system_->TEST_store().AddWatchlistEntry(old_entry, "2000-06-01").ok());
  EXPECT_EQ(system_->AddToGallery(admin_, "wanted", "wanted").code(), StatusCode::kFailedPrecondition);

  SearchRequest request = SearchFor(5, Purpose::kBorderControl);
  request.gallery = "wanted";
  auto result = system_->Search(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->candidates.empty());
  EXPECT_EQ(result->candidates[0].external_id, "wanted");
  ASSERT_EQ(result->candidates[0].watchlist.size(), 1u);
  EXPECT_EQ(result->candidates[0].watchlist[0].authority_reference, "WARRANT-1");

  request = SearchFor(6, Purpose::kBorderControl);
  request.gallery = "wanted";
  result = system_->Search(investigator_, request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->candidates[0].external_id, "expired");
  EXPECT_TRUE(result->candidates[0].hit);
  EXPECT_TRUE(result->candidates[0].watchlist.empty()) << "an expired entry never alerts";
}

// Issue 18, item 2: a watchlist entry ends with a reason (audited), never alerts again, and the
// person leaves the watchlist when no active entry is left; removing a watchlist member directly
// is refused, as are past expiries and a second active entry under the same authority reference.
TEST_F(AbisSystemTest, WatchlistEntriesAreListedAndEndedWithAReason) {
  AddPersonWithSample("wanted", 5);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(admin_, watchlist).ok());
  const Operator examiner = MakeOperator("exa", Role::kExaminer);
  auto first = system_->AddWatchlistEntry(examiner, "wanted", "wanted", "WARRANT-1", "fraud", "2099-01-01");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(system_->AddWatchlistEntry(examiner, "wanted", "wanted", "WARRANT-1", "fraud", "2098-01-01").status().code(),
            StatusCode::kAlreadyExists);
  auto second = system_->AddWatchlistEntry(examiner, "wanted", "wanted", "WARRANT-9", "other case", "2099-01-01");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(system_->RemoveFromGallery(examiner, "wanted", "wanted").code(), StatusCode::kFailedPrecondition);

  auto search = [&] {
    SearchRequest request = SearchFor(5, Purpose::kBorderControl);
    request.gallery = "wanted";
    return system_->Search(investigator_, request);
  };
  ASSERT_EQ(search()->alerts.size(), 2u);

  EXPECT_EQ(system_->EndWatchlistEntry(investigator_, "wanted", *first, "warrant withdrawn").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(system_->EndWatchlistEntry(examiner, "wanted", *first, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(system_->EndWatchlistEntry(examiner, "register", *first, "x").code(), StatusCode::kNotFound);
  ASSERT_TRUE(system_->EndWatchlistEntry(examiner, "wanted", *first, "warrant withdrawn").ok());
  EXPECT_EQ(system_->EndWatchlistEntry(examiner, "wanted", *first, "again").code(), StatusCode::kFailedPrecondition);
  auto after_one = search();
  ASSERT_TRUE(after_one.ok());
  ASSERT_EQ(after_one->alerts.size(), 1u);
  EXPECT_EQ(after_one->alerts[0].authority_reference, "WARRANT-9");

  ASSERT_TRUE(system_->EndWatchlistEntry(admin_, "wanted", *second, "arrested").ok());
  auto after_both = search();
  ASSERT_TRUE(after_both.ok());
  EXPECT_TRUE(after_both->alerts.empty());
  EXPECT_TRUE(after_both->candidates.empty()) << "a person with no active entry leaves the watchlist";

  auto entries = system_->ListWatchlistEntries(examiner, "wanted");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].ended_by, "exa");
  EXPECT_EQ((*entries)[0].end_reason, "warrant withdrawn");
  EXPECT_EQ((*entries)[0].person_external_id, "wanted");
  EXPECT_EQ((*entries)[1].ended_by, "root");
  EXPECT_EQ(AuditCount("watchlist.end"), 2);
  EXPECT_EQ(AuditCount("watchlist.list"), 1);
  EXPECT_EQ(system_->ListWatchlistEntries(investigator_, "wanted").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(system_->ListWatchlistEntries(examiner, "register").status().code(), StatusCode::kFailedPrecondition);
}

// Issue 16, item 6: a stored value that is not valid UTF-8 (written before identifiers were
// checked) must not break the audit export from that entry on.
TEST_F(AbisSystemTest, AuditExportSurvivesInvalidUtf8InAStoredEntry) {
  AuditEvent event;
  event.operator_name = "legacy";
  event.action = "search";
  event.case_ref = "C\xff\xfe";
  ASSERT_TRUE(AppendAuditEntry(system_->TEST_store(), event).ok());
  std::ostringstream out;
  auto written = system_->ExportAudit(auditor_, AuditFilter{}, out);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_GE(*written, 2);
  EXPECT_TRUE(IsValidUtf8(out.str()));
  EXPECT_TRUE(VerifyAuditChain(system_->TEST_store())->intact);
}

// Items 6, 8 and 9: identifiers are checked by the system for every caller (CLI, HTTP, MOSIP).
TEST_F(AbisSystemTest, BadIdentifiersAreRefusedBeforeAnythingIsStoredOrAudited) {
  std::int64_t entries = VerifyAuditChain(system_->TEST_store())->entries;
  Person person;
  person.category = PersonCategory::kCitizen;
  person.legal_basis = "Register Act s.4";
  person.retention_until = "2099-01-01";
  for (const std::string& id : {std::string("P\0Q", 3), std::string("P\r\nforged"), std::string("P\x1b]0;x\x07"),
                               std::string("P\xe2\x80\xae" "exe"), std::string("\xff\xfe"), std::string("-P")}) {
    person.external_id = id;
    EXPECT_EQ(system_->AddPerson(admin_, person).status().code(), StatusCode::kInvalidArgument) << EscapeForDisplay(id);
  }
  Gallery gallery;
  gallery.name = "wanted\x1b[2J";
  EXPECT_EQ(system_->CreateGallery(admin_, gallery).status().code(), StatusCode::kInvalidArgument);
  person.external_id = "P-1";
  person.legal_basis = "  ";
  EXPECT_EQ(system_->AddPerson(admin_, person).status().code(), StatusCode::kInvalidArgument);
  person.legal_basis = "Register Act s.4";
  for (const char* date : {"2040-02-31", "0000-01-01", "2001-01-01", "2099-02-29"}) {
    person.retention_until = date;
    EXPECT_EQ(system_->AddPerson(admin_, person).status().code(), StatusCode::kInvalidArgument) << date;
  }
  EXPECT_EQ(VerifyAuditChain(system_->TEST_store())->entries, entries) << "a refused input was audited";
  AddPersonWithSample("P-2", 2);
  for (const std::string& case_ref : {std::string(" "), std::string("\t"), std::string("\0", 1), std::string("-"),
                                     std::string("C\xff")}) {
    SearchRequest request = SearchFor(2, Purpose::kCriminalInvestigation);
    request.case_ref = case_ref;
    EXPECT_EQ(system_->Search(investigator_, request).status().code(), StatusCode::kInvalidArgument)
        << EscapeForDisplay(case_ref);
  }
}

TEST_F(AbisSystemTest, ARoleThatMayNotSearchIsRefusedWithThePurposeAndCaseInTheAudit) {
  SearchRequest request = SearchFor(1, Purpose::kCriminalInvestigation);
  request.case_ref = "CASE-77";
  for (const Operator& op : {admin_, auditor_}) {
    EXPECT_EQ(system_->Search(op, request).status().code(), StatusCode::kPermissionDenied);
    auto query = RawDatabase(system_->TEST_store()).Prepare(
        "SELECT operator, purpose, case_ref FROM audit_log WHERE action = 'search.refused' ORDER BY seq DESC LIMIT 1");
    ASSERT_TRUE(*query->Step());
    EXPECT_EQ(query->ColumnText(0), op.name);
    EXPECT_EQ(query->ColumnText(1), "criminal_investigation");
    EXPECT_EQ(query->ColumnText(2), "CASE-77");
  }
}

// Issue 17: one encounter from several samples, all or nothing, the same for every front end.
TEST_F(AbisSystemTest, EnrolEncounterStoresEverySampleInOneEncounterOrNothing) {
  EncounterEnrolment request;
  request.person = "P-10";
  request.new_person = Person{};
  request.new_person->external_id = "P-10";
  request.new_person->category = PersonCategory::kCitizen;
  request.new_person->legal_basis = "Register Act s.4";
  request.new_person->retention_until = "2099-01-01";
  request.galleries = {"register"};
  for (std::uint32_t seed : {21u, 22u, 23u}) {
    SampleInput sample;
    sample.bytes = RandomSample(seed);
    request.samples.push_back(sample);
  }
  SampleInput bad;
  bad.bytes = {1, 2, 3};  // the test engine refuses fewer than 8 bytes
  bad.source_name = "card.an2";
  request.samples.insert(request.samples.begin() + 1, bad);

  auto refused = system_->EnrolEncounter(enroller_, request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("sample 2 (card.an2)"), std::string::npos) << refused.status().message();
  EXPECT_EQ(system_->TEST_store().FindPerson("P-10").status().code(), StatusCode::kNotFound) << "a person was left behind";

  request.rejected_samples = EncounterEnrolment::RejectedSamples::kSkip;
  auto enrolled = system_->EnrolEncounter(enroller_, request);
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  EXPECT_TRUE(enrolled->person_created);
  ASSERT_EQ(enrolled->samples.size(), 3u);
  ASSERT_EQ(enrolled->rejected.size(), 1u);
  EXPECT_EQ(enrolled->rejected[0].index, 1u);
  auto person = system_->TEST_store().FindPerson("P-10");
  ASSERT_TRUE(person.ok());
  auto encounters = system_->TEST_store().ListEncounters(person->id);
  ASSERT_TRUE(encounters.ok());
  ASSERT_EQ(encounters->size(), 1u) << "one encounter holds every sample";
  EXPECT_EQ((*encounters)[0].external_id, enrolled->encounter_external_id);
  for (const EnrolResult& sample : enrolled->samples) EXPECT_EQ(sample.encounter_id, enrolled->encounter_id);
  EXPECT_EQ(AuditCount("enrol"), 3);

  request.samples = {bad};
  auto none = system_->EnrolEncounter(enroller_, request);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->samples.empty()) << "every sample rejected: nothing stored, the rejections listed";
  EXPECT_EQ(none->rejected.size(), 1u);
}

}  // namespace
}  // namespace abis
