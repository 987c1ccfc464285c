#include "abis/finger_cli/plugin.h"

#include "abis/finger/finger_engine.h"
#include "abis/finger/minutiae_record.h"
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
    internal::AddEvalFingerQualityCommand(root, globals);
    internal::AddBenchFingerCommand(root, globals);
    internal::AddSynthFingerTemplatesCommand(root, globals);
#if defined(ABIS_FINGER_HAVE_IMAGE_COMMANDS)
    // The image commands read and write minutiae records with this library's codecs.
    FingerImageCommandHooks hooks;
    hooks.write_iso_record = [](const MinutiaeTemplate& minutiae) {
      return WriteMinutiaeRecord(SingleViewRecord(minutiae, MinutiaeRecordFormat::kIso19794_2_2005));
    };
    hooks.read_record = [](std::span<const std::uint8_t> bytes, const std::string& source) -> Result<MinutiaeTemplate> {
      ABIS_ASSIGN_OR_RETURN(MinutiaeRecord record, ReadMinutiaeRecord(bytes, source));
      if (record.views.empty()) return Status::InvalidArgument(source + ": the record holds no finger view");
      return record.views.front().minutiae;
    };
    AddFingerImageCommands(root, globals, std::move(hooks));
#endif
  };
  plugin.make_demo_subjects = MakeDemoSubjects;
  return plugin;
}

}  // namespace abis::finger
