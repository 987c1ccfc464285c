// The face modality's CLI plugin: engine factory plus `abis eval face` and `abis bench face`.
#pragma once

#include "abis/cli/plugin.h"

namespace abis::face {

ModalityPlugin MakePlugin();

// Demo subjects for `abis demo` (the shared ORL faces when present).
Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note);

}  // namespace abis::face
