// Shared pieces of the DNA plugin commands. Internal to src/dna.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "abis/cli/plugin.h"
#include "abis/dna/allele_frequencies.h"

namespace abis::dna::internal {

// `abis dna ...` (match, rmp, kinship, identify-remains, populations).
void AddDnaCommands(CLI::App& root, CliGlobals& globals);
// `abis eval dna`.
void AddEvalDnaCommand(CLI::App& eval, CliGlobals& globals);
// `abis bench dna`.
void AddBenchDnaCommand(CLI::App& bench, CliGlobals& globals);

// Loads `path`, or the shipped table when `path` is empty.
Result<AlleleFrequencyTable> LoadFrequencyTable(const std::string& path);
// The named population, or every population of the table when `name` is empty.
Result<std::vector<const PopulationFrequencies*>> ResolvePopulations(const AlleleFrequencyTable& table,
                                                                     const std::string& name);
// A JSON number, or null when not finite (JSON has no infinity).
nlohmann::json JsonNumber(double value);

}  // namespace abis::dna::internal
