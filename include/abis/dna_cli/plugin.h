// The DNA plugin of the `abis` command: the engine factory and the commands
//   abis dna match | rmp | kinship | identify-remains | populations
//   abis eval dna      (real-data evaluation on the NIST 1036 genotypes)
//   abis bench dna     (1:N search speed over a synthetic gallery)
// documented in docs/DNA.md.
#pragma once

#include "abis/cli/plugin.h"

namespace abis::dna {

ModalityPlugin MakePlugin();

// Demo subjects for `abis demo` (synthetic profiles from the shipped frequency table).
Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note);

}  // namespace abis::dna
