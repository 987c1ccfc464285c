// AbisSystem::IdentifyDisasterVictims with the real DNA engine on simulated disasters: founders
// drawn from the shipped allele frequencies, children by Mendelian transmission, fragments as
// partial profiles of one person. The joint assignment recovers the truth, groups the fragments,
// leaves the stranger unassigned and flags a contested missing person; audit, leads and refusals
// are checked. One test builds the families from the real NIST genotypes (skipped when absent).
#include "abis/system/dvi_job.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "../support/simulated_families.h"
#include "../support/test_engine.h"
#include "abis/core/paths.h"
#include "abis/dna/dna_engine.h"
#include "abis/dna/locus.h"
#include "abis/dna/profile_io.h"
#include "abis/modality/kinship_evaluator.h"
#include "abis/system/candidate_review.h"

namespace abis {
namespace {

using testing::Child;
using testing::DnaSample;
using testing::Genotypes;

// The loci [first, last) of the profile (in locus name order): a fragment's partial profile.
Genotypes Loci(const Genotypes& genotypes, std::size_t first, std::size_t last) {
  Genotypes out;
  std::size_t i = 0;
  for (const auto& [locus, alleles] : genotypes) {
    if (i >= first && i < last) out[locus] = alleles;
    ++i;
  }
  return out;
}

class DviJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = dna::AlleleFrequencyTable::LoadFile(dna::AlleleFrequencyTable::ShippedTablePath());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    auto founders = testing::FounderSampler::FromTable(*table, "Caucasian");
    ASSERT_TRUE(founders.ok()) << founders.status().ToString();
    founders_ = std::move(founders).value();
    auto engine = dna::NewDnaEngine(std::move(table).value());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    ASSERT_TRUE(Store::Create(dir_.path() / "store").ok());
    auto system = AbisSystem::Open(dir_.path() / "store",
                                   [this](Modality) -> Result<const ModalityEngine*> { return engine_.get(); });
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    admin_ = MakeOperator("root", Role::kAdmin);
    enroller_ = MakeOperator("eve", Role::kEnroller);
    investigator_ = MakeOperator("ian", Role::kInvestigator);
    examiner_ = MakeOperator("exa", Role::kExaminer);
    auditor_ = MakeOperator("ada", Role::kAuditor);
    for (const char* name : {"families", "remains"}) {
      Gallery gallery;
      gallery.name = name;
      ASSERT_TRUE(system_->CreateGallery(admin_, gallery).ok());
    }
  }

  Operator MakeOperator(const std::string& name, Role role) {
    User user = *AddUser(system_->TEST_store(), name, role);
    return Operator{user.id, name, role};
  }

  Genotypes Founder() { return founders_.Draw(random_); }

  // Adds the person (once) and enrols the sample into `gallery` in a new encounter.
  void Enrol(const std::string& id, PersonCategory category, const SampleInput& sample, const std::string& gallery) {
    if (!person_ids_.contains(id)) {
      Person person;
      person.external_id = id;
      person.category = category;
      person.legal_basis = "Missing Persons Act s.3";
      person.retention_until = "2099-01-01";
      ASSERT_TRUE(system_->AddPerson(admin_, person).ok());
    }
    EnrolRequest request;
    request.person = id;
    request.sample = sample;
    request.encounter_kind = category == PersonCategory::kUnidentifiedRemains ? "body_recovery" : "reference_sample";
    request.galleries = {gallery};
    auto enrolled = system_->Enrol(enroller_, request);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    person_ids_[id] = enrolled->person_id;
  }

  void EnrolReference(const std::string& id, const Genotypes& genotypes, const std::string& missing,
                      const std::string& relationship) {
    Enrol(id, PersonCategory::kMissingPersonReference,
          DnaSample(genotypes, id + ".csv", {{kMissingPersonOption, missing}, {kRelationshipOption, relationship}}),
          "families");
  }

  void EnrolRemains(const std::string& id, const Genotypes& genotypes) {
    Enrol(id, PersonCategory::kUnidentifiedRemains, DnaSample(genotypes, id + ".csv"), "remains");
  }

  // The disaster: 10 families (MP-0..5 with both parents, MP-6..9 with the mother and a full
  // sibling); 8 remains: the whole bodies of MP-0, 1, 2, 6, 7, two fragments of MP-3 (loci 0-13
  // and 4-19) and a stranger related to nobody.
  void EnrolDisaster() {
    for (int i = 0; i < 10; ++i) {
      const std::string mp = "MP-" + std::to_string(i);
      Genotypes mother = Founder(), father = Founder();
      missing_.push_back(Child(mother, father, random_));
      EnrolReference(mp + "-mother", mother, mp, "mother");
      if (i < 6) {
        EnrolReference(mp + "-father", father, mp, "father");
      } else {
        EnrolReference(mp + "-sibling", Child(mother, father, random_), mp, "full_sibling");
      }
    }
    for (int i : {0, 1, 2, 6, 7}) EnrolRemains("UR-" + std::to_string(i), missing_[i]);
    EnrolRemains("UR-3a", Loci(missing_[3], 0, 14));
    EnrolRemains("UR-3b", Loci(missing_[3], 4, 20));
    EnrolRemains("UR-stranger", Founder());
  }

  DviJobRequest Request() {
    DviJobRequest request;
    request.case_ref = "DVI-2024-1";
    request.remains_gallery = "remains";
    request.families_gallery = "families";
    return request;
  }

  std::vector<nlohmann::json> Audited(const std::string& action) {
    AuditFilter filter;
    filter.action = action;
    std::ostringstream out;
    EXPECT_TRUE(system_->ExportAudit(auditor_, filter, out).ok());
    std::vector<nlohmann::json> entries;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
    return entries;
  }

  // missing person -> the remains of its assignment ("UR-3a+UR-3b" for a group).
  static std::map<std::string, std::string> Assigned(const DviJobResult& result) {
    std::map<std::string, std::string> out;
    for (const DviAssignment& a : result.assignments) {
      std::string remains;
      for (const std::string& r : result.groups[a.group].remains) remains += (remains.empty() ? "" : "+") + r;
      out[a.missing_person] = remains;
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<ModalityEngine> engine_;
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_, investigator_, examiner_, auditor_;
  testing::FounderSampler founders_;
  std::mt19937 random_{20240601};
  std::vector<Genotypes> missing_;
  std::map<std::string, std::int64_t> person_ids_;
};

TEST_F(DviJobTest, JointAssignmentRecoversTheTruthGroupsFragmentsAndLeavesTheStranger) {
  EnrolDisaster();
  DviJobRequest request = Request();
  std::vector<DviProgress> progress;
  request.progress = [&](const DviProgress& step) { progress.push_back(step); };
  auto result = system_->IdentifyDisasterVictims(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->remains_persons, 8u);
  EXPECT_EQ(result->missing_persons.size(), 10u);
  ASSERT_EQ(result->groups.size(), 7u) << "the two fragments are one individual";
  EXPECT_DOUBLE_EQ(result->assignment_log10_lr, 4.0);
  EXPECT_DOUBLE_EQ(result->prior_per_missing_person, 1.0 / 11.0);

  // The fragments: one group, the fuller profile (16 loci) first, linked by a strong direct match.
  const DviGroup* fragments = nullptr;
  for (const DviGroup& group : result->groups)
    if (group.remains.size() > 1) fragments = &group;
  ASSERT_NE(fragments, nullptr);
  EXPECT_EQ(fragments->remains, (std::vector<std::string>{"UR-3b", "UR-3a"}));
  EXPECT_GT(fragments->weakest_link_log10_lr, 6.0);

  const std::map<std::string, std::string> expected = {{"MP-0", "UR-0"},        {"MP-1", "UR-1"}, {"MP-2", "UR-2"},
                                                       {"MP-3", "UR-3b+UR-3a"}, {"MP-6", "UR-6"}, {"MP-7", "UR-7"}};
  EXPECT_EQ(Assigned(*result), expected);
  EXPECT_EQ(result->unassigned_missing_persons, (std::vector<std::string>{"MP-4", "MP-5", "MP-8", "MP-9"}));
  ASSERT_EQ(result->unassigned_groups.size(), 1u);
  EXPECT_EQ(result->groups[result->unassigned_groups[0]].remains, (std::vector<std::string>{"UR-stranger"}));
  for (const DviAssignment& a : result->assignments) {
    EXPECT_GE(a.log10_lr, 4.0);
    EXPECT_GT(a.posterior, 0.99) << a.missing_person;
    EXPECT_FALSE(a.runner_up.empty());
    EXPECT_NEAR(a.margin_log10, a.log10_lr - a.runner_up_log10_lr, 1e-12);
    EXPECT_TRUE(a.conflicts.empty()) << a.missing_person << ": " << a.conflicts.front();
    EXPECT_GT(a.review_id, 0);
  }
  for (std::size_t i = 1; i < result->assignments.size(); ++i)
    EXPECT_GE(result->assignments[i - 1].log10_lr, result->assignments[i].log10_lr);

  // Progress after each of the 7 groups.
  ASSERT_EQ(progress.size(), 7u);
  EXPECT_EQ(progress.back().remains_done, 7u);
  EXPECT_EQ(progress.back().remains_total, 7u);

  // The report: the matrix is 7 x 10; the JSON names the same assignments.
  const nlohmann::json report = result->ToJson();
  EXPECT_EQ(report["matrix"]["rows"].size(), 7u);
  EXPECT_EQ(report["matrix"]["rows"][0]["log10_lr"].size(), 10u);
  EXPECT_EQ(report["same_individual_groups"].size(), 1u);
  EXPECT_EQ(report["unassigned_remains"][0]["remains"][0], "UR-stranger");

  // One audit entry naming every person read (8 remains, 20 references), no DNA.
  auto entries = Audited("dvi_job");
  ASSERT_EQ(entries.size(), 1u);
  const nlohmann::json& entry = entries.front();
  EXPECT_EQ(entry["seq"], result->audit_seq);
  EXPECT_EQ(entry["purpose"], "unidentified_remains");
  EXPECT_EQ(entry["case_ref"], "DVI-2024-1");
  const auto persons = entry["object_ids"]["persons"].get<std::vector<std::int64_t>>();
  EXPECT_EQ(persons.size(), 28u);
  for (const auto& [id, person_id] : person_ids_)
    EXPECT_NE(std::find(persons.begin(), persons.end(), person_id), persons.end()) << id;
  EXPECT_EQ(entry["result"]["assignments"].size(), 6u);
  EXPECT_EQ(entry["result"]["same_individual_groups"].size(), 1u);
  EXPECT_EQ(entry.dump().find("allele"), std::string::npos);
  EXPECT_EQ(entry.dump().find("D8S1179"), std::string::npos) << "no locus data in the audit";

  // The assignments are leads for the two-person review, naming the remains person.
  auto reviews = system_->ReadSearchReviews(examiner_, result->audit_seq);
  ASSERT_TRUE(reviews.ok()) << reviews.status().ToString();
  ASSERT_EQ(reviews->size(), 6u);
  EXPECT_EQ(reviews->front().person_id, result->groups[result->assignments.front().group].person_ids.front());
  EXPECT_EQ(reviews->front().gallery, "remains");
  EXPECT_NEAR(reviews->front().fused_log_lr, result->assignments.front().log10_lr * std::log(10.0), 1e-6);
  EXPECT_EQ(reviews->front().context["missing_person"], result->assignments.front().missing_person)
      << "the lead says which missing person it assigns";
  EXPECT_EQ(reviews->front().context["kind"], "dvi_job");
}

// Two missing siblings: MP-X's parents are the references of MP-X, one living full sibling the
// only reference of MP-Y. The remains of both children match MP-X's parents best (a trio is far
// stronger than one sibling); genetically the parents cannot tell their children apart, so the
// job gives MP-X to one remains, MP-Y to the other (the larger total) and flags both.
TEST_F(DviJobTest, TwoRemainsContestingOneMissingPersonAreResolvedJointlyAndFlagged) {
  Genotypes mother = Founder(), father = Founder();
  Genotypes x = Child(mother, father, random_), y = Child(mother, father, random_);
  EnrolReference("X-mother", mother, "MP-X", "mother");
  EnrolReference("X-father", father, "MP-X", "father");
  EnrolReference("Y-sibling", Child(mother, father, random_), "MP-Y", "full_sibling");
  EnrolRemains("UR-x", x);
  EnrolRemains("UR-y", y);
  DviJobRequest request = Request();
  request.assignment_log10_lr = 1.0;
  auto result = system_->IdentifyDisasterVictims(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->groups.size(), 2u);
  for (const DviGroup& group : result->groups) {
    ASSERT_EQ(group.scores.front().missing_person, "MP-X") << "the constructed conflict: both best match MP-X";
  }
  ASSERT_EQ(result->assignments.size(), 2u) << "the joint assignment gives each remains one missing person";
  std::set<std::string> given;
  for (const DviAssignment& a : result->assignments) given.insert(a.missing_person);
  EXPECT_EQ(given, (std::set<std::string>{"MP-X", "MP-Y"}));
  // The larger of the two totals was chosen.
  auto lr = [&](std::size_t g, const std::string& mp) -> double {
    for (const DviPairScore& s : result->groups[g].scores)
      if (s.missing_person == mp) return s.log10_lr;
    return -INFINITY;
  };
  double total = 0.0;
  for (const DviAssignment& a : result->assignments) total += a.log10_lr;
  EXPECT_NEAR(total, std::max(lr(0, "MP-X") + lr(1, "MP-Y"), lr(1, "MP-X") + lr(0, "MP-Y")), 1e-9);
  for (const DviAssignment& a : result->assignments) {
    ASSERT_FALSE(a.conflicts.empty()) << a.missing_person;
    const std::string flags = nlohmann::json(a.conflicts).dump();
    if (a.missing_person == "MP-Y") {
      EXPECT_NE(flags.find("best match MP-X"), std::string::npos) << flags;
      EXPECT_EQ(a.runner_up, "MP-X");
      EXPECT_LT(a.margin_log10, 0.0);
    } else {
      EXPECT_NE(flags.find("MP-X is also the best match of"), std::string::npos) << flags;
    }
  }
  EXPECT_EQ(Audited("dvi_job").back()["result"]["assignments"][0]["conflicts"].get<int>() > 0, true);
}

TEST_F(DviJobTest, RefusalsAndFailuresAreAudited) {
  EnrolDisaster();
  DviJobRequest request = Request();
  request.purpose = Purpose::kCriminalInvestigation;
  auto refused = system_->IdentifyDisasterVictims(examiner_, request);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("purpose unidentified_remains"), std::string::npos);
  request.purpose = Purpose::kUnidentifiedRemains;
  EXPECT_EQ(system_->IdentifyDisasterVictims(enroller_, request).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(system_->IdentifyDisasterVictims(auditor_, request).status().code(), StatusCode::kPermissionDenied);
  auto refusals = Audited("dvi_job.refused");
  ASSERT_EQ(refusals.size(), 3u);
  EXPECT_EQ(refusals.front()["case_ref"], "DVI-2024-1");

  request.case_ref = "";
  EXPECT_EQ(system_->IdentifyDisasterVictims(investigator_, request).status().code(), StatusCode::kInvalidArgument);

  request = Request();
  request.families_gallery = "no-such-gallery";
  EXPECT_EQ(system_->IdentifyDisasterVictims(investigator_, request).status().code(), StatusCode::kNotFound);
  request = Request();
  request.assignment_log10_lr = 0.0;
  EXPECT_EQ(system_->IdentifyDisasterVictims(investigator_, request).status().code(), StatusCode::kInvalidArgument);
  // The families gallery as the remains gallery: no remains in it.
  request = Request();
  request.remains_gallery = "families";
  auto empty = system_->IdentifyDisasterVictims(investigator_, request);
  EXPECT_EQ(empty.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(empty.status().message().find("no unidentified_remains person"), std::string::npos);
  EXPECT_EQ(Audited("dvi_job.failed").size(), 3u);
  EXPECT_TRUE(Audited("dvi_job").empty());
}

// Families from real people: 15 trios of real NIST genotypes (the 20 CODIS core loci) whose
// missing persons are simulated children; 12 of them found, and one more real person unrelated to all.
TEST_F(DviJobTest, RealGenotypesDisasterIsIdentified) {
  const auto path = SharedDataDir() / "dna" / "nist1036_genotypes.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "NIST 1036 genotypes not found at " << path.string();
  auto people = dna::LoadProfileCollectionFile(path);
  ASSERT_TRUE(people.ok()) << people.status().ToString();
  std::vector<Genotypes> founders;
  for (const dna::NamedProfile& person : *people) {
    Genotypes genotypes;
    for (std::string_view locus : dna::CodisCoreLoci()) {
      auto found = person.profile.loci.find(std::string(locus));
      if (found == person.profile.loci.end() || found->second.alleles.size() != 2) break;
      genotypes[std::string(locus)] = {found->second.alleles[0].text(), found->second.alleles[1].text()};
    }
    if (genotypes.size() == dna::CodisCoreLoci().size()) founders.push_back(std::move(genotypes));
    if (founders.size() == 31) break;
  }
  ASSERT_EQ(founders.size(), 31u);
  std::map<std::string, std::string> truth;
  for (int i = 0; i < 15; ++i) {
    const std::string mp = "RMP-" + std::to_string(i);
    Genotypes child = Child(founders[2 * i], founders[2 * i + 1], random_);
    EnrolReference(mp + "-mother", founders[2 * i], mp, "mother");
    EnrolReference(mp + "-father", founders[2 * i + 1], mp, "father");
    if (i < 12) {
      EnrolRemains("RUR-" + std::to_string(i), child);
      truth[mp] = "RUR-" + std::to_string(i);
    }
  }
  EnrolRemains("RUR-unrelated", founders[30]);
  auto result = system_->IdentifyDisasterVictims(investigator_, Request());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Assigned(*result), truth);
  ASSERT_EQ(result->unassigned_groups.size(), 1u);
  EXPECT_EQ(result->groups[result->unassigned_groups[0]].remains.front(), "RUR-unrelated");
  for (const DviAssignment& a : result->assignments) EXPECT_TRUE(a.conflicts.empty()) << a.conflicts.front();
}

// The measured figure of docs/SEARCH.md (not run by ctest): 100 remains (whole profiles of 100
// trio families' missing persons) against those 100 families, timed from the request to the answer.
// Run: build/tests/abis_dvi_job_tests --gtest_also_run_disabled_tests --gtest_filter='*Scale*'
TEST_F(DviJobTest, DISABLED_Scale100RemainsBy100Families) {
  for (int i = 0; i < 100; ++i) {
    const std::string mp = "MP-" + std::to_string(i);
    Genotypes mother = Founder(), father = Founder();
    EnrolReference(mp + "-mother", mother, mp, "mother");
    EnrolReference(mp + "-father", father, mp, "father");
    EnrolRemains("UR-" + std::to_string(i), Child(mother, father, random_));
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = system_->IdentifyDisasterVictims(investigator_, Request());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->assignments.size(), 100u);
  std::size_t correct = 0;
  for (const DviAssignment& a : result->assignments)
    correct += a.missing_person.substr(3) == result->groups[a.group].remains.front().substr(3);
  std::cout << "DVI job 100 remains x 100 families: " << seconds << " s, " << correct << "/100 correct, "
            << result->assignments.size() << " assigned\n";
}

}  // namespace
}  // namespace abis
