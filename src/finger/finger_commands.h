// The finger module's CLI commands (eval_finger_command.cc, eval_finger_quality_command.cc,
// bench_finger_command.cc).
// Internal to src/finger/; added by MakePlugin().
#pragma once

#include "abis/cli/plugin.h"

namespace abis::finger::internal {

// `abis eval finger`: the FVC protocol on a folder (see fvc_evaluation.h), JSON per docs/FINGER.md.
void AddEvalFingerCommand(CLI::App& root, CliGlobals& globals);

// `abis eval finger-quality`: the print-quality gate on FVC folders and non-prints, and the
// error-versus-reject characteristic (quality_evaluation.h); JSON per docs/FINGER.md.
void AddEvalFingerQualityCommand(CLI::App& root, CliGlobals& globals);

// `abis bench finger`: 1:1 speed of both matcher stages, 1:N search time and pre-selection loss.
void AddBenchFingerCommand(CLI::App& root, CliGlobals& globals);

// `abis synth finger-templates`: synthetic ISO 19794-2 records and a batch import manifest.
void AddSynthFingerTemplatesCommand(CLI::App& root, CliGlobals& globals);

// The subcommand `name` of `root`, created when missing.
CLI::App* SubcommandOf(CLI::App& root, const std::string& name, const std::string& description);

}  // namespace abis::finger::internal
