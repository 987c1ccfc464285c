// `abis mosip serve` and `abis mosip handle`: abis as the ABIS of a MOSIP deployment
// (docs/MOSIP.md). `serve` answers MOSIP's inbound queue on the broker named by MOSIP's queue
// configuration (over STOMP) until SIGINT/SIGTERM; `handle` answers one message file without a
// broker. Both act as the operator of --key-file / ABIS_API_KEY (an enroller), with the purpose,
// gallery, legal basis and retention given here; DELETE needs --delete-key-file (an admin's key).
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_context.h"

#ifdef ABIS_HAVE_MOSIP
#include "abis/core/time.h"
#include "abis/interop/mosip_abis_queue_adapter.h"
#include "abis/mosip/mosip_abis_stomp_worker.h"
#include "abis/mosip/mosip_datashare_source.h"
#include "abis/mosip/mosip_queue_config.h"
#include "abis/mosip/mosip_store_handler.h"
#include "abis/mosip/stomp_connection.h"
#endif

namespace abis::cli {

#ifdef ABIS_HAVE_MOSIP
namespace {

constexpr std::uintmax_t kMaxMessageFileBytes = std::uintmax_t{4} << 20;  // the parser refuses > 1 MiB anyway

struct MosipOptions {
  // handler
  std::string gallery = "mosip";
  std::string purpose = "deduplication";
  std::string category = "unknown";
  std::string legal_basis;
  int retention_years = 10;
  double default_fmr = 1e-4;
  int default_target_fpir = -1;  // -1: none (use --default-fmr)
  int default_max_results = 10;
  std::string delete_key_file;
  std::string cbeff_dir;
  bool accept_partial_slaps = false;
  int slap_min_quality = 20;
  // datashare (http/https referenceURLs)
  std::vector<std::string> datashare_hosts;
  bool datashare_allow_http = false;
  std::string datashare_ca_file;
  std::string datashare_token_file;
  int datashare_timeout_ms = 10000;
  std::size_t datashare_max_bytes = std::size_t{64} << 20;
  // serve
  std::string config;
  std::string abis_name;
  int stomp_port = 61613;
  double duration_seconds = 0;  // 0: until SIGINT/SIGTERM
  // handle
  std::string request;
};

// Routes a referenceURL by scheme: file:// to the local source (when --cbeff-dir gives one),
// http(s):// to MOSIP's datashare (when --datashare-host gives at least one host); anything else,
// or a scheme with no source configured, is "unable to fetch biometric details".
class RoutingBiometricSource : public interop::MosipBiometricSource {
 public:
  RoutingBiometricSource(std::unique_ptr<interop::MosipBiometricSource> files,
                         std::unique_ptr<interop::MosipBiometricSource> datashare)
      : files_(std::move(files)), datashare_(std::move(datashare)) {}

  interop::MosipOutcome Fetch(const std::string& reference_url, std::string* cbeff_xml) override {
    const std::string scheme = reference_url.substr(0, reference_url.find("://"));
    if (scheme == "file" && files_) return files_->Fetch(reference_url, cbeff_xml);
    if ((scheme == "http" || scheme == "https") && datashare_) return datashare_->Fetch(reference_url, cbeff_xml);
    return interop::MosipOutcome::Failure(
        interop::MosipFailureReason::kUnableToFetchBiometricDetails,
        "cannot fetch " + reference_url.substr(0, reference_url.find('?')) +
            ": file:// URLs need --cbeff-dir, http(s):// URLs need --datashare-host");
  }

 private:
  std::unique_ptr<interop::MosipBiometricSource> files_;
  std::unique_ptr<interop::MosipBiometricSource> datashare_;
};

Result<std::string> ReadSmallFile(const std::string& path, std::uintmax_t limit, const std::string& what) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Status::NotFound("cannot read " + what + " '" + path + "': " + error.message());
  if (size > limit) {
    return Status::InvalidArgument(what + " '" + path + "' has " + std::to_string(size) + " bytes, more than " +
                                   std::to_string(limit));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return Status::IoError("cannot read " + what + " '" + path + "'");
  return text;
}

// The first line of a key file, as `abis user add` writes it ("api_key: abis_..." or the bare key).
Result<std::string> ReadKeyFile(const std::string& path) {
  ABIS_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 4096, "key file"));
  std::string key = text.substr(0, text.find('\n'));
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.rfind("api_key: ", 0) == 0) key = key.substr(9);
  if (key.empty()) return Status::InvalidArgument("key file '" + path + "' is empty");
  return key;
}

// Everything `serve` and `handle` share: the system, the handler and the biometric source.
struct MosipSession {
  AbisSystem* system = nullptr;
  std::unique_ptr<mosip::MosipStoreHandler> handler;
  std::unique_ptr<interop::MosipBiometricSource> source;
  interop::MosipAbisAdapterOptions adapter_options;
};

Result<MosipSession> OpenMosipSession(CliContext& context, const MosipOptions& options,
                                      const std::string& default_cbeff_dir) {
  mosip::MosipStoreHandlerConfig config;
  config.gallery = options.gallery;
  ABIS_ASSIGN_OR_RETURN(config.purpose, ParsePurpose(options.purpose));
  ABIS_ASSIGN_OR_RETURN(config.category, ParsePersonCategory(options.category));
  config.legal_basis = options.legal_basis;
  config.retention_years = options.retention_years;
  config.default_false_match_rate = options.default_fmr;
  config.slaps.accept_partial = options.accept_partial_slaps;
  config.slaps.min_quality = options.slap_min_quality;
  if (options.default_target_fpir != -1 && (options.default_target_fpir < 0 || options.default_target_fpir > 200)) {
    return Status::InvalidArgument("--default-target-fpir " + std::to_string(options.default_target_fpir) +
                                   " is outside 0-200");
  }
  if (options.default_max_results < 1 || options.default_max_results > 10000) {
    return Status::InvalidArgument("--default-max-results must be 1-10000");
  }

  ABIS_ASSIGN_OR_RETURN(auto session, context.OpenAsOperator());
  auto [system, op] = session;
  std::optional<Operator> deleter;
  if (!options.delete_key_file.empty()) {
    ABIS_ASSIGN_OR_RETURN(std::string key, ReadKeyFile(options.delete_key_file));
    Result<Operator> deletion_operator = system->Authenticate(key);
    if (!deletion_operator.ok()) return deletion_operator.status().WithContext("--delete-key-file");
    deleter = *deletion_operator;
  }
  EngineProvider engines = [&context](Modality modality) { return context.Engine(modality); };
  MosipSession out;
  out.system = system;
  ABIS_ASSIGN_OR_RETURN(out.handler, mosip::MosipStoreHandler::Create(*system, engines, op, deleter, config));
  const std::string cbeff_dir = options.cbeff_dir.empty() ? default_cbeff_dir : options.cbeff_dir;
  std::unique_ptr<interop::MosipBiometricSource> files;
  if (!cbeff_dir.empty()) files = std::make_unique<interop::FileBiometricSource>(cbeff_dir);
  std::unique_ptr<interop::MosipBiometricSource> datashare;
  if (!options.datashare_hosts.empty()) {
    mosip::MosipDatashareConfig datashare_config;
    datashare_config.allowed_hosts = options.datashare_hosts;
    datashare_config.allow_plain_http = options.datashare_allow_http;
    datashare_config.ca_file = options.datashare_ca_file;
    datashare_config.read_timeout_ms = options.datashare_timeout_ms;
    datashare_config.max_body_bytes = options.datashare_max_bytes;
    if (!options.datashare_token_file.empty()) {
      ABIS_ASSIGN_OR_RETURN(std::string token, ReadKeyFile(options.datashare_token_file));
      datashare_config.authorization_token = token;
    }
    ABIS_RETURN_IF_ERROR(mosip::ValidateMosipDatashareConfig(datashare_config).WithContext("datashare options"));
    datashare = std::make_unique<mosip::MosipDatashareSource>(datashare_config);
  }
  out.source = std::make_unique<RoutingBiometricSource>(std::move(files), std::move(datashare));
  out.adapter_options.default_max_results = options.default_max_results;
  if (options.default_target_fpir != -1) out.adapter_options.default_target_fpir = options.default_target_fpir;
  return out;
}

nlohmann::json IdentifyReportJson(const mosip::MosipIdentifyReport& report) {
  nlohmann::json out = {{"probe_samples", report.probe_samples},
                        {"compared_records", report.compared_records},
                        {"requested_false_match_rate", report.requested_false_match_rate},
                        {"false_match_rate", report.false_match_rate},
                        {"clamped_to_engine_range", report.clamped_to_engine_range},
                        {"hits", report.hits},
                        {"audit_seq", report.audit_seq}};
  if (report.requested_fpir) out["requested_fpir"] = *report.requested_fpir;
  return out;
}

void RunHandle(CliContext& context, const MosipOptions& options) {
  auto message = ReadSmallFile(options.request, kMaxMessageFileBytes, "MOSIP request");
  if (context.Failed(message.status())) return;
  const std::string request_dir = std::filesystem::absolute(options.request).parent_path().string();
  auto session = OpenMosipSession(context, options, request_dir);
  if (context.Failed(session.status())) return;
  interop::MosipAbisQueueAdapter adapter(*session->handler, *session->source, session->adapter_options);
  const interop::MosipAbisReply reply = adapter.Handle(*message);

  nlohmann::json response = nlohmann::json::parse(reply.response_json, nullptr, false);
  nlohmann::json out = {{"request_id", reply.request_id},
                        {"success", reply.success},
                        {"diagnostic", reply.diagnostic},
                        {"response", response}};
  if (response.is_object() && response.value("id", "") == "mosip.abis.identify" && reply.success) {
    out["identify"] = IdentifyReportJson(session->handler->last_identify());
  }
  if (!session->handler->last_insert_notes().empty()) out["not_enrolled"] = session->handler->last_insert_notes();
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << reply.response_json << "\n";
    if (!reply.success) std::cerr << "abis: mosip: request '" << reply.request_id << "' failed: " << reply.diagnostic << "\n";
    for (const std::string& note : session->handler->last_insert_notes()) std::cerr << "abis: mosip: not enrolled: " << note << "\n";
  });
  if (!reply.success) context.globals().exit_code = 1;
}

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void RequestStop(int) { stop_requested.store(true); }

void RunServe(CliContext& context, const MosipOptions& options) {
  auto config_text = ReadSmallFile(options.config, kMaxMessageFileBytes, "MOSIP queue configuration");
  if (context.Failed(config_text.status())) return;
  auto queues = mosip::ParseMosipQueueConfig(*config_text);
  if (context.Failed(queues.status().WithContext(options.config))) return;
  const mosip::MosipAbisQueue* queue = nullptr;
  for (const mosip::MosipAbisQueue& candidate : *queues) {
    if (options.abis_name.empty() || candidate.name == options.abis_name) {
      queue = &candidate;
      break;
    }
  }
  if (queue == nullptr) {
    context.Failed(Status::NotFound(options.config + " has no ABIS named '" + options.abis_name + "'"));
    return;
  }
  auto endpoint = mosip::StompEndpointFor(*queue, options.stomp_port);
  if (context.Failed(endpoint.status())) return;
  auto session = OpenMosipSession(context, options, "");
  if (context.Failed(session.status())) return;
  interop::MosipAbisQueueAdapter adapter(*session->handler, *session->source, session->adapter_options);
  auto connection = mosip::StompConnection::Connect(*endpoint, std::chrono::seconds(10));
  if (context.Failed(connection.status().WithContext("broker " + endpoint->host + ":" + std::to_string(endpoint->port)))) {
    return;
  }
  mosip::MosipAbisStompWorker worker(**connection, adapter, *queue);
  worker.set_reply_observer([&](const interop::MosipAbisReply& reply) {
    std::cerr << NowUtcIso8601() << " mosip " << (reply.request_id.empty() ? "(no requestId)" : reply.request_id)
              << (reply.success ? " ok" : " failed: " + reply.diagnostic) << "\n";
  });
  if (context.Failed(worker.Start())) return;

  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::cerr << "abis: mosip: serving " << queue->name << " (" << queue->inbound_queue << " -> "
            << queue->outbound_queue << ") on " << endpoint->host << ":" << endpoint->port << " for gallery '"
            << options.gallery << "'\n";
  const auto duration = options.duration_seconds > 0
                            ? std::chrono::milliseconds(static_cast<std::int64_t>(options.duration_seconds * 1000))
                            : std::chrono::milliseconds(std::chrono::hours(24 * 365 * 100));
  auto stats = worker.Run(duration, &stop_requested);
  (*connection)->Close();
  if (context.Failed(stats.status().WithContext("serving " + queue->inbound_queue))) return;
  nlohmann::json out = {{"abis", queue->name}, {"requests", stats->requests}, {"failures", stats->failures}};
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    s << "served " << stats->requests << " MOSIP requests (" << stats->failures << " answered as failed)\n";
  });
}

void AddHandlerOptions(CLI::App* command, MosipOptions& options) {
  command->add_option("--legal-basis", options.legal_basis, "law under which MOSIP registrations are held")->required();
  command->add_option("--gallery", options.gallery, "register gallery of MOSIP's records (must exist)")->capture_default_str();
  command->add_option("--purpose", options.purpose, "purpose of IDENTIFY searches")->capture_default_str();
  command->add_option("--category", options.category, "person category of inserted records")->capture_default_str();
  command->add_option("--retention-years", options.retention_years, "records are kept this long after INSERT (1-150)")
      ->capture_default_str();
  command->add_option("--default-fmr", options.default_fmr, "per-comparison FMR of an IDENTIFY without targetFPIR")
      ->capture_default_str();
  command->add_option("--default-target-fpir", options.default_target_fpir,
                      "targetFPIR for IDENTIFY requests without one (0-200; default: use --default-fmr)");
  command->add_option("--default-max-results", options.default_max_results, "maxResults when a request has none")
      ->capture_default_str();
  command->add_option("--delete-key-file", options.delete_key_file, "API key of the admin who performs DELETE");
  command->add_option("--cbeff-dir", options.cbeff_dir, "serve file:// referenceURLs below this folder");
  command->add_flag("--accept-partial-slaps", options.accept_partial_slaps,
                    "enrol the usable fingers of a slap (ISO 19794-4 position 11-15) that misses some; default: "
                    "such an INSERT is refused");
  command->add_option("--slap-min-quality", options.slap_min_quality, "print-quality floor of each slap finger")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  command->add_option("--datashare-host", options.datashare_hosts,
                      "fetch http(s) referenceURLs from this host or host:port (repeat for more; none: no fetching)");
  command->add_flag("--datashare-allow-http", options.datashare_allow_http,
                    "also fetch plain http:// referenceURLs (default: https only)");
  command->add_option("--datashare-ca-file", options.datashare_ca_file,
                      "PEM file of CAs trusted for the datashare (default: the system's CA store)");
  command->add_option("--datashare-token-file", options.datashare_token_file,
                      "file holding the partner's JWT, sent as the Authorization cookie");
  command->add_option("--datashare-timeout-ms", options.datashare_timeout_ms, "read timeout of a fetch (ms)")
      ->capture_default_str();
  command->add_option("--datashare-max-bytes", options.datashare_max_bytes, "largest CBEFF accepted (bytes)")
      ->capture_default_str();
}

}  // namespace
#endif

void AddMosipCommands(CLI::App& root, CliContext& context) {
#ifdef ABIS_HAVE_MOSIP
  CLI::App* mosip = root.add_subcommand("mosip", "serve as the ABIS of a MOSIP deployment (ABIS API 1.1)")
                        ->require_subcommand(1);
  auto serve_options = std::make_shared<MosipOptions>();
  CLI::App* serve = mosip->add_subcommand("serve", "answer MOSIP's inbound queue until SIGINT/SIGTERM");
  serve->add_option("--config", serve_options->config, "MOSIP's registration-processor-abis.json")->required();
  serve->add_option("--abis", serve_options->abis_name, "which ABIS entry of the configuration (default: the first)");
  serve->add_option("--stomp-port", serve_options->stomp_port, "the broker's STOMP port")->capture_default_str();
  serve->add_option("--duration", serve_options->duration_seconds, "stop after this many seconds (default: run until stopped)");
  AddHandlerOptions(serve, *serve_options);
  serve->callback([&context, serve_options] { RunServe(context, *serve_options); });

  auto handle_options = std::make_shared<MosipOptions>();
  CLI::App* handle = mosip->add_subcommand("handle", "answer one MOSIP request file (no broker); exit 1 when it failed");
  handle->add_option("--request", handle_options->request, "the request message (JSON)")->required();
  AddHandlerOptions(handle, *handle_options);
  handle->callback([&context, handle_options] { RunHandle(context, *handle_options); });
#else
  (void)root;
  (void)context;
#endif
}

}  // namespace abis::cli
