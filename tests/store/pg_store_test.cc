// The PostgreSQL back end against a throw-away server (tests/support/postgres_server.h): where the
// master key lives, the audit chain under concurrent writers in two processes, the generation
// counter across connections, transactions that end on every path, and no password in messages.
// The interface-level store tests run on both back ends in store_test.cc (StoreOnEachBackendTest).
#include "pg/pg_store.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "../support/postgres_server.h"
#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/access/users.h"
#include "abis/audit/audit_log.h"
#include "abis/store/crypto.h"
#include "abis/store/store.h"
#include "schema_version.h"

namespace abis {
namespace {

using testing::FileContains;
using testing::PostgresServer;
using testing::RandomSample;
using testing::TempDir;

Person MakePerson(const std::string& id) {
  Person person;
  person.external_id = id;
  person.category = PersonCategory::kCitizen;
  person.legal_basis = "Test Act 2026 s.1";
  person.retention_until = "2099-01-01";
  return person;
}

// A fresh database on the process's server, with the local folder of its key in a temp folder.
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = PostgresServer::Get(&why);
    if (server_ == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
    uri_ = server_->NewDatabase(&why);
    ASSERT_FALSE(uri_.empty()) << why;
    setenv("ABIS_LOCAL_DIR", (dir_.path() / "local").c_str(), 1);
  }
  void TearDown() override { unsetenv("ABIS_LOCAL_DIR"); }

  std::unique_ptr<Store> Create() {
    auto store = Store::Create(uri_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<Store> Open() {
    auto store = Store::Open(uri_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  PostgresServer* server_ = nullptr;
  TempDir dir_;
  std::string uri_;
};

TEST_F(PgStoreTest, CreateMakesTheSchemaOnceAndKeepsTheKeyInTheLocalFolder) {
  auto store = Create();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->SchemaVersion(), kCurrentSchemaVersion);
  const auto key_file = dir_.path() / "local" / "master.key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::group_all,
            std::filesystem::perms::none);
  EXPECT_EQ(store->layout().snapshot_dir, dir_.path() / "local" / "index-snapshots");
  EXPECT_EQ(Store::Create(uri_).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(std::filesystem::exists(key_file)) << "a refused init leaves the store's key alone";
  auto reopened = Open();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->SchemaVersion(), kCurrentSchemaVersion);
}

TEST_F(PgStoreTest, AStoreFromANewerProgramIsRefusedNeverDowngraded) {
  {
    auto store = Create();
    ASSERT_TRUE(store);
    ASSERT_TRUE(RawSql(*store).Execute("UPDATE schema_version SET version = 99").ok());
  }
  auto reopened = Store::Open(uri_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("99"), std::string::npos) << reopened.status().ToString();
}

TEST_F(PgStoreTest, WithoutAPlaceForTheKeyNothingIsCreatedAndTheMessageSaysWhere) {
  unsetenv("ABIS_LOCAL_DIR");
  auto store = Store::Create(uri_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("ABIS_LOCAL_DIR"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(Store::Open(uri_).status().code(), StatusCode::kNotFound) << "no tables were created";
}

TEST_F(PgStoreTest, NeitherTheMasterKeyNorPlaintextBiometricsReachTheServersFiles) {
  auto store = Create();
  ASSERT_TRUE(store);
  auto user = AddUser(*store, "clerk", Role::kEnroller);
  ASSERT_TRUE(user.ok());
  Person person = MakePerson("P1");
  ASSERT_TRUE(store->AddPerson(person).ok());
  Encounter encounter;
  encounter.person_id = person.id;
  encounter.operator_id = user->id;
  const auto bytes = RandomSample(12);
  auto sample = store->AddSample(*store->AddEncounter(encounter), person.id, Modality::kFace, "raw",
                                 FingerPosition::kUnknown, bytes);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  auto key = MasterKey::LoadFile(dir_.path() / "local" / "master.key");
  ASSERT_TRUE(key.ok());
  const std::vector<std::uint8_t> key_bytes(key->bytes().begin(), key->bytes().end());
  std::string key_hex;
  for (std::uint8_t byte : key_bytes)
    key_hex += "0123456789abcdef"[byte >> 4], key_hex += "0123456789abcdef"[byte & 15];
  const std::vector<std::uint8_t> key_text(key_hex.begin(), key_hex.end());
  const std::vector<std::uint8_t> sample_window(bytes.begin() + 100, bytes.begin() + 164);
  ASSERT_TRUE(RawSql(*store).Execute("CHECKPOINT").ok());
  std::size_t files = 0;
  for (const auto& file : std::filesystem::recursive_directory_iterator(server_->data_dir())) {
    if (!file.is_regular_file()) continue;
    ++files;
    EXPECT_FALSE(FileContains(file.path(), key_bytes)) << file.path();
    EXPECT_FALSE(FileContains(file.path(), key_text)) << file.path();
    EXPECT_FALSE(FileContains(file.path(), sample_window)) << file.path();
  }
  EXPECT_GT(files, 100u) << "the test must see the server's files";
}

// A write transaction holds the store's advisory lock from BEGIN to its end, so two writers of
// the audit chain (in any processes) never read the same head.
TEST_F(PgStoreTest, AWriteTransactionHoldsTheWritersLockUntilItEnds) {
  auto store = Create();
  auto observer = Open();
  ASSERT_TRUE(store && observer);
  auto advisory_locks = [&]() -> std::int64_t {
    auto query = RawSql(*observer).Prepare("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  };
  EXPECT_EQ(advisory_locks(), 0);
  ASSERT_TRUE(store
                  ->Transaction([&]() -> Status {
                    EXPECT_EQ(advisory_locks(), 1);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(advisory_locks(), 0);
  EXPECT_EQ(store
                ->Transaction([&]() -> Status {
                  EXPECT_EQ(advisory_locks(), 1);
                  return Status::InvalidArgument("refused");
                })
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(advisory_locks(), 0) << "released by the rollback too";
}

// Two processes append audit entries at the same time, each entry in its own transaction: one
// chain, every entry in it, verified.
TEST_F(PgStoreTest, TwoProcessesAppendingAuditEntriesKeepOneValidChain) {
  {
    auto store = Create();
    ASSERT_TRUE(store);
  }
  constexpr int kEntriesPerProcess = 60;
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::vector<pid_t> children;
  for (int writer = 0; writer < 2; ++writer) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(gate[1]);
      auto store = Store::Open(uri_);
      if (!store.ok()) _exit(3);
      char go = 0;
      if (read(gate[0], &go, 1) != 1) _exit(4);  // both start together
      for (int i = 0; i < kEntriesPerProcess; ++i) {
        AuditEvent event;
        event.operator_name = "writer-" + std::to_string(writer);
        event.action = "test.append";
        event.result = {{"i", i}};
        if (!AppendAuditEntry(*(*store), event).ok()) _exit(5);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  close(gate[0]);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(write(gate[1], "gg", 2), 2);
  close(gate[1]);
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed: status " << status;
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d audit appends (one transaction each) by 2 processes in %.3f s: %.0f per second\n",
              2 * kEntriesPerProcess, elapsed, 2 * kEntriesPerProcess / elapsed);
  auto store = Open();
  ASSERT_TRUE(store);
  auto chain = VerifyAuditChain(*store);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_TRUE(chain->intact) << chain->problem;
  EXPECT_EQ(chain->entries, 2 * kEntriesPerProcess);
  auto offline = AuditStorage::OpenWithoutKey(uri_);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  unsetenv("ABIS_LOCAL_DIR");
  auto verified = VerifyAuditChain(*(*offline));
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
  EXPECT_EQ(verified->entries, 2 * kEntriesPerProcess) << "an auditor verifies without the master key";
}

// A writer killed (SIGKILL) in the middle of a transaction: every write it reported stays, the one
// in flight is rolled back, and the writers' lock is free again.
TEST_F(PgStoreTest, AWriterKilledMidTransactionLosesNoAcknowledgedWrite) {
  {
    auto store = Create();
    ASSERT_TRUE(store);
  }
  int acks[2];
  int hold[2];
  ASSERT_EQ(pipe(acks), 0);
  ASSERT_EQ(pipe(hold), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    close(hold[1]);
    auto store = Store::Open(uri_);
    if (!store.ok()) _exit(3);
    for (int i = 0;; ++i) {
      Person person = MakePerson("K-" + std::to_string(i));
      Status status = (*store)->Transaction([&]() -> Status {
        ABIS_RETURN_IF_ERROR((*store)->AddPerson(person));
        AuditEvent event;
        event.operator_name = "writer";
        event.action = "person.add";
        event.object_ids = {{"persons", {person.id}}};
        ABIS_RETURN_IF_ERROR(AppendAuditEntry(*(*store), event).status());
        if (i == 5) {
          // Tell the parent, then wait inside the transaction until killed.
          if (write(acks[1], "!", 1) != 1) _exit(6);
          char never = 0;
          (void)read(hold[0], &never, 1);
          _exit(7);
        }
        return Status::Ok();
      });
      if (!status.ok()) _exit(4);
      if (write(acks[1], "+", 1) != 1) _exit(5);  // acknowledged only after the commit
    }
  }
  close(acks[1]);
  close(hold[0]);
  int acknowledged = 0;
  bool in_flight = false;
  while (!in_flight) {
    char mark = 0;
    ASSERT_EQ(read(acks[0], &mark, 1), 1) << "the writer died early";
    if (mark == '+') ++acknowledged;
    in_flight = mark == '!';
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  close(acks[0]);
  close(hold[1]);
  EXPECT_EQ(acknowledged, 5);
  auto store = Open();
  ASSERT_TRUE(store);
  for (int i = 0; i < acknowledged; ++i) EXPECT_TRUE(store->FindPerson("K-" + std::to_string(i)).ok()) << i;
  EXPECT_EQ(store->FindPerson("K-5").status().code(), StatusCode::kNotFound) << "the killed transaction rolled back";
  // The server ends the dead client's transaction and its lock: the next writer goes through.
  Person after = MakePerson("AFTER");
  ASSERT_TRUE(store->Transaction([&] { return store->AddPerson(after); }).ok());
  auto chain = VerifyAuditChain(*store);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->problem;
  EXPECT_EQ(chain->entries, acknowledged);
}

// The gallery generation a second connection (another process's, in a deployment) reads changes
// when a change a search could see commits, and not before.
TEST_F(PgStoreTest, TheGenerationCounterMovesForOtherConnectionsAtCommit) {
  auto writer = Create();
  auto reader = Open();
  ASSERT_TRUE(writer && reader);
  auto user = AddUser(*writer, "clerk", Role::kEnroller);
  ASSERT_TRUE(user.ok());
  Person person = MakePerson("GEN");
  ASSERT_TRUE(writer->AddPerson(person).ok());
  const std::int64_t before = *reader->GalleryGeneration();
  ASSERT_TRUE(writer
                  ->Transaction([&]() -> Status {
                    Encounter encounter;
                    encounter.person_id = person.id;
                    encounter.operator_id = user->id;
                    ABIS_ASSIGN_OR_RETURN(std::int64_t encounter_id, writer->AddEncounter(encounter));
                    ABIS_ASSIGN_OR_RETURN(std::int64_t sample_id,
                                          writer->AddSample(encounter_id, person.id, Modality::kFace, "raw",
                                                            FingerPosition::kUnknown, RandomSample(3)));
                    BiometricTemplate biometric_template;
                    biometric_template.algorithm = "x/1";
                    biometric_template.data = RandomSample(4);
                    ABIS_RETURN_IF_ERROR(writer->AddTemplate(sample_id, person.id, biometric_template).status());
                    EXPECT_EQ(*reader->GalleryGeneration(), before) << "not visible before the commit";
                    return Status::Ok();
                  })
                  .ok());
  const std::int64_t after = *reader->GalleryGeneration();
  EXPECT_GT(after, before);
  EXPECT_EQ(*writer->GalleryGeneration(), after);
}

// PostgreSQL aborts a transaction in which a statement failed; a body that ignored the error and
// returned Ok must not look committed.
TEST_F(PgStoreTest, AFailedStatementInsideATransactionRollsItBackEvenWhenTheBodyGoesOn) {
  auto store = Create();
  ASSERT_TRUE(store);
  Person person = MakePerson("LOST");
  Status status = store->Transaction([&]() -> Status {
    ABIS_RETURN_IF_ERROR(store->AddPerson(person));
    EXPECT_FALSE(RawSql(*store).Execute("SELECT no_such_column FROM persons").ok());
    return Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kIoError) << status.ToString();
  EXPECT_EQ(store->FindPerson("LOST").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Healthy());
  Person next = MakePerson("NEXT");
  EXPECT_TRUE(store->Transaction([&] { return store->AddPerson(next); }).ok());
}

TEST_F(PgStoreTest, TextWithANulByteIsRefusedNotTruncated) {
  auto store = Create();
  ASSERT_TRUE(store);
  auto statement = RawSql(*store).Prepare("SELECT count(*) FROM persons WHERE external_id = ?");
  ASSERT_TRUE(statement.ok());
  statement->Bind(1, std::string_view("a\0b", 3));
  EXPECT_EQ(statement->Step().status().code(), StatusCode::kInvalidArgument);
}

TEST(PgStoreLocationTest, PasswordsNeverAppearInLocationsOrMessages) {
  EXPECT_EQ(StoreLayout::Redacted("postgresql://abis:s3cret@db.example:5432/abis"),
            "postgresql://abis:***@db.example:5432/abis");
  EXPECT_EQ(StoreLayout::Redacted("postgres://db/abis?sslmode=require&password=s3cret"),
            "postgres://db/abis?sslmode=require&password=***");
  EXPECT_EQ(StoreLayout::Redacted("postgresql://abis@db/abis"), "postgresql://abis@db/abis");
  EXPECT_EQ(StoreLayout::Redacted("/var/lib/abis:x@y"), "/var/lib/abis:x@y") << "a folder is not a URI";
  EXPECT_TRUE(StoreLayout::IsDatabaseUri("postgres://h/d"));
  EXPECT_FALSE(StoreLayout::IsDatabaseUri("./postgresql"));
  // Nothing listens on port 1: the error names the store without its password.
  auto store = Store::Open("postgresql://abis:s3cret@127.0.0.1:1/abis?connect_timeout=5");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError);
  EXPECT_EQ(store.status().message().find("s3cret"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("abis:***@127.0.0.1"), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace abis
