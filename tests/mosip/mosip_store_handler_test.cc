// MosipStoreHandler over a real store (SQLite, sealed samples, audit log) with the deterministic
// test engine for fingers and faces, on CBEFF documents the test builds (JPEG 2000 finger records,
// JPEG and JPEG 2000 face records): INSERT, IDENTIFY, DELETE and REFERENCE_COUNT directly, through
// the queue adapter, and (when Debian's ActiveMQ is installed) over a broker.
#include "abis/mosip/mosip_store_handler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include "../interop/jpeg2000_test_encoder.h"
#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/core/time.h"
#include "abis/interop/mosip_abis_queue_adapter.h"
#include "abis/mosip/cbeff_sample_inputs.h"
#include "abis/mosip/mosip_abis_stomp_worker.h"
#include "abis/mosip/mosip_queue_config.h"
#include "active_mq_broker.h"

namespace abis::mosip {
namespace {

using interop::CbeffDocument;
using interop::MosipCandidate;
using interop::MosipFailureReason;
using interop::MosipIdentifyQuery;
using interop::MosipOutcome;
namespace cbeff = interop::testing;
namespace support = abis::testing;
namespace broker_support = abis::mosip::testing;

constexpr int kWidth = 40;
constexpr int kHeight = 48;

// The CBEFF XML of one synthetic person: two fingers (JPEG 2000 lossless records of random pixels)
// and a JPEG face, all determined by `seed`; the same seed is the same person.
std::string PersonCbeffXml(std::uint32_t seed, bool with_face = true) {
  std::vector<cbeff::TestBir> birs;
  const std::vector<std::pair<int, std::string>> fingers = {{2, "Right IndexFinger"}, {6, "Left Thumb"}};
  for (std::size_t i = 0; i < fingers.size(); ++i) {
    const std::vector<std::uint8_t> pixels =
        support::RandomSample(seed * 10 + static_cast<std::uint32_t>(i), kWidth * kHeight);
    const std::vector<std::uint8_t> jp2 = cbeff::EncodeJp2Lossless(kWidth, kHeight, 1, pixels);
    birs.push_back({"Finger", fingers[i].second, "7",
                    cbeff::EncodeBase64Url(cbeff::BuildFingerRecord(fingers[i].first, kWidth, kHeight, jp2))});
  }
  if (with_face) {
    std::vector<std::uint8_t> jpeg = {0xFF, 0xD8};
    const std::vector<std::uint8_t> body = support::RandomSample(seed * 10 + 9, 1500);
    jpeg.insert(jpeg.end(), body.begin(), body.end());
    jpeg.insert(jpeg.end(), {0xFF, 0xD9});
    birs.push_back({"Face", "", "8", cbeff::EncodeBase64Url(cbeff::BuildFaceRecord(320, 240, jpeg, 0))});
  }
  return cbeff::BuildCbeffXml(birs);
}

CbeffDocument PersonCbeff(std::uint32_t seed, bool with_face = true) {
  Result<CbeffDocument> document = interop::ParseCbeffXml(PersonCbeffXml(seed, with_face));
  EXPECT_TRUE(document.ok()) << document.status().ToString();
  return document.ok() ? *document : CbeffDocument{};
}

// An engine that delegates to the test engine but, like the calibrated engines, refuses false
// match rates below `lowest`.
class CalibratedRangeEngine final : public ModalityEngine {
 public:
  CalibratedRangeEngine(Modality modality, double lowest) : inner_(modality), lowest_(lowest) {}
  Modality modality() const override { return inner_.modality(); }
  std::string algorithm() const override { return inner_.algorithm(); }
  Result<BiometricTemplate> Extract(const SampleInput& sample) const override { return inner_.Extract(sample); }
  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    return inner_.Compare(probe, reference);
  }
  std::unique_ptr<ModalityGallery> NewGallery() const override { return NewExhaustiveGallery(*this); }
  Result<double> ThresholdForFalseMatchRate(double false_match_rate) const override {
    if (false_match_rate < lowest_) return Status::FailedPrecondition("below the calibrated range");
    return inner_.ThresholdForFalseMatchRate(false_match_rate);
  }

 private:
  support::TestEngine inner_;
  double lowest_;
};

class MosipStoreHandlerTest : public ::testing::Test {
 protected:
  // The folder the file biometric source serves in these tests.
  std::filesystem::path CbeffFolder() const { return dir_.path() / "cbeff"; }
  // Writes person 1's CBEFF as one.xml into CbeffFolder() and returns its file:// referenceURL.
  std::string WriteCbeffFolder() const {
    std::filesystem::create_directories(CbeffFolder());
    std::ofstream(CbeffFolder() / "one.xml") << PersonCbeffXml(1);
    return "file://" + (CbeffFolder() / "one.xml").string();
  }

  // A MOSIP ABIS request message as the queue carries it, with `extra` fields merged in.
  static std::string Message(const std::string& operation, const std::string& request_id, nlohmann::json extra) {
    nlohmann::json json = {{"id", "mosip.abis." + operation}, {"version", "1.1"}, {"requestId", request_id},
                           {"requesttime", "2024-05-17T10:30:00.000Z"}};
    if (extra.is_object()) json.merge_patch(extra);
    return json.dump();
  }

  void SetUp() override {
    ASSERT_TRUE(Store::Create(dir_.path() / "store").ok());
    auto system = AbisSystem::Open(dir_.path() / "store", Engines());
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    admin_ = MakeOperator("root", Role::kAdmin);
    enroller_ = MakeOperator("mosip", Role::kEnroller);
    Gallery gallery;
    gallery.name = "mosip";
    ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
    handler_ = MakeHandler(admin_);
    ASSERT_NE(handler_, nullptr);
  }

  EngineProvider Engines() {
    return [this](Modality modality) -> Result<const ModalityEngine*> {
      if (modality == Modality::kFinger) return static_cast<const ModalityEngine*>(&finger_engine_);
      if (modality == Modality::kFace) return static_cast<const ModalityEngine*>(&face_engine_);
      return Status::Unimplemented("no engine for this modality in the test");
    };
  }

  Operator MakeOperator(const std::string& name, Role role) {
    User user = *AddUser(system_->TEST_store(), name, role);
    return Operator{user.id, name, role};
  }

  static MosipStoreHandlerConfig Config() {
    MosipStoreHandlerConfig config;
    config.legal_basis = "National Registration Act s.12 (MOSIP registration)";
    config.retention_years = 20;
    return config;
  }

  std::unique_ptr<MosipStoreHandler> MakeHandler(std::optional<Operator> deleter) {
    auto handler = MosipStoreHandler::Create(*system_, Engines(), enroller_, std::move(deleter), Config());
    EXPECT_TRUE(handler.ok()) << handler.status().ToString();
    return handler.ok() ? std::move(handler).value() : nullptr;
  }

  void Insert(const std::string& reference_id, std::uint32_t seed) {
    MosipOutcome outcome = handler_->Insert(reference_id, PersonCbeff(seed));
    ASSERT_TRUE(outcome.ok()) << outcome.detail();
  }

  MosipIdentifyQuery QueryFor(const std::string& reference_id) {
    MosipIdentifyQuery query;
    query.request_id = "identify-" + reference_id;
    query.probe_reference_id = reference_id;
    return query;
  }

  std::vector<std::string> CandidateIds(const std::vector<MosipCandidate>& candidates) {
    std::vector<std::string> ids;
    for (const MosipCandidate& candidate : candidates) ids.push_back(candidate.reference_id);
    return ids;
  }

  std::int64_t AuditCount(const std::string& action, const std::string& like = "%") {
    auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT count(*) FROM audit_log WHERE action = ? AND result LIKE ?");
    query->Bind(1, action).Bind(2, like);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  std::int64_t ReferenceCount() {
    std::int64_t count = -1;
    EXPECT_TRUE(handler_->ReferenceCount(&count).ok());
    return count;
  }

  support::TempDir dir_;
  support::TestEngine finger_engine_{Modality::kFinger};
  support::TestEngine face_engine_{Modality::kFace};
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_;
  std::unique_ptr<MosipStoreHandler> handler_;
};

TEST_F(MosipStoreHandlerTest, InsertEnrolsEveryFingerAndTheFaceUnderTheConfiguredLegalBasis) {
  Insert("ref-A", 1);
  auto person = system_->TEST_store().FindPerson("ref-A");
  ASSERT_TRUE(person.ok());
  EXPECT_EQ(person->legal_basis, Config().legal_basis);
  EXPECT_EQ(person->category, PersonCategory::kUnknown);
  EXPECT_EQ(person->retention_until.substr(0, 4), std::to_string(std::stoi(TodayUtc().substr(0, 4)) + 20));
  auto templates = system_->TEST_store().ListTemplates(person->id);
  ASSERT_TRUE(templates.ok());
  std::map<Modality, int> per_modality;
  std::vector<FingerPosition> positions;
  for (const TemplateInfo& info : *templates) {
    ++per_modality[info.modality];
    if (info.modality == Modality::kFinger) positions.push_back(info.position);
  }
  EXPECT_EQ(per_modality[Modality::kFinger], 2);
  EXPECT_EQ(per_modality[Modality::kFace], 1);
  EXPECT_EQ(positions, (std::vector<FingerPosition>{FingerPosition::kRightIndex, FingerPosition::kLeftThumb}));
  EXPECT_EQ(*system_->TEST_store().GalleriesOfPerson(person->id), std::vector<std::string>{"mosip"});
  EXPECT_EQ(ReferenceCount(), 1);
}

TEST_F(MosipStoreHandlerTest, InsertNeverSearchesEvenForAnExactDuplicate) {
  Insert("ref-A", 1);
  Insert("ref-A-again", 1);  // the same biometrics under another referenceId: stored, not refused
  EXPECT_EQ(AuditCount("search"), 0);
  EXPECT_EQ(ReferenceCount(), 2);
}

TEST_F(MosipStoreHandlerTest, IdentifyFindsTheDuplicateInBothModalitiesAndNeverItself) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  Insert("ref-C", 1);  // a second registration of A
  std::vector<MosipCandidate> candidates;
  MosipOutcome outcome = handler_->Identify(QueryFor("ref-C"), &candidates);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  ASSERT_EQ(CandidateIds(candidates), std::vector<std::string>{"ref-A"});
  std::vector<std::string> types;
  for (const auto& modality : candidates[0].modalities) types.push_back(modality.biometric_type);
  EXPECT_EQ(types, (std::vector<std::string>{"FID", "FIR"}));
  nlohmann::json analytics = nlohmann::json::object();
  for (const auto& pair : candidates[0].analytics) analytics[pair.key] = nlohmann::json::parse(pair.json_value);
  EXPECT_EQ(analytics["confidence"], "100");
  EXPECT_TRUE(analytics.contains("internalScore"));
  // The search is audited under the configured purpose with the request id as case reference.
  EXPECT_EQ(AuditCount("search"), 1);
  auto audited = RawDatabase(system_->TEST_store()).Prepare("SELECT purpose, case_ref FROM audit_log WHERE action = 'search'");
  ASSERT_TRUE(*audited->Step());
  EXPECT_EQ(audited->ColumnText(0), "deduplication");
  EXPECT_EQ(audited->ColumnText(1), "identify-ref-C");
  EXPECT_EQ(handler_->last_identify().hits, 1u);
  EXPECT_EQ(handler_->last_identify().probe_samples, 3u);
}

TEST_F(MosipStoreHandlerTest, IdentifyOfAUniquePersonHasNoCandidates) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  std::vector<MosipCandidate> candidates;
  ASSERT_TRUE(handler_->Identify(QueryFor("ref-B"), &candidates).ok());
  EXPECT_TRUE(candidates.empty());
}

TEST_F(MosipStoreHandlerTest, IdentifyKeepsOnlyTheRequestedGalleryMembers) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  Insert("ref-C", 1);
  Insert("ref-D", 1);
  MosipIdentifyQuery query = QueryFor("ref-C");
  query.gallery = std::vector<std::string>{"ref-B", "ref-D", "ref-C"};
  std::vector<MosipCandidate> candidates;
  ASSERT_TRUE(handler_->Identify(query, &candidates).ok());
  EXPECT_EQ(CandidateIds(candidates), std::vector<std::string>{"ref-D"});
  EXPECT_EQ(handler_->last_identify().compared_records, 2u);
  // The restriction is applied by the search itself (not by filtering a top-N list afterwards).
  EXPECT_EQ(AuditCount("search", "%\"restricted_to_persons\":2%"), 1);
}

TEST_F(MosipStoreHandlerTest, IdentifyOfAnUnknownReferenceOrGalleryMemberIsReferenceIdNotFound) {
  Insert("ref-A", 1);
  std::vector<MosipCandidate> candidates;
  MosipOutcome unknown = handler_->Identify(QueryFor("ref-nobody"), &candidates);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.reason(), MosipFailureReason::kReferenceIdNotFound);
  MosipIdentifyQuery query = QueryFor("ref-A");
  query.gallery = std::vector<std::string>{"ref-nobody"};
  MosipOutcome member = handler_->Identify(query, &candidates);
  ASSERT_FALSE(member.ok());
  EXPECT_EQ(member.reason(), MosipFailureReason::kReferenceIdNotFound);
  EXPECT_NE(member.detail().find("gallery referenceId 'ref-nobody'"), std::string::npos) << member.detail();
  query.gallery = std::vector<std::string>(kMaxRestrictedPersons + 1, "ref-A");
  MosipOutcome too_many = handler_->Identify(query, &candidates);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.reason(), MosipFailureReason::kInvalidRequestStructure) << too_many.detail();
}

TEST_F(MosipStoreHandlerTest, PersonsOutsideTheMosipGalleryAreInvisibleToMosip) {
  Person other;
  other.external_id = "case-17";
  other.legal_basis = "Police Act";
  other.retention_until = "2040-01-01";
  ASSERT_TRUE(system_->AddPerson(admin_, other).ok());
  MosipOutcome insert = handler_->Insert("case-17", PersonCbeff(3));
  ASSERT_FALSE(insert.ok());
  EXPECT_EQ(insert.reason(), MosipFailureReason::kReferenceIdAlreadyExists);
  MosipOutcome remove = handler_->Delete("case-17");
  ASSERT_FALSE(remove.ok());
  EXPECT_EQ(remove.reason(), MosipFailureReason::kReferenceIdNotFound);
  EXPECT_TRUE(system_->TEST_store().FindPerson("case-17").ok());
  EXPECT_EQ(ReferenceCount(), 0);
}

TEST_F(MosipStoreHandlerTest, IdentifyWithFetchedBiometricsSearchesWithThem) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  MosipIdentifyQuery query;
  query.request_id = "identify-by-url";
  query.probe_biometrics = PersonCbeff(2, /*with_face=*/false);
  std::vector<MosipCandidate> candidates;
  MosipOutcome outcome = handler_->Identify(query, &candidates);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  ASSERT_EQ(CandidateIds(candidates), std::vector<std::string>{"ref-B"});
  ASSERT_EQ(candidates[0].modalities.size(), 1u);
  EXPECT_EQ(candidates[0].modalities[0].biometric_type, "FIR");
}

TEST_F(MosipStoreHandlerTest, TargetFpirIsSharedOutOverEveryComparison) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  Insert("ref-C", 3);
  MosipIdentifyQuery query = QueryFor("ref-A");
  query.target_fpir = 30;
  query.false_positive_identification_rate = 1e-3;
  std::vector<MosipCandidate> candidates;
  ASSERT_TRUE(handler_->Identify(query, &candidates).ok());
  const MosipIdentifyReport& report = handler_->last_identify();
  EXPECT_EQ(report.compared_records, 2u);  // B and C; A is the probe
  EXPECT_EQ(report.probe_samples, 3u);
  EXPECT_DOUBLE_EQ(report.false_match_rate, 1e-3 / 6.0);
  EXPECT_FALSE(report.clamped_to_engine_range);
  auto audited = RawDatabase(system_->TEST_store()).Prepare("SELECT result FROM audit_log WHERE action = 'search'");
  ASSERT_TRUE(*audited->Step());
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(audited->ColumnText(0))["target_fmr"].get<double>(), 1e-3 / 6.0);

  query.false_positive_identification_rate.reset();
  ASSERT_TRUE(handler_->Identify(query, &candidates).ok());
  EXPECT_DOUBLE_EQ(handler_->last_identify().false_match_rate, Config().default_false_match_rate);
}

TEST_F(MosipStoreHandlerTest, TargetFpirBelowTheEnginesCalibrationIsRaisedToTheirLowestRate) {
  CalibratedRangeEngine finger(Modality::kFinger, 1e-6);
  CalibratedRangeEngine face(Modality::kFace, 1e-8);
  EngineProvider engines = [&](Modality modality) -> Result<const ModalityEngine*> {
    if (modality == Modality::kFinger) return static_cast<const ModalityEngine*>(&finger);
    return static_cast<const ModalityEngine*>(&face);
  };
  auto handler = MosipStoreHandler::Create(*system_, engines, enroller_, std::nullopt, Config());
  ASSERT_TRUE(handler.ok());
  Insert("ref-A", 1);
  Insert("ref-B", 1);
  MosipIdentifyQuery query = QueryFor("ref-A");
  query.target_fpir = 200;
  query.false_positive_identification_rate = 1e-20;
  std::vector<MosipCandidate> candidates;
  MosipOutcome outcome = (*handler)->Identify(query, &candidates);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  const MosipIdentifyReport& report = (*handler)->last_identify();
  EXPECT_TRUE(report.clamped_to_engine_range);
  EXPECT_GE(report.false_match_rate, 1e-6);
  EXPECT_LT(report.false_match_rate, 1e-5);
  EXPECT_EQ(CandidateIds(candidates), std::vector<std::string>{"ref-B"});
}

TEST_F(MosipStoreHandlerTest, InsertOfAnExistingReferenceIdIsRefusedAndChangesNothing) {
  Insert("ref-A", 1);
  MosipOutcome again = handler_->Insert("ref-A", PersonCbeff(2));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.reason(), MosipFailureReason::kReferenceIdAlreadyExists);
  auto person = system_->TEST_store().FindPerson("ref-A");
  EXPECT_EQ(system_->TEST_store().ListTemplates(person->id)->size(), 3u);
}

TEST_F(MosipStoreHandlerTest, InsertWithARequestIdTooLongForACaseReferenceIsRefusedAndStoresNothing) {
  MosipOutcome outcome = handler_->InsertForRequest(std::string(129, 'r'), "ref-long", PersonCbeff(1));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidRequestStructure);
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-long").ok());
  EXPECT_EQ(AuditCount("person.add"), 0);
}

TEST_F(MosipStoreHandlerTest, InsertWithoutAnyUsableSampleIsInvalidCbeffAndStoresNothing) {
  const std::string xml =
      cbeff::BuildCbeffXml({{"Iris", "Left", "9", cbeff::EncodeBase64Url({0x49, 0x49, 0x52, 0x00, 1, 2, 3})}});
  Result<CbeffDocument> document = interop::ParseCbeffXml(xml);
  ASSERT_TRUE(document.ok());
  MosipOutcome outcome = handler_->Insert("ref-iris", *document);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidCbeffFormat);
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-iris").ok());
  EXPECT_EQ(AuditCount("person.add"), 0);
}

TEST_F(MosipStoreHandlerTest, InsertWhoseEverySampleIsRejectedIsAQualityFailureAndLeavesNoTrace) {
  // The test engine rejects samples shorter than 8 bytes: a 4-byte JPEG face is the only sample.
  const std::string xml = cbeff::BuildCbeffXml(
      {{"Face", "", "8", cbeff::EncodeBase64Url(cbeff::BuildFaceRecord(2, 2, {0xFF, 0xD8, 0xFF, 0xD9}, 0))}});
  Result<CbeffDocument> document = interop::ParseCbeffXml(xml);
  ASSERT_TRUE(document.ok());
  MosipOutcome outcome = handler_->Insert("ref-blurred", *document);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kBiometricQualityCheckFailed);
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-blurred").ok());
  EXPECT_EQ(AuditCount("person.add"), 0);  // rolled back with the person
  EXPECT_EQ(ReferenceCount(), 0);
}

TEST_F(MosipStoreHandlerTest, InsertKeepsTheGoodSamplesWhenOneIsRejected) {
  std::vector<cbeff::TestBir> birs;
  const std::vector<std::uint8_t> pixels = support::RandomSample(5, kWidth * kHeight);
  birs.push_back({"Finger", "Right IndexFinger", "7",
                  cbeff::EncodeBase64Url(cbeff::BuildFingerRecord(
                      2, kWidth, kHeight, cbeff::EncodeJp2Lossless(kWidth, kHeight, 1, pixels)))});
  birs.push_back({"Face", "", "8", cbeff::EncodeBase64Url(cbeff::BuildFaceRecord(2, 2, {0xFF, 0xD8, 0xFF, 0xD9}, 0))});
  Result<CbeffDocument> document = interop::ParseCbeffXml(cbeff::BuildCbeffXml(birs));
  ASSERT_TRUE(document.ok());
  MosipOutcome outcome = handler_->Insert("ref-partial", *document);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  auto person = system_->TEST_store().FindPerson("ref-partial");
  ASSERT_TRUE(person.ok());
  auto templates = system_->TEST_store().ListTemplates(person->id);
  ASSERT_EQ(templates->size(), 1u);
  EXPECT_EQ(templates->front().modality, Modality::kFinger);
  EXPECT_EQ(*system_->TEST_store().CountSamples(person->id), 1);  // the rejected face left no sample
  ASSERT_EQ(handler_->last_insert_notes().size(), 1u);
  EXPECT_NE(handler_->last_insert_notes()[0].find("shorter than 8 bytes"), std::string::npos);
  EXPECT_EQ(AuditCount("enrol"), 1);
}

TEST_F(MosipStoreHandlerTest, DeleteCryptoErasesTheRecordAndAuditsTheMosipRequest) {
  Insert("ref-A", 1);
  Insert("ref-B", 2);
  MosipOutcome outcome = handler_->DeleteForRequest("req-delete-1", "ref-A");
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-A").ok());
  EXPECT_EQ(AuditCount("person.delete", "%MOSIP DELETE requestId req-delete-1 referenceId ref-A%"), 1);
  EXPECT_EQ(ReferenceCount(), 1);
  MosipOutcome again = handler_->Delete("ref-A");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.reason(), MosipFailureReason::kReferenceIdNotFound);
  // The erased record is no longer found by a search.
  Insert("ref-A2", 1);
  std::vector<MosipCandidate> candidates;
  ASSERT_TRUE(handler_->Identify(QueryFor("ref-A2"), &candidates).ok());
  EXPECT_TRUE(candidates.empty());
}

TEST_F(MosipStoreHandlerTest, DeleteWithoutADeletionOperatorIsRefusedByThePolicyAndAudited) {
  handler_ = MakeHandler(std::nullopt);
  Insert("ref-A", 1);
  MosipOutcome outcome = handler_->Delete("ref-A");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInternalErrorUnknown);
  EXPECT_NE(outcome.detail().find("may not delete"), std::string::npos) << outcome.detail();
  EXPECT_TRUE(system_->TEST_store().FindPerson("ref-A").ok());
  EXPECT_EQ(AuditCount("delete_person.refused"), 1);
}

TEST_F(MosipStoreHandlerTest, CreateRefusesOperatorsGalleriesAndSettingsThatCannotServeMosip) {
  Operator examiner = MakeOperator("exa", Role::kExaminer);
  auto wrong_role = MosipStoreHandler::Create(*system_, Engines(), examiner, std::nullopt, Config());
  EXPECT_EQ(wrong_role.status().code(), StatusCode::kPermissionDenied);
  auto enroller_as_deleter = MosipStoreHandler::Create(*system_, Engines(), enroller_, enroller_, Config());
  EXPECT_EQ(enroller_as_deleter.status().code(), StatusCode::kPermissionDenied);
  MosipStoreHandlerConfig no_basis = Config();
  no_basis.legal_basis.clear();
  EXPECT_EQ(MosipStoreHandler::Create(*system_, Engines(), enroller_, std::nullopt, no_basis).status().code(),
            StatusCode::kInvalidArgument);
  MosipStoreHandlerConfig missing = Config();
  missing.gallery = "no-such-gallery";
  EXPECT_EQ(MosipStoreHandler::Create(*system_, Engines(), enroller_, std::nullopt, missing).status().code(),
            StatusCode::kNotFound);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(admin_, watchlist).ok());
  MosipStoreHandlerConfig wanted = Config();
  wanted.gallery = "wanted";
  EXPECT_EQ(MosipStoreHandler::Create(*system_, Engines(), enroller_, std::nullopt, wanted).status().code(),
            StatusCode::kFailedPrecondition);
}

// The adapter around the handler: messages as MOSIP sends them, answered in order; the IDENTIFY
// queued after two INSERTs sees both.
TEST_F(MosipStoreHandlerTest, QueuedMessagesAreAnsweredInOrderThroughTheAdapter) {
  const std::string url = WriteCbeffFolder();
  interop::FileBiometricSource source(CbeffFolder().string());
  interop::MosipAbisQueueAdapter adapter(*handler_, source);
  ASSERT_TRUE(adapter.Submit(Message("insert", "i1", {{"referenceId", "A"}, {"referenceURL", url}})));
  ASSERT_TRUE(adapter.Submit(Message("insert", "i2", {{"referenceId", "B"}, {"referenceURL", url}})));
  ASSERT_TRUE(adapter.Submit(Message("identify", "q1",
                                     {{"referenceId", "B"}, {"referenceURL", ""}, {"flags", {{"targetFPIR", "30"}}}})));
  ASSERT_TRUE(adapter.Submit(Message("referenceCount", "c1", {})));
  std::vector<nlohmann::json> replies;
  while (auto reply = adapter.ProcessNext()) replies.push_back(nlohmann::json::parse(reply->response_json));
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0]["returnValue"], "1");
  EXPECT_EQ(replies[1]["returnValue"], "1");
  EXPECT_EQ(replies[2]["candidateList"]["count"], "1");
  EXPECT_EQ(replies[2]["candidateList"]["candidates"][0]["referenceId"], "A");
  EXPECT_EQ(replies[3]["count"], "2");
}

// MOSIP's requestId reaches the audit log: INSERT's person.add and enrol entries and IDENTIFY's
// probe export and search carry it as their case reference, DELETE's reason names it with the
// referenceId.
TEST_F(MosipStoreHandlerTest, AuditEntriesCarryTheMosipRequestIdThroughTheAdapter) {
  const std::string url = WriteCbeffFolder();
  interop::FileBiometricSource source(CbeffFolder().string());
  interop::MosipAbisQueueAdapter adapter(*handler_, source);
  ASSERT_TRUE(adapter.Handle(Message("insert", "req-i1", {{"referenceId", "A"}, {"referenceURL", url}})).success);
  ASSERT_TRUE(adapter.Handle(Message("insert", "req-i2", {{"referenceId", "B"}, {"referenceURL", url}})).success);
  ASSERT_TRUE(adapter.Handle(Message("identify", "req-q1", {{"referenceId", "B"}, {"referenceURL", ""}})).success);
  ASSERT_TRUE(adapter.Handle(Message("delete", "req-d1", {{"referenceId", "A"}})).success);
  auto count = [&](const std::string& action, const std::string& case_ref, const std::string& like) {
    auto query = RawDatabase(system_->TEST_store()).Prepare(
        "SELECT count(*) FROM audit_log WHERE action = ? AND case_ref = ? AND result LIKE ?");
    query->Bind(1, action).Bind(2, case_ref).Bind(3, like);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  };
  EXPECT_EQ(count("person.add", "req-i1", "%"), 1);
  EXPECT_EQ(count("person.add", "req-i2", "%"), 1);
  const int enrolled_for_first = count("enrol", "req-i1", "%");
  EXPECT_GE(enrolled_for_first, 1);
  EXPECT_EQ(count("enrol", "req-i2", "%"), enrolled_for_first);  // the same CBEFF for both
  EXPECT_EQ(count("enrol", "", "%"), 0);  // every enrolment came through an INSERT
  // The stored person is the search's probe: nothing is exported and extracted again.
  EXPECT_EQ(count("person.export", "req-q1", "%"), 0);
  EXPECT_EQ(count("search", "req-q1", "%probe_person_id%"), 1);
  EXPECT_EQ(count("person.delete", "", "%MOSIP DELETE requestId req-d1 referenceId A%"), 1);
}

TEST(MosipRetention, AddsYearsAndMovesTheLeapDayToTheTwentyEighth) {
  EXPECT_EQ(*RetentionDateAfterYears("2024-05-17", 10), "2034-05-17");
  EXPECT_EQ(*RetentionDateAfterYears("2024-02-29", 1), "2025-02-28");
  EXPECT_EQ(*RetentionDateAfterYears("2024-02-29", 4), "2028-02-29");
  EXPECT_FALSE(RetentionDateAfterYears("2024-13-01", 1).ok());
  EXPECT_FALSE(RetentionDateAfterYears("2024-05-17", 0).ok());
}

TEST(MosipConfidence, IsThePosteriorWithAUniformPriorOverTheGallery) {
  EXPECT_EQ(MosipConfidencePercent(0.0, 1), 50);
  EXPECT_EQ(MosipConfidencePercent(std::log(99.0), 1), 99);
  EXPECT_EQ(MosipConfidencePercent(std::log(1000.0), 1000), 50);
  EXPECT_EQ(MosipConfidencePercent(1e6, 10), 100);
  EXPECT_EQ(MosipConfidencePercent(-1e6, 10), 0);
}

TEST(CbeffSampleInputs, ConvertsEachImageToAFormatTheEnginesRead) {
  interop::CbeffBiometrics biometrics;
  interop::CbeffFingerSample pgm_finger;
  pgm_finger.bir_index = 0;
  pgm_finger.position = FingerPosition::kRightThumb;
  pgm_finger.image = {3, 2, 500, {1, 2, 3, 4, 5, 6}};
  biometrics.fingers.push_back(pgm_finger);
  interop::CbeffFingerSample fine_finger = pgm_finger;
  fine_finger.bir_index = 1;
  fine_finger.image.pixels_per_inch = 1000;
  biometrics.fingers.push_back(fine_finger);
  interop::CbeffFingerSample wsq_finger;
  wsq_finger.bir_index = 2;
  wsq_finger.compression = "wsq";
  wsq_finger.encoded = {0xFF, 0xA0, 0xFF, 0xA1};
  biometrics.fingers.push_back(wsq_finger);
  interop::CbeffFaceSample jp2_face;
  jp2_face.bir_index = 3;
  jp2_face.image_format = "jpeg2000-lossless";
  jp2_face.decoded = interop::DecodedImage{2, 1, 4, {10, 20, 30, 255, 40, 50, 60, 255}};
  biometrics.faces.push_back(jp2_face);
  interop::CbeffFaceSample undecoded_face;
  undecoded_face.bir_index = 4;
  undecoded_face.image_format = "jpeg2000-lossy";
  biometrics.faces.push_back(undecoded_face);

  CbeffSampleInputs inputs = SampleInputsFromCbeff(biometrics, "test document");
  ASSERT_EQ(inputs.samples.size(), 3u);
  const std::string pgm = "P5\n3 2\n255\n\x01\x02\x03\x04\x05\x06";
  EXPECT_EQ(inputs.samples[0].bytes, std::vector<std::uint8_t>(pgm.begin(), pgm.end()));
  EXPECT_EQ(inputs.samples[0].format_hint, "pgm");
  EXPECT_EQ(inputs.samples[0].position, FingerPosition::kRightThumb);
  EXPECT_EQ(inputs.samples[1].format_hint, "wsq");
  EXPECT_EQ(inputs.samples[1].bytes, wsq_finger.encoded);
  const std::string ppm = "P6\n2 1\n255\n\x0a\x14\x1e\x28\x32\x3c";
  EXPECT_EQ(inputs.samples[2].modality, Modality::kFace);
  EXPECT_EQ(inputs.samples[2].bytes, std::vector<std::uint8_t>(ppm.begin(), ppm.end()));
  ASSERT_EQ(inputs.skipped.size(), 2u);
  EXPECT_NE(inputs.skipped[0].find("test document BIR 1"), std::string::npos) << inputs.skipped[0];
  EXPECT_NE(inputs.skipped[0].find("1000 ppi"), std::string::npos) << inputs.skipped[0];
  EXPECT_NE(inputs.skipped[1].find("test document BIR 4"), std::string::npos) << inputs.skipped[1];
}

// One round trip over Debian's ActiveMQ with the store behind it.
TEST_F(MosipStoreHandlerTest, ServesInsertIdentifyAndDeleteOverActiveMq) {
  const std::filesystem::path base = dir_.path() / "broker";
  std::filesystem::create_directories(base);
  const std::string url = WriteCbeffFolder();
  const int port = broker_support::FreeLoopbackPort();
  ASSERT_GT(port, 0);
  broker_support::ActiveMqBroker broker;
  const std::string why_not = broker.Start(base, port);
  if (!why_not.empty()) GTEST_SKIP() << "no broker: " << why_not;

  MosipAbisQueue queue;
  queue.name = "ABIS1";
  queue.broker_url = "tcp://127.0.0.1:61616";
  queue.inbound_queue = "mosip-to-abis1";
  queue.outbound_queue = "abis1-to-mosip";
  Result<StompEndpoint> endpoint = StompEndpointFor(queue, port);
  ASSERT_TRUE(endpoint.ok());
  interop::FileBiometricSource source(CbeffFolder().string());
  interop::MosipAbisQueueAdapter adapter(*handler_, source);
  auto abis_side = StompConnection::Connect(*endpoint, std::chrono::seconds(5));
  ASSERT_TRUE(abis_side.ok()) << abis_side.status().ToString();
  MosipAbisStompWorker worker(**abis_side, adapter, queue);
  ASSERT_TRUE(worker.Start().ok());
  auto mosip_side = StompConnection::Connect(*endpoint, std::chrono::seconds(5));
  ASSERT_TRUE(mosip_side.ok());
  ASSERT_TRUE((*mosip_side)->Subscribe(queue.outbound_queue, "mosip-outbound").ok());

  const std::vector<std::string> requests = {
      Message("insert", "i1", {{"referenceId", "A"}, {"referenceURL", url}}),
      Message("insert", "i2", {{"referenceId", "B"}, {"referenceURL", url}}),
      Message("identify", "q1", {{"referenceId", "B"}, {"referenceURL", ""}}),
      Message("delete", "d1", {{"referenceId", "A"}}),
      Message("referenceCount", "c1", {}),
  };
  for (const std::string& request : requests) ASSERT_TRUE((*mosip_side)->Send(queue.inbound_queue, request).ok());

  std::atomic<bool> stop{false};
  Result<MosipStompWorkerStats> stats = Status::Internal("worker did not run");
  std::thread serving([&] { stats = worker.Run(std::chrono::seconds(20), &stop, std::chrono::milliseconds(100)); });
  std::map<std::string, nlohmann::json> responses;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (responses.size() < requests.size() && std::chrono::steady_clock::now() < deadline) {
    auto frame = (*mosip_side)->Receive(std::chrono::milliseconds(500));
    if (!frame.ok()) break;
    if (!frame->has_value() || (*frame)->command != "MESSAGE") continue;
    EXPECT_TRUE((*mosip_side)->Ack(**frame).ok());
    nlohmann::json response = nlohmann::json::parse((*frame)->body);
    responses[response["requestId"].get<std::string>()] = response;
  }
  stop = true;
  serving.join();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(responses.size(), requests.size());
  EXPECT_EQ(responses["i1"]["returnValue"], "1");
  EXPECT_EQ(responses["i2"]["returnValue"], "1");
  EXPECT_EQ(responses["q1"]["candidateList"]["candidates"][0]["referenceId"], "A");
  EXPECT_EQ(responses["d1"]["returnValue"], "1");
  EXPECT_EQ(responses["c1"]["count"], "1");
  EXPECT_FALSE(system_->TEST_store().FindPerson("A").ok());
  (*mosip_side)->Close();
  (*abis_side)->Close();
  broker.Stop();
}

}  // namespace
}  // namespace abis::mosip
