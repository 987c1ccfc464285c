#include "abis/dna_cli/plugin.h"

#include "abis/dna/dna_engine.h"
#include "cli_internal.h"

namespace abis::dna {

ModalityPlugin MakePlugin() {
  ModalityPlugin plugin;
  plugin.modality = Modality::kDna;
  plugin.make_engine = [](const EngineConfig& config) -> Result<std::unique_ptr<ModalityEngine>> {
    nlohmann::json settings = config.settings.is_object() ? config.settings : nlohmann::json::object();
    std::filesystem::path table_path = config.resource_dir.empty()
                                           ? AlleleFrequencyTable::ShippedTablePath()
                                           : config.resource_dir / "dna" / "fbi2015_allele_frequencies.csv";
    if (settings.contains("frequency_table")) {
      if (!settings["frequency_table"].is_string()) {
        return Status::InvalidArgument("DNA setting 'frequency_table' must be a path");
      }
      table_path = settings["frequency_table"].get<std::string>();
      settings.erase("frequency_table");
    }
    ABIS_ASSIGN_OR_RETURN(AlleleFrequencyTable table, AlleleFrequencyTable::LoadFile(table_path));
    ABIS_ASSIGN_OR_RETURN(DnaEngineSettings engine_settings, DnaEngineSettings::FromJson(settings));
    return NewDnaEngine(std::move(table), std::move(engine_settings));
  };
  plugin.add_commands = [](CLI::App& root, CliGlobals& globals) {
    internal::AddDnaCommands(root, globals);
    // Extend the core's "eval" and "bench" commands when present, without relying on exceptions.
    for (CLI::App* sub : root.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == "eval") internal::AddEvalDnaCommand(*sub, globals);
      if (sub->get_name() == "bench") internal::AddBenchDnaCommand(*sub, globals);
    }
  };
  plugin.make_demo_subjects = MakeDemoSubjects;
  return plugin;
}

}  // namespace abis::dna
