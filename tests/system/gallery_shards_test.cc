// One grid matcher's part of the gallery indexes (GalleryShards) with a real finger engine: a
// matcher holding no template of a finger index still answers the pre-selection (an empty list,
// nothing to fill with) instead of failing the search; one holding a person answers with it.
#include "abis/system/gallery_shards.h"

#include <gtest/gtest.h>

#include <set>

#include "../support/test_engine.h"
#include "abis/access/users.h"
#include "abis/finger/finger_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis {
namespace {

constexpr int kVirtualShards = 64;

class GalleryShardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(Store::Create(dir_.path() / "s")).value();
    const std::int64_t operator_id = AddUser(*store_, "clerk", Role::kEnroller)->id;
    Gallery gallery;
    gallery.name = "g";
    gallery_id_ = *store_->CreateGallery(gallery);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      Person person;
      person.external_id = "P-" + std::to_string(seed);
      person.legal_basis = "Test Act";
      person.retention_until = "2099-01-01";
      ASSERT_TRUE(store_->AddPerson(person).ok());
      Encounter encounter;
      encounter.person_id = person.id;
      encounter.operator_id = operator_id;
      const std::int64_t encounter_id = *store_->AddEncounter(encounter);
      const std::vector<std::uint8_t> record = Record(seed, 0);
      const std::int64_t sample_id = *store_->AddSample(encounter_id, person.id, Modality::kFinger, "iso19794-2",
                                                        FingerPosition::kRightIndex, record);
      ASSERT_TRUE(store_->AddTemplate(sample_id, person.id, Template(record)).ok());
      ASSERT_TRUE(store_->AddGalleryMember(gallery_id_, person.id).ok());
      persons_.push_back(person.id);
    }
  }

  static std::vector<std::uint8_t> Record(std::uint32_t finger, std::uint64_t impression) {
    const finger::MinutiaeTemplate minutiae =
        impression == 0 ? finger::SyntheticFinger(finger)
                        : finger::SyntheticImpression(finger::SyntheticFinger(finger), impression,
                                                      finger::TypicalImpressionOptions(impression));
    return finger::WriteMinutiaeRecord(
               finger::SingleViewRecord(minutiae, finger::MinutiaeRecordFormat::kIso19794_2_2005))
        .value();
  }
  BiometricTemplate Template(const std::vector<std::uint8_t>& record) const {
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = record;
    sample.format_hint = "iso19794-2";
    sample.position = FingerPosition::kRightIndex;
    auto extracted = engine_->Extract(sample);
    EXPECT_TRUE(extracted.ok()) << extracted.status().ToString();
    return extracted.ok() ? *extracted : BiometricTemplate{};
  }
  std::unique_ptr<GalleryShards> Open(std::vector<int> held) {
    auto shards = GalleryShards::Open(
        dir_.path() / "s", [this](Modality) -> Result<const ModalityEngine*> { return engine_.get(); }, std::move(held),
        kVirtualShards);
    EXPECT_TRUE(shards.ok()) << shards.status().ToString();
    return shards.ok() ? std::move(*shards) : nullptr;
  }
  GalleryIndexKey Key() const {
    return {gallery_id_, Modality::kFinger, FingerPosition::kRightIndex, engine_->algorithm()};
  }

  testing::TempDir dir_;
  std::unique_ptr<ModalityEngine> engine_ = finger::MakeFingerEngine();
  std::unique_ptr<Store> store_;
  std::int64_t gallery_id_ = 0;
  std::vector<std::int64_t> persons_;
};

TEST_F(GalleryShardsTest, AMatcherHoldingNoTemplateOfTheIndexAnswersThePreselectionEmpty) {
  std::set<int> used;
  for (const std::int64_t person : persons_) used.insert(VirtualShardOfPerson(person, kVirtualShards));
  int empty_shard = 0;
  while (used.contains(empty_shard)) ++empty_shard;
  const std::int64_t generation = *store_->GalleryGeneration();
  const BiometricTemplate probe = Template(Record(1, 5));

  auto none = Open({empty_shard});
  ASSERT_NE(none, nullptr);
  ASSERT_TRUE(none->Refresh(Key(), generation).ok());
  auto answer = none->Preselect(Key(), generation, probe, persons_.size(), 5);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_TRUE(answer->has_value()) << "the finger gallery pre-selects";
  EXPECT_TRUE((*answer)->indexed.empty());
  EXPECT_TRUE((*answer)->fill.empty());

  auto first = Open({VirtualShardOfPerson(persons_[0], kVirtualShards)});
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Refresh(Key(), generation).ok());
  answer = first->Preselect(Key(), generation, probe, persons_.size(), 5);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_TRUE(answer->has_value());
  EXPECT_FALSE((*answer)->indexed.empty() && (*answer)->fill.empty()) << "it holds person 1's template";
}

}  // namespace
}  // namespace abis
