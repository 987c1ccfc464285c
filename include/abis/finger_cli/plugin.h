// The fingerprint plugin of the `abis` command: the finger-mcc/1 engine and the commands
//   abis eval finger --fvc DIR [--templates iso] [--plot FILE.svg] [--threads N]
//   abis bench finger [--gallery-size N] [--probes N] [--penetration P] [--fvc-root DIR]
// (and the image-side commands of finger_extract, when that library provides them).
// Output contracts are in docs/FINGER.md.
#pragma once

#include "abis/cli/plugin.h"

namespace abis::finger {

ModalityPlugin MakePlugin();

// Demo subjects for `abis demo` (synthetic fingerprints, two impressions each).
Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note);

}  // namespace abis::finger
