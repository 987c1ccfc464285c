#include "cli_context.h"

namespace abis::cli {

void AddDemoCommand(CLI::App& root, CliContext& context) {
  CLI::App* demo = root.add_subcommand("demo", "run the end-to-end demonstration on a fresh store");
  demo->callback([&context] { context.Failed(Status::Unimplemented("demo is being written")); });
}

}  // namespace abis::cli
