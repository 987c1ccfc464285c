#include "abis/store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

#include "../support/postgres_server.h"
#include "../support/scoped_env.h"
#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/access/users.h"
#include "abis/audit/audit_log.h"
#include "sqlite/schema.h"
#include "sql/sql_audit_rows.h"

namespace abis {
namespace {

using testing::FileContains;
using testing::RandomSample;
using testing::TempDir;
using testing::TestEngine;

Person MakePerson(const std::string& id, const std::string& retention = "2099-01-01") {
  Person person;
  person.external_id = id;
  person.category = PersonCategory::kCitizen;
  person.legal_basis = "Test Act 2026 s.1";
  person.retention_until = retention;
  return person;
}

enum class Backend { kSqlite, kPostgres };

using testing::ScopedEnv;

// A new store on the back end the test runs on: a folder (SQLite) or a fresh database of the
// test process's throw-away PostgreSQL server, its master key in a local folder (ABIS_LOCAL_DIR).
// StoreOnEachBackendTest runs on both; StoreTest (white-box tests of the SQLite files) on SQLite.
class StoreTestBase : public ::testing::TestWithParam<Backend> {
 protected:
  virtual Backend backend() const { return GetParam(); }
  void SetUp() override {
    location_ = (dir_.path() / "store").string();
    if (backend() == Backend::kPostgres) {
      std::string why;
      testing::PostgresServer* server = testing::PostgresServer::Get(&why);
      if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
      location_ = server->NewDatabase(&why);
      ASSERT_FALSE(location_.empty()) << why;
      local_dir_.emplace("ABIS_LOCAL_DIR", (dir_.path() / "local").string());
    }
    auto store = Store::Create(location_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto user = AddUser(*store_, "clerk", Role::kEnroller);
    ASSERT_TRUE(user.ok());
    operator_id_ = user->id;
  }

  // Adds person, encounter, sample and template; returns the template id.
  std::int64_t EnrolBytes(std::int64_t person_id, const std::vector<std::uint8_t>& bytes) {
    Encounter encounter;
    encounter.person_id = person_id;
    encounter.operator_id = operator_id_;
    auto encounter_id = store_->AddEncounter(encounter);
    EXPECT_TRUE(encounter_id.ok()) << encounter_id.status().ToString();
    auto sample_id = store_->AddSample(*encounter_id, person_id, Modality::kFace, "raw", FingerPosition::kUnknown, bytes);
    EXPECT_TRUE(sample_id.ok());
    SampleInput sample;
    sample.bytes = bytes;
    auto extracted = engine_.Extract(sample);
    auto template_id = store_->AddTemplate(*sample_id, person_id, *extracted);
    EXPECT_TRUE(template_id.ok());
    return *template_id;
  }

  TempDir dir_;
  std::string location_;
  std::optional<ScopedEnv> local_dir_;
  std::unique_ptr<Store> store_;
  std::int64_t operator_id_ = 0;
  TestEngine engine_;
};

class StoreTest : public StoreTestBase {
 protected:
  Backend backend() const override { return Backend::kSqlite; }
};

class StoreOnEachBackendTest : public StoreTestBase {};

std::string BackendName(const ::testing::TestParamInfo<Backend>& backend) {
  return backend.param == Backend::kSqlite ? "sqlite" : "postgres";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreOnEachBackendTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendName);

// A subject access report reads a person's audit entries through the subject index, never by
// scanning the whole log (which only grows, and is read inside a write transaction).
TEST_F(StoreTest, AuditRowsOfOnePersonAreFoundThroughTheSubjectIndex) {
  auto plan_of = [&](const AuditRowFilter& filter) {
    auto explain = RawDatabase(*store_).Prepare("EXPLAIN QUERY PLAN " + sql_audit::RowsQuery(filter));
    EXPECT_TRUE(explain.ok()) << explain.status().ToString();
    std::string plan;
    while (explain.ok()) {
      auto row = explain->Step();
      if (!row.ok() || !*row) break;
      plan += explain->ColumnText(3) + "\n";
    }
    return plan;
  };
  AuditRowFilter person;
  person.person_id = 7;
  const std::string plan = plan_of(person);
  EXPECT_EQ(plan.find("SCAN audit_log"), std::string::npos) << plan;
  EXPECT_NE(plan.find("audit_subjects"), std::string::npos) << plan;
  AuditRowFilter since;
  since.since = "2026-01-01";
  since.action = "search";
  EXPECT_NE(plan_of(since).find("audit_log"), std::string::npos);
}

// A catch-up of a gallery index lists the changed persons' templates through their ids (gallery
// membership, templates_person), never by scanning every template of the modality: the cost
// follows the persons changed, not the gallery's size.
TEST_F(StoreTest, GalleryTemplatesOfPersonsAreListedThroughThePersonIds) {
  auto explain = RawDatabase(*store_).Prepare("EXPLAIN QUERY PLAN SELECT t.id FROM templates t " +
                                              GalleryTemplatesOfPersonsClause(3));
  ASSERT_TRUE(explain.ok()) << explain.status().ToString();
  std::string plan;
  while (true) {
    auto row = explain->Step();
    if (!row.ok() || !*row) break;
    plan += explain->ColumnText(3) + "\n";
  }
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("templates_modality"), std::string::npos) << plan;
  EXPECT_NE(plan.find("templates_person"), std::string::npos) << plan;
}

// An encounter's templates (listed once per search with a stored person) are found through the
// person's index, never by scanning every template (0.35 s per search at 200k templates); the
// listing holds exactly that encounter's templates.
TEST_F(StoreTest, EncounterTemplatesAreListedThroughThePersonIndex) {
  auto explain = RawDatabase(*store_).Prepare(std::string("EXPLAIN QUERY PLAN SELECT t.id FROM templates t ") +
                                              kEncounterTemplatesClause);
  ASSERT_TRUE(explain.ok()) << explain.status().ToString();
  std::string plan;
  while (true) {
    auto row = explain->Step();
    if (!row.ok() || !*row) break;
    plan += explain->ColumnText(3) + "\n";
  }
  EXPECT_EQ(plan.find("SCAN t"), std::string::npos) << plan;
  EXPECT_NE(plan.find("templates_person"), std::string::npos) << plan;

  Person first = MakePerson("E-1"), second = MakePerson("E-2");
  ASSERT_TRUE(store_->AddPerson(first).ok());
  ASSERT_TRUE(store_->AddPerson(second).ok());
  const std::int64_t a = EnrolBytes(first.id, RandomSample(1));
  const std::int64_t b = EnrolBytes(first.id, RandomSample(2));
  EnrolBytes(second.id, RandomSample(3));
  auto samples = store_->ListSamples(first.id);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), 2u);
  std::set<std::int64_t> listed_ids;
  for (const Store::SampleInfo& sample : *samples) {
    auto listed = store_->ListEncounterTemplates(sample.encounter_id);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().sample_id, sample.id);
    listed_ids.insert(listed->front().id);
  }
  EXPECT_EQ(listed_ids, (std::set<std::int64_t>{a, b}));
}

// A savepoint undoes exactly its own rows when its body fails; the transaction and the rows
// written before and after it commit (a batch import leaves a refused person out whole).
TEST_P(StoreOnEachBackendTest, AFailedSavepointUndoesOnlyItsOwnRows) {
  EXPECT_EQ(store_->Savepoint([] { return Status::Ok(); }).code(), StatusCode::kFailedPrecondition);
  Status committed = store_->Transaction([&]() -> Status {
    Person first = MakePerson("S-1");
    EXPECT_TRUE(store_->Savepoint([&] { return store_->AddPerson(first); }).ok());
    Status refused = store_->Savepoint([&]() -> Status {
      Person second = MakePerson("S-2");
      ABIS_RETURN_IF_ERROR(store_->AddPerson(second));
      EnrolBytes(second.id, std::vector<std::uint8_t>(64, 7));
      return Status::InvalidArgument("refused after its rows were written");
    });
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(store_->InTransaction());
    Person duplicate = MakePerson("S-1");
    EXPECT_EQ(store_->Savepoint([&] { return store_->AddPerson(duplicate); }).code(), StatusCode::kAlreadyExists);
    Person third = MakePerson("S-3");
    return store_->Savepoint([&] { return store_->AddPerson(third); });
  });
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_TRUE(store_->FindPerson("S-1").ok());
  EXPECT_FALSE(store_->FindPerson("S-2").ok());
  EXPECT_TRUE(store_->FindPerson("S-3").ok());
  auto samples = store_->ListSamplesOfModality(Modality::kFace, 0, 10);
  ASSERT_TRUE(samples.ok());
  EXPECT_TRUE(samples->empty()) << "the refused person's sample stayed";
  EXPECT_TRUE(store_->Healthy());
}

TEST_P(StoreOnEachBackendTest, RejectsPersonWithoutLegalBasisOrWithBadDates) {
  Person no_basis = MakePerson("A");
  no_basis.legal_basis = "";
  EXPECT_EQ(store_->AddPerson(no_basis).code(), StatusCode::kInvalidArgument);
  Person bad_date = MakePerson("B", "2026-02-30x");
  EXPECT_EQ(store_->AddPerson(bad_date).code(), StatusCode::kInvalidArgument);
  Person ok = MakePerson("C");
  ASSERT_TRUE(store_->AddPerson(ok).ok());
  Person duplicate = MakePerson("C");
  EXPECT_EQ(store_->AddPerson(duplicate).code(), StatusCode::kAlreadyExists);
}

TEST_P(StoreOnEachBackendTest, TemplatesRoundTripThroughTheSeal) {
  Person person = MakePerson("P1");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  auto bytes = RandomSample(11);
  std::int64_t template_id = EnrolBytes(person.id, bytes);
  auto loaded = store_->LoadTemplate(template_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  SampleInput sample;
  sample.bytes = bytes;
  EXPECT_EQ(loaded->data, engine_.Extract(sample)->data);
  EXPECT_EQ(loaded->algorithm, "test-bytes/1");
}

TEST_F(StoreTest, DatabaseFileHoldsNoPlaintextSampleOrTemplateBytes) {
  Person person = MakePerson("P1");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  auto bytes = RandomSample(12);
  EnrolBytes(person.id, bytes);
  SampleInput sample;
  sample.bytes = bytes;
  auto template_bytes = engine_.Extract(sample)->data;
  // Any 64-byte window would do; take one from the middle of each.
  std::vector<std::uint8_t> sample_window(bytes.begin() + 100, bytes.begin() + 164);
  std::vector<std::uint8_t> template_window(template_bytes.begin() + 100, template_bytes.begin() + 164);
  ASSERT_TRUE(store_->Checkpoint().ok());
  for (const auto& file : std::filesystem::directory_iterator(dir_.path() / "store")) {
    EXPECT_FALSE(FileContains(file.path(), sample_window)) << file.path();
    EXPECT_FALSE(FileContains(file.path(), template_window)) << file.path();
  }
  // The test can fail: the same bytes are found when written in clear.
  std::ofstream(dir_.path() / "store" / "probe.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(FileContains(dir_.path() / "store" / "probe.bin", sample_window));
}

TEST_F(StoreTest, DeletePersonErasesCiphertextsAndKeys) {
  Person person = MakePerson("P1");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  std::int64_t template_id = EnrolBytes(person.id, RandomSample(13));
  // Capture the sealed bytes to check that they leave the file.
  auto query = RawDatabase(*store_).Prepare("SELECT wrapped_key, sealed FROM templates WHERE id = ?");
  query->Bind(1, template_id);
  ASSERT_TRUE(*query->Step());
  auto wrapped_key = query->ColumnBlob(0);
  auto sealed = query->ColumnBlob(1);
  query = RawDatabase(*store_).Prepare("SELECT 1");
  ASSERT_TRUE(store_->Checkpoint().ok());
  ASSERT_TRUE(FileContains(dir_.path() / "store" / "abis.db", wrapped_key));

  ASSERT_TRUE(store_->DeletePerson(person.id).ok());
  ASSERT_TRUE(store_->Checkpoint().ok());
  EXPECT_EQ(store_->LoadTemplate(template_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetPerson(person.id).status().code(), StatusCode::kNotFound);
  for (const auto& file : std::filesystem::directory_iterator(dir_.path() / "store")) {
    EXPECT_FALSE(FileContains(file.path(), wrapped_key)) << file.path();
    EXPECT_FALSE(FileContains(file.path(), std::vector<std::uint8_t>(sealed.begin(), sealed.begin() + 64))) << file.path();
  }
}

TEST_F(StoreTest, TamperedCiphertextIsDataLossNotGarbage) {
  Person person = MakePerson("P1");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  std::int64_t template_id = EnrolBytes(person.id, RandomSample(14));
  ASSERT_TRUE(RawDatabase(*store_).Execute("UPDATE templates SET sealed = zeroblob(200) WHERE id = " + std::to_string(template_id)).ok());
  EXPECT_EQ(store_->LoadTemplate(template_id).status().code(), StatusCode::kDataLoss);
}

TEST_P(StoreOnEachBackendTest, SwappingCiphertextsBetweenPersonsIsDetected) {
  Person a = MakePerson("A"), b = MakePerson("B");
  ASSERT_TRUE(store_->AddPerson(a).ok());
  ASSERT_TRUE(store_->AddPerson(b).ok());
  std::int64_t ta = EnrolBytes(a.id, RandomSample(15));
  std::int64_t tb = EnrolBytes(b.id, RandomSample(16));
  ASSERT_TRUE(RawSql(*store_)
                  .Execute("UPDATE templates SET person_id = CASE id WHEN " + std::to_string(ta) + " THEN " +
                           std::to_string(b.id) + " ELSE " + std::to_string(a.id) + " END WHERE id IN (" +
                           std::to_string(ta) + "," + std::to_string(tb) + ")")
                  .ok());
  EXPECT_EQ(store_->LoadTemplate(ta).status().code(), StatusCode::kDataLoss);
}

TEST_P(StoreOnEachBackendTest, ExpiredPersonsAreListedByRetentionDate) {
  Person old_one = MakePerson("old", "2020-01-01"), current = MakePerson("current", "2099-01-01");
  ASSERT_TRUE(store_->AddPerson(old_one).ok());
  ASSERT_TRUE(store_->AddPerson(current).ok());
  auto expired = store_->ListExpiredPersons("2026-01-01", 10);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ(expired->front().external_id, "old");
}

TEST(StoreOpenTest, MissingStoreIsNotFoundWithAHint) {
  TempDir dir;
  auto store = Store::Open(dir.path() / "nothing");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_NE(store.status().message().find("abis init"), std::string::npos);
}

// A wrong master key is refused at open (it opens none of the stored data keys: records it sealed
// would be unreadable under the store's key), and opened past that check it reads nothing.
TEST(StoreOpenTest, AWrongMasterKeyIsRefusedAtOpenAndReadsNothing) {
  TempDir dir;
  std::int64_t template_id = 0;
  {
    auto store = std::move(Store::Create(dir.path() / "s")).value();
    auto user = *AddUser(*store, "clerk", Role::kEnroller);
    Person person = MakePerson("P");
    ASSERT_TRUE(store->AddPerson(person).ok());
    Encounter encounter;
    encounter.person_id = person.id;
    encounter.operator_id = user.id;
    auto encounter_id = *store->AddEncounter(encounter);
    auto sample_id = *store->AddSample(encounter_id, person.id, Modality::kFace, "", FingerPosition::kUnknown, RandomSample(3));
    BiometricTemplate t;
    t.algorithm = "x/1";
    t.data = RandomSample(4);
    template_id = *store->AddTemplate(sample_id, person.id, t);
  }
  std::filesystem::remove(dir.path() / "s" / "master.key");
  auto wrong_key = MasterKey::CreateFile(dir.path() / "s" / "master.key");
  ASSERT_TRUE(wrong_key.ok());
  auto refused = Store::Open(dir.path() / "s");
  ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("under another key"), std::string::npos) << refused.status().message();
  auto past_the_check = SqliteStore::Open(StoreLayout::ForDir(dir.path() / "s"), *wrong_key, /*create=*/false);
  ASSERT_TRUE(past_the_check.ok()) << past_the_check.status().ToString();
  EXPECT_EQ((*past_the_check)->LoadTemplate(template_id).status().code(), StatusCode::kDataLoss);
}

Result<std::vector<std::uint8_t>> SealedTemplateBytes(Store& store, std::int64_t template_id) {
  ABIS_ASSIGN_OR_RETURN(auto query, RawSql(store).Prepare("SELECT sealed FROM templates WHERE id = ?"));
  query.Bind(1, template_id);
  ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return Status::NotFound("no template");
  return query.ColumnBlob(0);
}

TEST_P(StoreOnEachBackendTest, MovingAnEncounterReSealsItsDataForTheNewPerson) {
  Person from = MakePerson("FROM");
  Person to = MakePerson("TO");
  ASSERT_TRUE(store_->AddPerson(from).ok());
  ASSERT_TRUE(store_->AddPerson(to).ok());
  std::int64_t template_id = EnrolBytes(from.id, RandomSample(81));
  auto before = SealedTemplateBytes(*store_, template_id);
  auto encounters = store_->ListEncounters(from.id);
  ASSERT_TRUE(encounters.ok());
  ASSERT_EQ(encounters->size(), 1u);
  EXPECT_EQ((*encounters)[0].external_id, std::to_string((*encounters)[0].id)) << "generated ids are the row id";
  ASSERT_TRUE(store_->MoveEncounter((*encounters)[0].id, to.id).ok());
  auto moved = store_->LoadTemplate(template_id);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_NE(*SealedTemplateBytes(*store_, template_id), *before) << "a fresh data key and nonce";
  ASSERT_EQ(store_->ListTemplates(to.id)->size(), 1u);
  EXPECT_TRUE(store_->ListTemplates(from.id)->empty());
  auto samples = store_->ListSamples(to.id);
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ(*store_->LoadSample((*samples)[0].id), RandomSample(81));
  // The old ciphertext put back under the new person does not decrypt: the person is bound in.
  auto restore = RawSql(*store_).Prepare("UPDATE templates SET sealed = ? WHERE id = ?");
  restore->BindBlob(1, *before).Bind(2, template_id);
  ASSERT_TRUE(restore->Run().ok());
  EXPECT_EQ(store_->LoadTemplate(template_id).status().code(), StatusCode::kDataLoss);
}

TEST_P(StoreOnEachBackendTest, MergeKeepsEveryEncounterAndTheEarlierRetentionDate) {
  Person target = MakePerson("TARGET", "2099-01-01");
  Person source = MakePerson("SOURCE", "2040-06-30");
  ASSERT_TRUE(store_->AddPerson(target).ok());
  ASSERT_TRUE(store_->AddPerson(source).ok());
  EnrolBytes(target.id, RandomSample(91));
  EnrolBytes(source.id, RandomSample(92));
  EnrolBytes(source.id, RandomSample(93));
  ASSERT_TRUE(store_->MergePersonInto(source.id, target.id).ok());
  EXPECT_EQ(store_->ListEncounters(target.id)->size(), 3u);
  auto templates = store_->ListTemplates(target.id);
  ASSERT_TRUE(templates.ok());
  EXPECT_EQ(templates->size(), 3u);
  for (const TemplateInfo& info : *templates) EXPECT_TRUE(store_->LoadTemplate(info.id).ok());
  EXPECT_EQ(store_->GetPerson(source.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetPerson(target.id)->retention_until, "2040-06-30");
  EXPECT_EQ(store_->MergePersonInto(target.id, target.id).code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreOnEachBackendTest, GalleryGenerationCountsEveryChangeASearchCouldSee) {
  Person person = MakePerson("GEN");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  Gallery gallery;
  gallery.name = "g";
  auto gallery_id = store_->CreateGallery(gallery);
  ASSERT_TRUE(gallery_id.ok());
  std::int64_t start = *store_->GalleryGeneration();
  EnrolBytes(person.id, RandomSample(101));
  std::int64_t after_template = *store_->GalleryGeneration();
  EXPECT_GT(after_template, start);
  ASSERT_TRUE(store_->AddGalleryMember(*gallery_id, person.id).ok());
  std::int64_t after_member = *store_->GalleryGeneration();
  EXPECT_GT(after_member, after_template);
  EXPECT_EQ(store_->ListGalleryTemplates(*gallery_id, Modality::kFace)->size(), 1u);
  auto encounters = store_->ListEncounters(person.id);
  ASSERT_TRUE(store_->SetEncounterActive((*encounters)[0].id, false).ok());
  EXPECT_GT(*store_->GalleryGeneration(), after_member);
  EXPECT_TRUE(store_->ListGalleryTemplates(*gallery_id, Modality::kFace)->empty()) << "inactive encounters are not searched";
  std::int64_t before_unrelated = *store_->GalleryGeneration();
  Person other = MakePerson("OTHER");
  ASSERT_TRUE(store_->AddPerson(other).ok());
  EXPECT_EQ(*store_->GalleryGeneration(), before_unrelated) << "a new person alone changes nothing searchable";
}

TEST_P(StoreOnEachBackendTest, CallerChosenEncounterIdsAreValidatedAndUniquePerPerson) {
  Person person = MakePerson("ENC");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  Encounter encounter;
  encounter.person_id = person.id;
  encounter.operator_id = operator_id_;
  encounter.external_id = "border-2026-11-25";
  ASSERT_TRUE(store_->AddEncounter(encounter).ok());
  EXPECT_EQ(store_->AddEncounter(encounter).status().code(), StatusCode::kAlreadyExists);
  for (const char* bad : {"has space", "slash/no", "\xc3\xa9t\xc3\xa9"}) {
    encounter.external_id = bad;
    EXPECT_EQ(store_->AddEncounter(encounter).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  encounter.external_id = std::string(65, 'x');
  EXPECT_EQ(store_->AddEncounter(encounter).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->FindEncounter(person.id, "border-2026-11-25").ok());
}

TEST_P(StoreOnEachBackendTest, AGeneratedEncounterIdNeverCollidesWithACallersNumericId) {
  Person person = MakePerson("NUM");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  Encounter encounter;
  encounter.person_id = person.id;
  encounter.operator_id = operator_id_;
  // The caller takes the ids the store would generate next.
  for (int id = 1; id <= 5; ++id) {
    encounter.external_id = std::to_string(id);
    ASSERT_TRUE(store_->AddEncounter(encounter).ok()) << id;
  }
  encounter.external_id.clear();
  auto generated = store_->AddEncounter(encounter);
  ASSERT_TRUE(generated.ok());
  auto encounters = store_->ListEncounters(person.id);
  ASSERT_EQ(encounters->size(), 6u);
  std::set<std::string> ids;
  for (const Encounter& e : *encounters) ids.insert(e.external_id);
  EXPECT_EQ(ids.size(), 6u) << "every encounter id of a person is distinct";
}

TEST_P(StoreOnEachBackendTest, IdsAreNeverReusedAfterTheNewestRowIsDeleted) {
  Person first = MakePerson("FIRST");
  ASSERT_TRUE(store_->AddPerson(first).ok());
  std::int64_t first_template = EnrolBytes(first.id, RandomSample(111));
  ASSERT_TRUE(store_->DeletePerson(first.id).ok());
  Person second = MakePerson("SECOND");
  ASSERT_TRUE(store_->AddPerson(second).ok());
  std::int64_t second_template = EnrolBytes(second.id, RandomSample(112));
  EXPECT_GT(second.id, first.id) << "a deleted person's id (and audit history) never passes to a newcomer";
  EXPECT_GT(second_template, first_template);
}

TEST_P(StoreOnEachBackendTest, MergeRepointsMembershipsWatchlistEntriesAndTheAuditIndex) {
  Person target = MakePerson("KEEP");
  Person source = MakePerson("GONE");
  ASSERT_TRUE(store_->AddPerson(target).ok());
  ASSERT_TRUE(store_->AddPerson(source).ok());
  EnrolBytes(source.id, RandomSample(121));
  Gallery register_gallery;
  register_gallery.name = "register";
  Gallery wanted;
  wanted.name = "wanted";
  wanted.kind = GalleryKind::kWatchlist;
  std::int64_t register_id = *store_->CreateGallery(register_gallery);
  std::int64_t wanted_id = *store_->CreateGallery(wanted);
  ASSERT_TRUE(store_->AddGalleryMember(register_id, source.id).ok());
  WatchlistEntry entry_w1;
  entry_w1.gallery_id = wanted_id;
  entry_w1.person_id = source.id;
  entry_w1.authority_reference = "W-1";
  entry_w1.reason = "fraud";
  entry_w1.expires_at = "2099-01-01";
  ASSERT_TRUE(store_->AddWatchlistEntry(entry_w1, "2026-01-01").ok());
  AuditEvent event;
  event.operator_name = "clerk";
  event.action = "person.show";
  event.object_ids = {{"persons", {source.id}}};
  auto entry = AppendAuditEntry(*store_, event);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  ASSERT_TRUE(store_->MergePersonInto(source.id, target.id).ok());
  EXPECT_EQ(store_->ListGalleryTemplates(register_id, Modality::kFace)->size(), 1u) << "membership followed";
  EXPECT_EQ(store_->ActiveWatchlistEntries(wanted_id, target.id, "2026-01-01T00:00:00Z")->size(), 1u);
  auto subjects = RawSql(*store_).Prepare("SELECT count(*) FROM audit_subjects WHERE seq = ? AND person_id = ?");
  subjects->Bind(1, entry->seq).Bind(2, target.id);
  ASSERT_TRUE(*subjects->Step());
  EXPECT_EQ(subjects->ColumnInt(0), 1) << "the source's audit history is part of the target's subject report";
}

// Two records watched under the same warrant become one person with one active entry for it (the
// earlier); an entry under another reference stays active.
TEST_P(StoreOnEachBackendTest, MergeEndsADuplicateWatchlistEntryOfTheSameAuthorityReference) {
  Person target = MakePerson("KEEP");
  Person source = MakePerson("GONE");
  ASSERT_TRUE(store_->AddPerson(target).ok());
  ASSERT_TRUE(store_->AddPerson(source).ok());
  Gallery wanted;
  wanted.name = "wanted";
  wanted.kind = GalleryKind::kWatchlist;
  std::int64_t wanted_id = *store_->CreateGallery(wanted);
  auto watch = [&](std::int64_t person, const std::string& reference) {
    WatchlistEntry entry;
    entry.gallery_id = wanted_id;
    entry.person_id = person;
    entry.authority_reference = reference;
    entry.reason = "fraud";
    entry.expires_at = "2099-01-01";
    return *store_->AddWatchlistEntry(entry, "2026-01-01");
  };
  std::int64_t first = watch(target.id, "W-1");
  std::int64_t duplicate = watch(source.id, "W-1");
  std::int64_t other = watch(source.id, "W-2");
  ASSERT_TRUE(store_->MergePersonInto(source.id, target.id).ok());
  auto active = store_->ActiveWatchlistEntries(wanted_id, target.id, "2026-06-01T00:00:00Z");
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].id, first);
  EXPECT_EQ((*active)[1].id, other);
  EXPECT_EQ(store_->GetWatchlistEntry(duplicate)->ended_by, "merge");
}

TEST_P(StoreOnEachBackendTest, ASecondWriteTransactionOnTheSameFileFromOneThreadIsRefusedNotAHang) {
  auto other = Store::Open(location_);
  ASSERT_TRUE(other.ok());
  Status nested = store_->Transaction([&]() -> Status {
    return (*other)->Transaction([]() -> Status { return Status::Ok(); });
  });
  EXPECT_EQ(nested.code(), StatusCode::kFailedPrecondition) << nested.ToString();
  EXPECT_TRUE((*other)->Transaction([]() -> Status { return Status::Ok(); }).ok()) << "released afterwards";
}

TEST(SchemaTest, OpeningAVersion1StoreUpgradesItAndKeepsItsData) {
  TempDir dir;
  auto layout = StoreLayout::ForDir(dir.path());
  {
    auto db = std::move(Database::Open(layout.database, true)).value();
    ASSERT_TRUE(MigrateSchema(*db, 1).ok());
    EXPECT_EQ(*ReadSchemaVersion(*db), 1);
    // A version-1 audit entry naming person 7, written as version 1 wrote them.
    ASSERT_TRUE(db->Execute("INSERT INTO audit_log (seq, time, operator, role, action, object_ids, prev_hash, entry_hash) "
                            "VALUES (1, '2026-01-01T00:00:00.000Z', 'a', 'admin', 'x', '{\"persons\":[7]}', '0', 'h')")
                    .ok());
  }
  ASSERT_TRUE(MasterKey::CreateFile(layout.key_file).ok());
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*(*store)->SchemaVersion(), kCurrentSchemaVersion);
  auto subjects = RawDatabase(*(*store)).Prepare("SELECT seq FROM audit_subjects WHERE person_id = 7");
  ASSERT_TRUE(*subjects->Step()) << "migration 2 indexes old audit entries by person";
  auto head = RawDatabase(*(*store)).Prepare("SELECT entry_count, last_hash FROM audit_head");
  ASSERT_TRUE(*head->Step());
  EXPECT_EQ(head->ColumnInt(0), 1);
  EXPECT_EQ(head->ColumnText(1), "h");
  EXPECT_TRUE((*store)->GalleryGeneration().ok()) << "migration 4 adds the gallery generation";
}

TEST_P(StoreOnEachBackendTest, SampleOptionsAreKeptAndCheckedAndTemplatesReplacedPerSample) {
  Person person = MakePerson("P");
  ASSERT_TRUE(store_->AddPerson(person).ok());
  const std::int64_t person_id = person.id;
  Encounter encounter;
  encounter.person_id = person_id;
  encounter.operator_id = operator_id_;
  const std::int64_t encounter_id = *store_->AddEncounter(encounter);
  auto add = [&](Modality modality, const nlohmann::json& options) {
    return store_->AddSample(encounter_id, person_id, modality, "", FingerPosition::kUnknown, RandomSample(5), options);
  };
  const std::int64_t face = *add(Modality::kFace, {{"face_index", 1}});
  const std::int64_t finger = *add(Modality::kFinger, {{"resolution_ppi", 569}});
  const std::int64_t plain = *store_->AddSample(encounter_id, person_id, Modality::kFace, "", FingerPosition::kUnknown,
                                                RandomSample(6));
  EXPECT_EQ(add(Modality::kFace, nlohmann::json::array({1})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add(Modality::kFace, {{"note", std::string(Store::kMaxSampleOptionsBytes, 'x')}}).status().code(),
            StatusCode::kInvalidArgument);

  // Walking one modality in batches, with the options as enrolled.
  auto first = store_->ListSamplesOfModality(Modality::kFace, 0, 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].id, face);
  EXPECT_EQ((*first)[0].person_id, person_id);
  EXPECT_EQ((*first)[0].encounter_id, encounter_id);
  EXPECT_EQ((*first)[0].options, (nlohmann::json{{"face_index", 1}}));
  auto rest = store_->ListSamplesOfModality(Modality::kFace, face, 10);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, plain);
  EXPECT_EQ((*rest)[0].options, nlohmann::json::object());
  EXPECT_EQ(store_->ListSamplesOfModality(Modality::kFinger, 0, 10)->front().id, finger);
  EXPECT_EQ(store_->ListSamplesOfModality(Modality::kFace, 0, 0).status().code(), StatusCode::kInvalidArgument);

  // Replacing a sample's templates leaves exactly the new one, sealed for the sample's person at
  // the time of the replacement (here after its encounter moved to another person).
  SampleInput input;
  input.bytes = RandomSample(5);
  const std::int64_t old_template = *store_->AddTemplate(face, person_id, *engine_.Extract(input));
  Person other = MakePerson("Q");
  ASSERT_TRUE(store_->AddPerson(other).ok());
  ASSERT_TRUE(store_->MoveEncounter(encounter_id, other.id).ok());
  input.bytes = RandomSample(7);
  const BiometricTemplate replacement = *engine_.Extract(input);
  auto replaced = store_->ReplaceSampleTemplates(face, replacement);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->replaced_ids, std::vector<std::int64_t>{old_template});
  EXPECT_EQ(replaced->person_id, other.id);
  EXPECT_EQ(store_->LoadTemplate(old_template).status().code(), StatusCode::kNotFound);
  auto loaded = store_->LoadTemplate(replaced->template_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->data, replacement.data);
  auto templates = store_->ListTemplates(other.id);
  ASSERT_EQ(templates->size(), 1u);
  EXPECT_EQ((*templates)[0].sample_id, face);
  EXPECT_EQ(store_->ReplaceSampleTemplates(999, replacement).status().code(), StatusCode::kNotFound);
}

TEST(SchemaTest, MigrationFiveGivesStoredSamplesEmptyOptionsAndIndexesTemplatesBySample) {
  TempDir dir;
  auto layout = StoreLayout::ForDir(dir.path());
  {
    auto db = std::move(Database::Open(layout.database, true)).value();
    ASSERT_TRUE(MigrateSchema(*db, 4).ok());
    // A sample row as version 4 wrote them (no options column).
    const char* rows =
        "INSERT INTO users (id, name, role, created_at) VALUES (1, 'u', 'enroller', '2026-01-01T00:00:00.000Z');"
        "INSERT INTO persons (id, external_id, category, legal_basis, retention_until, created_at) "
        "VALUES (1, 'P', 'citizen', 'b', '2099-01-01', '2026-01-01T00:00:00.000Z');"
        "INSERT INTO encounters (id, person_id, kind, captured_at, operator_id, external_id) "
        "VALUES (1, 1, 'enrolment', '2026-01-01T00:00:00.000Z', 1, '1');"
        "INSERT INTO samples (id, encounter_id, person_id, modality, format, position, wrapped_key, sealed, "
        "created_at) VALUES (1, 1, 1, 'finger', 'wsq', 2, x'00', x'00', '2026-01-01T00:00:00.000Z')";
    Status inserted = db->Execute(rows);
    ASSERT_TRUE(inserted.ok()) << inserted.ToString();
  }
  auto key = MasterKey::CreateFile(layout.key_file);
  ASSERT_TRUE(key.ok());
  // Opened past Store::Open's key check: the crafted row's wrapped key opens under no key.
  auto store = SqliteStore::Open(layout, *key, /*create=*/false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto samples = (*store)->ListSamples(1);
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ((*samples)[0].format, "wsq");
  EXPECT_EQ((*samples)[0].options, nlohmann::json::object());
  auto index =
      RawDatabase(*(*store)).Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'templates_sample'");
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(*index->Step());
  EXPECT_EQ(index->ColumnInt(0), 1);
}

// A listing's state of an entry: ended beats the date; an entry expires at the start of its date.
TEST(WatchlistEntryStateTest, EndedThenExpiredOnItsDateThenActive) {
  WatchlistEntry entry;
  entry.expires_at = "2027-01-01";
  EXPECT_EQ(WatchlistEntryStateOn(entry, "2026-12-31"), WatchlistEntryState::kActive);
  EXPECT_EQ(WatchlistEntryStateOn(entry, "2027-01-01"), WatchlistEntryState::kExpired);
  entry.ended_at = "2026-06-01T10:00:00.000Z";
  EXPECT_EQ(WatchlistEntryStateOn(entry, "2026-12-31"), WatchlistEntryState::kEnded);
  EXPECT_EQ(WatchlistEntryStateName(WatchlistEntryState::kExpired), "expired");
}

// Entries made before version 6 have no end: they stay active until they expire.
TEST(SchemaTest, MigrationSixKeepsExistingWatchlistEntriesActive) {
  TempDir dir;
  auto layout = StoreLayout::ForDir(dir.path());
  {
    auto db = std::move(Database::Open(layout.database, true)).value();
    ASSERT_TRUE(MigrateSchema(*db, 5).ok());
    const char* rows =
        "INSERT INTO persons (id, external_id, category, legal_basis, retention_until, created_at) "
        "VALUES (1, 'P', 'citizen', 'b', '2099-01-01', '2026-01-01T00:00:00.000Z');"
        "INSERT INTO galleries (id, name, kind, description, created_at) "
        "VALUES (1, 'wanted', 'watchlist', '', '2026-01-01T00:00:00.000Z');"
        "INSERT INTO watchlist_entries (id, gallery_id, person_id, authority_reference, reason, expires_at, created_at) "
        "VALUES (1, 1, 1, 'W-1', 'fraud', '2099-01-01', '2026-01-01T00:00:00.000Z')";
    Status inserted = db->Execute(rows);
    ASSERT_TRUE(inserted.ok()) << inserted.ToString();
  }
  ASSERT_TRUE(MasterKey::CreateFile(layout.key_file).ok());
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto active = (*store)->ActiveWatchlistEntries(1, 1, "2026-06-01T00:00:00.000Z");
  ASSERT_TRUE(active.ok()) << active.status().ToString();
  ASSERT_EQ(active->size(), 1u);
  auto entry = (*store)->GetWatchlistEntry(1);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(entry->ended_at.empty());
  EXPECT_EQ(entry->person_external_id, "P");
}

TEST(SchemaTest, RefusesAStoreFromANewerProgram) {
  TempDir dir;
  auto db = std::move(Database::Open(dir.path() / "abis.db", true)).value();
  ASSERT_TRUE(MigrateSchema(*db).ok());
  ASSERT_TRUE(db->Execute("UPDATE schema_version SET version = 99").ok());
  Status status = MigrateSchema(*db);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("99"), std::string::npos);
}

// A person with one sample; returns the sample id.
std::int64_t AddPersonWithSample(Store& store, const std::vector<std::uint8_t>& bytes) {
  auto user = AddUser(store, "clerk", Role::kEnroller);
  EXPECT_TRUE(user.ok());
  Person person = MakePerson("P");
  EXPECT_TRUE(store.AddPerson(person).ok());
  Encounter encounter;
  encounter.person_id = person.id;
  encounter.operator_id = user->id;
  auto encounter_id = store.AddEncounter(encounter);
  EXPECT_TRUE(encounter_id.ok());
  auto sample_id = store.AddSample(*encounter_id, person.id, Modality::kFace, "raw", FingerPosition::kUnknown, bytes);
  EXPECT_TRUE(sample_id.ok()) << sample_id.status().ToString();
  return *sample_id;
}

TEST(StoreKeyTest, AKeyFileOthersCouldReadKeepsTheStoreClosedAndSaysHowToFixIt) {
  TempDir dir;
  ASSERT_TRUE(Store::Create(dir.path() / "s").ok());
  auto key_file = dir.path() / "s" / "master.key";
  chmod(key_file.c_str(), 0644);
  auto store = Store::Open(dir.path() / "s");
  ASSERT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("mode 0644"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("chmod 600 " + key_file.string()), std::string::npos);
}

TEST(StoreKeyTest, APassphraseFileMakesCreateWrapTheKeyAndOpenNeedsIt) {
  TempDir dir;
  auto passphrase = dir.path() / "passphrase";
  ASSERT_TRUE(CreateOwnerOnlyFile(passphrase, "a long passphrase kept elsewhere\n", "passphrase").ok());
  auto bytes = RandomSample(21);
  std::int64_t sample_id = 0;
  {
    ScopedEnv env("ABIS_KEY_PASSPHRASE_FILE", passphrase.string());
    auto store = Store::Create(dir.path() / "s");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_NE((*store)->layout().KeySourceDescription().find(passphrase.string()), std::string::npos);
    sample_id = AddPersonWithSample(**store, bytes);
  }
  std::ifstream in(dir.path() / "s" / "master.key");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "abis-master-key-v2");

  auto without = Store::Open(dir.path() / "s");
  EXPECT_EQ(without.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(without.status().message().find("ABIS_KEY_PASSPHRASE_FILE"), std::string::npos);
  {
    ScopedEnv env("ABIS_KEY_PASSPHRASE_FILE", passphrase.string());
    auto store = Store::Open(dir.path() / "s");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto loaded = (*store)->LoadSample(sample_id);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(*loaded, bytes);
    chmod(passphrase.c_str(), 0640);
    auto exposed = Store::Open(dir.path() / "s");
    EXPECT_EQ(exposed.status().code(), StatusCode::kFailedPrecondition) << "the passphrase file is a secret too";
  }
}

TEST(StoreKeyTest, AKeyCommandSuppliesTheMasterKeyAndNoKeyFileIsWritten) {
  TempDir dir;
  const std::string hex = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";
  auto bytes = RandomSample(22);
  std::int64_t sample_id = 0;
  {
    ScopedEnv env("ABIS_KEY_COMMAND", "echo " + hex);
    auto store = Store::Create(dir.path() / "s");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    sample_id = AddPersonWithSample(**store, bytes);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "s" / "master.key"));
  {
    ScopedEnv env("ABIS_KEY_COMMAND", "echo " + hex);
    auto store = Store::Open(dir.path() / "s");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto loaded = (*store)->LoadSample(sample_id);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(*loaded, bytes);
  }
  {
    ScopedEnv env("ABIS_KEY_COMMAND", "echo key service unreachable >&2; exit 69");
    EXPECT_EQ(Store::Open(dir.path() / "s").status().code(), StatusCode::kFailedPrecondition);
  }
}

TEST_F(StoreTest, DeletionsCheckpointTheWalThemselvesOnceTheyCommit) {
  // The wrapped data key sits in the same row as the ciphertext it opens (templates and samples
  // alike), so both leave the files together; until the checkpoint, both are in the WAL.
  struct Sealed {
    std::vector<std::uint8_t> wrapped_key, ciphertext;
  };
  auto sealed_rows = [&](const std::string& table, std::int64_t person_id) {
    std::vector<Sealed> rows;
    auto query = RawDatabase(*store_).Prepare("SELECT wrapped_key, sealed FROM " + table + " WHERE person_id = ?");
    query->Bind(1, person_id);
    while (*query->Step()) {
      auto ciphertext = query->ColumnBlob(1);
      rows.push_back({query->ColumnBlob(0), std::vector<std::uint8_t>(ciphertext.begin() + 24, ciphertext.begin() + 88)});
    }
    return rows;
  };
  auto left_in_files = [&](const std::vector<Sealed>& rows) {
    std::vector<std::string> found;
    for (const char* name : {"abis.db", "abis.db-wal"}) {
      auto file = dir_.path() / "store" / name;
      for (const Sealed& row : rows) {
        if (FileContains(file, row.wrapped_key)) found.push_back(std::string(name) + ": wrapped key");
        if (FileContains(file, row.ciphertext)) found.push_back(std::string(name) + ": ciphertext");
      }
    }
    return found;
  };

  Person erased = MakePerson("ERASED");
  Person kept = MakePerson("KEPT");
  ASSERT_TRUE(store_->AddPerson(erased).ok());
  ASSERT_TRUE(store_->AddPerson(kept).ok());
  EnrolBytes(erased.id, RandomSample(31));
  EnrolBytes(kept.id, RandomSample(32));
  std::vector<Sealed> erased_rows = sealed_rows("templates", erased.id);
  for (const Sealed& row : sealed_rows("samples", erased.id)) erased_rows.push_back(row);
  std::vector<Sealed> kept_rows = sealed_rows("templates", kept.id);
  for (const Sealed& row : sealed_rows("samples", kept.id)) kept_rows.push_back(row);
  ASSERT_EQ(erased_rows.size(), 2u);
  ASSERT_FALSE(left_in_files(erased_rows).empty()) << "the test must see the bytes before the deletion";

  ASSERT_TRUE(store_->DeletePerson(erased.id).ok());  // no Checkpoint() call
  EXPECT_EQ(left_in_files(erased_rows), std::vector<std::string>());
  EXPECT_EQ(std::filesystem::file_size(dir_.path() / "store" / "abis.db-wal"), 0u);

  auto encounters = store_->ListEncounters(kept.id);
  ASSERT_TRUE(encounters.ok());
  ASSERT_EQ(encounters->size(), 1u);
  ASSERT_TRUE(store_->DeleteEncounter(encounters->front().id).ok());
  EXPECT_EQ(left_in_files(kept_rows), std::vector<std::string>());
}

}  // namespace
}  // namespace abis
