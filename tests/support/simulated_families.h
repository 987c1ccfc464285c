// Simulated families for DNA tests: founders drawn from the shipped allele frequencies at the 20
// CODIS core loci, children by Mendelian transmission (no mutation), and the profiles as CSV.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/allele_frequencies.h"
#include "abis/dna/locus.h"
#include "abis/modality/engine.h"

namespace abis::testing {

// A genotype per locus: two allele designations (a homozygote twice).
using Genotypes = std::map<std::string, std::pair<std::string, std::string>>;

// The profile in the single-profile CSV layout (locus,allele1,allele2).
inline std::string ProfileCsv(const Genotypes& genotypes) {
  std::string csv = "locus,allele1,allele2\n";
  for (const auto& [locus, alleles] : genotypes) csv += locus + "," + alleles.first + "," + alleles.second + "\n";
  return csv;
}

// A child of `mother` and `father`: one allele of each at every locus both type (no mutation).
inline Genotypes Child(const Genotypes& mother, const Genotypes& father, std::mt19937& random) {
  Genotypes child;
  std::bernoulli_distribution coin(0.5);
  for (const auto& [locus, m] : mother) {
    auto f = father.find(locus);
    if (f == father.end()) continue;
    child[locus] = {coin(random) ? m.first : m.second, coin(random) ? f->second.first : f->second.second};
  }
  return child;
}

// A DNA sample of the profile, with engine options (e.g. missing_person and relationship).
inline SampleInput DnaSample(const Genotypes& genotypes, const std::string& name,
                             nlohmann::json options = nlohmann::json::object()) {
  SampleInput sample;
  sample.modality = Modality::kDna;
  sample.format_hint = "csv";
  const std::string csv = ProfileCsv(genotypes);
  sample.bytes.assign(csv.begin(), csv.end());
  sample.source_name = name;
  sample.options = options.is_object() ? options : nlohmann::json::object();
  return sample;
}

// Draws unrelated founders from one population of an allele frequency table.
class FounderSampler {
 public:
  // The population's frequencies at the CODIS core loci (each must be in the table).
  static Result<FounderSampler> FromTable(const dna::AlleleFrequencyTable& table, std::string_view population) {
    ABIS_ASSIGN_OR_RETURN(const dna::PopulationFrequencies* frequencies, table.Population(std::string(population)));
    FounderSampler sampler;
    for (std::string_view locus : dna::CodisCoreLoci()) {
      for (const auto& [allele, frequency] : frequencies->loci().at(std::string(locus)).frequency_by_allele) {
        sampler.alleles_[std::string(locus)].push_back(allele);
        sampler.weights_[std::string(locus)].push_back(frequency);
      }
    }
    return sampler;
  }

  Genotypes Draw(std::mt19937& random) const {
    Genotypes genotypes;
    for (const auto& [locus, alleles] : alleles_) {
      const std::vector<double>& weights = weights_.at(locus);
      std::discrete_distribution<std::size_t> draw(weights.begin(), weights.end());
      genotypes[locus] = {alleles[draw(random)], alleles[draw(random)]};
    }
    return genotypes;
  }

 private:
  std::map<std::string, std::vector<std::string>> alleles_;
  std::map<std::string, std::vector<double>> weights_;
};

}  // namespace abis::testing
