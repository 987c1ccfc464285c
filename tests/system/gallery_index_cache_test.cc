#include "abis/system/gallery_index_cache.h"

#include <gtest/gtest.h>

#include "../support/sqlite_access.h"
#include "../support/store_enrolment.h"
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
    operator_id_ = AddUser(*writer_, "clerk", Role::kEnroller)->id;
    Gallery gallery;
    gallery.name = "g";
    gallery_id_ = *writer_->CreateGallery(gallery);
  }

  std::int64_t Enrol(const std::string& external_id, std::uint32_t seed) {
    return testing::EnrolStoredFace(*writer_, engine_, operator_id_, gallery_id_, external_id, seed);
  }

  // Size of the index `store` sees in a snapshot, through the shared cache.
  std::size_t IndexSize(Store& store) {
    std::size_t size = 0;
    Status status = store.ReadTransaction([&]() -> Status {
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
  Status status = reader_->ReadTransaction([&]() -> Status {
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
  Status status = reader_->ReadTransaction([&]() -> Status {
    return cache_.Acquire(*reader_, engine_, key, *reader_->GalleryGeneration()).status();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST_F(GalleryIndexCacheTest, ATamperedTemplateIsQuarantinedAndTheSearchGoesOn) {
  Enrol("a", 1);
  Enrol("b", 2);
  std::int64_t c = Enrol("c", 3);
  auto templates = writer_->ListTemplates(c);
  ASSERT_TRUE(templates.ok());
  ASSERT_EQ(templates->size(), 1u);
  const std::int64_t tampered = templates->front().id;
  // One flipped bit in the middle of the ciphertext, as someone with write access to the file would.
  auto read = RawDatabase(*writer_).Prepare("SELECT sealed FROM templates WHERE id = ?");
  read->Bind(1, tampered);
  ASSERT_TRUE(*read->Step());
  std::vector<std::uint8_t> sealed = read->ColumnBlob(0);
  sealed[sealed.size() / 2] ^= 1;
  auto write = RawDatabase(*writer_).Prepare("UPDATE templates SET sealed = ? WHERE id = ?");
  write->BindBlob(1, sealed).Bind(2, tampered);
  ASSERT_TRUE(write->Run().ok());
  ASSERT_EQ(writer_->LoadTemplate(tampered).status().code(), StatusCode::kDataLoss);

  SampleInput probe;
  probe.bytes = RandomSample(2);
  auto probe_template = engine_.Extract(probe);
  ASSERT_TRUE(probe_template.ok());
  for (int search = 0; search < 2; ++search) {
    std::vector<std::int64_t> found_persons;
    std::vector<QuarantinedTemplate> quarantined;
    Status status = reader_->ReadTransaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(std::int64_t generation, reader_->GalleryGeneration());
      ABIS_ASSIGN_OR_RETURN(GalleryIndexView view, cache_.Acquire(*reader_, engine_, Key(), generation));
      ABIS_ASSIGN_OR_RETURN(auto candidates, view.index().Search(*probe_template, 10));
      for (const Candidate& candidate : candidates) found_persons.push_back(view.PersonOfTemplate(candidate.reference_id));
      quarantined = view.quarantined_templates();
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(found_persons.size(), 2u) << "a and b are still searched";
    ASSERT_EQ(quarantined.size(), 1u);
    EXPECT_EQ(quarantined[0].template_id, tampered);
    EXPECT_EQ(quarantined[0].person_id, c);
    EXPECT_EQ(quarantined[0].gallery_id, gallery_id_);
    EXPECT_NE(quarantined[0].reason.find("data_loss"), std::string::npos) << quarantined[0].reason;
  }
  EXPECT_EQ(cache_.stats().templates_quarantined, 1);
  std::vector<QuarantinedTemplate> reported = cache_.TakeNewlyQuarantined();
  ASSERT_EQ(reported.size(), 1u) << "reported once, not once per search";
  EXPECT_EQ(reported[0].template_id, tampered);
  EXPECT_TRUE(cache_.TakeNewlyQuarantined().empty());

  // Once the row is gone (erased, or re-enrolled), the quarantine forgets it.
  ASSERT_TRUE(writer_->DeletePerson(c).ok());
  Status status = reader_->ReadTransaction([&]() -> Status {
    ABIS_ASSIGN_OR_RETURN(GalleryIndexView view, cache_.Acquire(*reader_, engine_, Key(), *reader_->GalleryGeneration()));
    EXPECT_TRUE(view.quarantined_templates().empty());
    EXPECT_EQ(view.index().size(), 2u);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
}

}  // namespace
}  // namespace abis
