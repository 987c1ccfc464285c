// `abis grid serve` and `abis grid dedup`: the matcher grid on Open MPI (docs/SCALE.md). Run under
// mpirun: rank 0 is the front (the HTTP service of `abis serve`, or the deduplication job), its
// searches answered by ranks 1..N-1, the matchers, each holding its virtual shards of every
// gallery index.
#include <mpi.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "abis/grid/grid_front.h"
#include "cli_context.h"
#include "serve_options.h"

namespace abis::cli {
namespace {

// Whether mpirun runs with Open MPI's recovery mode (a dead rank does not end the job): given on
// its command line (--enable-recovery, which the ranks see as OMPI_MCA_orte_enable_recovery) or set
// in Open MPI's system or user parameter file (`make deps` sets it in the system one).
bool MpiRecoveryEnabled() {
  const auto on = [](std::string value) {
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r") + 1);
    return value == "1" || value == "true";
  };
  if (const char* recovery = std::getenv("OMPI_MCA_orte_enable_recovery")) return on(recovery);
  std::vector<std::filesystem::path> files = {"/etc/openmpi/openmpi-mca-params.conf"};
  if (const char* home = std::getenv("HOME")) files.push_back(std::filesystem::path(home) / ".openmpi/mca-params.conf");
  bool enabled = false;
  for (const auto& file : files) {  // the user's file is read last and wins
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      line.erase(0, line.find_first_not_of(" \t"));
      if (!line.starts_with("orte_enable_recovery")) continue;
      const std::size_t equals = line.find('=');
      if (equals != std::string::npos) enabled = on(line.substr(equals + 1));
    }
  }
  return enabled;
}

struct GridOptions {
  int virtual_shards = 64;
  int matcher_timeout_ms = 10000;
  int load_timeout_seconds = 3600;
  int snapshot_interval_seconds = 300;
};

struct GridServeOptions {
  ServeOptions serve;
  GridOptions grid;
};

struct GridDedupOptions {
  GridOptions grid;
  std::string gallery;
  std::string out;
  std::string case_ref;
  std::string purpose = "deduplication";
  std::size_t max_candidates = 10;
  double target_fmr = 1e-4;
  bool all_candidates = false;
};

EngineProvider BuildEngines(CliContext& context) {
  std::map<Modality, Result<const ModalityEngine*>> engines;
  for (const ModalityPlugin& plugin : ModalityPlugins())
    engines.emplace(plugin.modality, context.Engine(plugin.modality));
  return [engines](Modality modality) -> Result<const ModalityEngine*> {
    auto found = engines.find(modality);
    if (found == engines.end()) {
      return Status::Unimplemented("this build has no " + std::string(ModalityName(modality)) + " modality");
    }
    return found->second;
  };
}

// Starts MPI. On a matcher rank, runs the matcher and ends the process. On rank 0, returns the
// front once every matcher has loaded its shards (null after reporting a failure).
std::shared_ptr<grid::GridFront> StartGrid(CliContext& context, const GridOptions& options) {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    context.Failed(Status::Unavailable("grid: MPI could not start (run under mpirun)"));
    return nullptr;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto fail = [&](const Status& status) -> std::shared_ptr<grid::GridFront> {
    context.Failed(status);
    std::cout.flush();
    std::cerr.flush();
    MPI_Abort(MPI_COMM_WORLD, 1);
    return nullptr;
  };
  if (provided < MPI_THREAD_SERIALIZED)
    return fail(Status::Unavailable("grid: this MPI does not allow serialized threads"));
  if (size < 2) return fail(Status::InvalidArgument("grid: needs at least 2 ranks (mpirun -np N with N >= 2)"));
  if (options.virtual_shards < size - 1) {  // a matcher without a shard would answer no search
    return fail(Status::InvalidArgument("grid: --virtual-shards " + std::to_string(options.virtual_shards) +
                                        " is fewer than the " + std::to_string(size - 1) + " matchers"));
  }
  auto dir = context.StoreDir();
  if (!dir.ok()) return fail(dir.status());

  if (rank != 0) {
    Status run = grid::RunMatcher(*dir, BuildEngines(context), options.virtual_shards,
                                  std::chrono::seconds(options.snapshot_interval_seconds));
    if (!run.ok()) {
      std::cerr << "abis: grid matcher " << rank << ": " << run.ToString() << std::endl;
      _exit(1);  // the front reports the failure
    }
    MPI_Finalize();
    _exit(0);  // the front prints the command's result
  }

  auto front = std::make_shared<grid::GridFront>(std::chrono::milliseconds(options.matcher_timeout_ms));
  auto matchers = front->AwaitMatchers(size - 1, std::chrono::seconds(options.load_timeout_seconds));
  if (!matchers.ok()) return fail(matchers.status());
  std::size_t templates = 0;
  for (const grid::MatcherInfo& matcher : *matchers) {
    templates += matcher.templates;
    std::cerr << "abis: grid: matcher rank " << matcher.rank << " pid " << matcher.pid << " on " << matcher.host << ": "
              << matcher.virtual_shards.size() << " virtual shards, " << matcher.templates << " templates, "
              << matcher.snapshots_loaded << " shard indexes loaded from snapshots" << std::endl;
  }
  std::cerr << "abis: grid: " << matchers->size() << " matcher(s) ready, " << templates << " templates in "
            << options.virtual_shards << " virtual shards" << std::endl;
  if (!MpiRecoveryEnabled()) {
    std::cerr
        << "abis: warning: Open MPI's recovery mode is off (mpirun --enable-recovery, or orte_enable_recovery = 1 "
           "in /etc/openmpi/openmpi-mca-params.conf as make deps sets it): Open MPI then ends the whole grid "
           "when a matcher dies (no 503 answers)\n";
  }
  return front;
}

// Ends rank 0: stops the matchers and MPI (or only this process when the grid has failed).
void EndGrid(const std::shared_ptr<grid::GridFront>& front, int failed_exit_code) {
  std::cout.flush();
  std::cerr.flush();
  if (!front->failure().empty()) _exit(failed_exit_code);  // MPI_Finalize would wait for the dead rank
  Status stopped = front->Stop();
  if (!stopped.ok()) std::cerr << "abis: warning: " << stopped.ToString() << "\n";
  MPI_Finalize();
}

void RunGridServe(CliContext& context, const GridServeOptions& options) {
  std::shared_ptr<grid::GridFront> front = StartGrid(context, options.grid);
  if (!front) return;
  ServeHooks hooks;
  hooks.gallery_searcher = front;
  RunServe(context, options.serve, hooks);
  EndGrid(front, 7);
}

// The persons already in the result file (its complete lines); a torn last line is cut off.
Result<std::set<std::string>> ReadDoneResults(const std::filesystem::path& file) {
  std::set<std::string> done;
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return done;
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete != text.size()) {
    std::filesystem::resize_file(file, complete, error);
    if (error) return Status::IoError("cannot cut the torn last line of " + file.string() + ": " + error.message());
  }
  std::size_t begin = 0;
  while (begin < complete) {
    const std::size_t end = text.find('\n', begin);
    nlohmann::json line = nlohmann::json::parse(text.substr(begin, end - begin), nullptr, false);
    if (line.is_object() && line.contains("person") && line["person"].is_string()) {
      done.insert(line["person"].get<std::string>());
    }
    begin = end + 1;
  }
  return done;
}

void RunGridDedup(CliContext& context, const GridDedupOptions& options) {
  std::shared_ptr<grid::GridFront> front = StartGrid(context, options.grid);
  if (!front) return;
  auto finish = [&](const Status& status) {
    context.Failed(status);
    EndGrid(front, 7);
  };
  auto opened = context.OpenAsOperator();
  if (!opened.ok()) return finish(opened.status());
  auto [system, op] = *opened;
  system->SetGallerySearcher(front);
  auto purpose = ParsePurpose(options.purpose);
  if (!purpose.ok()) return finish(purpose.status());
  auto done = ReadDoneResults(options.out);
  if (!done.ok()) return finish(done.status());
  std::ofstream out(options.out, std::ios::binary | std::ios::app);
  if (!out) return finish(Status::IoError("cannot append to " + options.out));

  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  std::int64_t after = 0;
  std::size_t searched = 0, skipped = 0, with_candidates = 0, candidates = 0;
  while (true) {
    auto members = system->ListGalleryMembers(op, options.gallery, after, 1000);
    if (!members.ok()) return finish(members.status());
    if (members->empty()) break;
    for (const GalleryMember& member : *members) {
      after = member.person_id;
      if (done->contains(member.external_id)) {
        ++skipped;
        continue;
      }
      if (member.active_encounters.empty()) continue;  // nothing to search with
      SearchRequest request;
      request.purpose = *purpose;
      request.case_ref = options.case_ref;
      request.gallery = options.gallery;
      request.probe_person = member.external_id;
      request.max_candidates = options.max_candidates;
      request.target_false_match_rate = options.target_fmr;
      request.hits_only = !options.all_candidates;
      request.earlier_persons_only = true;  // each pair once: from the later person
      auto result = system->Search(op, request);
      if (!result.ok()) return finish(result.status().WithContext("deduplicating " + member.external_id));
      nlohmann::json line = {{"person", member.external_id}, {"audit_seq", result->audit_seq}};
      nlohmann::json list = nlohmann::json::array();
      for (const CandidateResult& candidate : result->candidates) {
        list.push_back(
            {{"person", candidate.external_id}, {"fused_ln_lr", candidate.fused_log_lr}, {"hit", candidate.hit}});
      }
      line["candidates"] = list;
      out << line.dump() << '\n';
      out.flush();
      if (!out) return finish(Status::IoError("cannot append to " + options.out));
      ++searched;
      candidates += result->candidates.size();
      if (!result->candidates.empty()) ++with_candidates;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_progress > std::chrono::seconds(5)) {
        last_progress = now;
        const double seconds = std::chrono::duration<double>(now - start).count();
        std::cerr << "abis: grid dedup: " << searched << " searched, " << skipped << " done before, " << with_candidates
                  << " with candidates, " << (seconds > 0 ? searched / seconds : 0.0) << " persons/s" << std::endl;
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json summary = {{"gallery", options.gallery},
                            {"searched", searched},
                            {"skipped_done_before", skipped},
                            {"persons_with_candidates", with_candidates},
                            {"candidates", candidates},
                            {"seconds", seconds},
                            {"persons_per_second", seconds > 0 ? searched / seconds : 0.0},
                            {"out", options.out}};
  std::cout << summary.dump() << std::endl;
  EndGrid(front, 7);
}

void AddGridOptions(CLI::App* command, GridOptions* options) {
  command
      ->add_option("--virtual-shards", options->virtual_shards,
                   "persons are hashed into this many virtual shards, dealt to the matchers (default 64; keep it "
                   "fixed for a deployment)")
      ->check(CLI::Range(1, 4096));
  command
      ->add_option("--matcher-timeout-ms", options->matcher_timeout_ms,
                   "a matcher that does not answer one step of a search within this puts the grid out of service "
                   "(503) until restart (default 10000; a matcher catching up with a large import, or writing its "
                   "snapshots, answers late: set it above that)")
      ->check(CLI::Range(50, 3600000));
  command
      ->add_option("--load-timeout-seconds", options->load_timeout_seconds,
                   "how long the matchers may take to load their shards at start (default 3600)")
      ->check(CLI::Range(1, 86400));
}

}  // namespace

void AddGridCommands(CLI::App& root, CliContext& context) {
  CLI::App* grid = root.add_subcommand("grid", "the matcher grid on Open MPI (run under mpirun, docs/SCALE.md)");
  grid->require_subcommand(1);
  auto serve_options = std::make_shared<GridServeOptions>();
  CLI::App* serve = grid->add_subcommand(
      "serve", "rank 0: the HTTP service of `abis serve`; ranks 1..N-1: matchers holding the gallery's shards");
  AddServeOptions(serve, &serve_options->serve);
  AddGridOptions(serve, &serve_options->grid);
  serve->callback([&context, serve_options] {
    serve_options->grid.snapshot_interval_seconds = serve_options->serve.snapshot_interval_seconds;
    RunGridServe(context, *serve_options);
  });

  auto dedup_options = std::make_shared<GridDedupOptions>();
  CLI::App* dedup = grid->add_subcommand(
      "dedup", "N:N deduplication of a gallery on the grid: every member searched against the earlier ones");
  AddGridOptions(dedup, &dedup_options->grid);
  dedup
      ->add_option("--snapshot-interval-seconds", dedup_options->grid.snapshot_interval_seconds,
                   "matchers write changed index snapshots this often (0: at the end only)")
      ->check(CLI::Range(0, 86400));
  dedup->add_option("--gallery", dedup_options->gallery, "gallery to deduplicate")->required();
  dedup
      ->add_option("--out", dedup_options->out,
                   "result file, one JSON line per person searched; appended to, and the persons in it are skipped "
                   "(a stopped run resumes)")
      ->required();
  dedup->add_option("--case", dedup_options->case_ref, "case reference every search is bound to")->required();
  dedup->add_option("--purpose", dedup_options->purpose, "purpose of the searches (default deduplication)");
  dedup->add_option("--max-candidates", dedup_options->max_candidates, "candidates per person (default 10)")
      ->check(CLI::Range(1, 1000));
  dedup->add_option("--target-fmr", dedup_options->target_fmr, "operating point (default 1e-4)");
  dedup->add_flag("--all-candidates", dedup_options->all_candidates,
                  "keep candidates below the operating point too (default: hits only)");
  dedup->callback([&context, dedup_options] { RunGridDedup(context, *dedup_options); });
}

}  // namespace abis::cli
