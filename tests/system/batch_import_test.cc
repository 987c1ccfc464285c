// RunBatchImport on the fake engine: all-or-nothing per person with the error file, a run stopped
// part-way and resumed without duplicates, dedup leads, the summary.
#include "abis/system/batch_import.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "../support/sqlite_access.h"
#include "../support/test_engine.h"
#include "abis/system/batch_enrolment.h"

namespace abis {
namespace {

using testing::RandomSample;

class BatchImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto store = Store::Create(dir_.path() / "store");
      ASSERT_TRUE(store.ok());
    }
    auto system = Open();
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    User admin = *AddUser(system_->TEST_store(), "root", Role::kAdmin);
    User enroller = *AddUser(system_->TEST_store(), "eve", Role::kEnroller);
    admin_ = Operator{admin.id, "root", Role::kAdmin};
    enroller_ = Operator{enroller.id, "eve", Role::kEnroller};
    Gallery gallery;
    gallery.name = "register";
    ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
  }

  Result<std::unique_ptr<AbisSystem>> Open() {
    return AbisSystem::Open(
        dir_.path() / "store", [this](Modality) -> Result<const ModalityEngine*> { return &engine_; }, indexes_);
  }

  // Writes a sample file of `seed` (3 bytes, which the test engine rejects, when `bad`).
  std::string Sample(const std::string& name, std::uint32_t seed, bool bad = false) {
    std::vector<std::uint8_t> bytes = RandomSample(seed);
    if (bad) bytes.resize(3);
    std::ofstream(dir_.path() / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return name;
  }

  // A manifest of `rows` (person, file), written beside the samples.
  std::filesystem::path Manifest(const std::vector<std::pair<std::string, std::string>>& rows,
                                 const std::string& name = "manifest.csv") {
    std::ofstream out(dir_.path() / name, std::ios::binary);
    out << "person,category,legal_basis,retention_until,modality,position,file\r\n";
    for (const auto& [person, file] : rows)
      out << person << ",citizen,Register Act,2099-01-01,face,," << file << "\r\n";
    return dir_.path() / name;
  }

  BatchImportRequest Request(const std::filesystem::path& manifest) {
    BatchImportRequest request;
    request.manifest = manifest;
    request.gallery = "register";
    request.purpose = Purpose::kDeduplication;
    request.case_ref = "IMPORT-1";
    request.workers = 2;
    return request;
  }

  Result<BatchImportReport> Run(const BatchImportRequest& request) {
    return RunBatchImport([this] { return Open(); }, enroller_, request);
  }

  std::int64_t Count(const std::string& sql) {
    auto query = RawDatabase(system_->TEST_store()).Prepare(sql);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  bool Exists(const std::string& person) { return *system_->PersonExists(admin_, person); }

  testing::TempDir dir_;
  testing::TestEngine engine_;
  std::shared_ptr<GalleryIndexCache> indexes_ = std::make_shared<GalleryIndexCache>();
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_;
};

TEST_F(BatchImportTest, APersonWithABadSampleIsNotCreatedAndItsRowsGoToTheErrorFile) {
  auto manifest = Manifest({{"P-1", Sample("1a", 1)},
                            {"P-2", Sample("2a", 2)},
                            {"P-2", Sample("2b", 3, /*bad=*/true)},
                            {"P-3", Sample("3a", 4)}});
  auto report = Run(Request(manifest));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows, 4u);
  EXPECT_EQ(report->enrolled, 2u);
  EXPECT_EQ(report->failed, 1u);
  EXPECT_EQ(report->failed_rows, 2u);
  EXPECT_TRUE(Exists("P-1"));
  EXPECT_FALSE(Exists("P-2"));  // its good sample was not stored either
  EXPECT_TRUE(Exists("P-3"));
  EXPECT_EQ(Count("SELECT count(*) FROM templates"), 2);

  std::ifstream errors(manifest.string() + ".errors.csv");
  std::stringstream text;
  text << errors.rdbuf();
  const std::string content = text.str();
  EXPECT_EQ(content.rfind("person,category,legal_basis,retention_until,modality,position,file,error\n", 0), 0u);
  EXPECT_NE(content.find("P-2,citizen,Register Act,2099-01-01,face,,2a,"), std::string::npos);
  EXPECT_NE(content.find("P-2,citizen,Register Act,2099-01-01,face,,2b,"), std::string::npos);
  EXPECT_NE(content.find("line 4"), std::string::npos) << content;  // the bad sample's row
  EXPECT_EQ(content.find("P-1"), std::string::npos);
  const nlohmann::json summary = report->ToJson();
  for (const char* key : {"rows", "enrolled", "failed", "skipped_existing", "seconds", "possible_duplicates"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  EXPECT_EQ(summary["errors_file"], manifest.string() + ".errors.csv");
}

TEST_F(BatchImportTest, AnImportStoppedPartWayIsFinishedByAResumeWithoutDuplicates) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (int i = 0; i < 12; ++i) {
    const std::string person = "P-" + std::to_string(i);
    rows.emplace_back(person, Sample(person + "a", 100 + i));
    rows.emplace_back(person, Sample(person + "b", 200 + i));
  }
  auto manifest = Manifest(rows);
  BatchImportRequest interrupted = Request(manifest);
  std::atomic<int> started{0};
  interrupted.TEST_before_person = [&started](const std::string&) {
    return ++started > 5 ? Status::Internal("killed") : Status::Ok();
  };
  auto stopped = Run(interrupted);
  ASSERT_FALSE(stopped.ok());
  EXPECT_NE(stopped.status().message().find("--resume"), std::string::npos);
  const std::int64_t persons_after_stop = Count("SELECT count(*) FROM persons");
  EXPECT_GE(persons_after_stop, 1);
  EXPECT_LT(persons_after_stop, 12);
  EXPECT_EQ(Count("SELECT count(*) FROM templates"), 2 * persons_after_stop);  // whole persons only

  auto refused = Run(Request(manifest));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("person 'P-"), std::string::npos);

  BatchImportRequest resume = Request(manifest);
  resume.resume = true;
  auto finished = Run(resume);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->skipped_existing, static_cast<std::size_t>(persons_after_stop));
  EXPECT_EQ(finished->enrolled, 12u - static_cast<std::size_t>(persons_after_stop));
  EXPECT_EQ(finished->failed, 0u);
  EXPECT_EQ(Count("SELECT count(*) FROM persons"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM templates"), 24);
  EXPECT_EQ(Count("SELECT count(*) FROM encounters"), 12);
}

TEST_F(BatchImportTest, PersonsCommitInBatchesWithOneAuditEntryAndAPersonTheStoreRefusesIsLeftOutWhole) {
  std::ofstream out(dir_.path() / "mixed.csv", std::ios::binary);
  out << "person,category,legal_basis,retention_until,modality,position,file\n"
      << "P-1,citizen,Register Act,2099-01-01,face,," << Sample("m1", 31) << "\n"
      << "P-2,citizen,Register Act,2099-13-45,face,," << Sample("m2", 32) << "\n"  // the store refuses the date
      << "P-3,citizen,Register Act,2099-01-01,face,," << Sample("m3", 33) << "\n";
  out.close();
  BatchImportRequest request = Request(dir_.path() / "mixed.csv");
  request.workers = 1;
  request.batch_milliseconds = 60'000;  // one batch: extraction ends before the time is up
  auto report = Run(request);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->enrolled, 2u);
  EXPECT_EQ(report->failed, 1u);
  EXPECT_EQ(report->batches, 1u);
  EXPECT_FALSE(Exists("P-2"));
  EXPECT_EQ(Count("SELECT count(*) FROM persons"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM encounters"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM samples"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM templates"), 2);
  // One entry for the batch, naming both persons (ids), with the samples' hashes, not their bytes.
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'enrol.batch'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action IN ('enrol', 'person.add')"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_subjects s JOIN audit_log a ON a.seq = s.seq "
                  "WHERE a.action = 'enrol.batch'"),
            2);
  EXPECT_EQ(Count("SELECT json_array_length(input_sha256) FROM audit_log WHERE action = 'enrol.batch'"), 2);
  std::ifstream errors(dir_.path() / "mixed.csv.errors.csv");
  std::stringstream text;
  text << errors.rdbuf();
  EXPECT_NE(text.str().find("P-2,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("retention"), std::string::npos) << text.str();
  auto verified = system_->VerifyAudit(admin_);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
}

// Persons are committed in manifest order whatever order the workers finish them in (here the
// first is held until the third starts, so the second is extracted first): two imports of one
// manifest number persons and templates alike, and the search's ties (broken by template id) fall
// the same way on both (the matcher grid's check compares two stores imported so).
TEST_F(BatchImportTest, PersonsAreCommittedInManifestOrderWhateverOrderTheyAreExtractedIn) {
  auto manifest = Manifest(
      {{"O-0", Sample("o0", 60)}, {"O-1", Sample("o1", 61)}, {"O-2", Sample("o2", 62)}, {"O-3", Sample("o3", 63)}});
  BatchImportRequest request = Request(manifest);
  request.workers = 2;
  request.batch_size = 1;
  std::mutex mutex;
  std::condition_variable third_started;
  bool started = false;
  request.TEST_before_person = [&](const std::string& person) -> Status {
    std::unique_lock lock(mutex);
    if (person == "O-2") {
      started = true;
      third_started.notify_all();
    } else if (person == "O-0" && !third_started.wait_for(lock, std::chrono::minutes(2), [&] { return started; })) {
      return Status::Internal("O-2 never started");
    }
    return Status::Ok();
  };
  auto report = Run(request);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->enrolled, 4u);
  auto persons =
      RawDatabase(system_->TEST_store())
          .Prepare("SELECT p.external_id FROM templates t JOIN persons p ON p.id = t.person_id ORDER BY t.id");
  std::vector<std::string> in_template_order;
  while (*persons->Step()) in_template_order.push_back(persons->ColumnText(0));
  EXPECT_EQ(in_template_order, (std::vector<std::string>{"O-0", "O-1", "O-2", "O-3"}));
  EXPECT_EQ(Count("SELECT count(*) FROM persons a JOIN persons b ON a.external_id < b.external_id AND a.id > b.id"), 0);
}

// A stop between a batch's commit and its deduplication searches (as kill -9 would) leaves the
// searches owed, in the store; the resumed import runs them before anything else.
TEST_F(BatchImportTest, DeduplicationOwedByAnInterruptedImportIsCompletedByTheResume) {
  auto manifest = Manifest({{"D-1", Sample("d1", 41)}, {"D-2", Sample("d2", 42)}, {"D-1-again", "d1"}});
  BatchImportRequest interrupted = Request(manifest);
  interrupted.dedup = true;
  interrupted.workers = 1;
  interrupted.batch_milliseconds = 60'000;
  interrupted.TEST_before_dedup = [](const std::string&) { return Status::Internal("killed"); };
  ASSERT_FALSE(Run(interrupted).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM persons"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM pending_dedup"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'search'"), 0);

  BatchImportRequest resume = Request(manifest);
  resume.dedup = true;
  resume.resume = true;
  auto finished = Run(resume);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->skipped_existing, 3u);
  EXPECT_EQ(finished->dedup_completed, 3u);
  EXPECT_EQ(finished->possible_duplicates, 1u);  // D-1-again against the earlier D-1, once
  EXPECT_EQ(Count("SELECT count(*) FROM pending_dedup"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'search' AND purpose = 'deduplication'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM search_candidates c JOIN persons p ON p.id = c.person_id "
                  "WHERE p.external_id = 'D-1'"),
            1);
  EXPECT_EQ(finished->ToJson()["dedup_completed_from_earlier_run"], 3);
}

// An owed search that cannot succeed for its person (here: the person's only encounter was
// deactivated between the runs) is reported, not fatal: the resume completes the others.
TEST_F(BatchImportTest, AnOwedSearchThatFailsForItsPersonDoesNotBlockTheResume) {
  auto manifest = Manifest({{"E-1", Sample("e1", 51)}, {"E-2", Sample("e2", 52)}, {"E-3", Sample("e3", 53)}});
  BatchImportRequest interrupted = Request(manifest);
  interrupted.dedup = true;
  interrupted.workers = 1;
  interrupted.batch_milliseconds = 60'000;
  interrupted.TEST_before_dedup = [](const std::string&) { return Status::Internal("killed"); };
  ASSERT_FALSE(Run(interrupted).ok());
  ASSERT_EQ(Count("SELECT count(*) FROM pending_dedup"), 3);
  const std::int64_t encounter =
      Count("SELECT e.id FROM encounters e JOIN persons p ON p.id = e.person_id WHERE p.external_id = 'E-2'");
  ASSERT_TRUE(system_->TEST_store().SetEncounterActive(encounter, false).ok());

  BatchImportRequest resume = Request(manifest);
  resume.dedup = true;
  resume.resume = true;
  auto finished = Run(resume);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->dedup_completed, 2u);
  ASSERT_EQ(finished->dedup_failures.size(), 1u);
  EXPECT_EQ(finished->dedup_failures.front().first, "E-2");
  EXPECT_EQ(Count("SELECT count(*) FROM pending_dedup"), 1) << "E-2's search stays owed";
  EXPECT_EQ(finished->ToJson()["dedup_failed"][0]["person"], "E-2");
}

TEST_F(BatchImportTest, DedupRecordsALeadForAPersonEnrolledTwice) {
  auto manifest = Manifest({{"P-1", Sample("same", 7)}, {"P-2", Sample("other", 8)}, {"P-1-again", "same"}});
  BatchImportRequest request = Request(manifest);
  request.dedup = true;
  request.workers = 1;
  auto report = Run(request);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->enrolled, 3u);
  EXPECT_EQ(report->possible_duplicates, 1u);
  EXPECT_TRUE(Exists("P-1"));
  EXPECT_TRUE(Exists("P-1-again"));  // never merged or dropped
  // One search per person, and only the possible duplicate became a lead for review.
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'search' AND purpose = 'deduplication'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM search_candidates"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM search_candidates c JOIN persons p ON p.id = c.person_id "
                  "WHERE p.external_id = 'P-1'"),
            1);

  BatchImportRequest wrong_purpose = Request(manifest);
  wrong_purpose.dedup = true;
  wrong_purpose.purpose = Purpose::kBorderControl;
  EXPECT_EQ(Run(wrong_purpose).status().code(), StatusCode::kInvalidArgument);
}

// A template-level enrolment (`abis bench store`'s face path): the engine checks each template
// instead of extracting it, and the ordinary commit seals, audits and indexes it; a template of
// another algorithm, one the engine refuses, a missing template or an operator without the
// enrol right stores nothing.
TEST_F(BatchImportTest, TemplatesPreparedWithoutExtractionAreCheckedThenCommittedAndSearchable) {
  auto request_for = [](const std::string& id, std::uint32_t seed) {
    EncounterEnrolment request;
    request.person = id;
    request.new_person = Person{};
    request.new_person->external_id = id;
    request.new_person->category = PersonCategory::kCitizen;
    request.new_person->legal_basis = "Register Act";
    request.new_person->retention_until = "2099-01-01";
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.bytes = RandomSample(seed);
    request.samples.push_back(sample);
    return request;
  };
  auto template_of = [this](std::uint32_t seed) {
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.bytes = RandomSample(seed);
    return *engine_.Extract(sample);
  };
  BiometricTemplate foreign = template_of(51);
  foreign.algorithm = "other/1";
  EXPECT_EQ(system_->PrepareNewPersonWithTemplates(enroller_, request_for("T-0", 50), {foreign}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(system_->PrepareNewPersonWithTemplates(enroller_, request_for("T-0", 50), {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(system_->PrepareNewPersonWithTemplates(admin_, request_for("T-0", 50), {template_of(50)}).status().code(),
            StatusCode::kPermissionDenied);
  BiometricTemplate wrong_position = template_of(50);
  wrong_position.position = FingerPosition::kLeftThumb;
  EXPECT_EQ(system_->PrepareNewPersonWithTemplates(enroller_, request_for("T-0", 50), {wrong_position}).status().code(),
            StatusCode::kInvalidArgument);

  std::vector<PreparedPerson> prepared;
  for (std::uint32_t seed : {60u, 61u}) {
    auto person = system_->PrepareNewPersonWithTemplates(enroller_, request_for("T-" + std::to_string(seed), seed),
                                                         {template_of(seed)});
    ASSERT_TRUE(person.ok()) << person.status().ToString();
    prepared.push_back(std::move(person).value());
  }
  NewPersonsBatch batch;
  batch.gallery = "register";
  batch.case_ref = "TEMPLATES-1";
  auto commit = system_->CommitNewPersons(enroller_, prepared, batch);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_FALSE(Exists("T-0"));
  EXPECT_EQ(Count("SELECT count(*) FROM templates"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'enrol.batch'"), 1);

  SearchRequest search;
  search.gallery = "register";
  search.case_ref = "TEMPLATES-1";
  SampleInput probe;
  probe.modality = Modality::kFace;
  probe.bytes = RandomSample(61);
  search.probes.push_back(probe);
  auto found = system_->Search(enroller_, search);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_FALSE(found->candidates.empty());
  EXPECT_EQ(found->candidates.front().external_id, "T-61");
  EXPECT_EQ(found->gallery_size, 2u);
}

}  // namespace
}  // namespace abis
