// `abis import batch`: the persons of a CSV manifest (a DNA collection, a folder of ANSI/NIST-ITL
// transactions) created and enrolled in parallel (the rules are abis/system/batch_import.h's),
// with progress on stderr and a JSON summary.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "abis/system/batch_import.h"
#include "cli_context.h"
#include "nist_transaction_encounter.h"

namespace abis::cli {
namespace {

struct BatchImportOptions {
  std::string manifest, gallery, purpose, case_ref, errors;
  std::string dna_collection, sample_column = "sample", category, legal_basis, retention_until, id_prefix;
  std::string nist_folder;
  int min_quality = 20;
  bool id_from_file_name = false;
  bool dedup = false;
  bool resume = false;
  bool progress = false;
  bool no_index_refresh = false;
  int workers = 0;
  std::size_t batch_size = 256;
  int batch_ms = 200;
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

// ANSI/NIST-ITL transactions (folder files and manifest rows of modality `nist`) read as
// `abis import nist` reads one: one code path (nist_transaction_encounter.h).
EncounterFileReader TransactionReader(int min_quality) {
  EncounterFileReader reader;
#ifdef ABIS_HAVE_INTEROP
  reader.read = [min_quality](const std::filesystem::path& file) -> Result<FileEncounter> {
    TransactionEncounterOptions options;
    options.min_quality = min_quality;
    ABIS_ASSIGN_OR_RETURN(TransactionEncounter encounter, ReadTransactionEncounter(file, options));
    FileEncounter out;
    out.samples = std::move(encounter.samples);
    out.source_agency = encounter.originating_agency;
    return out;
  };
  reader.identify = [](const std::filesystem::path& file) { return IdentifyTransactionFile(file); };
#else
  (void)min_quality;
#endif
  return reader;
}

void RunBatchImportCommand(CliContext& context, const BatchImportOptions& options) {
  const int inputs = (options.manifest.empty() ? 0 : 1) + (options.dna_collection.empty() ? 0 : 1) +
                     (options.nist_folder.empty() ? 0 : 1);
  if (inputs != 1) {
    context.Failed(Status::InvalidArgument(
        "abis import batch reads one of --manifest FILE, --dna-collection FILE or --nist-folder DIR"));
    return;
  }
  BatchImportRequest request;
  auto purpose = ParsePurpose(options.purpose);
  if (context.Failed(purpose.status())) return;
  request.purpose = *purpose;
  request.manifest = options.manifest;
  request.dna_collection = options.dna_collection;
  request.encounter_folder = options.nist_folder;
  request.encounter_files = TransactionReader(options.min_quality);
  if (!options.nist_folder.empty() && !request.encounter_files.identify) {
    context.Failed(Status::Unimplemented("--nist-folder: this build has no ANSI/NIST-ITL module (interop)"));
    return;
  }
  if (!options.dna_collection.empty() || !options.nist_folder.empty()) {
    const char* input = options.nist_folder.empty() ? "--dna-collection" : "--nist-folder";
    if (options.category.empty() || options.legal_basis.empty() || options.retention_until.empty()) {
      context.Failed(Status::InvalidArgument(
          std::string(input) + " needs --category, --legal-basis and --retention-until (every " +
          (options.nist_folder.empty() ? "sample" : "transaction") + " becomes a person)"));
      return;
    }
    auto category = ParsePersonCategory(options.category);
    if (context.Failed(category.status())) return;
    request.collection_persons.category = *category;
    request.collection_persons.legal_basis = options.legal_basis;
    request.collection_persons.retention_until = options.retention_until;
    request.collection_persons.id_prefix = options.id_prefix;
    request.collection_persons.sample_column = options.sample_column;
    request.folder_persons.category = *category;
    request.folder_persons.legal_basis = options.legal_basis;
    request.folder_persons.retention_until = options.retention_until;
    request.folder_persons.id_prefix = options.id_prefix;
    request.folder_persons.id_from_file_name = options.id_from_file_name;
  }
  request.gallery = options.gallery;
  request.case_ref = options.case_ref;
  request.dedup = options.dedup;
  request.resume = options.resume;
  request.errors_file = options.errors;
  request.workers = options.workers;
  request.batch_size = options.batch_size;
  request.batch_milliseconds = options.batch_ms;
  request.target_false_match_rate = options.fmr;
  auto progress = std::make_shared<ProgressLine>(options.progress);
  request.progress = [progress](const BatchImportProgress& p) { (*progress)(p); };
  request.refresh_indexes = !options.no_index_refresh;
  request.index_refresh_started = [] {
    std::cerr << "import: bringing the gallery index up to date and writing its snapshot, so that the first search "
                 "need not (--no-index-refresh skips this)\n";
  };
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
    if (report->indexed_templates > 0) {
      s << fmt::format("gallery index up to date: {} templates in {:.1f} s\n", report->indexed_templates,
                       report->index_seconds);
    }
    for (const std::string& warning : report->index_warnings) s << "warning: gallery index: " << warning << "\n";
    if (report->possible_duplicates > 0) {
      s << "possible duplicates are leads for two-person review: abis review list (nothing was merged)\n";
    }
  });
  if (report->failed > 0 || !report->dedup_failures.empty()) context.globals().exit_code = 1;
}

}  // namespace

void AddImportCommands(CLI::App& root, CliContext& context) {
  CLI::App* import =
      root.add_subcommand("import", "enrol from a standard container or a manifest")->require_subcommand(1);
  auto options = std::make_shared<BatchImportOptions>();
  CLI::App* batch = import->add_subcommand("batch",
                                           "create and enrol the persons of a CSV manifest (or a DNA collection, or a "
                                           "folder of ANSI/NIST-ITL transactions), in parallel");
  CLI::Option* manifest =
      batch->add_option("--manifest", options->manifest,
                        "CSV: person,category,legal_basis,retention_until,modality,position,file[,sample_options]"
                        "[,encounter][,sample]");
  CLI::Option* collection = batch->add_option(
      "--dna-collection", options->dna_collection,
      "instead of a manifest: a DNA collection CSV (sample,[population,]locus,allele1,allele2); each sample a person");
  CLI::Option* folder = batch->add_option(
      "--nist-folder", options->nist_folder,
      "instead of a manifest: a folder of ANSI/NIST-ITL transactions (.an2, .an2k, .eft, .nist or any file that "
      "parses as one); each a person, its id the transaction control number 1.009 (else the file name)");
  manifest->excludes(collection);
  manifest->excludes(folder);
  collection->excludes(folder);
  batch->add_flag("--id-from-file-name", options->id_from_file_name,
                  "with --nist-folder: person ids are the file names (without extension), not the control numbers");
  batch
      ->add_option("--min-quality", options->min_quality,
                   "transactions: print-quality floor (0-100) for the fingers cut from slaps; 0 = none")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  batch->add_option("--sample-column", options->sample_column, "with --dna-collection: the column naming the sample")
      ->capture_default_str();
  batch->add_option("--category", options->category, "with --dna-collection or --nist-folder: every person's category");
  batch->add_option("--legal-basis", options->legal_basis,
                    "with --dna-collection or --nist-folder: every person's legal basis");
  batch->add_option("--retention-until", options->retention_until,
                    "with --dna-collection or --nist-folder: every person's retention date (YYYY-MM-DD)");
  batch->add_option(
      "--id-prefix", options->id_prefix,
      "with --dna-collection or --nist-folder: person ids are this prefix and the sample name or control number");
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
  batch->add_option("--workers", options->workers, "extraction threads (default: one per core; one more commits)")
      ->check(CLI::Range(0, 256));
  batch->add_option("--batch-size", options->batch_size, "persons per transaction at most")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  batch->add_option("--batch-ms", options->batch_ms, "a batch commits at the latest this long after its first person")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  batch->add_flag("--progress", options->progress,
                  "progress on stderr even for a short manifest (persons counted once their batch committed)");
  batch->add_flag("--no-index-refresh", options->no_index_refresh,
                  "leave the gallery index to the first search (default: bring it up to date and write its sealed "
                  "snapshot after the import)");
  batch->callback([&context, options] { RunBatchImportCommand(context, *options); });
}

}  // namespace abis::cli
