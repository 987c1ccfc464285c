// The options and the run of `abis serve`, shared with `abis grid serve` (its rank 0).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "abis/system/gallery_searcher.h"
#include "cli_context.h"

namespace abis::cli {

struct ServeOptions {
  std::string listen;
  std::size_t threads = 8;
  std::size_t max_body_mib = 16;
  int key_cache_seconds = 30;
  int snapshot_interval_seconds = 300;
  double session_minutes = 30;
  std::string alert_webhook;
  std::vector<std::string> callback_hosts;
  std::string tls_certificate;
  std::string tls_private_key;
};

// What `abis grid serve` adds to the service: where searches get their candidate lists, and what
// runs once the service has stopped (before the process ends).
struct ServeHooks {
  std::shared_ptr<GallerySearcher> gallery_searcher;
  std::function<void()> on_stop;
};

void AddServeOptions(CLI::App* serve, ServeOptions* options);
// Serves until SIGINT or SIGTERM.
void RunServe(CliContext& context, const ServeOptions& options, const ServeHooks& hooks);

}  // namespace abis::cli
