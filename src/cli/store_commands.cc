// `abis store rotate-key`: maintenance of the store itself (admin).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_context.h"

namespace abis::cli {
namespace {

// Progress on stderr, at most a few times a second: rows re-wrapped and the rate.
class RewrapProgress {
 public:
  void operator()(const KeyRewrapCounts& counts) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", seconds > 0 ? static_cast<double>(counts.total()) / seconds : 0.0);
    std::cerr << "\rrotate-key: " << counts.samples << " samples, " << counts.templates << " templates, "
              << counts.search_probes << " kept probes re-wrapped (" << rate << " rows/s)" << std::flush;
    shown_ = true;
  }
  bool shown() const { return shown_; }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  bool shown_ = false;
};

void RunRotateKey(CliContext& context) {
  auto session = context.OpenAsOperator();
  if (context.Failed(session.status())) return;
  auto [system, op] = *session;
  auto progress = std::make_shared<RewrapProgress>();
  KeyRotationOptions options;
  options.progress = [progress](const KeyRewrapCounts& counts) { (*progress)(counts); };
  auto report = system->RotateMasterKey(op, options);
  if (progress->shown()) std::cerr << "\n";
  if (context.Failed(report.status())) return;
  const KeyRewrapCounts& counts = report->rewrapped;
  const double rate = report->seconds > 0 ? static_cast<double>(counts.total()) / report->seconds : 0.0;
  PrintResult(context.globals(),
              {{"samples", counts.samples},
               {"templates", counts.templates},
               {"search_probes", counts.search_probes},
               {"seconds", report->seconds},
               {"rows_per_second", rate},
               {"audit_seq", report->audit_seq},
               {"key_file", report->key_file}},
              [&](std::ostream& out) {
                out << "re-wrapped " << counts.total() << " data keys (" << counts.samples << " samples, "
                    << counts.templates << " templates, " << counts.search_probes << " kept probes) in "
                    << report->seconds << " s; " << report->key_file << " holds the new key (audit entry "
                    << report->audit_seq << ").\n"
                    << "Backups taken before now open with the old key only: destroy every copy of it to "
                       "crypto-erase them.\n";
              });
}

}  // namespace

void AddStoreCommands(CLI::App& root, CliContext& context) {
  CLI::App* store = root.add_subcommand("store", "maintenance of the store itself (admin)")->require_subcommand(1);
  store
      ->add_subcommand("rotate-key",
                       "re-wrap every data key under a new master key, then replace the key file (stop every other "
                       "process of the store first; see docs/STORE_LIFECYCLE.md)")
      ->callback([&context] { RunRotateKey(context); });
}

}  // namespace abis::cli
