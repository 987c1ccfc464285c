// `abis eval finger-quality`: validates the print-quality measure and its gate
// (abis/finger_extract/print_quality.h). On FVC-style folders: the gate's verdicts on genuine
// prints, and the error-versus-reject characteristic (quality_evaluation.h) of the FVC protocol
// with every impostor pair, pooled over the folders. On folders of non-prints (e.g. face photos):
// how many the gate refuses, and why.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "abis/core/evaluation_plots.h"
#include "abis/finger/finger_engine.h"
#include "abis/finger/fvc_evaluation.h"
#include "abis/finger/quality_evaluation.h"
#include "abis/finger_extract/print_quality.h"
#include "finger_commands.h"

namespace abis::finger::internal {
namespace {

constexpr std::uintmax_t kMaxImageBytes = 64ull << 20;

struct EvalFingerQualityArguments {
  std::vector<std::string> fvc_folders;
  std::vector<std::string> nonprint_folders;
  std::string plot_file;
  unsigned threads = 0;
};

bool IsNonPrintRefusal(const std::string& error) { return error.find("not a fingerprint") != std::string::npos; }

bool IsImageName(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* image : {".jpg", ".jpeg", ".png", ".pgm", ".ppm", ".bmp", ".tif", ".tiff", ".wsq", ".webp"}) {
    if (extension == image) return true;
  }
  return false;
}

// Gate verdicts on the images of one non-print folder (recursive, files named as images).
struct NonPrintTally {
  int images = 0, refused_non_print = 0, refused_unusable = 0, accepted = 0, other_errors = 0;
  nlohmann::json accepted_files = nlohmann::json::array();
  nlohmann::json other = nlohmann::json::array();
};

Result<NonPrintTally> TallyNonPrints(const std::string& folder, const ModalityEngine& engine) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) return Status::NotFound(folder + ": not a folder");
  std::set<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder, error)) {
    if (entry.is_regular_file() && IsImageName(entry.path())) files.insert(entry.path());
  }
  if (error) return Status::IoError(folder + ": " + error.message());
  NonPrintTally tally;
  for (const std::filesystem::path& path : files) {
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error || size > kMaxImageBytes) continue;
    std::ifstream in(path, std::ios::binary);
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.source_name = path.string();
    sample.bytes.resize(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(sample.bytes.data()), static_cast<std::streamsize>(size));
    if (!in) return Status::IoError(path.string() + ": read failed");
    const Result<BiometricTemplate> extracted = engine.Extract(sample);
    const std::string message = extracted.ok() ? "" : extracted.status().message();
    ++tally.images;
    if (extracted.ok()) {
      ++tally.accepted;
      tally.accepted_files.push_back(path.string());
    } else if (IsNonPrintRefusal(message)) {
      ++tally.refused_non_print;
    } else if (message.find("unusable print") != std::string::npos) {
      ++tally.refused_unusable;
    } else {
      ++tally.other_errors;
      tally.other.push_back(message);
    }
  }
  return tally;
}

// The pooled comparisons of the FVC folders with their qualities, and the gate's verdicts.
struct FvcQuality {
  std::vector<QualityScoredComparison> genuine;
  std::vector<double> genuine_scores, impostor_scores;
  nlohmann::json folders = nlohmann::json::array();
  int samples = 0, refused_non_print = 0, other_failures = 0, below_default_floor = 0;
  nlohmann::json refused = nlohmann::json::array();  // what the default gate refuses, and why
  double extraction_seconds = 0;
};

Status EvaluateFolders(const std::vector<std::string>& folders, const ModalityEngine& engine, unsigned threads,
                       FvcQuality& result) {
  for (const std::string& folder : folders) {
    ABIS_ASSIGN_OR_RETURN(const FvcEvaluation evaluation,
                          EvaluateFvcFolder(folder, engine, FvcTemplateSource::kOwnExtractor, threads, 0,
                                            FvcImpostorPairs::kAllImpressions));
    std::vector<int> quality(evaluation.sample_files.size(), 0);
    int folder_non_print = 0, folder_below = 0;
    double quality_sum = 0;
    std::size_t error_index = 0;
    for (std::size_t i = 0; i < evaluation.sample_files.size(); ++i) {
      const std::optional<BiometricTemplate>& sample = evaluation.templates[i];
      if (!sample.has_value()) {
        const std::string& error = evaluation.enrol_errors[error_index++];
        if (IsNonPrintRefusal(error)) {
          ++folder_non_print;
        } else {
          ++result.other_failures;
        }
        result.refused.push_back(error);
        continue;
      }
      quality[i] = sample->quality.at("print_quality").at("score").get<int>();
      quality_sum += quality[i];
      if (quality[i] < kDefaultMinPrintQuality) {
        ++folder_below;
        result.refused.push_back(evaluation.sample_files[i].path.string() + ": quality " + std::to_string(quality[i]) +
                                 " below the default floor");
      }
    }
    for (std::size_t k = 0; k < evaluation.genuine_pairs.size(); ++k) {
      const auto [a, b] = evaluation.genuine_pairs[k];
      result.genuine.push_back({evaluation.scores.genuine[k], std::min(quality[a], quality[b])});
    }
    result.genuine_scores.insert(result.genuine_scores.end(), evaluation.scores.genuine.begin(),
                                 evaluation.scores.genuine.end());
    result.impostor_scores.insert(result.impostor_scores.end(), evaluation.scores.impostor.begin(),
                                  evaluation.scores.impostor.end());
    const int enrolled = evaluation.samples - evaluation.failures_to_enrol;
    result.samples += evaluation.samples;
    result.refused_non_print += folder_non_print;
    result.below_default_floor += folder_below;
    result.extraction_seconds += evaluation.extraction_seconds;
    result.folders.push_back({{"folder", folder},
                              {"samples", evaluation.samples},
                              {"refused_non_print", folder_non_print},
                              {"below_default_floor", folder_below},
                              {"mean_quality", enrolled > 0 ? std::round(10 * quality_sum / enrolled) / 10 : 0.0},
                              {"eer", evaluation.rates.eer}});
  }
  return Status::Ok();
}

// The ERC row with the most rejected while at most `target` is rejected.
const ErcRow& RowAtMost(const std::vector<ErcRow>& rows, double target) {
  const ErcRow* best = &rows.front();
  for (const ErcRow& row : rows) {
    if (row.rejected <= target + 1e-12) best = &row;
  }
  return *best;
}

Status RunEvalFingerQuality(const EvalFingerQualityArguments& arguments, CliGlobals& globals) {
  if (arguments.fvc_folders.empty() && arguments.nonprint_folders.empty()) {
    return Status::InvalidArgument("give at least one --fvc or --nonprints folder");
  }
  nlohmann::json result = {{"algorithm", std::string(kFingerAlgorithm)},
                           {"default_min_quality", kDefaultMinPrintQuality}};
  std::vector<std::string> lines;
  if (!arguments.fvc_folders.empty()) {
    // The floor is off so that every print gets its quality; non-prints are still refused (they
    // count as failures to enrol, quality 0).
    FingerEngineOptions options;
    options.min_print_quality = 0;
    const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine(options);
    FvcQuality fvc;
    ABIS_RETURN_IF_ERROR(EvaluateFolders(arguments.fvc_folders, *engine, arguments.threads, fvc));
    nlohmann::json erc = nlohmann::json::array();
    std::vector<ErcCurve> curves;
    for (const double fmr : {0.01, 0.001}) {
      ABIS_ASSIGN_OR_RETURN(const double threshold,
                            ThresholdAtFalseMatchRate(fvc.genuine_scores, fvc.impostor_scores, fmr));
      ABIS_ASSIGN_OR_RETURN(const std::vector<ErcRow> rows, ErrorVersusReject(fvc.genuine, threshold));
      nlohmann::json table = nlohmann::json::array();
      std::ostringstream percent;
      percent << fmr * 100;
      ErcCurve curve{"FMR " + percent.str() + " % threshold", {}, false};
      ErcCurve ideal{"ideal (FMR " + percent.str() + " %)", {}, true};
      double last_rejected = -1;
      for (const ErcRow& row : rows) {
        if (row.rejected > 0.5 || row.rejected == last_rejected) continue;
        last_rejected = row.rejected;
        curve.points.push_back({row.rejected, row.fnmr});
        ideal.points.push_back({row.rejected, IdealFnmrAfterRejecting(rows.front().fnmr, row.rejected)});
      }
      for (const double target : {0.0, 0.01, 0.02, 0.05, 0.1, 0.2}) {
        const ErcRow& row = RowAtMost(rows, target);
        table.push_back({{"target_rejected", target},
                         {"quality_floor", row.quality_floor},
                         {"rejected", row.rejected},
                         {"fnmr", row.fnmr},
                         {"ideal_fnmr", IdealFnmrAfterRejecting(rows.front().fnmr, row.rejected)}});
      }
      const ErcRow& at_default = rows[static_cast<std::size_t>(kDefaultMinPrintQuality)];
      erc.push_back({{"fmr", fmr},
                     {"threshold", threshold},
                     {"fnmr", rows.front().fnmr},
                     {"at_default_floor", {{"rejected", at_default.rejected}, {"fnmr", at_default.fnmr}}},
                     {"rows", table}});
      curves.push_back(std::move(curve));
      if (fmr == 0.01) curves.push_back(std::move(ideal));
    }
    result["fvc"] = {{"folders", fvc.folders},
                     {"samples", fvc.samples},
                     {"genuine", fvc.genuine.size()},
                     {"impostor", fvc.impostor_scores.size()},
                     {"refused_non_print", fvc.refused_non_print},
                     {"other_failures_to_enrol", fvc.other_failures},
                     {"below_default_floor", fvc.below_default_floor},
                     {"refused_by_default_gate",
                      static_cast<double>(fvc.refused_non_print + fvc.below_default_floor) / std::max(1, fvc.samples)},
                     {"refused", fvc.refused},
                     {"extraction_seconds", fvc.extraction_seconds},
                     {"erc", erc}};
    if (!arguments.plot_file.empty()) {
      ABIS_ASSIGN_OR_RETURN(const std::string svg,
                            RenderErrorRejectSvg(curves, "Error versus reject, print quality, finger-mcc/1, " +
                                                             std::to_string(fvc.samples) + " FVC impressions"));
      std::ofstream plot(arguments.plot_file);
      plot << svg;
      if (!plot) return Status::IoError(arguments.plot_file + ": cannot write the ERC plot");
      result["plot"] = arguments.plot_file;
    }
  }
  if (!arguments.nonprint_folders.empty()) {
    const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
    nlohmann::json tallies = nlohmann::json::array();
    for (const std::string& folder : arguments.nonprint_folders) {
      ABIS_ASSIGN_OR_RETURN(const NonPrintTally tally, TallyNonPrints(folder, *engine));
      tallies.push_back({{"folder", folder},
                         {"images", tally.images},
                         {"refused_non_print", tally.refused_non_print},
                         {"refused_unusable", tally.refused_unusable},
                         {"accepted", tally.accepted},
                         {"other_errors", tally.other_errors},
                         {"accepted_files", tally.accepted_files},
                         {"other", tally.other}});
    }
    result["nonprints"] = tallies;
  }
  PrintResult(globals, result, [&](std::ostream& out) {
    if (result.contains("fvc")) {
      const nlohmann::json& fvc = result["fvc"];
      out << "FVC: " << fvc["samples"] << " impressions, " << fvc["genuine"] << " genuine and " << fvc["impostor"]
          << " impostor comparisons\n"
          << "  refused by the default gate: " << fvc["refused_non_print"] << " as non-prints, "
          << fvc["below_default_floor"] << " below the floor " << kDefaultMinPrintQuality << "\n";
      for (const nlohmann::json& e : fvc["erc"]) {
        out << "  ERC at FMR " << e["fmr"].get<double>() * 100 << " % (threshold " << e["threshold"] << "):\n";
        for (const nlohmann::json& row : e["rows"]) {
          out << "    quality floor " << row["quality_floor"] << ": rejected " << row["rejected"].get<double>() * 100
              << " %, FNMR " << row["fnmr"].get<double>() * 100 << " % (ideal " << row["ideal_fnmr"].get<double>() * 100
              << " %)\n";
        }
      }
    }
    if (result.contains("nonprints")) {
      for (const nlohmann::json& tally : result["nonprints"]) {
        out << tally["folder"].get<std::string>() << ": " << tally["images"] << " images, refused as non-prints "
            << tally["refused_non_print"] << ", as unusable " << tally["refused_unusable"] << ", accepted "
            << tally["accepted"] << ", other errors " << tally["other_errors"] << "\n";
      }
    }
  });
  return Status::Ok();
}

}  // namespace

void AddEvalFingerQualityCommand(CLI::App& root, CliGlobals& globals) {
  CLI::App* eval = SubcommandOf(root, "eval", "Accuracy evaluations");
  CLI::App* command = eval->add_subcommand(
      "finger-quality", "Print-quality gate and error-versus-reject characteristic on FVC folders and non-prints");
  auto arguments = std::make_shared<EvalFingerQualityArguments>();
  command->add_option("--fvc", arguments->fvc_folders, "FVC-style folder (repeatable; comparisons pooled)");
  command->add_option("--nonprints", arguments->nonprint_folders,
                      "Folder of images that are not fingerprints, searched recursively (repeatable)");
  command->add_option("--plot", arguments->plot_file, "Write the error-versus-reject curves as SVG to this file");
  command->add_option("--threads", arguments->threads, "Worker threads (0 = all cores)");
  command->callback([arguments, &globals] {
    const Status status = RunEvalFingerQuality(*arguments, globals);
    if (!status.ok()) ReportError(globals, status);
  });
}

}  // namespace abis::finger::internal
