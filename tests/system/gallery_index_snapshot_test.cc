// Gallery index snapshots through the cache: a new process's first search loads the snapshot and
// decrypts only what changed since; a tampered, foreign or pre-erasure snapshot is deleted and
// the index rebuilt from the store; erasing operations delete the snapshots, and a save racing
// an erasure cannot publish an index older than it.
#include "abis/system/gallery_index_snapshot.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "../support/store_enrolment.h"
#include "../support/test_engine.h"
#include "abis/access/users.h"
#include "abis/system/gallery_index_cache.h"

namespace abis {
namespace {

using testing::RandomSample;
using testing::TempDir;
using testing::TestEngine;

class GalleryIndexSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(Store::Create(dir_.path() / "s")).value();
    operator_id_ = AddUser(*store_, "clerk", Role::kEnroller)->id;
    Gallery gallery;
    gallery.name = "g";
    gallery_id_ = *store_->CreateGallery(gallery);
  }

  std::int64_t Enrol(const std::string& external_id, std::uint32_t seed) {
    return testing::EnrolStoredFace(*store_, engine_, operator_id_, gallery_id_, external_id, seed);
  }

  // A process's cache with snapshots on, as AbisSystem::Open makes it.
  std::unique_ptr<GalleryIndexCache> NewCache() {
    auto cache = std::make_unique<GalleryIndexCache>();
    cache->EnableSnapshots(store_->layout().snapshot_dir, store_->IndexSnapshotKey());
    return cache;
  }

  // The ids of the index the cache gives for the current store, best first for `probe_seed`.
  std::vector<std::int64_t> Search(GalleryIndexCache& cache, std::uint32_t probe_seed) {
    std::vector<std::int64_t> ids;
    Status status = store_->ReadTransaction([&]() -> Status {
      ABIS_ASSIGN_OR_RETURN(std::int64_t generation, store_->GalleryGeneration());
      ABIS_ASSIGN_OR_RETURN(GalleryIndexView view, cache.Acquire(*store_, engine_, Key(), generation));
      SampleInput probe;
      probe.bytes = RandomSample(probe_seed);
      ABIS_ASSIGN_OR_RETURN(BiometricTemplate probe_template, engine_.Extract(probe));
      ABIS_ASSIGN_OR_RETURN(auto candidates, view.index().Search(probe_template, 100));
      for (const Candidate& candidate : candidates) ids.push_back(view.PersonOfTemplate(candidate.reference_id));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return ids;
  }

  GalleryIndexKey Key() const { return {gallery_id_, Modality::kFace, FingerPosition::kUnknown, engine_.algorithm()}; }
  std::filesystem::path SnapshotFile() const {
    return GalleryIndexSnapshots(store_->layout().snapshot_dir, store_->IndexSnapshotKey()).FileOf(Key());
  }
  std::int64_t Generation() { return *store_->GalleryGeneration(); }

  static constexpr SnapshotSavePolicy kAlways{1, 0.0};
  TempDir dir_;
  TestEngine engine_;
  std::unique_ptr<Store> store_;
  std::int64_t operator_id_ = 0;
  std::int64_t gallery_id_ = 0;
};

TEST_F(GalleryIndexSnapshotTest, ANewProcessLoadsTheSnapshotAndDecryptsOnlyWhatChanged) {
  const std::int64_t a = Enrol("a", 1);
  Enrol("b", 2);
  Enrol("c", 3);
  auto first = NewCache();
  const auto expected = Search(*first, 2);
  ASSERT_EQ(expected.size(), 3u);
  const SnapshotSaveReport saved = first->SaveSnapshots(kAlways);
  EXPECT_EQ(saved.written, 1) << (saved.errors.empty() ? "" : saved.errors.front());
  EXPECT_GT(saved.bytes, 0u);
  EXPECT_TRUE(std::filesystem::exists(SnapshotFile()));
  EXPECT_EQ(first->SaveSnapshots(kAlways).unchanged, 1) << "nothing changed since";

  auto second = NewCache();
  EXPECT_EQ(Search(*second, 2), expected);
  EXPECT_EQ(second->stats().snapshots_loaded, 1);
  EXPECT_EQ(second->stats().templates_decrypted, 0) << "every template came from the snapshot";

  // Changes since the snapshot are found through the store's listing: one more, one moved out.
  const std::int64_t d = Enrol("d", 4);
  ASSERT_TRUE(store_->RemoveGalleryMember(gallery_id_, a).ok());
  auto third = NewCache();
  const auto now = Search(*third, 4);
  EXPECT_EQ(third->stats().snapshots_loaded, 1);
  EXPECT_EQ(third->stats().templates_decrypted, 1) << "only d";
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now.front(), d);
  EXPECT_EQ(std::count(now.begin(), now.end(), a), 0);
}

TEST_F(GalleryIndexSnapshotTest, ATamperedSnapshotIsDeletedAndTheIndexRebuiltFromTheStore) {
  Enrol("a", 1);
  Enrol("b", 2);
  auto first = NewCache();
  const auto expected = Search(*first, 1);
  ASSERT_EQ(first->SaveSnapshots(kAlways).written, 1);
  {
    std::fstream file(SnapshotFile(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(60);
    const int old = file.get();
    file.seekp(60);
    file.put(static_cast<char>(old ^ 0x5a));  // always a change
  }
  auto second = NewCache();
  EXPECT_EQ(Search(*second, 1), expected);
  EXPECT_EQ(second->stats().snapshots_discarded, 1);
  EXPECT_EQ(second->stats().snapshots_loaded, 0);
  EXPECT_EQ(second->stats().templates_decrypted, 2);
  EXPECT_FALSE(std::filesystem::exists(SnapshotFile()));
  const auto warnings = second->TakeSnapshotWarnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings.front().find("fails authentication"), std::string::npos) << warnings.front();
}

TEST_F(GalleryIndexSnapshotTest, ASnapshotOfAnotherStoreKeyOrGalleryIsNeverLoaded) {
  Enrol("a", 1);
  auto first = NewCache();
  Search(*first, 1);
  ASSERT_EQ(first->SaveSnapshots(kAlways).written, 1);
  // Copied under the name of another gallery's index: bound to its own, it fails authentication.
  GalleryIndexKey other = Key();
  other.gallery_id = gallery_id_ + 1;
  const GalleryIndexSnapshots snapshots(store_->layout().snapshot_dir, store_->IndexSnapshotKey());
  std::filesystem::copy_file(SnapshotFile(), snapshots.FileOf(other));
  auto gallery = engine_.NewGallery();
  EXPECT_EQ(snapshots.Read(other, *gallery).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(snapshots.FileOf(other)));
  // Another store's key.
  std::array<std::uint8_t, MasterKey::kSize> bytes{};
  const GalleryIndexSnapshots foreign(store_->layout().snapshot_dir,
                                      DeriveKey(MasterKey::FromBytes(bytes), "abisgidx", 1));
  gallery = engine_.NewGallery();
  EXPECT_EQ(foreign.Read(Key(), *gallery).status().code(), StatusCode::kDataLoss);
}

TEST_F(GalleryIndexSnapshotTest, AnErasureDeletesSnapshotsAndKeepsOlderIndexesFromComingBack) {
  const std::int64_t a = Enrol("a", 1);
  Enrol("b", 2);
  auto cache = NewCache();
  Search(*cache, 1);
  const std::int64_t indexed_generation = Generation();
  ASSERT_EQ(cache->SaveSnapshots(kAlways).written, 1);

  // The erasure, as AbisSystem runs it: snapshots erased before and after the commit.
  auto marker = cache->BeginSnapshotErasure(Generation() + 1);
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(SnapshotFile()));
  // While it runs, nothing is published or loaded, whatever its generation.
  SnapshotSaveReport during = cache->SaveSnapshots(kAlways);
  EXPECT_EQ(during.written, 0);
  EXPECT_EQ(during.errors.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(SnapshotFile()));
  // ... even an index as new as the erasure's floor (the marker stops it).
  GalleryIndexSnapshotContent current;
  current.generation = Generation() + 1;
  auto empty = engine_.NewGallery();
  const GalleryIndexSnapshots files(store_->layout().snapshot_dir, store_->IndexSnapshotKey());
  const Status blocked = files.Write(Key(), current, *empty).status();
  EXPECT_EQ(blocked.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(blocked.message().find("erasure is in progress"), std::string::npos) << blocked.message();
  ASSERT_TRUE(store_->DeletePerson(a).ok());
  ASSERT_TRUE(cache->EndSnapshotErasure(*marker, Generation()).ok());
  EXPECT_FALSE(std::filesystem::exists(SnapshotFile()));

  // The cached index still predates the erasure: saving it now is refused.
  SnapshotSaveReport refused = cache->SaveSnapshots(kAlways);
  EXPECT_EQ(refused.written, 0);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_NE(refused.errors.front().find("predates an erasure"), std::string::npos) << refused.errors.front();
  EXPECT_FALSE(std::filesystem::exists(SnapshotFile()));

  // A snapshot written before the erasure and put back (a backup, a racing writer) is refused.
  GalleryIndexSnapshotContent old;
  old.generation = indexed_generation;
  auto gallery = engine_.NewGallery();
  const GalleryIndexSnapshots snapshots(store_->layout().snapshot_dir, store_->IndexSnapshotKey());
  EXPECT_EQ(snapshots.Write(Key(), old, *gallery).status().code(), StatusCode::kFailedPrecondition);

  // Once the index follows the erasure, it is written again, without the erased person.
  const auto ids = Search(*cache, 2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), a), 0);
  EXPECT_EQ(cache->SaveSnapshots(kAlways).written, 1);
  auto next = NewCache();
  EXPECT_EQ(Search(*next, 2), ids);
  EXPECT_EQ(next->stats().snapshots_loaded, 1);
}

TEST_F(GalleryIndexSnapshotTest, AnErasureLeftUnfinishedByADeadProcessDeletesEverySnapshot) {
  Enrol("a", 1);
  auto cache = NewCache();
  Search(*cache, 1);
  ASSERT_EQ(cache->SaveSnapshots(kAlways).written, 1);
  // The marker of a process that died mid-erasure (pid 2^22 + 7 is above Linux's pid_max default
  // of 2^22 and cannot be alive).
  const auto dir = store_->layout().snapshot_dir;
  std::ofstream(dir / ".erasing-4194311-deadbeef").put('x');
  auto next = NewCache();
  Search(*next, 1);
  EXPECT_EQ(next->stats().snapshots_loaded, 0) << "the dead erasure's snapshots were deleted, not loaded";
  EXPECT_FALSE(std::filesystem::exists(dir / ".erasing-4194311-deadbeef"));
  EXPECT_EQ(next->SaveSnapshots(kAlways).written, 1) << "and the cleared marker no longer blocks";
}

TEST_F(GalleryIndexSnapshotTest, AnUnreadableErasureFloorRefusesSnapshotsInsteadOfIgnoringIt) {
  Enrol("a", 1);
  auto cache = NewCache();
  Search(*cache, 1);
  const auto dir = store_->layout().snapshot_dir;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "erasure-floor") << "not a number\n";
  SnapshotSaveReport report = cache->SaveSnapshots(kAlways);
  EXPECT_EQ(report.written, 0);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors.front().find("malformed"), std::string::npos) << report.errors.front();
}

}  // namespace
}  // namespace abis
