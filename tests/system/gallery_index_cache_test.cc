#include "abis/system/gallery_index_cache.h"

#include <gtest/gtest.h>

#include "../support/test_engine.h"
#include "abis/access/users.h"

namespace abis {
namespace {

using testing::RandomSample;
using testing::TempDir;
using testing::TestEngine;

// Two connections to one store and one shared cache, as the service's workers have.
class GalleryIndexCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = std::move(Store::Create(dir_.path() / "s")).value();
    reader_ = std::move(Store::Open(dir_.path() / "s")).value();
    operator_id_ = AddUser(writer_->db(), "clerk", Role::kEnroller)->id;
    Gallery gallery;
    gallery.name = "g";
    gallery_id_ = *writer_->CreateGallery(gallery);
  }

  std::int64_t Enrol(const std::string& external_id, std::uint32_t seed) {
    Person person;
    person.external_id = external_id;
    person.legal_basis = "Test Act";
    person.retention_until = "2099-01-01";
    EXPECT_TRUE(writer_->AddPerson(person).ok());
    Encounter encounter;
    encounter.person_id = person.id;
    encounter.operator_id = operator_id_;
    std::int64_t encounter_id = *writer_->AddEncounter(encounter);
    SampleInput sample;
    sample.bytes = RandomSample(seed);
    std::int64_t sample_id =
        *writer_->AddSample(encounter_id, person.id, Modality::kFace, "raw", FingerPosition::kUnknown, sample.bytes);
    EXPECT_TRUE(writer_->AddTemplate(sample_id, person.id, *engine_.Extract(sample)).ok());
    EXPECT_TRUE(writer_->AddGalleryMember(gallery_id_, person.id).ok());
    return person.id;
  }

  // Size of the index `store` sees in a snapshot, through the shared cache.
  std::size_t IndexSize(Store& store) {
    std::size_t size = 0;
    Status status = store.db().ReadTransaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(std::int64_t generation, store.GalleryGeneration());
      ABIS_ASSIGN_OR_RETURN(GalleryIndexView view, cache_.Acquire(store, engine_, Key(), generation));
      size = view.index().size();
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return size;
  }

  GalleryIndexKey Key() const { return {gallery_id_, Modality::kFace, FingerPosition::kUnknown, engine_.algorithm()}; }

  TempDir dir_;
  TestEngine engine_;
  std::unique_ptr<Store> writer_;
  std::unique_ptr<Store> reader_;
  std::int64_t operator_id_ = 0;
  std::int64_t gallery_id_ = 0;
  GalleryIndexCache cache_;
};

TEST_F(GalleryIndexCacheTest, FollowsEnrolmentsAndDeletionsDecryptingOnlyWhatIsNew) {
  Enrol("a", 1);
  std::int64_t b = Enrol("b", 2);
  EXPECT_EQ(IndexSize(*reader_), 2u);
  EXPECT_EQ(IndexSize(*reader_), 2u);
  Enrol("c", 3);
  EXPECT_EQ(IndexSize(*reader_), 3u);
  ASSERT_TRUE(writer_->DeletePerson(b).ok());
  EXPECT_EQ(IndexSize(*reader_), 2u);
  GalleryIndexCacheStats stats = cache_.stats();
  EXPECT_EQ(stats.templates_decrypted, 3) << "a and b once, then c; the deletion decrypts nothing";
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.refreshes, 3);
}

TEST_F(GalleryIndexCacheTest, ASearchWhoseSnapshotIsOlderThanTheCacheSeesItsOwnSnapshot) {
  Enrol("a", 1);
  std::size_t seen_in_old_snapshot = 0;
  Status status = reader_->db().ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(std::int64_t generation, reader_->GalleryGeneration());
    // Meanwhile another connection enrols and brings the shared index to the newer state.
    Enrol("b", 2);
    EXPECT_EQ(IndexSize(*writer_), 2u);
    ABIS_ASSIGN_OR_RETURN(GalleryIndexView view, cache_.Acquire(*reader_, engine_, Key(), generation));
    seen_in_old_snapshot = view.index().size();
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(seen_in_old_snapshot, 1u);
  EXPECT_EQ(cache_.stats().private_builds, 1);
  EXPECT_EQ(IndexSize(*reader_), 2u) << "a new snapshot uses the shared index again";
}

TEST_F(GalleryIndexCacheTest, AKeyForAnotherAlgorithmIsRefused) {
  GalleryIndexKey key = Key();
  key.algorithm = "other/1";
  Status status = reader_->db().ReadTransaction([&]() -> Status {
    return cache_.Acquire(*reader_, engine_, key, *reader_->GalleryGeneration()).status();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace abis
