// The HTTP service: the OSIA ABIS v1.6.0 interface (paths under /v1/) over AbisSystem, plus
// watchlist alerts, two-person candidate review, health and metrics. docs/SERVICE.md lists every
// endpoint, its OSIA mapping, the error codes and the measured load numbers.
//
// Every /v1/ request carries `Authorization: Bearer <API key>`: no or a bad key is 401 (audited as
// auth.refused), a role that forbids the call 403 (audited as a refusal), a search without the
// `purpose` and `caseRef` query parameters 400. Errors are JSON {code, message}. Requests are
// served by a thread pool; each worker leases its own AbisSystem (own SQLite connection), so
// searches run while enrolments commit. Work sent with a `callback` query parameter runs as a
// task: 202 {taskId}, the result is POSTed to the callback (loopback or allowed hosts only).
// Thread-safety: Bind/Run/Stop may be called from different threads; Stop is idempotent.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abis/core/status.h"
#include "abis/system/abis_system.h"

namespace abis::service {

struct ServiceConfig {
  std::filesystem::path store_dir;
  std::string host = "127.0.0.1";
  int port = 0;                                   // 0: an ephemeral port (see AbisService::port())
  std::size_t worker_threads = 8;                 // requests worked on at once (store connections)
  std::size_t connection_threads = 128;           // connections read at once (at least worker_threads)
  std::size_t background_threads = 2;             // tasks and webhook deliveries
  std::size_t max_body_bytes = 16u << 20;         // larger requests are 413 (chunked ones too, while read)
  int max_json_depth = 32;                        // deeper JSON bodies are 400, refused before parsing
  int sign_in_failures_per_window = 20;           // per source address and per key id; then 429
  std::chrono::seconds sign_in_window{60};
  std::size_t max_probes = 20;                    // biometricData items per request
  std::chrono::seconds read_timeout{10};          // per read of a request
  std::chrono::seconds write_timeout{30};         // per write of a response
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::milliseconds key_cache_ttl{30000}; // successful key checks are reused this long
  std::chrono::milliseconds callback_timeout{5000};
  int callback_attempts = 3;
  std::string alert_webhook;                      // URL alerts are POSTed to; empty: none
  std::vector<std::string> allowed_callback_hosts;  // beyond loopback
  std::filesystem::path tls_certificate;          // both set: HTTPS (OpenSSL)
  std::filesystem::path tls_private_key;
  // Gallery index snapshots are written this often when their index changed enough, and at
  // shutdown (0: only at shutdown).
  std::chrono::seconds snapshot_interval{300};
  std::chrono::milliseconds session_lifetime{30 * 60 * 1000};  // examiner workstation sign-ins end after this
  std::size_t max_sessions = 10000;               // sessions held at once; the oldest goes first
  // Where unrestricted searches get their candidate lists (AbisSystem::SetGallerySearcher); null:
  // the service's own gallery indexes. The matcher grid (abis grid serve) sets its front here.
  std::shared_ptr<GallerySearcher> gallery_searcher;
};

class AbisService {
 public:
  // Checks the configuration and opens the store once (so a bad store fails here, not per
  // request). `engines` must be safe to call concurrently and outlive the service.
  static Result<std::unique_ptr<AbisService>> Create(ServiceConfig config, EngineProvider engines);
  ~AbisService();
  AbisService(const AbisService&) = delete;
  AbisService& operator=(const AbisService&) = delete;

  // Binds the listening socket; returns the port (the ephemeral one when config.port is 0).
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  Status Run();
  // Stops accepting requests, lets running requests finish and drains queued tasks.
  void Stop();
  int port() const;
  // (method, path pattern) of every route served, e.g. ("GET", "/v1/alerts"); the served OpenAPI
  // document (GET /v1/openapi.json, docs/openapi.json) must list exactly these.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  class Impl;
  explicit AbisService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace abis::service
