// The `abis` command. Global options (--store, --key-file, --json) are accepted before or after
// the subcommand. Every failure prints one line "abis: error: ..." and exits non-zero.
#include <iostream>

#include "abis/cli/plugin.h"
#include "cli_context.h"

int main(int argc, char** argv) {
  abis::CliGlobals globals;
  abis::cli::CliContext context(globals);

  CLI::App root{"abis: accountable multimodal biometric identification (face, fingerprints, DNA STR)"};
  root.name("abis");
  root.fallthrough();
  root.require_subcommand(1);
  root.add_option("--store", globals.store_dir,
                  "store folder, or postgresql://USER@HOST:PORT/DB (default: env ABIS_STORE)");
  root.add_option("--key-file", globals.key_file, "file holding the operator's API key (default: env ABIS_API_KEY)");
  root.add_flag("--json", globals.json, "print one JSON object as the last line of output");

  abis::cli::AddInitAndUserCommands(root, context);
  abis::cli::AddPersonAndGalleryCommands(root, context);
  abis::cli::AddBiometricCommands(root, context);
  abis::cli::AddAccountabilityCommands(root, context);
  abis::cli::AddTemplateCommands(root, context);
  abis::cli::AddDemoCommand(root, context);
  abis::cli::AddImportCommands(root, context);
  abis::cli::AddNistCommands(root, context);
  abis::cli::AddReviewCommand(root, context);
  abis::cli::AddStoreCommands(root, context);
#ifdef ABIS_HAVE_SERVICE
  abis::cli::AddServeCommand(root, context);
#endif
#ifdef ABIS_HAVE_GRID
  abis::cli::AddGridCommands(root, context);
#endif
  abis::cli::AddMosipCommands(root, context);
  root.add_subcommand("eval", "accuracy evaluation of a modality (NIST-style figures)")->require_subcommand(1);
  abis::cli::AddSlapEvalCommand(root, context);
  root.add_subcommand("bench", "speed benchmarks of a modality")->require_subcommand(1);
  abis::cli::AddBenchStoreCommand(root, context);
  root.add_subcommand("synth", "generate synthetic biometric data with ground truth")->require_subcommand(1);
  for (const abis::ModalityPlugin& plugin : abis::ModalityPlugins()) {
    if (plugin.add_commands) plugin.add_commands(root, globals);
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << root.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << root.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& error) {
    // One line: what was wrong. (CLI11 reports help requests on subcommands as CallForHelp too.)
    std::string message = error.what();
    if (message.empty()) message = error.get_name();
    std::cerr << "abis: error: usage: " << message << " (see abis --help)\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "abis: error: internal: " << error.what() << '\n';
    return 6;
  }
  return globals.exit_code;
}
