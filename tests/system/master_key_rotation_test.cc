// Master key rotation (AbisSystem::RotateMasterKey, `abis store rotate-key`) on both back ends:
// every record still opens and searches answer the same afterwards, the old key opens nothing,
// the audit chain verifies with the rotation's entry, an interruption between the commit and the
// rename is finished at the next open, and a damaged row stops the rotation with nothing changed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/postgres_server.h"
#include "../support/scoped_env.h"
#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/store/key_rotation.h"
#include "abis/system/abis_system.h"
#include "pg/pg_store.h"

namespace abis {
namespace {

using testing::RandomSample;

using testing::ScopedEnv;

std::string FileBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

enum class Backend { kSqlite, kPostgres };

class MasterKeyRotationTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      std::string why;
      testing::PostgresServer* server = testing::PostgresServer::Get(&why);
      if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
      location_ = server->NewDatabase(&why);
      ASSERT_FALSE(location_.empty()) << why;
      local_dir_.emplace("ABIS_LOCAL_DIR", (dir_.path() / "local").string());
    } else {
      location_ = (dir_.path() / "store").string();
    }
  }

  // Creates the store with its users and a gallery of `persons` enrolled persons, and runs one
  // search (which keeps its probe sealed).
  void Populate(int persons) {
    {
      auto store = Store::Create(location_);
      ASSERT_TRUE(store.ok()) << store.status().ToString();
    }
    OpenSystem();
    admin_ = MakeOperator("root", Role::kAdmin);
    enroller_ = MakeOperator("eve", Role::kEnroller);
    investigator_ = MakeOperator("ian", Role::kInvestigator);
    Gallery gallery;
    gallery.name = "register";
    ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
    for (int i = 0; i < persons; ++i) {
      Person person;
      person.external_id = "p" + std::to_string(i);
      person.legal_basis = "Register Act s.4";
      person.retention_until = "2099-01-01";
      ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
      EnrolRequest request;
      request.person = person.external_id;
      request.sample.bytes = RandomSample(static_cast<std::uint32_t>(100 + i), 256);
      request.galleries = {"register"};
      auto enrolled = system_->Enrol(enroller_, request);
      ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    }
    before_ = SearchAnswer();
    ASSERT_FALSE(before_.empty());
  }

  void OpenSystem() {
    system_.reset();
    auto system = AbisSystem::Open(location_, [this](Modality) -> Result<const ModalityEngine*> {
      return static_cast<const ModalityEngine*>(&engine_);
    });
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
  }

  Operator MakeOperator(const std::string& name, Role role) {
    User user = *AddUser(system_->TEST_store(), name, role);
    return Operator{user.id, name, role};
  }

  // The candidates of one search, as (external id, fused score) pairs in rank order.
  std::vector<std::pair<std::string, double>> SearchAnswer() {
    SearchRequest request;
    request.purpose = Purpose::kCriminalInvestigation;
    request.case_ref = "CASE-1";
    request.gallery = "register";
    SampleInput probe;
    probe.bytes = RandomSample(103, 256);
    request.probes.push_back(probe);
    auto result = system_->Search(investigator_, request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::pair<std::string, double>> answer;
    if (!result.ok()) return answer;
    for (const CandidateResult& candidate : result->candidates) {
      answer.emplace_back(candidate.external_id, candidate.fused_log_lr);
    }
    return answer;
  }

  const StoreLayout& layout() { return system_->TEST_store().layout(); }

  Result<MasterKey> CurrentKeyFile() { return MasterKey::LoadFile(layout().key_file); }

  // The store opened directly with `key`, bypassing the key file (white-box).
  Result<std::unique_ptr<Store>> OpenWithKey(const MasterKey& key) {
    if (GetParam() == Backend::kPostgres) return PgStore::Open(StoreLayout::ForUri(location_), key, false);
    return SqliteStore::Open(StoreLayout::ForDir(location_), key, false);
  }

  // Every wrapped key of the store by table and id.
  std::map<std::string, std::vector<std::uint8_t>> WrappedKeys(Store& store) {
    std::map<std::string, std::vector<std::uint8_t>> keys;
    for (const char* table : {"samples", "templates", "search_probes"}) {
      auto query = RawSql(store).Prepare(std::string("SELECT id, wrapped_key FROM ") + table);
      EXPECT_TRUE(query.ok());
      while (*query->Step())
        keys[std::string(table) + "/" + std::to_string(query->ColumnInt(0))] = query->ColumnBlob(1);
    }
    return keys;
  }

  // Counts the records of each kind that open under `store`'s key: samples, templates, probes.
  std::array<int, 3> RecordsThatOpen(Store& store) {
    std::array<int, 3> opened{};
    auto ids = [&](const char* table) {
      std::vector<std::int64_t> out;
      auto query = RawSql(store).Prepare(std::string("SELECT id FROM ") + table + " ORDER BY id");
      while (*query->Step()) out.push_back(query->ColumnInt(0));
      return out;
    };
    for (std::int64_t id : ids("samples")) opened[0] += store.LoadSample(id).ok() ? 1 : 0;
    for (std::int64_t id : ids("templates")) opened[1] += store.LoadTemplate(id).ok() ? 1 : 0;
    for (std::int64_t id : ids("search_probes")) opened[2] += store.LoadSearchProbe(id).ok() ? 1 : 0;
    return opened;
  }

  std::string LastAuditAction() {
    auto query = RawSql(system_->TEST_store()).Prepare("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1");
    EXPECT_TRUE(query.ok() && *query->Step());
    return query->ColumnText(0);
  }

  testing::TempDir dir_;
  std::optional<ScopedEnv> local_dir_;
  std::string location_;
  testing::TestEngine engine_;
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_, investigator_;
  std::vector<std::pair<std::string, double>> before_;
};

TEST_P(MasterKeyRotationTest, EveryRecordOpensUnderTheNewKeyOnlyAndSearchesAnswerTheSame) {
  constexpr int kPersons = 12;
  Populate(kPersons);
  auto old_key = CurrentKeyFile();
  ASSERT_TRUE(old_key.ok()) << old_key.status().ToString();
  const auto wrapped_before = WrappedKeys(system_->TEST_store());
  const auto opened_before = RecordsThatOpen(system_->TEST_store());
  ASSERT_EQ(opened_before[0], kPersons);
  ASSERT_EQ(opened_before[1], kPersons);
  ASSERT_GE(opened_before[2], 1);  // the search kept its probe

  auto generation_before = system_->TEST_store().GalleryGeneration();
  ASSERT_TRUE(generation_before.ok());
  int progress_calls = 0;
  KeyRotationOptions options;
  options.progress = [&](const KeyRewrapCounts&) { ++progress_calls; };
  auto report = system_->RotateMasterKey(admin_, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // Re-wrapped keys change nothing a search reads: no gallery looks changed (no relisting).
  EXPECT_EQ(*system_->TEST_store().GalleryGeneration(), *generation_before);
  EXPECT_EQ(report->rewrapped.samples, kPersons);
  EXPECT_EQ(report->rewrapped.templates, kPersons);
  EXPECT_EQ(report->rewrapped.search_probes, opened_before[2]);
  EXPECT_GE(progress_calls, 1);
  EXPECT_FALSE(std::filesystem::exists(NextKeyFile(layout())));
  struct stat info {};
  ASSERT_EQ(::stat(layout().key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(LastAuditAction(), "store.rotate_key");

  OpenSystem();  // under the key file, which now holds the new key
  auto new_key = CurrentKeyFile();
  ASSERT_TRUE(new_key.ok());
  EXPECT_NE(new_key->bytes(), old_key->bytes());
  EXPECT_EQ(RecordsThatOpen(system_->TEST_store()), opened_before);
  const auto wrapped_after = WrappedKeys(system_->TEST_store());
  ASSERT_EQ(wrapped_after.size(), wrapped_before.size());
  for (const auto& [row, wrapped] : wrapped_after) EXPECT_NE(wrapped, wrapped_before.at(row)) << row;
  EXPECT_EQ(SearchAnswer(), before_);

  auto chain = VerifyAuditChain(system_->TEST_store());
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_TRUE(chain->intact) << chain->problem;

  auto under_old_key = OpenWithKey(*old_key);
  ASSERT_TRUE(under_old_key.ok()) << under_old_key.status().ToString();
  EXPECT_EQ(RecordsThatOpen(**under_old_key), (std::array<int, 3>{0, 0, 0}));
  auto first_opens = (*under_old_key)->FirstWrappedKeyOpensUnder(*old_key);
  ASSERT_TRUE(first_opens.ok());
  EXPECT_EQ(*first_opens, std::optional<bool>(false));
}

TEST_P(MasterKeyRotationTest, AnInterruptionBetweenCommitAndRenameIsFinishedAtTheNextOpen) {
  Populate(4);
  const std::string old_file = FileBytes(layout().key_file);
  KeyRotationOptions options;
  options.after_commit_for_testing = [] { return Status::Internal("simulated crash after the commit"); };
  auto report = system_->RotateMasterKey(admin_, options);
  ASSERT_EQ(report.status().code(), StatusCode::kInternal);
  const std::filesystem::path next = NextKeyFile(layout());
  const std::filesystem::path key_file = layout().key_file;
  ASSERT_TRUE(std::filesystem::exists(next));
  const std::string next_file = FileBytes(next);
  EXPECT_EQ(FileBytes(key_file), old_file);  // not renamed: the state a crash there leaves

  ::testing::internal::CaptureStderr();
  OpenSystem();
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("finished an interrupted master key rotation"), std::string::npos) << said;
  EXPECT_FALSE(std::filesystem::exists(next));
  EXPECT_EQ(FileBytes(key_file), next_file);
  auto opened = RecordsThatOpen(system_->TEST_store());
  EXPECT_EQ(opened[0], 4);
  EXPECT_EQ(opened[1], 4);
  EXPECT_EQ(SearchAnswer(), before_);
  auto chain = VerifyAuditChain(system_->TEST_store());
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->problem;
}

// Several opens that start together after an interrupted rotation (the grid's ranks, a service's
// connection pool) all succeed: one finishes the rotation under the lock, the others wait for it
// and read the key file again.
TEST_P(MasterKeyRotationTest, OpensThatStartTogetherAfterAnInterruptedRotationAllSucceed) {
  Populate(3);
  KeyRotationOptions options;
  options.after_commit_for_testing = [] { return Status::Internal("simulated crash after the commit"); };
  ASSERT_EQ(system_->RotateMasterKey(admin_, options).status().code(), StatusCode::kInternal);
  const std::filesystem::path next = NextKeyFile(layout());
  ASSERT_TRUE(std::filesystem::exists(next));
  system_.reset();
  constexpr int kOpens = 4;
  std::vector<Status> outcomes(kOpens);
  std::vector<int> templates_read(kOpens, 0);
  ::testing::internal::CaptureStderr();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpens; ++i) {
      threads.emplace_back([&, i] {
        auto store = Store::Open(location_);
        if (!store.ok()) {
          outcomes[static_cast<std::size_t>(i)] = store.status();
          return;
        }
        templates_read[static_cast<std::size_t>(i)] = RecordsThatOpen(**store)[1];
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  (void)::testing::internal::GetCapturedStderr();
  for (int i = 0; i < kOpens; ++i) {
    EXPECT_TRUE(outcomes[static_cast<std::size_t>(i)].ok()) << outcomes[static_cast<std::size_t>(i)].ToString();
    EXPECT_EQ(templates_read[static_cast<std::size_t>(i)], 3) << "open " << i;
  }
  EXPECT_FALSE(std::filesystem::exists(next));
}

TEST_P(MasterKeyRotationTest, ANewKeyFileLeftBeforeTheCommitIsDeletedAtTheNextOpen) {
  Populate(2);
  const std::string old_file = FileBytes(layout().key_file);
  const std::filesystem::path next = NextKeyFile(layout());
  const std::filesystem::path key_file = layout().key_file;
  auto unused = MasterKey::Generate();
  ASSERT_TRUE(unused.ok());
  ASSERT_TRUE(unused->WriteFile(next).ok());  // a crash during the re-wrap, before its commit
  ::testing::internal::CaptureStderr();
  OpenSystem();
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("did not commit"), std::string::npos) << said;
  EXPECT_FALSE(std::filesystem::exists(next));
  EXPECT_EQ(FileBytes(key_file), old_file);
  EXPECT_EQ(RecordsThatOpen(system_->TEST_store())[1], 2);
}

// A process that still holds the key of before a rotation (made on another host of a PostgreSQL
// store, or an old key file restored) is refused at open: it would seal new records that the
// store's key cannot open. One damaged row does not lock the store out.
TEST_P(MasterKeyRotationTest, AKeyThatOpensNoneOfTheStoresDataKeysIsRefusedAtOpen) {
  Populate(3);
  const std::filesystem::path key_file = layout().key_file;
  const std::string old_file = FileBytes(key_file);
  ASSERT_TRUE(system_->RotateMasterKey(admin_).ok());
  const std::string new_file = FileBytes(key_file);
  system_.reset();
  std::ofstream(key_file, std::ios::binary | std::ios::trunc) << old_file;
  auto stale = AbisSystem::Open(location_, [this](Modality) -> Result<const ModalityEngine*> {
    return static_cast<const ModalityEngine*>(&engine_);
  });
  ASSERT_EQ(stale.status().code(), StatusCode::kFailedPrecondition) << stale.status().ToString();
  EXPECT_NE(stale.status().message().find("under another key"), std::string::npos) << stale.status().message();

  std::ofstream(key_file, std::ios::binary | std::ios::trunc) << new_file;
  OpenSystem();
  {
    auto query = RawSql(system_->TEST_store()).Prepare("SELECT id, wrapped_key FROM samples ORDER BY id LIMIT 1");
    ASSERT_TRUE(query.ok());
    ASSERT_TRUE(*query->Step());
    const std::int64_t first = query->ColumnInt(0);
    std::vector<std::uint8_t> wrapped = query->ColumnBlob(1);
    wrapped[wrapped.size() / 2] ^= 0x04;  // one bit flipped in the first row the open tries
    auto update = RawSql(system_->TEST_store()).Prepare("UPDATE samples SET wrapped_key = ? WHERE id = ?");
    ASSERT_TRUE(update.ok());
    update->BindBlob(1, wrapped).Bind(2, first);
    ASSERT_TRUE(update->Run().ok());
  }
  OpenSystem();
  EXPECT_EQ(RecordsThatOpen(system_->TEST_store())[0], 2);
}

// While a rotation holds its lock (here taken by the test, as another process's rotation would),
// no process opens the store (it would seal under the old key after the commit), and no open's
// recovery deletes the running rotation's new key file.
TEST_P(MasterKeyRotationTest, NoOpenWhileARotationHoldsItsLockAndItsNewKeyFileIsKept) {
  Populate(2);
  const StoreLayout held_layout = layout();
  const std::filesystem::path next = NextKeyFile(held_layout);
  auto unused = MasterKey::Generate();
  ASSERT_TRUE(unused.ok());
  ASSERT_TRUE(unused->WriteFile(next).ok());
  system_.reset();
  {
    auto lock = KeyRotationLock::Acquire(held_layout);
    ASSERT_TRUE(lock.ok()) << lock.status().ToString();
    auto refused = AbisSystem::Open(location_, [this](Modality) -> Result<const ModalityEngine*> {
      return static_cast<const ModalityEngine*>(&engine_);
    });
    ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << refused.status().ToString();
    EXPECT_NE(refused.status().message().find("rotation"), std::string::npos) << refused.status().message();
    EXPECT_TRUE(std::filesystem::exists(next));
    EXPECT_EQ(KeyRotationLock::Acquire(held_layout).status().code(), StatusCode::kFailedPrecondition);
  }
  ::testing::internal::CaptureStderr();
  OpenSystem();  // the lock is free: the leftover (never committed) is cleared
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("did not commit"), std::string::npos) << said;
  EXPECT_FALSE(std::filesystem::exists(next));
}

TEST_P(MasterKeyRotationTest, ADamagedRowStopsTheRotationAndNothingChanges) {
  Populate(5);
  Store& store = system_->TEST_store();
  std::int64_t damaged_id = 0;
  {
    auto query = RawSql(store).Prepare("SELECT id, wrapped_key FROM templates ORDER BY id");
    ASSERT_TRUE(query.ok());
    ASSERT_TRUE(*query->Step());
    ASSERT_TRUE(*query->Step());  // the second template
    damaged_id = query->ColumnInt(0);
    std::vector<std::uint8_t> wrapped = query->ColumnBlob(1);
    wrapped[wrapped.size() / 2] ^= 0x10;  // one bit flipped
    auto update = RawSql(store).Prepare("UPDATE templates SET wrapped_key = ? WHERE id = ?");
    ASSERT_TRUE(update.ok());
    update->BindBlob(1, wrapped).Bind(2, damaged_id);
    ASSERT_TRUE(update->Run().ok());
  }
  const auto wrapped_before = WrappedKeys(store);
  const std::string key_before = FileBytes(layout().key_file);

  auto report = system_->RotateMasterKey(admin_);
  ASSERT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(report.status().message().find("templates row " + std::to_string(damaged_id)), std::string::npos)
      << report.status().message();
  EXPECT_EQ(WrappedKeys(store), wrapped_before);
  EXPECT_EQ(FileBytes(layout().key_file), key_before);
  EXPECT_FALSE(std::filesystem::exists(NextKeyFile(layout())));
  EXPECT_EQ(LastAuditAction(), "store.rotate_key.failed");
  auto chain = VerifyAuditChain(store);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->problem;
}

TEST_P(MasterKeyRotationTest, OnlyTheAdminRotatesAndAnInterruptedRotationMustBeFinishedFirst) {
  Populate(1);
  auto refused = system_->RotateMasterKey(enroller_);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  auto unused = MasterKey::Generate();
  ASSERT_TRUE(unused->WriteFile(NextKeyFile(layout())).ok());
  auto blocked = system_->RotateMasterKey(admin_);
  EXPECT_EQ(blocked.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(blocked.status().message().find("interrupted rotation"), std::string::npos) << blocked.status().message();
}

TEST_P(MasterKeyRotationTest, AnotherProcessHoldingTheSqliteStoreOpenIsNamedAndRefused) {
  if (GetParam() == Backend::kPostgres) GTEST_SKIP() << "PostgreSQL: other processes are not detected";
  Populate(2);
  system_.reset();  // no SQLite state of this process is inherited by the child
  int opened[2];
  int release[2];
  ASSERT_EQ(pipe(opened), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(opened[0]);
    close(release[1]);
    auto store = Store::Open(location_);
    if (!store.ok() || !(*store)->GalleryGeneration().ok()) _exit(3);
    if (write(opened[1], "o", 1) != 1) _exit(4);
    char byte = 0;
    (void)!read(release[0], &byte, 1);  // until the parent closes its end
    _exit(0);
  }
  close(opened[1]);
  close(release[0]);
  char byte = 0;
  ASSERT_EQ(read(opened[0], &byte, 1), 1) << "the child did not open the store";
  OpenSystem();
  auto refused = system_->RotateMasterKey(admin_);
  ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("process " + std::to_string(child)), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(std::filesystem::exists(NextKeyFile(layout())));
  close(release[1]);
  close(opened[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto rotated = system_->RotateMasterKey(admin_);
  EXPECT_TRUE(rotated.ok()) << rotated.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, MasterKeyRotationTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param_info) {
                           return param_info.param == Backend::kSqlite ? std::string("Sqlite")
                                                                       : std::string("Postgres");
                         });

TEST(MasterKeyRotationKeyFileTest, APassphraseKeyFileIsRotatedIntoAPassphraseKeyFile) {
  testing::TempDir dir;
  const std::filesystem::path passphrase_file = dir.path() / "passphrase";
  {
    std::ofstream out(passphrase_file);
    out << "correct horse battery staple\n";
  }
  std::filesystem::permissions(passphrase_file,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  ScopedEnv passphrase("ABIS_KEY_PASSPHRASE_FILE", passphrase_file.string());
  const std::filesystem::path store_dir = dir.path() / "store";
  // A version 2 key file at the minimum Argon2id cost (tests only), written as `abis init` would.
  ASSERT_TRUE(std::filesystem::create_directories(store_dir));
  auto original = MasterKey::CreateFile(store_dir / "master.key", "correct horse battery staple",
                                        PassphraseKdfLimits::MinimumForTests());
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  {
    auto store = SqliteStore::Open(StoreLayout::ForDir(store_dir), *original, /*create=*/true);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  testing::TestEngine engine;
  auto system = AbisSystem::Open(store_dir, [&](Modality) -> Result<const ModalityEngine*> {
    return static_cast<const ModalityEngine*>(&engine);
  });
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  User admin_user = *AddUser((*system)->TEST_store(), "root", Role::kAdmin);
  auto report = (*system)->RotateMasterKey(Operator{admin_user.id, "root", Role::kAdmin});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(FileBytes(store_dir / "master.key").starts_with("abis-master-key-v2\n"));
  auto limits = MasterKey::FileKdfLimits(store_dir / "master.key");
  ASSERT_TRUE(limits.ok() && limits->has_value());
  EXPECT_EQ((*limits)->memlimit, PassphraseKdfLimits::MinimumForTests().memlimit);
  EXPECT_EQ(MasterKey::LoadFile(store_dir / "master.key").status().code(), StatusCode::kFailedPrecondition);
  auto rotated = MasterKey::LoadFile(store_dir / "master.key", "correct horse battery staple");
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->bytes(), original->bytes());
}

TEST(MasterKeyRotationKeyFileTest, AKeyCommandIsRefusedWithTheManualSteps) {
  testing::TempDir dir;
  ScopedEnv command("ABIS_KEY_COMMAND", "echo 5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e");
  {
    auto store = Store::Create(dir.path() / "store");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  testing::TestEngine engine;
  auto system = AbisSystem::Open(dir.path() / "store", [&](Modality) -> Result<const ModalityEngine*> {
    return static_cast<const ModalityEngine*>(&engine);
  });
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  User admin_user = *AddUser((*system)->TEST_store(), "root", Role::kAdmin);
  auto refused = (*system)->RotateMasterKey(Operator{admin_user.id, "root", Role::kAdmin});
  ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("key service rotates its own keys"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "store" / "master.key.new"));
}

}  // namespace
}  // namespace abis
