#include "abis/service/abis_service.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <limits>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "abis/audit/audit_log.h"
#include "abis/core/time.h"
#include "abis/service/api_key_cache.h"
#include "abis/service/callback_client.h"
#include "abis/service/http_errors.h"
#include "abis/service/osia_mapping.h"
#include "abis/service/service_metrics.h"
#include "abis/service/system_pool.h"
#include "abis/store/crypto.h"
#include "abis/store/schema.h"
#include "abis/system/alerts.h"
#include "abis/system/candidate_review.h"

namespace abis::service {
namespace {

using Clock = std::chrono::steady_clock;

// Per-request bookkeeping for the metrics; httplib serves a request on one thread from routing
// to logging, so a thread_local is exact.
struct RequestTiming {
  Clock::time_point start;
  std::string route = "unmatched";
};
thread_local RequestTiming t_timing;

// A request as the handlers see it: independent of httplib, so a task can run it later.
struct Call {
  Operator op;
  std::string method;
  std::vector<std::string> path;  // regex captures, in order
  std::multimap<std::string, std::string> query;
  nlohmann::json body;  // null when the route takes no body

  std::string Query(const std::string& name) const {
    auto found = query.find(name);
    return found == query.end() ? std::string() : found->second;
  }
  bool HasQuery(const std::string& name) const { return query.contains(name); }
};

struct Reply {
  int status = 200;
  nlohmann::json body;  // null: no body (204)
  std::map<std::string, std::string> headers;
};

using Handler = std::function<Result<Reply>(AbisSystem&, const Call&)>;

// Background work (tasks, webhook deliveries) on a few threads; Drain() finishes queued work.
class BackgroundQueue {
 public:
  explicit BackgroundQueue(std::size_t threads) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  ~BackgroundQueue() { Drain(); }
  void Post(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    ready_.notify_one();
  }
  void Drain() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      ready_.notify_all();
    }
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping and drained
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// What an enrolment stored, for the answer's `others.templates` (never the template itself).
nlohmann::json TemplateSummary(const EnrolResult& enrolled) {
  return {{"templateId", enrolled.template_id},
          {"biometricType", BiometricTypeOf(enrolled.biometric_template.modality)},
          {"algorithm", enrolled.biometric_template.algorithm},
          {"quality", enrolled.biometric_template.quality},
          {"auditSeq", enrolled.audit_seq}};
}

Result<std::int64_t> ParseInteger(const std::string& text, const std::string& name, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("query parameter " + name + " must be an integer, not '" + text + "'");
  }
  if (value < min || value > max) {
    return Status::InvalidArgument("query parameter " + name + " must be " + std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

Result<double> ParseNumber(const std::string& text, const std::string& name) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("query parameter " + name + " must be a number, not '" + text + "'");
  }
  return value;
}

Result<std::int64_t> ParseId(const std::string& text, const std::string& what) {
  auto id = ParseInteger(text, what, 1, std::numeric_limits<std::int64_t>::max());
  if (!id.ok()) return Status::InvalidArgument(what + " must be a positive integer, not '" + text + "'");
  return id;
}

// The purpose and case reference every search and verification must name.
Result<std::pair<Purpose, std::string>> SearchPurpose(const Call& call) {
  if (!call.HasQuery("purpose") || !call.HasQuery("caseRef")) {
    return Status::InvalidArgument("a search needs the query parameters purpose and caseRef");
  }
  ABIS_ASSIGN_OR_RETURN(Purpose purpose, ParsePurpose(call.Query("purpose")));
  return std::make_pair(purpose, call.Query("caseRef"));
}

Result<double> TargetFalseMatchRate(const Call& call) {
  if (!call.HasQuery("targetFmr")) return 1e-4;
  return ParseNumber(call.Query("targetFmr"), "targetFmr");
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& object, const char* key, std::size_t max_items) {
  std::vector<std::string> out;
  if (!object.contains(key) || object.at(key).is_null()) return out;
  const nlohmann::json& items = object.at(key);
  if (!items.is_array() || items.size() > max_items) {
    return Status::InvalidArgument(std::string(key) + " must be an array of at most " + std::to_string(max_items) + " strings");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) return Status::InvalidArgument(std::string(key) + "[" + std::to_string(i) + "] must be a string");
    out.push_back(items[i].get<std::string>());
  }
  return out;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

class AbisService::Impl {
 public:
  Impl(ServiceConfig config, EngineProvider engines)
      : config_(std::move(config)),
        pool_(config_.store_dir, std::move(engines), config_.worker_threads + config_.background_threads + 1),
        key_cache_(config_.key_cache_ttl, 10000) {}

  Status Init() {
    ABIS_RETURN_IF_ERROR(InitCrypto());
    if (config_.worker_threads < 1 || config_.worker_threads > 256) {
      return Status::InvalidArgument("worker threads must be 1-256");
    }
    if (config_.max_body_bytes < 1024) return Status::InvalidArgument("maximum body size must be at least 1024 bytes");
    if (!config_.alert_webhook.empty()) {
      auto target = ParseCallbackUrl(config_.alert_webhook, config_.allowed_callback_hosts);
      if (!target.ok()) return target.status().WithContext("alert webhook");
      alert_webhook_ = *target;
    }
    {
      ABIS_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());  // fails now on a missing or newer store
    }
    bool tls = !config_.tls_certificate.empty() || !config_.tls_private_key.empty();
    if (tls) {
      if (config_.tls_certificate.empty() || config_.tls_private_key.empty()) {
        return Status::InvalidArgument("TLS needs both a certificate and a private key file");
      }
      auto server = std::make_unique<httplib::SSLServer>(config_.tls_certificate.c_str(), config_.tls_private_key.c_str());
      if (!server->is_valid()) {
        return Status::InvalidArgument("cannot load the TLS certificate '" + config_.tls_certificate.string() +
                                       "' or key '" + config_.tls_private_key.string() + "'");
      }
      server_ = std::move(server);
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    background_ = std::make_unique<BackgroundQueue>(config_.background_threads);
    ConfigureServer();
    RegisterRoutes();
    return Status::Ok();
  }

  Result<int> Bind() {
    int port = config_.port == 0 ? server_->bind_to_any_port(config_.host)
                                 : (server_->bind_to_port(config_.host, config_.port) ? config_.port : -1);
    if (port <= 0) {
      return Status::IoError("cannot listen on " + config_.host + ":" + std::to_string(config_.port));
    }
    port_ = port;
    return port;
  }

  Status Run() {
    if (port_ <= 0) return Status::FailedPrecondition("the service is not bound to a port");
    if (!server_->listen_after_bind() && !stopped_) return Status::IoError("the HTTP server stopped unexpectedly");
    return Status::Ok();
  }

  void Stop() {
    stopped_ = true;
    if (server_) server_->stop();
    if (background_) background_->Drain();
  }

  int port() const { return port_; }

 private:
  void ConfigureServer() {
    std::size_t threads = config_.worker_threads;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_->set_payload_max_length(config_.max_body_bytes);
    server_->set_read_timeout(config_.read_timeout);
    server_->set_write_timeout(config_.write_timeout);
    server_->set_keep_alive_timeout(config_.keep_alive_timeout.count());
    server_->set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
      t_timing.start = Clock::now();
      t_timing.route = "unmatched";
      return PreRoute(request, response);
    });
    server_->set_error_handler([](const httplib::Request&, httplib::Response& response) {
      if (!response.body.empty()) return;  // a handler already answered with a JSON error
      std::string message = response.status == 404   ? "not_found: no such endpoint"
                            : response.status == 413 ? "resource_exhausted: request body too large"
                            : response.status == 405 ? "invalid_argument: method not allowed"
                                                     : "request failed";
      response.set_content(nlohmann::json({{"code", response.status}, {"message", message}}).dump(), "application/json");
    });
    server_->set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
      response.status = 500;
      response.set_content(nlohmann::json({{"code", 500}, {"message", "internal: unexpected error"}}).dump(),
                           "application/json");
    });
    server_->set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      double seconds = std::chrono::duration<double>(Clock::now() - t_timing.start).count();
      metrics_.RecordRequest(t_timing.route, request.method, response.status, seconds);
    });
  }

  // Rejects an oversized body before it is read, with an audit entry naming the caller.
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& request, httplib::Response& response) {
    if (!request.has_header("Content-Length")) return httplib::Server::HandlerResponse::Unhandled;
    std::string length_text = request.get_header_value("Content-Length");
    std::uint64_t length = 0;
    auto [end, error] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    bool malformed = error != std::errc() || end != length_text.data() + length_text.size();
    if (!malformed && length <= config_.max_body_bytes) return httplib::Server::HandlerResponse::Unhandled;
    t_timing.route = "oversized";
    auto lease = pool_.Acquire();
    if (!lease.ok()) {
      SendError(response, lease.status(), 503);
      return httplib::Server::HandlerResponse::Handled;
    }
    auto op = Authenticate(request, **lease);
    if (!op.ok()) {
      SendError(response, op.status());
      return httplib::Server::HandlerResponse::Handled;
    }
    Status status = malformed ? Status::InvalidArgument("malformed Content-Length header")
                              : Status::ResourceExhausted("request body of " + length_text + " bytes exceeds the limit of " +
                                                          std::to_string(config_.max_body_bytes) + " bytes");
    AuditRejection(**lease, *op, request.method + " " + request.path, status);
    SendError(response, status);
    response.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  }

  Result<Operator> Authenticate(const httplib::Request& request, AbisSystem& system) {
    std::string header = request.get_header_value("Authorization");
    std::string key;
    if (header.rfind("Bearer ", 0) == 0) key = header.substr(7);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (!key.empty()) {
      if (auto cached = key_cache_.Find(key)) return *cached;
    }
    auto op = system.Authenticate(key);  // audits a refusal
    if (op.ok()) {
      key_cache_.Remember(key, *op);
      return op;
    }
    if (header.empty()) return Status::Unauthenticated("no API key: send the header 'Authorization: Bearer <key>'");
    return op.status();
  }

  void SendError(httplib::Response& response, const Status& status, int http_status = 0) {
    int code = http_status != 0 ? http_status : HttpStatusFor(status);
    response.status = code;
    if (code == 401) response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(ErrorBody(code, status).dump(), "application/json");
  }

  // Audits a request refused for its content (400, 413): who sent what to which route, and why.
  void AuditRejection(AbisSystem& system, const Operator& op, const std::string& route, const Status& status) {
    AuditEvent event;
    event.operator_name = op.name;
    event.role = std::string(RoleName(op.role));
    event.action = "http.rejected";
    event.result = {{"route", route}, {"status", HttpStatusFor(status)}, {"reason", status.ToString()}};
    (void)AppendAuditEntry(system.store().db(), event);  // the answer goes out even if auditing fails
  }

  // `takes_body`: the route needs a JSON body, an object (or, with `array_body`, an array).
  void Route(const std::string& method, const std::string& pattern, const std::string& name, Handler handler,
             bool takes_body, bool async_capable, bool array_body = false) {
    auto wrapped = [this, method, name, handler, takes_body, async_capable, array_body](
                       const httplib::Request& request, httplib::Response& response) {
      t_timing.route = name;
      auto lease = pool_.Acquire();
      if (!lease.ok()) return SendError(response, lease.status(), 503);
      auto op = Authenticate(request, **lease);
      if (!op.ok()) return SendError(response, op.status());
      Call call;
      call.op = *op;
      call.method = method;
      for (std::size_t i = 1; i < request.matches.size(); ++i) call.path.push_back(request.matches[i].str());
      call.query.insert(request.params.begin(), request.params.end());
      auto fail = [&](const Status& status) {
        int code = HttpStatusFor(status);
        if (code == 400 || code == 413) AuditRejection(**lease, call.op, method + " " + name, status);
        SendError(response, status);
      };
      if (takes_body) {
        if (request.body.empty()) return fail(Status::InvalidArgument("the request needs a JSON body"));
        try {
          call.body = nlohmann::json::parse(request.body);
        } catch (const nlohmann::json::parse_error& error) {
          return fail(Status::InvalidArgument("malformed JSON body: " + std::string(error.what())));
        }
        if (array_body ? !call.body.is_array() : !call.body.is_object()) {
          return fail(Status::InvalidArgument(std::string("the JSON body must be ") + (array_body ? "an array" : "an object") +
                                              ", not " + std::string(call.body.type_name())));
        }
      }
      if (call.HasQuery("callback")) {
        if (!async_capable) return fail(Status::InvalidArgument("this operation does not take a callback"));
        auto task = StartTask(**lease, call, name, handler);
        if (!task.ok()) return fail(task.status());
        response.status = 202;
        response.set_content(nlohmann::json({{"taskId", *task}}).dump(), "application/json");
        return;
      }
      auto reply = handler(**lease, call);
      if (!reply.ok()) return fail(reply.status());
      response.status = reply->status;
      for (const auto& [header, value] : reply->headers) response.set_header(header, value);
      if (!reply->body.is_null()) response.set_content(reply->body.dump(), "application/json");
    };
    if (method == "GET") {
      server_->Get(pattern, wrapped);
    } else if (method == "POST") {
      server_->Post(pattern, wrapped);
    } else if (method == "PUT") {
      server_->Put(pattern, wrapped);
    } else {
      server_->Delete(pattern, wrapped);
    }
  }

  // --- asynchronous tasks (OSIA callbacks) ---
  Result<std::string> StartTask(AbisSystem& system, const Call& call, const std::string& operation, const Handler& handler) {
    ABIS_ASSIGN_OR_RETURN(CallbackTarget target, ParseCallbackUrl(call.Query("callback"), config_.allowed_callback_hosts));
    std::string task_id = HexEncode(RandomBytes(16));
    std::string now = NowUtcIso8601();
    ABIS_ASSIGN_OR_RETURN(auto insert, system.store().db().Prepare(
                                           "INSERT INTO service_tasks (id, operation, operator, transaction_id, callback, "
                                           "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?)"));
    insert.Bind(1, task_id).Bind(2, operation).Bind(3, call.op.name).Bind(4, call.Query("transactionId"))
        .Bind(5, call.Query("callback")).Bind(6, now).Bind(7, now);
    ABIS_RETURN_IF_ERROR(insert.Run());
    background_->Post([this, task_id, target, call, handler, operation] {
      int http_status = 500;
      std::string body;
      std::string content_type = "application/json";
      {
        auto lease = pool_.Acquire();
        if (!lease.ok()) {
          http_status = 503;
          body = ErrorBody(503, lease.status()).dump();
          content_type = "application/error+json";
        } else {
          auto reply = handler(**lease, call);
          if (reply.ok()) {
            http_status = reply->status;
            body = reply->body.is_null() ? "\"OK\"" : reply->body.dump();
          } else {
            http_status = HttpStatusFor(reply.status());
            if (http_status == 400) AuditRejection(**lease, call.op, call.method + " " + operation, reply.status());
            body = ErrorBody(http_status, reply.status()).dump();
            content_type = "application/error+json";
          }
          UpdateTask(**lease, task_id, "RESPONSE_SCHEDULED", http_status, body, false);
        }
      }
      DeliverTask(task_id, target, call.Query("transactionId"), content_type, http_status, body);
    });
    return task_id;
  }

  void UpdateTask(AbisSystem& system, const std::string& task_id, const std::string& status, int http_status,
                  const std::string& result, bool count_attempt) {
    auto update = system.store().db().Prepare(
        "UPDATE service_tasks SET status = ?, http_status = ?, result = ?, attempts = attempts + ?, updated_at = ? "
        "WHERE id = ?");
    if (!update.ok()) return;
    update->Bind(1, status).Bind(2, http_status).Bind(3, result).Bind(4, count_attempt ? 1 : 0)
        .Bind(5, NowUtcIso8601()).Bind(6, task_id);
    (void)update->Run();
  }

  void DeliverTask(const std::string& task_id, const CallbackTarget& target, const std::string& transaction_id,
                   const std::string& content_type, int http_status, const std::string& body) {
    std::string query = "transactionId=" + EncodeQueryValue(transaction_id) + "&taskId=" + EncodeQueryValue(task_id);
    bool delivered = false;
    for (int attempt = 0; attempt < config_.callback_attempts && !delivered; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
      delivered = PostJson(target, query, content_type, body, config_.callback_timeout).ok();
    }
    auto lease = pool_.Acquire();
    if (!lease.ok()) return;
    // A delivered result is not kept (it may name persons); an undelivered one stays for redelivery.
    UpdateTask(**lease, task_id, delivered ? "COMPLETED" : "RESPONSE_ERROR", http_status, delivered ? "" : body, true);
  }

  Result<Reply> TaskStatus(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(auto query, system.store().db().Prepare("SELECT operator, status FROM service_tasks WHERE id = ?"));
    query.Bind(1, call.path.at(0));
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    // Another operator's task is reported as absent: task ids are not shared between operators.
    if (!row || query.ColumnText(0) != call.op.name) return Status::NotFound("no task '" + call.path.at(0) + "' of yours");
    return Reply{200, query.ColumnText(1), {}};
  }

  Result<Reply> RedeliverTask(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(auto query, system.store().db().Prepare(
                                          "SELECT operator, status, callback, transaction_id, http_status, result FROM "
                                          "service_tasks WHERE id = ?"));
    const std::string& task_id = call.path.at(0);
    query.Bind(1, task_id);
    ABIS_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row || query.ColumnText(0) != call.op.name) return Status::NotFound("no task '" + task_id + "' of yours");
    if (query.ColumnText(1) != "RESPONSE_ERROR" || query.ColumnText(5).empty()) {
      return Status::FailedPrecondition("task '" + task_id + "' is " + query.ColumnText(1) + "; only a RESPONSE_ERROR task holding its result can be redelivered");
    }
    ABIS_ASSIGN_OR_RETURN(CallbackTarget target, ParseCallbackUrl(query.ColumnText(2), config_.allowed_callback_hosts));
    std::string transaction_id = query.ColumnText(3);
    int http_status = static_cast<int>(query.ColumnInt(4));
    std::string body = query.ColumnText(5);
    UpdateTask(system, task_id, "RESPONSE_RETRY", http_status, body, false);
    std::string content_type = http_status < 300 ? "application/json" : "application/error+json";
    background_->Post([this, task_id, target, transaction_id, content_type, http_status, body] {
      DeliverTask(task_id, target, transaction_id, content_type, http_status, body);
    });
    return Reply{200, nlohmann::json({{"taskId", task_id}, {"status", "RESPONSE_RETRY"}}), {}};
  }

  // --- persons and encounters ---
  // Creates one encounter holding every sample of biometricData. `encounter_id` empty: the ABIS
  // generates it. `new_person`: the person is created (POST /v1/persons).
  Result<Reply> CreateEncounters(AbisSystem& system, const Call& call, const std::string& external_id, bool new_person,
                                 const std::string& encounter_id) {
    if (!encounter_id.empty()) ABIS_RETURN_IF_ERROR(ValidateEncounterExternalId(encounter_id));
    ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, config_.max_probes));
    ABIS_ASSIGN_OR_RETURN(std::string kind, OptionalString(call.body, "encounterType", "encounterType", 64));
    kind = kind.empty() ? "enrollment" : Lowercase(kind);
    ABIS_RETURN_IF_ERROR(ValidateEncounterKind(kind));
    ABIS_ASSIGN_OR_RETURN(std::vector<std::string> galleries, StringArray(call.body, "galleries", 32));
    nlohmann::json contextual = call.body.value("contextualData", nlohmann::json::object());
    std::string agency;
    if (contextual.is_object()) {
      ABIS_ASSIGN_OR_RETURN(agency, OptionalString(contextual, "sourceAgency", "contextualData.sourceAgency", 200));
    }
    EnrolRequest first;
    first.person = external_id;
    first.sample = samples.front();
    if (!RoleAllows(call.op.role, Action::kEnrol)) return system.Enrol(call.op, first).status();  // audited refusal
    bool create = new_person;
    if (!create) {
      auto existing = system.store().FindPerson(external_id);
      if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) return existing.status();
      if (!existing.ok()) {
        if (!call.body.contains("contextualData")) {
          return Status::NotFound("no person '" + external_id + "'; send contextualData (legalBasis, retentionUntil) to create one");
        }
        create = true;
      } else if (!encounter_id.empty() && system.store().FindEncounter(existing->id, encounter_id).ok()) {
        return Status::AlreadyExists("person '" + external_id + "' already has an encounter '" + encounter_id + "'");
      }
    }
    if (create) {
      ABIS_ASSIGN_OR_RETURN(Person person, PersonFromEncounter(call.body, external_id));
      ABIS_RETURN_IF_ERROR(system.AddPerson(call.op, person).status());
    }
    std::string encounter = encounter_id;
    nlohmann::json templates = nlohmann::json::array();
    for (std::size_t i = 0; i < samples.size(); ++i) {
      EnrolRequest request;
      request.person = external_id;
      request.sample = std::move(samples[i]);
      request.encounter_id = encounter;
      request.join_encounter = i > 0;
      request.encounter_kind = kind;
      request.source_agency = agency;
      if (i == 0) request.galleries = galleries;
      auto enrolled = system.Enrol(call.op, request);
      if (!enrolled.ok()) {
        std::string kept = create ? "person '" + external_id + "' was created" : "person '" + external_id + "'";
        kept += i == 0 ? " with no new sample" : ", encounter '" + encounter + "' keeps biometricData[0.." + std::to_string(i - 1) + "]";
        return enrolled.status().WithContext("biometricData[" + std::to_string(i) + "] (" + kept + ")");
      }
      if (encounter.empty()) encounter = std::to_string(enrolled->encounter_id);
      templates.push_back(TemplateSummary(*enrolled));
    }
    nlohmann::json body = {{"personId", external_id},
                           {"encounterId", encounter},
                           {"others", {{"templates", templates}, {"personCreated", create}}}};
    return Reply{200, body, {}};
  }

  // An encounter of AbisSystem::ReadEncounters as an OSIA Encounter.
  static nlohmann::json OsiaEncounter(const nlohmann::json& encounter, const nlohmann::json& galleries) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& stored : encounter.at("templates")) {
      nlohmann::json item = {{"encounterId", encounter.at("encounter_id")}};
      SetBiometricTypeFromNames(item, stored.at("modality").get<std::string>(), stored.at("position").get<std::string>());
      item["others"] = {{"templateId", stored.at("template_id")},
                        {"algorithm", stored.at("algorithm")},
                        {"quality", stored.at("quality")}};
      items.push_back(std::move(item));
    }
    return {{"encounterId", encounter.at("encounter_id")},
            {"status", encounter.at("status") == "active" ? "ACTIVE" : "INACTIVE"},
            {"encounterType", encounter.at("kind")},
            {"createdDate", encounter.at("captured_at")},
            {"galleries", galleries},
            {"contextualData", {{"sourceAgency", encounter.at("source_agency")}}},
            {"biometricData", items}};
  }

  Result<Reply> ReadEncounters(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(nlohmann::json person, system.ReadEncounters(call.op, call.path.at(0)));
    nlohmann::json encounters = nlohmann::json::array();
    for (const auto& encounter : person.at("encounters")) {
      encounters.push_back(OsiaEncounter(encounter, person.at("galleries")));
    }
    return Reply{200, encounters, {}};
  }

  Result<Reply> ReadEncounter(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(nlohmann::json encounter, system.ReadEncounter(call.op, call.path.at(0), call.path.at(1)));
    return Reply{200, OsiaEncounter(encounter, encounter.at("galleries")), {}};
  }

  Result<Reply> UpdateEncounter(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, config_.max_probes));
    ABIS_ASSIGN_OR_RETURN(std::vector<EnrolResult> enrolled,
                          system.ReplaceEncounter(call.op, call.path.at(0), call.path.at(1), samples));
    nlohmann::json templates = nlohmann::json::array();
    for (const EnrolResult& result : enrolled) {
      templates.push_back(TemplateSummary(result));
    }
    nlohmann::json body = {{"personId", call.path.at(0)}, {"encounterId", call.path.at(1)},
                           {"others", {{"templates", templates}}}};
    return Reply{200, body, {}};
  }

  Result<Reply> DeleteEncounter(AbisSystem& system, const Call& call) {
    std::string reason = call.Query("reason");
    if (reason.empty()) return Status::InvalidArgument("deleting an encounter needs the query parameter reason");
    ABIS_RETURN_IF_ERROR(system.DeleteEncounter(call.op, call.path.at(0), call.path.at(1), reason,
                                                /*delete_person_when_empty=*/true));
    return Reply{204, nullptr, {}};
  }

  Result<Reply> UpdateEncounterStatus(AbisSystem& system, const Call& call) {
    std::string status = call.Query("status");
    if (status != "ACTIVE" && status != "INACTIVE") {
      return Status::InvalidArgument("query parameter status must be ACTIVE or INACTIVE, not '" + status + "'");
    }
    ABIS_RETURN_IF_ERROR(system.SetEncounterActive(call.op, call.path.at(0), call.path.at(1), status == "ACTIVE"));
    return Reply{204, nullptr, {}};
  }

  // Galleries hold persons here, so an encounter's galleries are its person's (docs/SERVICE.md).
  Result<Reply> UpdateEncounterGalleries(AbisSystem& system, const Call& call) {
    std::vector<std::string> galleries;
    if (call.body.empty() || call.body.size() > 32) return Status::InvalidArgument("the body must list 1-32 galleries");
    for (std::size_t i = 0; i < call.body.size(); ++i) {
      if (!call.body[i].is_string()) return Status::InvalidArgument("galleries[" + std::to_string(i) + "] must be a string");
      galleries.push_back(call.body[i].get<std::string>());
    }
    ABIS_RETURN_IF_ERROR(system.ReadEncounter(call.op, call.path.at(0), call.path.at(1)).status());  // it must exist
    ABIS_RETURN_IF_ERROR(system.SetPersonGalleries(call.op, call.path.at(0), galleries));
    return Reply{204, nullptr, {}};
  }

  Result<Reply> MergePersons(AbisSystem& system, const Call& call) {
    ABIS_RETURN_IF_ERROR(system.MergePersons(call.op, call.path.at(1), call.path.at(0)));
    return Reply{204, nullptr, {}};
  }

  Result<Reply> MoveEncounter(AbisSystem& system, const Call& call) {
    ABIS_RETURN_IF_ERROR(system.MoveEncounter(call.op, call.path.at(1), call.path.at(2), call.path.at(0)));
    return Reply{204, nullptr, {}};
  }

  // OSIA PersonIds of the gallery: {personId, encounterId} per active encounter of each member,
  // `offset` and `limit` (default 1000, at most 10000) over that list.
  Result<Reply> ReadGalleryMembers(AbisSystem& system, const Call& call) {
    std::int64_t offset = 0;
    std::int64_t limit = 1000;
    if (call.HasQuery("offset")) {
      ABIS_ASSIGN_OR_RETURN(offset, ParseInteger(call.Query("offset"), "offset", 0, std::numeric_limits<std::int32_t>::max()));
    }
    if (call.HasQuery("limit")) {
      ABIS_ASSIGN_OR_RETURN(limit, ParseInteger(call.Query("limit"), "limit", 1, 10000));
    }
    nlohmann::json ids = nlohmann::json::array();
    std::int64_t skipped = 0;
    std::int64_t after = 0;
    while (static_cast<std::int64_t>(ids.size()) < limit) {
      ABIS_ASSIGN_OR_RETURN(std::vector<GalleryMember> members,
                            system.ListGalleryMembers(call.op, call.path.at(0), after, 1000));
      for (const GalleryMember& member : members) {
        for (const std::string& encounter : member.active_encounters) {
          if (skipped < offset) {
            ++skipped;
          } else if (static_cast<std::int64_t>(ids.size()) < limit) {
            ids.push_back({{"personId", member.external_id}, {"encounterId", encounter}});
          }
        }
        after = member.person_id;
      }
      if (members.size() < 1000) break;
    }
    return Reply{200, ids, {}};
  }

  Result<Reply> DeletePerson(AbisSystem& system, const Call& call) {
    std::string reason = call.Query("reason");
    if (reason.empty()) return Status::InvalidArgument("deleting a person needs the query parameter reason");
    ABIS_RETURN_IF_ERROR(system.DeletePerson(call.op, call.path.at(0), reason));
    return Reply{204, nullptr, {}};
  }

  // POST /v1/identify/{galleryId} with biometricData, or /{galleryId}/{personId}[/encounters/{id}]
  // searching with the stored person's (encounter's) templates.
  Result<Reply> Identify(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
    SearchRequest request;
    request.purpose = purpose.first;
    request.case_ref = purpose.second;
    request.gallery = call.path.at(0);
    if (request.gallery == "ALL") {
      return Status::Unimplemented("gallery 'ALL' is not offered: name the gallery to search (GET /v1/galleries)");
    }
    if (call.HasQuery("maxNbCand")) {
      ABIS_ASSIGN_OR_RETURN(std::int64_t max, ParseInteger(call.Query("maxNbCand"), "maxNbCand", 1, 1000));
      request.max_candidates = static_cast<std::size_t>(max);
    }
    if (call.HasQuery("threshold")) {
      ABIS_ASSIGN_OR_RETURN(request.min_fused_log_lr, ParseNumber(call.Query("threshold"), "threshold"));
    }
    ABIS_ASSIGN_OR_RETURN(request.target_false_match_rate, TargetFalseMatchRate(call));
    if (call.path.size() >= 2) {
      request.probe_person = call.path.at(1);
      if (call.path.size() >= 3) request.probe_encounter = call.path.at(2);
    } else {
      ABIS_ASSIGN_OR_RETURN(request.probes, SamplesFromRequest(call.body, config_.max_probes));
    }
    request.alerts_via_webhook = alert_webhook_.has_value();
    ABIS_ASSIGN_OR_RETURN(SearchResult result, system.Search(call.op, request));
    const std::vector<WatchlistAlert>& alerts = result.alerts;
    nlohmann::json candidates = OsiaCandidates(result);
    for (auto& candidate : candidates) candidate["others"]["alerts"] = nlohmann::json::array();
    for (const WatchlistAlert& alert : alerts) {
      for (auto& candidate : candidates) {
        if (candidate["personId"] == alert.external_id) candidate["others"]["alerts"].push_back(alert.id);
      }
      if (alert_webhook_) PostAlert(alert);
    }
    Reply reply{200, candidates, {}};
    reply.headers["X-Abis-Search-Seq"] = std::to_string(result.audit_seq);
    reply.headers["X-Abis-Gallery-Size"] = std::to_string(result.gallery_size);
    reply.headers["X-Abis-Alerts"] = std::to_string(alerts.size());
    return reply;
  }

  void PostAlert(const WatchlistAlert& alert) {
    background_->Post([this, alert] {
      bool delivered = false;
      std::string body = alert.ToJson().dump();
      for (int attempt = 0; attempt < config_.callback_attempts && !delivered; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
        delivered = PostJson(*alert_webhook_, "", "application/json", body, config_.callback_timeout).ok();
      }
      auto lease = pool_.Acquire();
      if (lease.ok()) (void)RecordAlertDelivery((*lease)->store(), alert.id, delivered);
    });
  }

  Result<Reply> VerifyAgainstPerson(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
    std::optional<double> threshold;
    if (call.HasQuery("threshold")) {
      ABIS_ASSIGN_OR_RETURN(threshold, ParseNumber(call.Query("threshold"), "threshold"));
    }
    ABIS_ASSIGN_OR_RETURN(double fmr, TargetFalseMatchRate(call));
    ABIS_ASSIGN_OR_RETURN(std::vector<SampleInput> samples, SamplesFromRequest(call.body, config_.max_probes));
    nlohmann::json scores = nlohmann::json::array();
    bool all_match = true;
    double fused = 0.0;
    for (SampleInput& sample : samples) {
      VerifyRequest request;
      request.purpose = purpose.first;
      request.case_ref = purpose.second;
      request.person = call.path.at(1);
      request.target_false_match_rate = fmr;
      Modality modality = sample.modality;
      FingerPosition position = sample.position;
      request.probe = std::move(sample);
      ABIS_ASSIGN_OR_RETURN(VerifyResult result, system.Verify(call.op, request));
      all_match = all_match && result.match;
      fused += result.log_lr;
      nlohmann::json detail = {{"score", result.score}};
      SetBiometricType(detail, modality, position);
      detail["others"] = {{"logLr", result.log_lr}, {"threshold", result.threshold}, {"match", result.match},
                          {"referencesCompared", result.references_compared}, {"auditSeq", result.audit_seq}};
      scores.push_back(std::move(detail));
    }
    bool decision = threshold ? fused >= *threshold : all_match;
    return Reply{200, nlohmann::json({{"decision", decision}, {"scores", scores}}), {}};
  }

  Result<Reply> VerifyTwoSets(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(auto purpose, SearchPurpose(call));
    CompareRequest request;
    request.purpose = purpose.first;
    request.case_ref = purpose.second;
    ABIS_ASSIGN_OR_RETURN(request.target_false_match_rate, TargetFalseMatchRate(call));
    std::optional<double> threshold;
    if (call.HasQuery("threshold")) {
      ABIS_ASSIGN_OR_RETURN(threshold, ParseNumber(call.Query("threshold"), "threshold"));
    }
    ABIS_ASSIGN_OR_RETURN(request.first, SamplesFromRequest(call.body, config_.max_probes, "biometricData1"));
    ABIS_ASSIGN_OR_RETURN(request.second, SamplesFromRequest(call.body, config_.max_probes, "biometricData2"));
    ABIS_ASSIGN_OR_RETURN(CompareResult result, system.CompareSamples(call.op, request));
    nlohmann::json scores = nlohmann::json::array();
    for (const auto& group : result.groups) {
      nlohmann::json detail = {{"score", group.at("score")}};
      SetBiometricTypeFromNames(detail, group.at("modality").get<std::string>(), group.at("position").get<std::string>());
      detail["others"] = {{"logLr", group.at("log_lr")}, {"threshold", group.at("threshold")}, {"match", group.at("match")},
                          {"auditSeq", result.audit_seq}};
      scores.push_back(std::move(detail));
    }
    bool decision = threshold ? result.fused_log_lr >= *threshold : result.match;
    return Reply{200, nlohmann::json({{"decision", decision}, {"scores", scores}}), {}};
  }

  // --- galleries, alerts, reviews ---
  Result<Reply> ReadGalleries(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(std::vector<Gallery> galleries, system.ListGalleries(call.op));
    nlohmann::json names = nlohmann::json::array();
    for (const Gallery& gallery : galleries) names.push_back(gallery.name);
    return Reply{200, names, {}};
  }

  Result<Reply> ListAlerts(AbisSystem& system, const Call& call) {
    std::int64_t after = 0;
    std::int64_t limit = 100;
    if (call.HasQuery("after")) {
      ABIS_ASSIGN_OR_RETURN(after, ParseInteger(call.Query("after"), "after", 0, std::numeric_limits<std::int64_t>::max()));
    }
    if (call.HasQuery("limit")) {
      ABIS_ASSIGN_OR_RETURN(limit, ParseInteger(call.Query("limit"), "limit", 1, 1000));
    }
    ABIS_ASSIGN_OR_RETURN(auto alerts, ListWatchlistAlerts(system.store(), call.op, after, static_cast<int>(limit)));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& alert : alerts) list.push_back(alert.ToJson());
    return Reply{200, nlohmann::json({{"alerts", list}}), {}};
  }

  Result<Reply> ReadReview(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(std::int64_t id, ParseId(call.path.at(0), "candidate id"));
    ABIS_ASSIGN_OR_RETURN(CandidateReview review, ReadCandidateReview(system.store(), call.op, id));
    return Reply{200, review.ToJson(), {}};
  }

  Result<Reply> Decide(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(std::int64_t id, ParseId(call.path.at(0), "candidate id"));
    if (!call.body.contains("decision")) return Status::InvalidArgument("decision (confirm or reject) is required");
    ABIS_ASSIGN_OR_RETURN(std::string text, OptionalString(call.body, "decision", "decision", 16));
    ABIS_ASSIGN_OR_RETURN(CandidateDecision decision, ParseCandidateDecision(text));
    ABIS_ASSIGN_OR_RETURN(std::string comment, OptionalString(call.body, "comment", "comment", 1000));
    ABIS_ASSIGN_OR_RETURN(CandidateReview review, DecideOnCandidate(system.store(), call.op, id, decision, comment));
    return Reply{200, review.ToJson(), {}};
  }

  Result<Reply> SearchReviews(AbisSystem& system, const Call& call) {
    ABIS_ASSIGN_OR_RETURN(std::int64_t seq, ParseId(call.path.at(0), "search sequence number"));
    ABIS_ASSIGN_OR_RETURN(auto reviews, ReadSearchReviews(system.store(), call.op, seq));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& review : reviews) list.push_back(review.ToJson());
    return Reply{200, nlohmann::json({{"candidates", list}}), {}};
  }

  static Handler NotImplemented(std::string what) {
    return [what](AbisSystem&, const Call&) -> Result<Reply> {
      return Status::Unimplemented(what + " is not implemented by this ABIS (see docs/SERVICE.md)");
    };
  }

  void RegisterRoutes() {
    const std::string id = "([^/]+)";
    server_->Get("/health", [this](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/health";
      auto lease = pool_.Acquire();
      if (!lease.ok()) return SendError(response, lease.status(), 503);
      auto version = ReadSchemaVersion((*lease)->store().db());
      if (!version.ok()) return SendError(response, version.status(), 503);
      response.set_content(nlohmann::json({{"status", "ok"}, {"schemaVersion", *version}}).dump(), "application/json");
    });
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/metrics";
      std::vector<GallerySize> sizes;
      auto lease = pool_.Acquire();
      if (lease.ok()) {
        auto galleries = (*lease)->store().ListGalleries();
        if (galleries.ok()) {
          for (const auto& gallery : *galleries) {
            sizes.push_back({gallery.name, std::string(GalleryKindName(gallery.kind)), gallery.member_count});
          }
        }
      }
      std::string extra = "# HELP abis_store_connections Store connections opened by the service.\n"
                          "# TYPE abis_store_connections gauge\nabis_store_connections " +
                          std::to_string(pool_.opened()) + "\n";
      GalleryIndexCacheStats cache = pool_.gallery_index_stats();
      for (const auto& [name, help, value] : std::initializer_list<std::tuple<const char*, const char*, std::int64_t>>{
               {"abis_gallery_index_hits_total", "Searches served by an in-memory gallery index that was current.",
                cache.hits},
               {"abis_gallery_index_refreshes_total", "Gallery indexes built or brought up to date.", cache.refreshes},
               {"abis_gallery_index_templates_decrypted_total", "Templates decrypted into gallery indexes.",
                cache.templates_decrypted},
               {"abis_gallery_index_private_builds_total",
                "Searches whose snapshot was older than the cached index (served by a private index).",
                cache.private_builds}}) {
        extra += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
                 std::to_string(value) + "\n";
      }
      response.set_content(metrics_.Render(sizes, extra), "text/plain; version=0.0.4");
    });

    auto bind = [this](Result<Reply> (Impl::*method)(AbisSystem&, const Call&)) {
      return [this, method](AbisSystem& system, const Call& call) { return (this->*method)(system, call); };
    };
    Route("POST", "/v1/persons", "/v1/persons",
          [this](AbisSystem& system, const Call& call) {
            return CreateEncounters(system, call, "P" + HexEncode(RandomBytes(8)), true, "");
          },
          true, true);
    Route("POST", "/v1/persons/" + id + "/encounters", "/v1/persons/{personId}/encounters",
          [this](AbisSystem& system, const Call& call) { return CreateEncounters(system, call, call.path.at(0), false, ""); },
          true, true);
    Route("GET", "/v1/persons/" + id + "/encounters", "/v1/persons/{personId}/encounters", bind(&Impl::ReadEncounters),
          false, false);
    Route("DELETE", "/v1/persons/" + id, "/v1/persons/{personId}", bind(&Impl::DeletePerson), false, true);
    Route("POST", "/v1/identify/" + id, "/v1/identify/{galleryId}", bind(&Impl::Identify), true, true);
    Route("POST", "/v1/verify/" + id + "/" + id, "/v1/verify/{galleryId}/{personId}", bind(&Impl::VerifyAgainstPerson),
          true, true);
    Route("GET", "/v1/galleries", "/v1/galleries", bind(&Impl::ReadGalleries), false, false);
    Route("GET", "/v1/tasks/" + id + "/status", "/v1/tasks/{taskId}/status", bind(&Impl::TaskStatus), false, false);
    Route("POST", "/v1/tasks/" + id + "/redeliver", "/v1/tasks/{taskId}/redeliver", bind(&Impl::RedeliverTask), false,
          false);
    for (const char* path : {"/v1/alerts", "/alerts"}) {
      Route("GET", path, "/v1/alerts", bind(&Impl::ListAlerts), false, false);
    }
    Route("GET", "/v1/candidates/" + id, "/v1/candidates/{candidateId}", bind(&Impl::ReadReview), false, false);
    Route("POST", "/v1/candidates/" + id + "/decisions", "/v1/candidates/{candidateId}/decisions", bind(&Impl::Decide),
          true, false);
    Route("GET", "/v1/searches/" + id + "/candidates", "/v1/searches/{searchSeq}/candidates", bind(&Impl::SearchReviews),
          false, false);

    const std::string encounter = "/v1/persons/" + id + "/encounters/" + id;
    const std::string encounter_name = "/v1/persons/{personId}/encounters/{encounterId}";
    Route("POST", encounter, encounter_name,
          [this](AbisSystem& system, const Call& call) {
            return CreateEncounters(system, call, call.path.at(0), false, call.path.at(1));
          },
          true, true);
    Route("GET", encounter, encounter_name, bind(&Impl::ReadEncounter), false, true);
    Route("PUT", encounter, encounter_name, bind(&Impl::UpdateEncounter), true, true);
    Route("DELETE", encounter, encounter_name, bind(&Impl::DeleteEncounter), false, true);
    Route("PUT", encounter + "/status", encounter_name + "/status", bind(&Impl::UpdateEncounterStatus), false, true);
    Route("PUT", encounter + "/galleries", encounter_name + "/galleries", bind(&Impl::UpdateEncounterGalleries), true,
          true, /*array_body=*/true);
    Route("POST", "/v1/persons/" + id + "/merge/" + id, "/v1/persons/{target}/merge/{source}", bind(&Impl::MergePersons),
          false, true);
    Route("POST", "/v1/persons/" + id + "/move/" + id + "/encounters/" + id,
          "/v1/persons/{target}/move/{source}/encounters/{encounterId}", bind(&Impl::MoveEncounter), false, true);
    Route("POST", "/v1/identify/" + id + "/" + id, "/v1/identify/{galleryId}/{personId}", bind(&Impl::Identify), false,
          true);
    Route("POST", "/v1/identify/" + id + "/" + id + "/encounters/" + id,
          "/v1/identify/{galleryId}/{personId}/encounters/{encounterId}", bind(&Impl::Identify), false, true);
    Route("POST", "/v1/verify", "/v1/verify", bind(&Impl::VerifyTwoSets), true, true);
    Route("GET", "/v1/galleries/" + id, "/v1/galleries/{galleryId}", bind(&Impl::ReadGalleryMembers), false, true);
    // Templates are not handed out: biometric data leaves only as an audited, purpose-bound export
    // (`abis export nist`), never as the matcher's internal template.
    Route("GET", encounter + "/templates", encounter_name + "/templates",
          NotImplemented("reading templates (export samples with `abis export nist`, which is purpose-bound and audited)"),
          false, false);
  }

  ServiceConfig config_;
  SystemPool pool_;
  ApiKeyCache key_cache_;
  ServiceMetrics metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<BackgroundQueue> background_;
  std::optional<CallbackTarget> alert_webhook_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
};

Result<std::unique_ptr<AbisService>> AbisService::Create(ServiceConfig config, EngineProvider engines) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(engines));
  ABIS_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<AbisService>(new AbisService(std::move(impl)));
}

AbisService::AbisService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AbisService::~AbisService() { impl_->Stop(); }
Result<int> AbisService::Bind() { return impl_->Bind(); }
Status AbisService::Run() { return impl_->Run(); }
void AbisService::Stop() { impl_->Stop(); }
int AbisService::port() const { return impl_->port(); }

}  // namespace abis::service
