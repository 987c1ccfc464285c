// `abis import batch`: the persons of a CSV manifest created and enrolled in parallel (the rules
// are abis/system/batch_import.h's), with progress on stderr and a JSON summary.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "abis/system/batch_import.h"
#include "cli_context.h"

namespace abis::cli {
namespace {

struct BatchImportOptions {
  std::string manifest, gallery, purpose, case_ref, errors;
  bool dedup = false;
  bool resume = false;
  bool progress = false;
  int workers = 0;
  double fmr = 1e-4;
};

// One stderr line per second at most: rows done, rows/s and the time left; from 1,000 rows (or
// with --progress), so short imports stay quiet.
class ProgressLine {
 public:
  explicit ProgressLine(bool always) : always_(always) {}
  void operator()(const BatchImportProgress& progress) {
    if (!always_ && progress.rows < 1000) return;
    const auto now = std::chrono::steady_clock::now();
    if (progress.rows_done < progress.rows && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double rate = progress.seconds > 0 ? static_cast<double>(progress.rows_done) / progress.seconds : 0.0;
    const double left = rate > 0 ? static_cast<double>(progress.rows - progress.rows_done) / rate : 0.0;
    std::cerr << fmt::format("import: {}/{} rows, {:.0f} rows/s, {:.0f} s left\n", progress.rows_done, progress.rows,
                             rate, left);
  }

 private:
  bool always_;
  std::chrono::steady_clock::time_point last_{};
};

void RunBatchImportCommand(CliContext& context, const BatchImportOptions& options) {
  BatchImportRequest request;
  auto purpose = ParsePurpose(options.purpose);
  if (context.Failed(purpose.status())) return;
  request.purpose = *purpose;
  request.manifest = options.manifest;
  request.gallery = options.gallery;
  request.case_ref = options.case_ref;
  request.dedup = options.dedup;
  request.resume = options.resume;
  request.errors_file = options.errors;
  request.workers = options.workers;
  request.target_false_match_rate = options.fmr;
  auto progress = std::make_shared<ProgressLine>(options.progress);
  request.progress = [progress](const BatchImportProgress& p) { (*progress)(p); };
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  const Operator op = session->second;
  auto report = RunBatchImport([&context] { return context.OpenAnotherSystem(); }, op, request);
  if (context.Failed(report.status())) return;
  nlohmann::json out = report->ToJson();
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << fmt::format(
        "imported {} of {} persons ({} rows) into gallery '{}' in {:.1f} s: {} failed, {} skipped as imported before, "
        "{} possible duplicates\n",
        report->enrolled, report->persons, report->rows, options.gallery, report->seconds, report->failed,
        report->skipped_existing, report->possible_duplicates);
    if (report->failed > 0) s << "failed rows, with the reason: " << report->errors_file.string() << "\n";
    if (report->possible_duplicates > 0) {
      s << "possible duplicates are leads for two-person review: abis review list (nothing was merged)\n";
    }
  });
  if (report->failed > 0) context.globals().exit_code = 1;
}

}  // namespace

void AddImportCommands(CLI::App& root, CliContext& context) {
  CLI::App* import =
      root.add_subcommand("import", "enrol from a standard container or a manifest")->require_subcommand(1);
  auto options = std::make_shared<BatchImportOptions>();
  CLI::App* batch = import->add_subcommand("batch", "create and enrol the persons of a CSV manifest, in parallel");
  batch
      ->add_option(
          "--manifest", options->manifest,
          "CSV: person,category,legal_basis,retention_until,modality,position,file[,sample_options][,encounter]")
      ->required();
  batch->add_option("--gallery", options->gallery, "every person joins this gallery")->required();
  batch->add_option("--purpose", options->purpose, "why the persons are enrolled (deduplication with --dedup)")
      ->required();
  batch->add_option("--case", options->case_ref, "case reference, in every audit entry")->required();
  batch->add_flag("--dedup", options->dedup,
                  "search each new person against the gallery; possible duplicates become review leads");
  batch->add_option("--fmr", options->fmr, "with --dedup: target false match rate of the decision")
      ->capture_default_str();
  batch->add_flag("--resume", options->resume, "skip the persons that exist already (a rerun after an interruption)");
  batch->add_option("--errors", options->errors, "the error file (default: <manifest>.errors.csv)");
  batch->add_option("--workers", options->workers, "worker threads (default: one per core)")->check(CLI::Range(0, 256));
  batch->add_flag("--progress", options->progress, "progress on stderr even for a short manifest");
  batch->callback([&context, options] { RunBatchImportCommand(context, *options); });
}

}  // namespace abis::cli
