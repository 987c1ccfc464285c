// `abis templates reextract`: extract every stored template of a modality again from its sample,
// after an extractor upgrade or an algorithm change. Exit 0 when every sample was re-extracted,
// 1 when some kept their old template (listed), the usual error codes otherwise.
#include <iostream>

#include "cli_context.h"

namespace abis::cli {
namespace {

struct ReextractOptions {
  std::string modality;
  int batch = 100;
  std::int64_t after_sample = 0;
};

}  // namespace

void AddTemplateCommands(CLI::App& root, CliContext& context) {
  auto options = std::make_shared<ReextractOptions>();
  CLI::App* templates = root.add_subcommand("templates", "maintenance of stored templates (admin)")->require_subcommand(1);
  CLI::App* reextract = templates->add_subcommand(
      "reextract", "extract every template of a modality again from its stored sample with the current engine");
  reextract->add_option("--modality", options->modality, "face, finger or dna")->required();
  reextract->add_option("--batch", options->batch, "samples per transaction (and per audit entry)")
      ->capture_default_str();
  reextract->add_option("--after-sample", options->after_sample,
                        "resume: skip samples up to this id (the last_sample_id of an interrupted run)");
  reextract->callback([&context, options] {
    auto modality = ParseModality(options->modality);
    if (context.Failed(modality.status())) return;
    auto session = context.OpenAsOperator();
    if (context.Failed(session.status())) return;
    auto [system, op] = *session;
    bool progress_shown = false;
    const bool show_progress = !context.globals().json;
    auto report = system->ReextractTemplates(op, *modality, options->batch, options->after_sample,
                                             [&](const ReextractionReport& so_far) {
                                               if (!show_progress) return;
                                               std::cerr << "\rreextract: " << so_far.samples << " samples, "
                                                         << so_far.reextracted << " templates replaced, "
                                                         << so_far.failures.size() << " failed, through sample "
                                                         << so_far.last_sample_id << std::flush;
                                               progress_shown = true;
                                             });
    if (progress_shown) std::cerr << "\n";
    if (context.Failed(report.status())) return;
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& failure : report->failures) {
      failures.push_back({{"sample_id", failure.sample_id}, {"error", failure.error}});
    }
    PrintResult(context.globals(),
                {{"modality", options->modality},
                 {"algorithm", report->algorithm},
                 {"samples", report->samples},
                 {"reextracted", report->reextracted},
                 {"failed", failures},
                 {"skipped_expired", report->skipped_expired},
                 {"batches", report->batches},
                 {"last_sample_id", report->last_sample_id}},
                [&](std::ostream& s) {
                  s << "re-extracted " << report->reextracted << " of " << report->samples << " " << options->modality
                    << " samples with " << report->algorithm << "\n";
                  for (const auto& failure : report->failures) {
                    s << "  sample " << failure.sample_id << " kept its old template: " << failure.error << "\n";
                  }
                  if (report->skipped_expired > 0) {
                    s << "  " << report->skipped_expired << " samples of persons past their retention date skipped\n";
                  }
                });
    // Some samples kept their old template: a partial result, which scripts must not take for done.
    if (!report->failures.empty()) context.globals().exit_code = 1;
  });
}

}  // namespace abis::cli
