#include <fstream>
#include <iostream>
#include <memory>

#include "abis/finger/finger_engine.h"
#include "abis/finger/fvc_evaluation.h"
#include "abis/finger_extract/image.h"
#include "finger_commands.h"

namespace abis::finger::internal {
namespace {

struct EvalFingerArguments {
  std::string fvc_folder;
  std::string templates = "own";
  std::string impostors = "fvc";
  std::string plot_file;
  std::string histogram_file;
  unsigned threads = 0;
  double scan_resolution_ppi = 0;
};

void RunEvalFinger(const EvalFingerArguments& arguments, CliGlobals& globals) {
  FvcTemplateSource source = FvcTemplateSource::kOwnExtractor;
  if (arguments.templates == "iso") {
    source = FvcTemplateSource::kIsoTemplates;
  } else if (arguments.templates != "own") {
    ReportError(globals, Status::InvalidArgument("--templates must be 'own' or 'iso', got '" + arguments.templates + "'"));
    return;
  }
  const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
  const bool all_impostors = arguments.impostors == "all";
  auto evaluation = EvaluateFvcFolder(
      arguments.fvc_folder, *engine, source, arguments.threads, arguments.scan_resolution_ppi,
      all_impostors ? FvcImpostorPairs::kAllImpressions : FvcImpostorPairs::kFirstImpressions);
  if (!evaluation.ok()) {
    ReportError(globals, evaluation.status());
    return;
  }
  const FvcEvaluation& e = evaluation.value();
  nlohmann::json result = {
      {"modality", "finger"},
      {"algorithm", std::string(kFingerAlgorithm)},
      {"folder", arguments.fvc_folder},
      {"extractor", e.extractor},
      {"fingers", e.fingers},
      {"samples", e.samples},
      {"genuine", e.scores.genuine.size()},
      {"impostor", e.scores.impostor.size()},
      {"impostor_pairs", all_impostors ? "all_impressions" : "first_impressions"},
      {"eer", e.rates.eer},
      {"fmr100", e.rates.fmr100},
      {"fmr1000", e.rates.fmr1000},
      {"zerofmr", e.rates.zero_fmr},
      {"eer_threshold", e.rates.eer_threshold},
      {"failures_to_enrol", e.failures_to_enrol},
      {"scan_resolution_ppi", arguments.scan_resolution_ppi},
      {"iso_fitted_to_image", e.iso_fitted_to_image},
      {"extraction_seconds", e.extraction_seconds},
      {"comparison_seconds", e.comparison_seconds},
  };
  if (!arguments.plot_file.empty()) {
    const Result<std::string> svg =
        RenderDetPlotSvg({{e.extractor + " templates", e.scores}}, "DET, finger-mcc/1, " + arguments.fvc_folder);
    if (!svg.ok()) {
      ReportError(globals, svg.status());
      return;
    }
    std::ofstream plot(arguments.plot_file);
    plot << *svg;
    if (!plot) {
      ReportError(globals, Status::IoError(arguments.plot_file + ": cannot write the DET plot"));
      return;
    }
    result["plot"] = arguments.plot_file;
  }
  if (!arguments.histogram_file.empty()) {
    const Result<std::string> svg = RenderScoreHistogramPlotSvg(
        e.scores, "Score histograms, finger-mcc/1, " + e.extractor + " templates, " + arguments.fvc_folder);
    if (!svg.ok()) {
      ReportError(globals, svg.status());
      return;
    }
    std::ofstream histogram(arguments.histogram_file);
    histogram << *svg;
    if (!histogram) {
      ReportError(globals, Status::IoError(arguments.histogram_file + ": cannot write the score histogram"));
      return;
    }
    result["histogram"] = arguments.histogram_file;
  }
  PrintResult(globals, result, [&](std::ostream& out) {
    out << (all_impostors ? "FVC protocol, all impostor pairs, on " : "FVC protocol on ")
        << arguments.fvc_folder << " (" << e.extractor << " templates, " << e.fingers
        << " fingers, " << e.samples << " samples)\n"
        << "  genuine " << e.scores.genuine.size() << ", impostor " << e.scores.impostor.size()
        << ", failures to enrol " << e.failures_to_enrol << "\n"
        << "  EER " << e.rates.eer * 100 << "%  FMR100 " << e.rates.fmr100 * 100 << "%  FMR1000 "
        << e.rates.fmr1000 * 100 << "%  ZeroFMR " << e.rates.zero_fmr * 100 << "%\n";
    for (const std::string& error : e.enrol_errors) out << "  failed to enrol: " << error << "\n";
  });
}

}  // namespace

CLI::App* SubcommandOf(CLI::App& root, const std::string& name, const std::string& description) {
  try {
    return root.get_subcommand(name);
  } catch (const CLI::OptionNotFound&) {
    return root.add_subcommand(name, description);
  }
}

void AddEvalFingerCommand(CLI::App& root, CliGlobals& globals) {
  CLI::App* eval = SubcommandOf(root, "eval", "Accuracy evaluations");
  CLI::App* command = eval->add_subcommand("finger", "FVC verification protocol on an FVC-style folder");
  auto arguments = std::make_shared<EvalFingerArguments>();
  command->add_option("--fvc", arguments->fvc_folder, "Folder of <finger>_<impression>.tif (and .iso) files")
      ->required();
  command->add_option("--templates", arguments->templates, "own (extract from images) or iso (use the .iso files)")
      ->check(CLI::IsMember({"own", "iso"}));
  command->add_option("--impostors", arguments->impostors,
                      "fvc (first impressions of different fingers, the FVC protocol) or all (every two "
                      "impressions of different fingers)")
      ->check(CLI::IsMember({"fvc", "all"}));
  command->add_option("--plot", arguments->plot_file, "Write the DET curve as SVG to this file");
  command->add_option("--histogram", arguments->histogram_file,
                      "Write the genuine and impostor score histograms as SVG to this file");
  command->add_option("--threads", arguments->threads, "Worker threads (0 = all cores)");
  command->add_option("--ppi", arguments->scan_resolution_ppi,
                      "Scan resolution of images that declare none (FVC2002 DB2: 569); they are resampled to 500 ppi")
      ->check(CLI::Range(kMinPlausiblePpi, kMaxPlausiblePpi));
  command->callback([arguments, &globals] { RunEvalFinger(*arguments, globals); });
}

}  // namespace abis::finger::internal
