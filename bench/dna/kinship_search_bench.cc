// Time of a kinship search in the store against a gallery of N families. Each family is a mother
// and a father (founders drawn from the shipped FBI 2015 Caucasian frequencies, 20 CODIS core loci)
// enrolled as missing_person_reference persons with their relationship options, and their child,
// the missing person, enrolled as unidentified remains. It then runs `--searches` searches each way:
//   - remains -> families: a remains profile (probe sample) against the N families (2N references);
//   - family -> remains: a stored mother (with the father found through the store) against the N remains;
// and reports the median and p95 latency and how often the true family ranks first, as JSON.
//
//   abis_kinship_search_bench --families 1000 --searches 20
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "../bench_measures.h"
#include "abis/dna/dna_engine.h"
#include "abis/dna/locus.h"
#include "abis/system/kinship_search.h"

namespace {

using abis::bench::Clock;
using abis::bench::MillisecondsSince;
using abis::bench::Quantile;
using abis::bench::Round;
using Genotypes = std::map<std::string, std::pair<std::string, std::string>>;

int Fail(const abis::Status& status) {
  std::cerr << "kinship_search_bench: " << status.ToString() << "\n";
  return 1;
}

abis::SampleInput Sample(const Genotypes& genotypes, nlohmann::json options) {
  std::string csv = "locus,allele1,allele2\n";
  for (const auto& [locus, alleles] : genotypes) csv += locus + "," + alleles.first + "," + alleles.second + "\n";
  abis::SampleInput sample;
  sample.modality = abis::Modality::kDna;
  sample.format_hint = "csv";
  sample.bytes.assign(csv.begin(), csv.end());
  sample.options = std::move(options);
  return sample;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t families = 1000, searches = 20;
  std::uint32_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--families") families = std::stoul(argv[i + 1]);
    if (flag == "--searches") searches = std::stoul(argv[i + 1]);
    if (flag == "--seed") seed = static_cast<std::uint32_t>(std::stoul(argv[i + 1]));
  }
  using namespace abis;
  auto table = dna::AlleleFrequencyTable::LoadFile(dna::AlleleFrequencyTable::ShippedTablePath());
  if (!table.ok()) return Fail(table.status());
  auto population = table->Population("Caucasian");
  if (!population.ok()) return Fail(population.status());
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<double>>> draws;
  for (std::string_view locus : dna::CodisCoreLoci()) {
    for (const auto& [allele, frequency] : (*population)->loci().at(std::string(locus)).frequency_by_allele) {
      draws[std::string(locus)].first.push_back(allele);
      draws[std::string(locus)].second.push_back(frequency);
    }
  }
  std::mt19937 random(seed);
  auto founder = [&] {
    Genotypes genotypes;
    for (auto& [locus, alleles] : draws) {
      std::discrete_distribution<std::size_t> draw(alleles.second.begin(), alleles.second.end());
      genotypes[locus] = {alleles.first[draw(random)], alleles.first[draw(random)]};
    }
    return genotypes;
  };
  auto engine = dna::NewDnaEngine(std::move(table).value());
  if (!engine.ok()) return Fail(engine.status());

  const auto dir = std::filesystem::temp_directory_path() / ("abis-kinship-bench-" + std::to_string(::getpid()));
  auto initialized = AbisSystem::Initialize(dir, "root");
  if (!initialized.ok()) return Fail(initialized.status());
  auto opened = AbisSystem::Open(dir, [&](Modality) -> Result<const ModalityEngine*> { return engine->get(); });
  if (!opened.ok()) return Fail(opened.status());
  AbisSystem& system = **opened;
  const Operator admin = initialized->admin;
  auto enroller = system.AddUser(admin, "eve", Role::kEnroller);
  auto investigator = system.AddUser(admin, "ian", Role::kInvestigator);
  if (!enroller.ok() || !investigator.ok()) return Fail(enroller.ok() ? investigator.status() : enroller.status());
  const Operator eve{enroller->first.id, "eve", Role::kEnroller};
  const Operator ian{investigator->first.id, "ian", Role::kInvestigator};
  for (const char* name : {"families", "remains"}) {
    Gallery gallery;
    gallery.name = name;
    if (auto created = system.CreateGallery(admin, gallery); !created.ok()) return Fail(created.status());
  }

  std::vector<Genotypes> missing;
  const Clock::time_point enrol_start = Clock::now();
  for (std::size_t i = 0; i < families; ++i) {
    const std::string mp = "MP-" + std::to_string(i);
    Genotypes mother = founder(), father = founder(), child;
    std::bernoulli_distribution coin(0.5);
    for (const auto& [locus, m] : mother) {
      child[locus] = {coin(random) ? m.first : m.second, coin(random) ? father[locus].first : father[locus].second};
    }
    missing.push_back(child);
    const std::vector<std::tuple<std::string, PersonCategory, SampleInput, std::string>> persons = {
        {mp + "-mother", PersonCategory::kMissingPersonReference,
         Sample(mother, {{kMissingPersonOption, mp}, {kRelationshipOption, "mother"}}), "families"},
        {mp + "-father", PersonCategory::kMissingPersonReference,
         Sample(father, {{kMissingPersonOption, mp}, {kRelationshipOption, "father"}}), "families"},
        {"UR-" + std::to_string(i), PersonCategory::kUnidentifiedRemains, Sample(child, nlohmann::json::object()),
         "remains"}};
    for (const auto& [id, category, sample, gallery] : persons) {
      EncounterEnrolment request;
      request.person = id;
      request.new_person = Person{};
      request.new_person->external_id = id;
      request.new_person->category = category;
      request.new_person->legal_basis = "bench";
      request.new_person->retention_until = "2099-01-01";
      request.samples = {sample};
      request.galleries = {gallery};
      auto enrolled = system.EnrolEncounter(eve, request);
      if (!enrolled.ok()) return Fail(enrolled.status());
    }
  }
  const double enrol_ms = MillisecondsSince(enrol_start);

  nlohmann::json report = {{"families", families},
                           {"references", 2 * families},
                           {"remains", families},
                           {"enrol_seconds", Round(enrol_ms / 1000.0, 0.1)}};
  for (KinshipDirection direction : {KinshipDirection::kRemainsToFamilies, KinshipDirection::kFamilyToRemains}) {
    std::vector<double> latency_ms;
    std::size_t first = 0;
    for (std::size_t q = 0; q < searches; ++q) {
      const std::size_t truth = (q * 7919) % families;
      KinshipSearchRequest request;
      request.purpose = Purpose::kUnidentifiedRemains;
      request.case_ref = "BENCH-1";
      request.direction = direction;
      if (direction == KinshipDirection::kRemainsToFamilies) {
        request.gallery = "families";
        request.probe = Sample(missing[truth], nlohmann::json::object());
      } else {
        request.gallery = "remains";
        request.probe_person = "MP-" + std::to_string(truth) + "-mother";
      }
      const Clock::time_point start = Clock::now();
      auto result = system.KinshipSearch(ian, request);
      latency_ms.push_back(MillisecondsSince(start));
      if (!result.ok()) return Fail(result.status());
      const KinshipCandidate& best = result->candidates.front();
      first += direction == KinshipDirection::kRemainsToFamilies ? best.missing_person == "MP-" + std::to_string(truth)
                                                                 : best.external_id == "UR-" + std::to_string(truth);
    }
    report[std::string(KinshipDirectionName(direction))] = {{"searches", searches},
                                                            {"median_ms", Round(Quantile(latency_ms, 0.5), 0.1)},
                                                            {"p95_ms", Round(Quantile(latency_ms, 0.95), 0.1)},
                                                            {"true_family_first", first}};
  }
  std::filesystem::remove_all(dir);
  std::cout << report.dump(2) << "\n";
  return 0;
}
