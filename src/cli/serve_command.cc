// `abis serve`: the HTTP service (docs/SERVICE.md). Runs until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <iostream>
#include <thread>

#include "abis/service/abis_service.h"
#include "cli_context.h"
#include "serve_options.h"

namespace abis::cli {
namespace {


Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen '" + listen + "' must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  int port = -1;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return Status::InvalidArgument("--listen '" + listen + "': port must be 0-65535");
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

}  // namespace

void RunServe(CliContext& context, const ServeOptions& options, const ServeHooks& hooks) {
  auto dir = context.StoreDir();
  if (context.Failed(dir.status())) return;
  auto listen = ParseListen(options.listen);
  if (context.Failed(listen.status())) return;

  // Build every engine now: request threads then only read them (the CLI's lazy map is not
  // thread-safe). A modality whose engine cannot start (e.g. a missing model) is left out.
  std::map<Modality, Result<const ModalityEngine*>> engines;
  for (const ModalityPlugin& plugin : ModalityPlugins()) {
    auto engine = context.Engine(plugin.modality);
    if (!engine.ok()) std::cerr << "abis: warning: " << engine.status().ToString() << "\n";
    engines.emplace(plugin.modality, engine);
  }
  EngineProvider provider = [engines](Modality modality) -> Result<const ModalityEngine*> {
    auto found = engines.find(modality);
    if (found == engines.end()) {
      return Status::Unimplemented("this build has no " + std::string(ModalityName(modality)) + " modality");
    }
    return found->second;
  };

  service::ServiceConfig config;
  config.store_dir = *dir;
  config.host = listen->first;
  config.port = listen->second;
  config.worker_threads = options.threads;
  config.max_body_bytes = options.max_body_mib << 20;
  config.key_cache_ttl = std::chrono::seconds(options.key_cache_seconds);
  config.snapshot_interval = std::chrono::seconds(options.snapshot_interval_seconds);
  config.session_lifetime = std::chrono::milliseconds(static_cast<std::int64_t>(options.session_minutes * 60000.0));
  config.alert_webhook = options.alert_webhook;
  config.allowed_callback_hosts = options.callback_hosts;
  config.tls_certificate = options.tls_certificate;
  config.tls_private_key = options.tls_private_key;
  config.gallery_searcher = hooks.gallery_searcher;

  // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the service.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = service::AbisService::Create(config, provider);
  if (context.Failed(service.status())) return;
  auto port = (*service)->Bind();
  if (context.Failed(port.status())) return;
  std::string scheme = config.tls_certificate.empty() ? "http" : "https";
  std::cout << "abis: serving " << AbisSystem::DescribeStore(*dir) << " on " << scheme << "://" << config.host << ":" << *port
            << " (Ctrl-C to stop)" << std::endl;
  std::thread stopper([&signals, &service] {
    int received = 0;
    sigwait(&signals, &received);
    (*service)->Stop();
  });
  Status run = (*service)->Run();
  if (hooks.on_stop) hooks.on_stop();
  // Run() also ends when the server fails; wake the signal thread so it can be joined.
  // The signal is blocked in every thread and consumed by the stopper's sigwait: it ends that wait,
  // it does not terminate the thread (which is what bugprone-bad-signal-to-kill-thread fears).
  pthread_kill(stopper.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  stopper.join();
  if (context.Failed(run)) return;
  PrintResult(context.globals(), {{"stopped", true}, {"port", *port}},
              [](std::ostream& out) { out << "abis: service stopped\n"; });
}

void AddServeOptions(CLI::App* serve, ServeOptions* options) {
  serve->add_option("--listen", options->listen, "HOST:PORT to listen on, e.g. 127.0.0.1:8080 (port 0: any free port)")
      ->required();
  serve->add_option("--threads", options->threads, "concurrent requests (default 8)")->check(CLI::Range(1, 256));
  serve->add_option("--max-body-mib", options->max_body_mib, "largest request body in MiB (default 16)")
      ->check(CLI::Range(1, 1024));
  serve->add_option("--snapshot-interval-seconds", options->snapshot_interval_seconds,
                    "write changed gallery index snapshots this often (0: only at shutdown)")
      ->check(CLI::Range(0, 86400));
  serve->add_option("--key-cache-seconds", options->key_cache_seconds,
                    "reuse a successful API-key check this long (default 30; 0 disables)")
      ->check(CLI::Range(0, 3600));
  serve->add_option("--session-minutes", options->session_minutes,
                    "examiner workstation sign-ins end after this many minutes (default 30; 0.01-1440)")
      ->check(CLI::Range(0.01, 1440.0));
  serve->add_option("--alert-webhook", options->alert_webhook, "URL that watchlist alerts are POSTed to");
  serve->add_option("--allow-callback-host", options->callback_hosts,
                    "a non-loopback host that callbacks and webhooks may go to (repeatable)");
  serve->add_option("--tls-cert", options->tls_certificate, "PEM certificate file (enables HTTPS with --tls-key)");
  serve->add_option("--tls-key", options->tls_private_key, "PEM private key file");
}

void AddServeCommand(CLI::App& root, CliContext& context) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = root.add_subcommand("serve", "run the HTTP service (OSIA ABIS v1.6.0 under /v1/)");
  AddServeOptions(serve, options.get());
  serve->callback([&context, options] { RunServe(context, *options, {}); });
}

}  // namespace abis::cli
