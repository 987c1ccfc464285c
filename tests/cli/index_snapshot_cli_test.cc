// Gallery index snapshots through the CLI: a search leaves a sealed snapshot in the store's
// index-snapshots folder; a tampered one is discarded (audited as index_snapshot.discarded) and
// the search still answers as before; deleting a person erases every snapshot.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis {
namespace {

using testing::CliRun;
using testing::RunCli;

class IndexSnapshotCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_ = init.LastLine().substr(9);
    ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_).exit_code, 0);
    CliRun user = Run({"user", "add", "--name", "eve", "--role", "enroller"}, admin_);
    ASSERT_EQ(user.exit_code, 0) << user.err;
    key_ = user.LastLine().substr(9);
    std::ofstream manifest(dir_.path() / "m.csv");
    manifest << "person,category,legal_basis,retention_until,modality,position,file\n";
    for (int i = 1; i <= 6; ++i) {
      manifest << "P-" << i << ",citizen,Register Act,2099-01-01,finger,right_index," << Record(i) << "\n";
    }
    manifest.close();
    CliRun imported = Run({"import", "batch", "--manifest", (dir_.path() / "m.csv").string(), "--gallery", "register",
                           "--purpose", "deduplication", "--case", "SNAP-1", "--json", "--no-index-refresh"},
                          key_);
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  std::string Record(std::uint32_t seed) {
    auto bytes = finger::WriteMinutiaeRecord(
        finger::SingleViewRecord(finger::SyntheticFinger(seed), finger::MinutiaeRecordFormat::kIso19794_2_2005));
    EXPECT_TRUE(bytes.ok());
    const std::string name = (dir_.path() / ("f" + std::to_string(seed) + ".iso")).string();
    std::ofstream(name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    return name;
  }

  // The candidates' external ids of a search with stored person `probe`.
  std::vector<std::string> Search(const std::string& probe) {
    CliRun search = Run({"search", "--person", probe, "--gallery", "register", "--purpose", "deduplication", "--case",
                         "SNAP-1", "--json"},
                        key_);
    EXPECT_EQ(search.exit_code, 0) << search.err;
    auto found = nlohmann::json::parse(search.LastLine(), nullptr, false);
    std::vector<std::string> ids;
    if (found.is_discarded()) return ids;
    for (const auto& candidate : found["candidates"]) ids.push_back(candidate["external_id"]);
    return ids;
  }

  std::vector<std::filesystem::path> Snapshots() const {
    std::vector<std::filesystem::path> files;
    const auto folder = std::filesystem::path(store_) / "index-snapshots";
    if (!std::filesystem::exists(folder)) return files;
    for (const auto& item : std::filesystem::directory_iterator(folder)) {
      if (item.path().extension() == ".snap") files.push_back(item.path());
    }
    return files;
  }

  // Changes one byte of `file` (flipping bits, so that it always differs from what was there).
  static void FlipByte(const std::filesystem::path& file, std::streamoff at) {
    std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekg(at);
    const int old = bytes.get();
    ASSERT_NE(old, EOF) << file << " has no byte " << at;
    bytes.seekp(at);
    bytes.put(static_cast<char>(old ^ 0x42));
    ASSERT_TRUE(bytes.good());
  }

  int AuditEntries(const std::string& action) {
    CliRun exported = Run({"audit", "export", "--action", action}, admin_);
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    return static_cast<int>(std::count(exported.out.begin(), exported.out.end(), '\n'));
  }

  testing::TempDir dir_;
  std::string store_;
  std::string admin_;
  std::string key_;
};

TEST_F(IndexSnapshotCliTest, ASearchLeavesASnapshotATamperedOneIsDiscardedAndDeletionErasesThem) {
  EXPECT_TRUE(Snapshots().empty());
  const auto first = Search("P-3");
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(Snapshots().size(), 1u) << "the search wrote its index's snapshot";
  EXPECT_EQ(Search("P-3"), first) << "answered from the snapshot";
  EXPECT_EQ(AuditEntries("index_snapshot.discarded"), 0);

  FlipByte(Snapshots().front(), 100);
  EXPECT_EQ(Search("P-3"), first) << "rebuilt from the store";
  EXPECT_EQ(AuditEntries("index_snapshot.discarded"), 1);
  ASSERT_EQ(Snapshots().size(), 1u) << "written again after the rebuild";

  ASSERT_EQ(Run({"person", "delete", "--id", "P-5", "--reason", "court order"}, admin_).exit_code, 0);
  EXPECT_TRUE(Snapshots().empty()) << "an erasure deletes every snapshot";
  const auto after = Search("P-3");
  EXPECT_EQ(std::count(after.begin(), after.end(), "P-5"), 0);
  EXPECT_EQ(Snapshots().size(), 1u);
}

// The CLI search leaves a finger index's cylinders in the snapshot and reads only its shortlist's:
// a page of them damaged after the snapshot was written is found by the search that reads it,
// which drops the index and its snapshot, audits that, and answers from the store.
TEST_F(IndexSnapshotCliTest, ADamagedPageOnlyASearchReadsIsFoundByThatSearchWhichAnswersFromTheStore) {
  const auto first = Search("P-3");
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(Snapshots().size(), 1u);
  const auto file = Snapshots().front();
  // Sealed pages of 16 KiB (+16 bytes of tag) after a 36-byte header. The state holds the template
  // list, then the finger gallery's ids, signatures (512 bytes each) and ranges (about 4 KiB for
  // six templates), then its cylinder cells (160 bytes each, about 40 per template): page 1 lies
  // wholly in the cells.
  constexpr std::uintmax_t kSealedPage = 16 * 1024 + 16;
  ASSERT_GT(std::filesystem::file_size(file), 36 + 3 * kSealedPage) << "a state of several pages";
  FlipByte(file, static_cast<std::streamoff>(36 + kSealedPage + 200));
  EXPECT_EQ(Search("P-3"), first) << "answered from the store";
  CliRun audit = Run({"audit", "export", "--action", "index_snapshot.discarded"}, admin_);
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_NE(audit.out.find("finger gallery"), std::string::npos)
      << "found by the search reading the page, not when loading: " << audit.out;
  ASSERT_EQ(Snapshots().size(), 1u) << "written again after the rebuild";
  EXPECT_EQ(Search("P-3"), first);
  EXPECT_EQ(AuditEntries("index_snapshot.discarded"), 1);
}

TEST_F(IndexSnapshotCliTest, ABatchImportLeavesTheGalleryIndexAndItsSnapshotForTheFirstSearch) {
  EXPECT_TRUE(Snapshots().empty()) << "the set-up import ran with --no-index-refresh";
  // A search leaves a snapshot; damaged, it is refused by the import's refresh, which audits that.
  ASSERT_FALSE(Search("P-3").empty());
  ASSERT_EQ(Snapshots().size(), 1u);
  FlipByte(Snapshots().front(), 100);
  std::ofstream manifest(dir_.path() / "more.csv");
  manifest << "person,category,legal_basis,retention_until,modality,position,file\n";
  for (int i = 7; i <= 9; ++i) {
    manifest << "P-" << i << ",citizen,Register Act,2099-01-01,finger,right_index," << Record(i) << "\n";
  }
  manifest.close();
  CliRun imported = Run({"import", "batch", "--manifest", (dir_.path() / "more.csv").string(), "--gallery", "register",
                         "--purpose", "deduplication", "--case", "SNAP-1", "--json"},
                        key_);
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  const auto report = nlohmann::json::parse(imported.LastLine(), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << imported.out;
  EXPECT_EQ(report.value("indexed_templates", 0), 9) << "the whole gallery, not only this import";
  EXPECT_FALSE(report.contains("index_warnings")) << report.dump();
  ASSERT_EQ(Snapshots().size(), 1u) << "the import wrote the index's snapshot";
  EXPECT_EQ(AuditEntries("index_snapshot.discarded"), 1) << "the damaged snapshot's refusal is audited";
  const auto written = std::filesystem::last_write_time(Snapshots().front());
  const auto found = Search("P-8");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(std::count(found.begin(), found.end(), "P-8"), 0) << "the probe person is never a candidate";
  EXPECT_EQ(std::filesystem::last_write_time(Snapshots().front()), written)
      << "the search loaded the snapshot as it was: nothing had changed since the import";
}

}  // namespace
}  // namespace abis
