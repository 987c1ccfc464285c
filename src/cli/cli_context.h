// Shared state of one `abis` invocation: the global options, the lazily opened system and the
// lazily built modality engines. Internal to src/cli.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "abis/cli/plugin.h"
#include "abis/system/abis_system.h"

namespace abis::cli {

class CliContext {
 public:
  explicit CliContext(CliGlobals& globals) : globals_(globals) {}
  CliGlobals& globals() { return globals_; }

  // The store folder from --store or ABIS_STORE; kInvalidArgument when neither is set.
  Result<std::string> StoreDir() const;
  // The engine for a modality, built once from its plugin; safe to call from several threads.
  Result<const ModalityEngine*> Engine(Modality modality);
  // Opens the store (once) and authenticates the operator from --key-file or ABIS_API_KEY.
  // `loading` applies when this call opens the store: kOnDemand for a command that searches once
  // (GalleryIndexCache::SetSnapshotLoading).
  Result<std::pair<AbisSystem*, Operator>> OpenAsOperator(SnapshotLoading loading = SnapshotLoading::kWhole);
  // Another AbisSystem on the same store, with this context's engines and one gallery index cache
  // shared by every system opened so (for worker threads: one system per thread). The context
  // must outlive it.
  Result<std::unique_ptr<AbisSystem>> OpenAnotherSystem();
  // Reports a failed status and returns true when `status` is an error.
  bool Failed(const Status& status) {
    if (status.ok()) return false;
    ReportError(globals_, status);
    return true;
  }

 private:
  Result<std::string> ReadApiKey() const;
  CliGlobals& globals_;
  std::mutex engines_mutex_;
  std::map<Modality, std::unique_ptr<ModalityEngine>> engines_;
  std::shared_ptr<GalleryIndexCache> worker_indexes_ = std::make_shared<GalleryIndexCache>();
  std::unique_ptr<AbisSystem> system_;
};

// Writes the gallery index snapshots a command's searches built or changed enough
// (SnapshotSavePolicy defaults), so the next command loads them; a failure is a warning on stderr.
void SaveIndexSnapshotsQuietly(AbisSystem& system);

// Each file adds one group of subcommands.
void AddInitAndUserCommands(CLI::App& root, CliContext& context);
void AddPersonAndGalleryCommands(CLI::App& root, CliContext& context);
void AddBiometricCommands(CLI::App& root, CliContext& context);
void AddAccountabilityCommands(CLI::App& root, CliContext& context);
void AddTemplateCommands(CLI::App& root, CliContext& context);
void AddDemoCommand(CLI::App& root, CliContext& context);
void AddImportCommands(CLI::App& root, CliContext& context);  // `abis import` and its `batch`
void AddNistCommands(CLI::App& root, CliContext& context);    // after AddImportCommands
void AddSlapEvalCommand(CLI::App& root, CliContext& context);  // `eval slap-seg`, after "eval" exists
void AddBenchStoreCommand(CLI::App& root, CliContext& context);  // `bench store`, after "bench" exists
void AddReviewCommand(CLI::App& root, CliContext& context);
void AddStoreCommands(CLI::App& root, CliContext& context);  // `abis store rotate-key`
void AddServeCommand(CLI::App& root, CliContext& context);  // only with ABIS_HAVE_SERVICE
void AddGridCommands(CLI::App& root, CliContext& context);  // only with ABIS_HAVE_GRID (Open MPI found)
void AddMosipCommands(CLI::App& root, CliContext& context);  // empty without ABIS_HAVE_MOSIP

}  // namespace abis::cli
