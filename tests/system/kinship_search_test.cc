// AbisSystem::KinshipSearch with the real DNA engine on families the test simulates: founders drawn
// from the shipped allele frequencies, children by Mendelian transmission. Both directions rank the
// true family first; the audit entry, the review leads and every refusal are checked. One test
// builds families from the 1,036 real NIST genotypes (skipped when the shared data is absent).
#include "abis/system/kinship_search.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "../support/simulated_families.h"
#include "../support/test_engine.h"
#include "abis/core/paths.h"
#include "abis/dna/dna_engine.h"
#include "abis/dna/locus.h"
#include "abis/dna/profile_io.h"
#include "abis/store/crypto.h"
#include "abis/system/candidate_review.h"

namespace abis {
namespace {

using testing::Child;
using testing::DnaSample;
using testing::Genotypes;
using testing::ProfileCsv;

nlohmann::json Relative(const std::string& missing_person, const std::string& relationship) {
  return {{kMissingPersonOption, missing_person}, {kRelationshipOption, relationship}};
}

// One simulated family: the missing person (whose profile the remains show), the parents and a
// full sibling.
struct Family {
  Genotypes mother, father, missing, sibling;
};

class KinshipSearchTest : public ::testing::Test {
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

  Family MakeFamily() {
    Family family{Founder(), Founder(), {}, {}};
    family.missing = Child(family.mother, family.father, random_);
    family.sibling = Child(family.mother, family.father, random_);
    return family;
  }

  Status AddPerson(const std::string& id, PersonCategory category) {
    Person person;
    person.external_id = id;
    person.category = category;
    person.legal_basis = "Missing Persons Act s.3";
    person.retention_until = "2099-01-01";
    return system_->AddPerson(admin_, person).status();
  }

  // Adds the person and enrols the sample into `gallery`.
  Result<EnrolResult> Enrol(const std::string& id, PersonCategory category, const SampleInput& sample,
                            const std::string& gallery) {
    ABIS_RETURN_IF_ERROR(AddPerson(id, category));
    EnrolRequest request;
    request.person = id;
    request.sample = sample;
    request.encounter_kind = category == PersonCategory::kUnidentifiedRemains ? "body_recovery" : "reference_sample";
    request.galleries = {gallery};
    return system_->Enrol(enroller_, request);
  }

  void EnrolReference(const std::string& id, const Genotypes& genotypes, const std::string& missing,
                      const std::string& relationship) {
    auto enrolled = Enrol(id, PersonCategory::kMissingPersonReference,
                          DnaSample(genotypes, id + ".csv", Relative(missing, relationship)), "families");
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    person_ids_[id] = enrolled->person_id;
  }

  void EnrolRemains(const std::string& id, const Genotypes& genotypes) {
    auto enrolled = Enrol(id, PersonCategory::kUnidentifiedRemains, DnaSample(genotypes, id + ".csv"), "remains");
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    person_ids_[id] = enrolled->person_id;
  }

  // Six families: MP-0..2 with both parents (trio), MP-3..5 with one full sibling each; the remains
  // of each missing person in the remains gallery.
  void EnrolFamilies() {
    for (int i = 0; i < 6; ++i) families_.push_back(MakeFamily());
    for (int i = 0; i < 6; ++i) {
      const std::string mp = "MP-" + std::to_string(i);
      if (i < 3) {
        EnrolReference(mp + "-mother", families_[i].mother, mp, "mother");
        EnrolReference(mp + "-father", families_[i].father, mp, "father");
      } else {
        EnrolReference(mp + "-sibling", families_[i].sibling, mp, "full_sibling");
      }
      EnrolRemains("UR-" + std::to_string(i), families_[i].missing);
    }
  }

  KinshipSearchRequest Request(KinshipDirection direction) {
    KinshipSearchRequest request;
    request.purpose = Purpose::kUnidentifiedRemains;
    request.case_ref = "MP-CASE-7";
    request.direction = direction;
    request.gallery = direction == KinshipDirection::kRemainsToFamilies ? "families" : "remains";
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

  testing::TempDir dir_;
  std::unique_ptr<ModalityEngine> engine_;
  std::unique_ptr<AbisSystem> system_;
  Operator admin_, enroller_, investigator_, examiner_, auditor_;
  testing::FounderSampler founders_;
  std::mt19937 random_{20240519};
  std::vector<Family> families_;
  std::map<std::string, std::int64_t> person_ids_;
};

TEST_F(KinshipSearchTest, RemainsProbeRanksTheTrueFamilyFirstAndIsAuditedAndKeptForReview) {
  EnrolFamilies();
  for (int truth : {1, 4}) {  // a trio family and a sibling family
    KinshipSearchRequest request = Request(KinshipDirection::kRemainsToFamilies);
    request.probe = DnaSample(families_[truth].missing, "bone-" + std::to_string(truth) + ".csv");
    request.max_candidates = 3;
    auto result = system_->KinshipSearch(investigator_, request);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->candidates.size(), 3u);
    EXPECT_EQ(result->gallery_persons, 9u);
    const KinshipCandidate& best = result->candidates.front();
    const std::string mp = "MP-" + std::to_string(truth);
    EXPECT_EQ(best.missing_person, mp);
    // A trio is strong evidence (log10 LR ~ 10 at 20 loci); one full sibling much weaker (~ 2-4).
    EXPECT_GT(best.log10_lr, truth < 3 ? 6.0 : 1.5);
    EXPECT_LT(result->candidates[1].log10_lr, best.log10_lr - 1.5);
    EXPECT_GT(best.posterior, truth < 3 ? 0.999 : 0.9);
    EXPECT_DOUBLE_EQ(result->prior_per_candidate, 1.0 / 7.0);
    EXPECT_EQ(best.population.empty(), false);
    EXPECT_EQ(best.loci.size(), 20u);
    double sum = 0.0;
    for (const PedigreeLocus& locus : best.loci) sum += locus.log10_lr;
    EXPECT_NEAR(sum, best.log10_lr, 1e-9);
    if (truth < 3) {
      EXPECT_EQ(best.pedigree, "trio");
      EXPECT_EQ(best.relatives_used, (std::vector<std::string>{mp + "-mother", mp + "-father"}));
      EXPECT_EQ(best.person_id, person_ids_[mp + "-mother"]) << "the lead is the pedigree's first reference";
    } else {
      EXPECT_EQ(best.pedigree, "full_sibling");
      EXPECT_EQ(best.relatives_used, (std::vector<std::string>{mp + "-sibling"}));
      EXPECT_EQ(best.external_id, mp + "-sibling");
    }
    EXPECT_EQ(result->model["mutation_model"]["name"], "stepwise");
    EXPECT_TRUE(result->model.contains("theta"));

    // One audit entry naming the references used, with the probe's hash and no DNA.
    auto entries = Audited("kinship_search");
    ASSERT_FALSE(entries.empty());
    const nlohmann::json& entry = entries.back();
    EXPECT_EQ(entry["seq"], result->audit_seq);
    EXPECT_EQ(entry["purpose"], "unidentified_remains");
    EXPECT_EQ(entry["case_ref"], "MP-CASE-7");
    EXPECT_EQ(entry["input_sha256"], nlohmann::json::array({Sha256Hex(request.probe->bytes)}));
    EXPECT_EQ(entry["result"]["direction"], "remains_to_families");
    EXPECT_EQ(entry["result"]["candidates"][0]["missing_person"], mp);
    const auto persons = entry["object_ids"]["persons"].get<std::vector<std::int64_t>>();
    for (const std::string& relative : best.relatives_used) {
      EXPECT_NE(std::find(persons.begin(), persons.end(), person_ids_[relative]), persons.end()) << relative;
    }
    // Every reference whose profile was weighed is named, not only the 3 candidates' relatives.
    std::size_t references = 0;
    for (const auto& [name, id] : person_ids_) {
      if (name.find("-mother") == std::string::npos && name.find("-father") == std::string::npos &&
          name.find("-sibling") == std::string::npos) {
        continue;
      }
      ++references;
      EXPECT_NE(std::find(persons.begin(), persons.end(), id), persons.end()) << name << " was weighed";
    }
    EXPECT_EQ(references, 9u);
    EXPECT_EQ(entry.dump().find("allele"), std::string::npos);
    EXPECT_EQ(entry.dump().find("D8S1179"), std::string::npos) << "no locus data in the audit";

    // The candidates are leads for the two-person review.
    auto reviews = system_->ReadSearchReviews(examiner_, result->audit_seq);
    ASSERT_TRUE(reviews.ok()) << reviews.status().ToString();
    ASSERT_EQ(reviews->size(), 3u);
    EXPECT_EQ(reviews->front().person_id, best.person_id);
    EXPECT_EQ(reviews->front().candidate_id, best.review_id);
    EXPECT_EQ(reviews->front().purpose, "unidentified_remains");
    // The lead says what it stands for: the examiner reviews a relative for a missing person.
    EXPECT_EQ(reviews->front().context["missing_person"], mp);
    EXPECT_EQ(reviews->front().context["direction"], "remains_to_families");
    EXPECT_EQ(reviews->front().context["probe_sha256"], Sha256Hex(request.probe->bytes));
    EXPECT_NEAR(reviews->front().fused_log_lr, best.log10_lr * std::log(10.0), 1e-6);
    EXPECT_EQ(reviews->front().gallery, "families");
  }
}

TEST_F(KinshipSearchTest, StoredRemainsPersonIsAProbeToo) {
  EnrolFamilies();
  KinshipSearchRequest request = Request(KinshipDirection::kRemainsToFamilies);
  request.probe_person = "UR-2";
  auto result = system_->KinshipSearch(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->candidates.front().missing_person, "MP-2");
  EXPECT_EQ(result->candidates.size(), 6u);
  auto entries = Audited("kinship_search");
  EXPECT_EQ(entries.back()["result"]["probe_person_id"], person_ids_["UR-2"]);
}

TEST_F(KinshipSearchTest, NewFamilyReferenceRanksItsRemainsFirstWithTheStoredReferences) {
  EnrolFamilies();
  // MP-4's family: the stored sibling, and now the mother brought as a probe sample.
  KinshipSearchRequest request = Request(KinshipDirection::kFamilyToRemains);
  request.purpose = Purpose::kMissingPerson;
  request.probe = DnaSample(families_[4].mother, "mother-of-4.csv", Relative("MP-4", "mother"));
  auto result = system_->KinshipSearch(examiner_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->missing_person, "MP-4");
  EXPECT_EQ(result->gallery_persons, 6u);
  ASSERT_EQ(result->candidates.size(), 6u);
  const KinshipCandidate& best = result->candidates.front();
  EXPECT_EQ(best.external_id, "UR-4");
  EXPECT_EQ(best.person_id, person_ids_["UR-4"]);
  EXPECT_EQ(best.missing_person, "MP-4");
  // The probe (a lone mother is a parent-child pair) multiplies in with the stored sibling.
  EXPECT_EQ(best.relatives_used, (std::vector<std::string>{"MP-4-sibling", "probe"}));
  EXPECT_NE(best.pedigree.find("more"), std::string::npos) << best.pedigree;
  EXPECT_GT(best.log10_lr, result->candidates[1].log10_lr + 3.0);
  EXPECT_GT(best.posterior, 0.99);

  auto reviews = system_->ReadSearchReviews(examiner_, result->audit_seq);
  ASSERT_TRUE(reviews.ok());
  EXPECT_EQ(reviews->front().external_id, "UR-4");
  auto entry = Audited("kinship_search").back();
  EXPECT_EQ(entry["result"]["missing_person"], "MP-4");
  EXPECT_EQ(entry["purpose"], "missing_person");
  const auto persons = entry["object_ids"]["persons"].get<std::vector<std::int64_t>>();
  EXPECT_NE(std::find(persons.begin(), persons.end(), person_ids_["MP-4-sibling"]), persons.end());

  // A stored reference as the probe: its family (the father with the mother) finds the remains.
  request = Request(KinshipDirection::kFamilyToRemains);
  request.probe_person = "MP-0-father";
  result = system_->KinshipSearch(investigator_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->candidates.front().external_id, "UR-0");
  EXPECT_EQ(result->candidates.front().pedigree, "trio");

  // The stored sibling of MP-4 typed again and brought as a new reference would count twice.
  request = Request(KinshipDirection::kFamilyToRemains);
  request.probe = DnaSample(families_[4].sibling, "sibling-again.csv", Relative("MP-4", "full_sibling"));
  result = system_->KinshipSearch(examiner_, request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("'MP-4-sibling'"), std::string::npos) << result.status().ToString();
}

TEST_F(KinshipSearchTest, RefusalsAreAudited) {
  EnrolFamilies();
  KinshipSearchRequest request = Request(KinshipDirection::kRemainsToFamilies);
  request.probe = DnaSample(families_[0].missing, "bone.csv");

  request.purpose = Purpose::kCriminalInvestigation;
  auto refused = system_->KinshipSearch(examiner_, request);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("unidentified_remains or missing_person"), std::string::npos);
  auto entries = Audited("kinship_search.refused");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.back()["purpose"], "criminal_investigation");
  EXPECT_EQ(entries.back()["case_ref"], "MP-CASE-7");

  request.purpose = Purpose::kUnidentifiedRemains;
  EXPECT_EQ(system_->KinshipSearch(enroller_, request).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(system_->KinshipSearch(auditor_, request).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Audited("kinship_search.refused").size(), 3u);

  request.case_ref = "";
  EXPECT_EQ(system_->KinshipSearch(investigator_, request).status().code(), StatusCode::kInvalidArgument);

  // A stored probe of the wrong category: a failure after the checks, audited as such.
  request = Request(KinshipDirection::kRemainsToFamilies);
  request.probe_person = "MP-0-mother";
  auto wrong = system_->KinshipSearch(investigator_, request);
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find("category missing_person_reference"), std::string::npos);
  EXPECT_EQ(Audited("kinship_search.failed").size(), 1u);

  // A family probe without its relationship, or with one the engine does not know.
  request = Request(KinshipDirection::kFamilyToRemains);
  request.probe = DnaSample(families_[0].sibling, "sister.csv", {{kMissingPersonOption, "MP-0"}});
  auto no_relationship = system_->KinshipSearch(investigator_, request);
  EXPECT_EQ(no_relationship.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_relationship.status().message().find("without relationship"), std::string::npos);
  request.probe->options = Relative("MP-0", "second_cousin_twice_removed");
  auto bad = system_->KinshipSearch(investigator_, request);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown relationship 'second_cousin_twice_removed'"), std::string::npos)
      << bad.status().ToString();
  EXPECT_EQ(Audited("kinship_search.failed").size(), 3u);
  EXPECT_TRUE(Audited("kinship_search").size() == 0u);
}

TEST_F(KinshipSearchTest, FamilyReferenceSamplesMustStateTheirRelationship) {
  Genotypes aunt = Founder();
  // Missing both options.
  auto enrolled = Enrol("REF-1", PersonCategory::kMissingPersonReference, DnaSample(aunt, "aunt.csv"), "families");
  EXPECT_EQ(enrolled.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(enrolled.status().message().find("sample 'aunt.csv' of missing_person_reference person 'REF-1'"),
            std::string::npos)
      << enrolled.status().ToString();
  // Only the missing person.
  EnrolRequest request;
  request.person = "REF-1";
  request.sample = DnaSample(aunt, "aunt.csv", {{kMissingPersonOption, "MP-9"}});
  auto half = system_->Enrol(enroller_, request);
  EXPECT_EQ(half.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(half.status().message().find("without relationship"), std::string::npos);
  // A bad relationship name is the engine's refusal, naming the sample, for any person.
  request.sample = DnaSample(aunt, "aunt.csv", Relative("MP-9", "cousine"));
  auto bad = system_->Enrol(enroller_, request);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("aunt.csv"), std::string::npos);
  EXPECT_NE(bad.status().message().find("unknown relationship 'cousine'"), std::string::npos);
  // The spouse pedigree is not supported yet, and says so.
  request.sample = DnaSample(aunt, "aunt.csv", Relative("MP-9", "spouse"));
  auto spouse = system_->Enrol(enroller_, request);
  EXPECT_NE(spouse.status().message().find("not yet supported"), std::string::npos);
  // Stated fully: kept in clear with the sample.
  request.sample = DnaSample(aunt, "aunt.csv", Relative("MP-9", "aunt"));
  auto good = system_->Enrol(enroller_, request);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  auto samples = system_->TEST_store().ListSamples(good->person_id);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(samples->front().options, Relative("MP-9", "aunt"));
}

// Families from real people: the founders are real NIST genotypes (the 20 CODIS core loci), the
// missing persons their simulated children; the remains of each rank their own parents first.
TEST_F(KinshipSearchTest, RealGenotypesFamiliesRankFirst) {
  const auto path = SharedDataDir() / "dna" / "nist1036_genotypes.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "NIST 1036 genotypes not found at " << path.string();
  auto people = dna::LoadProfileCollectionFile(path);
  ASSERT_TRUE(people.ok()) << people.status().ToString();
  std::vector<Genotypes> founders;
  for (const dna::NamedProfile& person : *people) {
    if (person.population != "Cauc") continue;
    Genotypes genotypes;
    for (std::string_view locus : dna::CodisCoreLoci()) {
      auto found = person.profile.loci.find(std::string(locus));
      if (found == person.profile.loci.end() || found->second.alleles.size() != 2) break;
      genotypes[std::string(locus)] = {found->second.alleles[0].text(), found->second.alleles[1].text()};
    }
    if (genotypes.size() == dna::CodisCoreLoci().size()) founders.push_back(std::move(genotypes));
    if (founders.size() == 40) break;
  }
  ASSERT_EQ(founders.size(), 40u);
  std::vector<Genotypes> missing;
  for (int i = 0; i < 20; ++i) {
    const std::string mp = "RMP-" + std::to_string(i);
    missing.push_back(Child(founders[2 * i], founders[2 * i + 1], random_));
    EnrolReference(mp + "-mother", founders[2 * i], mp, "mother");
    EnrolReference(mp + "-father", founders[2 * i + 1], mp, "father");
  }
  for (int i : {0, 7, 19}) {
    KinshipSearchRequest request = Request(KinshipDirection::kRemainsToFamilies);
    request.probe = DnaSample(missing[i], "real-remains.csv");
    auto result = system_->KinshipSearch(investigator_, request);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->gallery_persons, 40u);
    EXPECT_EQ(result->candidates.front().missing_person, "RMP-" + std::to_string(i));
    EXPECT_EQ(result->candidates.front().pedigree, "trio");
    EXPECT_GT(result->candidates.front().log10_lr, 4.0);
    EXPECT_LT(result->candidates[1].log10_lr, 0.0);
  }
}

}  // namespace
}  // namespace abis
