#include "abis/finger_cli/plugin.h"

#include "abis/finger/finger_engine.h"
#include "finger_commands.h"

#if __has_include("abis/finger_extract_cli/image_commands.h")
#include "abis/finger_extract_cli/image_commands.h"
#define ABIS_FINGER_HAVE_IMAGE_COMMANDS 1
#endif

namespace abis::finger {

ModalityPlugin MakePlugin() {
  ModalityPlugin plugin;
  plugin.modality = Modality::kFinger;
  plugin.make_engine = [](const EngineConfig&) -> Result<std::unique_ptr<ModalityEngine>> {
    return MakeFingerEngine();
  };
  plugin.add_commands = [](CLI::App& root, CliGlobals& globals) {
    internal::AddEvalFingerCommand(root, globals);
    internal::AddBenchFingerCommand(root, globals);
#if defined(ABIS_FINGER_HAVE_IMAGE_COMMANDS)
    AddFingerImageCommands(root, globals);
#endif
  };
  plugin.make_demo_subjects = MakeDemoSubjects;
  return plugin;
}

}  // namespace abis::finger
