// Demo subjects for `abis demo`: synthetic single-source profiles drawn from the shipped FBI 2015
// Caucasian allele frequencies (Hardy-Weinberg), all 20 CODIS core loci. The probe of each subject
// is the same genotype typed again (a reference sample matching a crime-scene or remains sample).
#include <random>

#include "abis/dna/allele_frequencies.h"
#include "abis/dna/locus.h"
#include "abis/dna_cli/plugin.h"

namespace abis::dna {

Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note) {
  (void)config;
  ABIS_ASSIGN_OR_RETURN(AlleleFrequencyTable table, AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath()));
  ABIS_ASSIGN_OR_RETURN(const PopulationFrequencies* population, table.Population("Caucasian"));
  std::mt19937 random(seed);
  std::vector<DemoSubject> out;
  for (int subject = 0; subject < subjects; ++subject) {
    std::string csv = "locus,allele1,allele2\n";
    for (std::string_view locus : CodisCoreLoci()) {
      auto found = population->loci().find(std::string(locus));
      if (found == population->loci().end() || found->second.frequency_by_allele.empty()) {
        return Status::FailedPrecondition("shipped frequency table has no " + std::string(locus) + " for Caucasian");
      }
      std::vector<std::string> alleles;
      std::vector<double> weights;
      for (const auto& [allele, frequency] : found->second.frequency_by_allele) {
        alleles.push_back(allele);
        weights.push_back(frequency);
      }
      std::discrete_distribution<std::size_t> draw(weights.begin(), weights.end());
      csv += std::string(locus) + "," + alleles[draw(random)] + "," + alleles[draw(random)] + "\n";
    }
    DemoSubject demo;
    demo.label = "synthetic STR profile " + std::to_string(subject + 1);
    SampleInput sample;
    sample.modality = Modality::kDna;
    sample.format_hint = "csv";
    sample.bytes.assign(csv.begin(), csv.end());
    sample.source_name = demo.label;
    demo.enrol.push_back(sample);
    demo.probe.push_back(sample);
    out.push_back(std::move(demo));
  }
  note = "synthetic profiles from the shipped FBI 2015 Caucasian frequencies (Moretti et al. 2016)";
  return out;
}

}  // namespace abis::dna
