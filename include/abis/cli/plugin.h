// How a modality plugs into the `abis` command: it provides an engine factory and may add its
// own subcommands (e.g. `abis eval face`, `abis dna match`). The CLI core lists the plugins in
// src/cli/plugins.cc; nothing else in the core knows about a modality.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <cstdint>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"

namespace abis {

// Settings an engine factory may use. Paths are resolved by the CLI (flags, env, defaults).
struct EngineConfig {
  std::filesystem::path model_dir;     // downloaded model files (see ModelDir())
  std::filesystem::path resource_dir;  // shipped reference tables (see ResourceDir())
  nlohmann::json settings = nlohmann::json::object();  // engine-specific, from the store config
};

// Global state of one CLI invocation, shared with plugin commands.
struct CliGlobals {
  bool json = false;       // --json: print one JSON object as the last stdout line
  std::string store_dir;   // --store / ABIS_STORE
  std::string key_file;    // --key-file (else env ABIS_API_KEY)
  int exit_code = 0;       // set by commands; returned by main
};

// Reports an error the way every command does: one line "abis: error: <code>: <message>" on
// stderr (and {"error":...} on stdout with --json); sets globals.exit_code to `exit_code`, or,
// when it is -1, to the code's conventional exit status (see ExitCodeFor).
void ReportError(CliGlobals& globals, const Status& status, int exit_code = -1);

// Exit statuses: 2 bad input or usage, 3 unauthenticated or refused, 4 not found or conflicting
// state, 5 stored data corrupt or I/O failure, 6 internal error. (1 is a negative answer, e.g. a
// broken audit chain, chosen by the command.)
int ExitCodeFor(const Status& status);

// Reads a whole file (at most `max_bytes`), naming the path in any error.
Result<std::vector<std::uint8_t>> ReadFileBytes(const std::string& path, std::size_t max_bytes = 256u << 20);

// Prints `result`: with --json one compact JSON line; otherwise `human` (or pretty JSON if empty).
void PrintResult(const CliGlobals& globals, const nlohmann::json& result,
                 const std::function<void(std::ostream&)>& human = {});

// Samples of one demo subject: what is enrolled, and a different capture used as the probe.
struct DemoSubject {
  std::string label;                 // e.g. "orl/s3" or "synthetic finger 12"
  std::vector<SampleInput> enrol;
  std::vector<SampleInput> probe;
};

struct ModalityPlugin {
  Modality modality = Modality::kFace;
  // Builds the engine (may load models). Called lazily, only by commands that need it.
  std::function<Result<std::unique_ptr<ModalityEngine>>(const EngineConfig&)> make_engine;
  // Adds plugin-specific subcommands. `root` already has the subcommands "eval", "bench" and
  // "synth" (possibly empty) which plugins extend with e.g. `eval face`. May be empty.
  std::function<void(CLI::App& root, CliGlobals& globals)> add_commands;
  // Demo data for `abis demo`: `subjects` subjects, deterministic from `seed`, generated or taken
  // from data the project ships (real shared data when present). Empty function or an empty list
  // when the modality has none. `note` says where the data came from.
  std::function<Result<std::vector<DemoSubject>>(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                 std::string& note)>
      make_demo_subjects;
};

// All plugins compiled into this build.
const std::vector<ModalityPlugin>& ModalityPlugins();

// The plugin for `modality`, or kUnimplemented when this build has none.
Result<const ModalityPlugin*> FindModalityPlugin(Modality modality);

}  // namespace abis
