// MOSIP INSERT of CBEFF documents whose finger BIRs are ISO/IEC 19794-4 multi-finger records
// (positions 13, 14, 15, as 4-4-2 enrolment captures them), with the real finger engine: each slap
// is cut into fingers enrolled at their positions from hand geometry, kept with their place in the
// slap; the sequence check against the document's single-finger prints refuses swapped fingers; a
// slap missing a finger refuses the INSERT unless partial slaps are accepted; a slap that
// contradicts its position or does not decode refuses it; a refused INSERT stores nothing. Slaps
// are composed with known truth from synthetic prints (always) and FVC2002 prints (shared data).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "../interop/jpeg2000_test_encoder.h"
#include "../support/test_engine.h"
#include "abis/access/users.h"
#include "abis/core/paths.h"
#include "abis/finger/finger_engine.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_composer.h"
#include "abis/finger_extract/synth.h"
#include "abis/interop/cbeff_reader.h"
#include "abis/mosip/mosip_store_handler.h"

namespace abis::mosip {
namespace {

using interop::MosipFailureReason;
using interop::MosipOutcome;
namespace cbeff = interop::testing;
namespace support = abis::testing;

// One slap with the truth of where its prints were placed.
struct TestSlap {
  int fgp = 0;
  finger::ComposedSlap composed;
};

std::vector<std::uint8_t> Png(const finger::GrayImage& image) {
  auto png = finger::EncodePng(image);
  EXPECT_TRUE(png.ok()) << png.status().ToString();
  return png.ok() ? *png : std::vector<std::uint8_t>{};
}

// A finger BIR holding an ISO/IEC 19794-4 record of `image` at `fgp` (PNG, or JPEG 2000 lossless).
cbeff::TestBir FingerBir(int fgp, const finger::GrayImage& image, bool jpeg2000 = false,
                         const std::string& subtype = "") {
  const std::vector<std::uint8_t> bytes =
      jpeg2000 ? cbeff::EncodeJp2Lossless(image.width, image.height, 1, image.pixels) : Png(image);
  return {"Finger", subtype, "7",
          cbeff::EncodeBase64Url(cbeff::BuildFingerRecord(fgp, image.width, image.height, bytes, jpeg2000 ? 5 : 6))};
}

interop::CbeffDocument Document(const std::vector<cbeff::TestBir>& birs) {
  auto document = interop::ParseCbeffXml(cbeff::BuildCbeffXml(birs));
  EXPECT_TRUE(document.ok()) << document.status().ToString();
  return document.ok() ? *document : interop::CbeffDocument{};
}

// The prints of subject `seed` for the positions of `kind` in image order, impression `impression`.
std::vector<finger::GrayImage> SyntheticPrints(finger::SlapKind kind, int seed, int impression) {
  std::vector<finger::GrayImage> prints;
  const std::vector<int> positions = finger::SlapPositions(kind);
  for (int position : positions) {
    prints.push_back(finger::GenerateSyntheticFinger(seed, position, 2).impressions[impression].image);
  }
  return prints;
}

TestSlap Compose(finger::SlapKind kind, const std::vector<finger::GrayImage>& prints, std::vector<int> missing = {}) {
  finger::SlapComposition composition;
  composition.kind = kind;
  composition.seed = 7;
  composition.missing_positions = std::move(missing);
  auto slap = finger::ComposeSlap(prints, composition);
  EXPECT_TRUE(slap.ok()) << slap.status().ToString();
  return {finger::SlapKindFingerPosition(kind), slap.ok() ? *slap : finger::ComposedSlap{}};
}

class MosipSlapInsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Store::Create(dir_.path() / "store").ok());
    auto system = AbisSystem::Open(dir_.path() / "store", Engines());
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    User admin = *AddUser(system_->TEST_store(), "root", Role::kAdmin);
    User enroller = *AddUser(system_->TEST_store(), "mosip", Role::kEnroller);
    admin_ = Operator{admin.id, "root", Role::kAdmin};
    enroller_ = Operator{enroller.id, "mosip", Role::kEnroller};
    Gallery gallery;
    gallery.name = "mosip";
    ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
  }

  EngineProvider Engines() {
    return [this](Modality modality) -> Result<const ModalityEngine*> {
      if (modality == Modality::kFinger) return finger_engine_.get();
      if (modality == Modality::kFace) return static_cast<const ModalityEngine*>(&face_engine_);
      return Status::Unimplemented("no engine for this modality in the test");
    };
  }

  std::unique_ptr<MosipStoreHandler> Handler(bool accept_partial = false) {
    MosipStoreHandlerConfig config;
    config.legal_basis = "National Registration Act s.12 (MOSIP registration)";
    config.slaps.accept_partial = accept_partial;
    auto handler = MosipStoreHandler::Create(*system_, Engines(), enroller_, admin_, config);
    EXPECT_TRUE(handler.ok()) << handler.status().ToString();
    return handler.ok() ? std::move(handler).value() : nullptr;
  }

  // Finger position -> the slap FGP its sample was cut from (0 for a single-finger sample).
  std::multimap<int, int> EnrolledFingers(const std::string& reference_id) {
    std::multimap<int, int> out;
    auto person = system_->TEST_store().FindPerson(reference_id);
    if (!person.ok()) return out;
    auto samples = system_->TEST_store().ListSamples(person->id);
    EXPECT_TRUE(samples.ok());
    for (const auto& sample : *samples) {
      if (sample.modality != Modality::kFinger) continue;
      const bool from_slap = sample.options.is_object() && sample.options.contains("slap");
      out.emplace(static_cast<int>(sample.position), from_slap ? sample.options["slap"]["position"].get<int>() : 0);
    }
    return out;
  }

  static std::string Notes(const MosipStoreHandler& handler) {
    std::string all;
    for (const std::string& line : handler.last_insert_notes()) all += line + "\n";
    return all;
  }

  support::TempDir dir_;
  std::unique_ptr<ModalityEngine> finger_engine_ = finger::MakeFingerEngine();
  support::TestEngine face_engine_{Modality::kFace};
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_;
};

std::multimap<int, int> Expected442() {
  std::multimap<int, int> out;
  for (int p : {2, 3, 4, 5}) out.emplace(p, 13);
  for (int p : {7, 8, 9, 10}) out.emplace(p, 14);
  for (int p : {1, 6}) out.emplace(p, 15);
  return out;
}

TEST_F(MosipSlapInsertTest, InsertOfAFourFourTwoEnrolsTenFingersAtTheirPositions) {
  auto handler = Handler();
  const TestSlap right = Compose(finger::SlapKind::kRightFour, SyntheticPrints(finger::SlapKind::kRightFour, 41, 0));
  const TestSlap left = Compose(finger::SlapKind::kLeftFour, SyntheticPrints(finger::SlapKind::kLeftFour, 41, 0));
  const TestSlap thumbs = Compose(finger::SlapKind::kBothThumbs, SyntheticPrints(finger::SlapKind::kBothThumbs, 41, 0));
  // The right slap as JPEG 2000 (decoded by the CBEFF reader), the others as PNG.
  MosipOutcome outcome =
      handler->Insert("ref-442", Document({FingerBir(13, right.composed.image, true),
                                           FingerBir(14, left.composed.image), FingerBir(15, thumbs.composed.image)}));
  ASSERT_TRUE(outcome.ok()) << outcome.detail() << "\n" << Notes(*handler);
  EXPECT_EQ(EnrolledFingers("ref-442"), Expected442()) << Notes(*handler);
}

TEST_F(MosipSlapInsertTest, TheSequenceCheckConfirmsMatchingRolledPrintsAndRefusesASwap) {
  auto handler = Handler();
  const std::vector<finger::GrayImage> rolled = SyntheticPrints(finger::SlapKind::kRightFour, 43, 1);
  const TestSlap right = Compose(finger::SlapKind::kRightFour, SyntheticPrints(finger::SlapKind::kRightFour, 43, 0));
  // Rolled prints of the same fingers at their own positions: all four enrolled with them.
  std::vector<cbeff::TestBir> birs = {FingerBir(13, right.composed.image)};
  for (std::size_t i = 0; i < 4; ++i) birs.push_back(FingerBir(static_cast<int>(i) + 2, rolled[i]));
  MosipOutcome outcome = handler->Insert("ref-confirmed", Document(birs));
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  std::multimap<int, int> expected;
  for (int p : {2, 3, 4, 5}) expected.insert({{p, 0}, {p, 13}});
  EXPECT_EQ(EnrolledFingers("ref-confirmed"), expected) << Notes(*handler);

  // The rolled index and middle fingers swapped: the slap's index and middle contradict them, so
  // the slap is incomplete and the INSERT is refused with nothing stored.
  birs = {FingerBir(13, right.composed.image), FingerBir(2, rolled[1]), FingerBir(3, rolled[0]),
          FingerBir(4, rolled[2]), FingerBir(5, rolled[3])};
  outcome = handler->Insert("ref-swapped", Document(birs));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kBiometricQualityCheckFailed) << outcome.detail();
  EXPECT_NE(outcome.detail().find("finger 2 (right_index), 3 (right_middle) refused"), std::string::npos)
      << outcome.detail();
  EXPECT_NE(Notes(*handler).find("finger_swap"), std::string::npos) << Notes(*handler);
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-swapped").ok()) << "a refused INSERT stored a person";
}

TEST_F(MosipSlapInsertTest, ASlapMissingAFingerRefusesTheInsertUnlessPartialSlapsAreAccepted) {
  const TestSlap left = Compose(finger::SlapKind::kLeftFour, SyntheticPrints(finger::SlapKind::kLeftFour, 45, 0), {8});
  // With a face (the test engine's): the refusal must not leave it enrolled alone.
  std::vector<std::uint8_t> jpeg = {0xFF, 0xD8};
  const std::vector<std::uint8_t> body = support::RandomSample(45, 1500);
  jpeg.insert(jpeg.end(), body.begin(), body.end());
  jpeg.insert(jpeg.end(), {0xFF, 0xD9});
  const auto birs =
      std::vector<cbeff::TestBir>{{"Face", "", "8", cbeff::EncodeBase64Url(cbeff::BuildFaceRecord(320, 240, jpeg, 0))},
                                  FingerBir(14, left.composed.image)};

  auto strict = Handler();
  MosipOutcome outcome = strict->Insert("ref-missing", Document(birs));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kBiometricQualityCheckFailed);
  EXPECT_NE(outcome.detail().find("finger 8 (left_middle) not found"), std::string::npos) << outcome.detail();
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-missing").ok()) << "the face was enrolled alone";

  auto partial = Handler(/*accept_partial=*/true);
  outcome = partial->Insert("ref-missing", Document(birs));
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  EXPECT_EQ(EnrolledFingers("ref-missing"), (std::multimap<int, int>{{7, 14}, {9, 14}, {10, 14}})) << Notes(*partial);
  EXPECT_NE(Notes(*partial).find("finger 8 (left_middle) not found in the slap"), std::string::npos) << Notes(*partial);
}

// With a slap in the document and partial slaps not accepted, a sample its engine rejects after the
// cut (here a face image too short for the test engine) refuses the whole INSERT: never a person
// with part of the document. Accepting partial slaps, the rest is enrolled and the rejection noted.
TEST_F(MosipSlapInsertTest, ASampleTheEngineRejectsBesideAStrictSlapRefusesTheInsert) {
  const TestSlap right = Compose(finger::SlapKind::kRightFour, SyntheticPrints(finger::SlapKind::kRightFour, 51, 0));
  const std::vector<std::uint8_t> short_jpeg = {0xFF, 0xD8, 0x01, 0x02, 0xFF, 0xD9};
  const auto birs = std::vector<cbeff::TestBir>{
      {"Face", "", "8", cbeff::EncodeBase64Url(cbeff::BuildFaceRecord(320, 240, short_jpeg, 0))},
      FingerBir(13, right.composed.image)};
  auto strict = Handler();
  MosipOutcome outcome = strict->Insert("ref-rejected", Document(birs));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kBiometricQualityCheckFailed);
  EXPECT_NE(outcome.detail().find("partial slaps are not accepted"), std::string::npos) << outcome.detail();
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-rejected").ok()) << "part of the document was enrolled";

  auto partial = Handler(/*accept_partial=*/true);
  outcome = partial->Insert("ref-rejected", Document(birs));
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  EXPECT_EQ(EnrolledFingers("ref-rejected").size(), 4u) << Notes(*partial);
}

TEST_F(MosipSlapInsertTest, ASlapContradictingItsPositionOrNotDecodingRefusesTheInsert) {
  auto handler = Handler(/*accept_partial=*/true);  // refused even when partial slaps are accepted
  const std::vector<finger::GrayImage> single = SyntheticPrints(finger::SlapKind::kRightFour, 47, 0);
  const TestSlap four = Compose(finger::SlapKind::kRightFour, single);
  const cbeff::TestBir good_single = FingerBir(2, single[0]);

  // Four fingers in a record that says both thumbs.
  MosipOutcome outcome = handler->Insert("ref-bad", Document({good_single, FingerBir(15, four.composed.image)}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidCbeffFormat);
  EXPECT_NE(outcome.detail().find("the record says a thumbs slap (FGP 15, 2 fingers) but its image holds 4"),
            std::string::npos)
      << outcome.detail();

  // A right-four record whose CBEFF Subtype names one finger.
  outcome = handler->Insert("ref-bad",
                            Document({good_single, FingerBir(13, four.composed.image, false, "Right IndexFinger")}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidCbeffFormat);
  EXPECT_NE(outcome.detail().find("contradicts the CBEFF Subtype right_index"), std::string::npos) << outcome.detail();

  // Images that do not decode: PNG and JPEG 2000 records of garbage.
  const std::vector<std::uint8_t> garbage = {0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5, 6, 7, 8};
  for (int compression : {6, 5}) {
    const cbeff::TestBir bir = {"Finger", "", "7",
                                cbeff::EncodeBase64Url(cbeff::BuildFingerRecord(13, 1600, 1000, garbage, compression))};
    outcome = handler->Insert("ref-bad", Document({good_single, bir}));
    ASSERT_FALSE(outcome.ok()) << "compression " << compression;
    EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidCbeffFormat) << outcome.detail();
    EXPECT_NE(outcome.detail().find("slap FGP 13"), std::string::npos) << outcome.detail();
  }
  // A record whose stated resolution is implausible (10 ppi: resampled to 500 ppi it would be 50 times
  // larger each way) is refused, never resampled: as a slap and as a single finger beside a slap.
  auto at_ppi = [](const cbeff::TestBir& bir, std::uint16_t ppi) {
    std::vector<std::uint8_t> record = interop::DecodeBase64Any(bir.bdb).value();
    const std::array<std::uint8_t, 8> stated = {0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4, 0x01, 0xF4};  // 4 x 500
    auto found = std::search(record.begin(), record.end(), stated.begin(), stated.end());
    EXPECT_NE(found, record.end());
    for (int i = 0; i < 4 && found != record.end(); ++i) {
      found[2 * i] = static_cast<std::uint8_t>(ppi >> 8);
      found[2 * i + 1] = static_cast<std::uint8_t>(ppi);
    }
    cbeff::TestBir changed = bir;
    changed.bdb = cbeff::EncodeBase64Url(record);
    return changed;
  };
  outcome = handler->Insert("ref-bad", Document({good_single, at_ppi(FingerBir(13, four.composed.image), 10)}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kInvalidCbeffFormat) << outcome.detail();
  EXPECT_NE(outcome.detail().find("ppi, outside 250-2000"), std::string::npos) << outcome.detail();
  EXPECT_FALSE(system_->TEST_store().FindPerson("ref-bad").ok()) << "a refused INSERT stored a person";
  // A single finger stating 10 ppi beside a good slap: never resampled by its stated resolution (the
  // single-finger path reads it as stored, the slap's sequence check leaves it out as a reference);
  // the INSERT goes through with it and the slap's four fingers.
  outcome = handler->Insert("ref-low-ppi", Document({at_ppi(good_single, 10), FingerBir(13, four.composed.image)}));
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  auto person = system_->TEST_store().FindPerson("ref-low-ppi");
  ASSERT_TRUE(person.ok());
  EXPECT_EQ(system_->TEST_store().ListActiveTemplates(person->id)->size(), 5u);
}

// 4-4-2 composed from FVC2002 DB3_B prints of ten subjects: ten fingers at the positions where
// their prints were placed.
TEST_F(MosipSlapInsertTest, InsertOfAFourFourTwoComposedFromFvcPrintsEnrolsTenFingers) {
  const std::filesystem::path fvc = SharedDataDir() / "fingerprint" / "fvc2002" / "DB3_B";
  if (!std::filesystem::exists(fvc)) GTEST_SKIP() << "shared data absent: " << fvc << " (set ABIS_DATA)";
  auto handler = Handler();
  std::vector<cbeff::TestBir> birs;
  std::vector<TestSlap> slaps;
  int subject = 101;
  for (finger::SlapKind kind :
       {finger::SlapKind::kRightFour, finger::SlapKind::kLeftFour, finger::SlapKind::kBothThumbs}) {
    std::vector<finger::GrayImage> prints;
    for (std::size_t i = 0; i < finger::SlapPositions(kind).size(); ++i) {
      auto print = finger::ReadFingerprintImage((fvc / (std::to_string(subject++) + "_1.tif")).string());
      ASSERT_TRUE(print.ok()) << print.status().ToString();
      prints.push_back(*print);
    }
    slaps.push_back(Compose(kind, prints));
    birs.push_back(FingerBir(slaps.back().fgp, slaps.back().composed.image));
  }
  MosipOutcome outcome = handler->Insert("ref-fvc", Document(birs));
  ASSERT_TRUE(outcome.ok()) << outcome.detail() << "\n" << Notes(*handler);
  EXPECT_EQ(EnrolledFingers("ref-fvc"), Expected442()) << Notes(*handler);
  // Each finger was cut where its print was placed: the kept box's centre within a quarter of the
  // true box's height of the truth.
  auto person = system_->TEST_store().FindPerson("ref-fvc");
  ASSERT_TRUE(person.ok());
  auto samples = system_->TEST_store().ListSamples(person->id);
  ASSERT_TRUE(samples.ok());
  for (const auto& sample : *samples) {
    const nlohmann::json& kept = sample.options["slap"];
    for (const TestSlap& slap : slaps) {
      if (slap.fgp != kept["position"].get<int>()) continue;
      for (const auto& truth : slap.composed.fingers) {
        if (truth.position != static_cast<int>(sample.position)) continue;
        EXPECT_LT(std::hypot(kept["box"][0].get<double>() - truth.box.centre_x,
                             kept["box"][1].get<double>() - truth.box.centre_y),
                  truth.box.height / 4)
            << "finger " << truth.position << ": " << kept.dump();
      }
    }
  }
}

}  // namespace
}  // namespace abis::mosip
