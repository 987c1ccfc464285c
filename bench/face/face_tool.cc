// Stand-alone driver for the face plugin's commands (`eval face`, `bench face`), for machines
// or moments where the full `abis` binary is not built. Same flags and output as `abis`:
//   build/bench/face/abis_face_tool eval face --dir DIR [--pairs-csv FILE] [--plot FILE] --json
//   build/bench/face/abis_face_tool bench face [--sizes 100000,1000000] --json
#include <CLI/CLI.hpp>

#include "abis/cli/plugin.h"
#include "abis/face_cli/plugin.h"

int main(int argc, char** argv) {
  CLI::App app("abis face tool");
  abis::CliGlobals globals;
  app.fallthrough();  // --json may follow the subcommand, as with `abis`
  app.add_flag("--json", globals.json, "One JSON object as the last stdout line");
  app.add_subcommand("eval", "Accuracy evaluation")->require_subcommand(1);
  app.add_subcommand("bench", "Benchmarks")->require_subcommand(1);
  app.require_subcommand(1);
  abis::face::MakePlugin().add_commands(app, globals);
  CLI11_PARSE(app, argc, argv);
  return globals.exit_code;
}
