#include "abis/service/abis_service.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include "abis/core/json_input.h"
#include "abis/core/json_text.h"
#include "abis/core/text_validation.h"
#include "abis/core/time.h"
#include "abis/service/api_key_cache.h"
#include "abis/service/callback_client.h"
#include "abis/service/display_image.h"
#include "abis/service/http_errors.h"
#include "abis/service/osia_mapping.h"
#include "abis/service/service_metrics.h"
#include "abis/service/sign_in_throttle.h"
#include "abis/service/system_pool.h"
#include "abis/service/web_sessions.h"
#include "abis/store/crypto.h"
#include "abis/system/candidate_review.h"
#include "background_queue.h"
#include "index_snapshot_saver.h"
#include "openapi_document.h"
#include "osia_handlers.h"
#include "request_parsing.h"
#include "service_call.h"
#include "web_ui.h"

namespace abis::service {
namespace {

using Clock = std::chrono::steady_clock;

// Per-request bookkeeping; httplib serves a request on one thread from pre-routing to logging, so
// a thread_local is exact. `op` is the operator the pre-routing step authenticated from the
// headers, before any byte of the body was read.
struct RequestTiming {
  Clock::time_point start;
  std::string route = "unmatched";
  std::optional<Operator> op;
  std::string session_token;  // set when the operator signed in through the browser (cookie)
};
thread_local RequestTiming t_timing;

bool HasBody(const httplib::Request& request) {
  return request.has_header("Content-Length") || request.has_header("Transfer-Encoding");
}

// The browser pages and their assets, which need no key: the sign-in page, its form, the static
// files. Other /ui/ pages need a session (PreRoute sends the browser to the sign-in page).
bool IsPublicWebPath(const httplib::Request& request) {
  if (request.path == "/" && (request.method == "GET" || request.method == "HEAD")) return true;
  if (request.path == "/ui/session" && request.method == "POST") return true;
  return request.path.rfind("/ui/static/", 0) == 0 && request.method == "GET";
}

bool IsWebPage(const httplib::Request& request) {
  return request.method == "GET" && request.path.rfind("/ui/", 0) == 0 && request.path.rfind("/ui/api/", 0) != 0;
}

// The names of the query parameters, for the audit: each a short identifier, or "?".
std::vector<std::string> QueryParameterNames(const std::multimap<std::string, std::string>& query) {
  std::vector<std::string> names;
  for (const auto& [name, value] : query) {
    if (names.size() >= 32) break;
    names.push_back(ValidateIdentifier(name, "name", 40).ok() ? name : "?");
  }
  return names;
}

}  // namespace

class AbisService::Impl {
 public:
  Impl(ServiceConfig config, EngineProvider engines)
      : config_(std::move(config)),
        pool_(config_.store_dir, std::move(engines), config_.worker_threads + config_.background_threads + 1,
              config_.gallery_searcher),
        key_cache_(config_.key_cache_ttl, 10000),
        handlers_(config_.max_probes, !config_.alert_webhook.empty(),
                  [this](const WatchlistAlert& alert) {
                    if (alert_webhook_) PostAlert(alert);
                  }),
        throttle_(SignInThrottle::Limits{config_.sign_in_failures_per_window, config_.sign_in_window, 10000}),
        sessions_(config_.session_lifetime, config_.max_sessions) {}

  Status Init() {
    ABIS_RETURN_IF_ERROR(InitCrypto());
    if (config_.worker_threads < 1 || config_.worker_threads > 256) {
      return Status::InvalidArgument("worker threads must be 1-256");
    }
    if (config_.connection_threads > 4096) return Status::InvalidArgument("connection threads must be at most 4096");
    if (config_.max_body_bytes < 1024) return Status::InvalidArgument("maximum body size must be at least 1024 bytes");
    if (config_.max_json_depth < 4 || config_.max_json_depth > 256) {
      return Status::InvalidArgument("maximum JSON nesting depth must be 4-256");
    }
    if (config_.sign_in_failures_per_window < 1) return Status::InvalidArgument("sign-in failure limit must be at least 1");
    if (config_.session_lifetime.count() < 100 || config_.session_lifetime > std::chrono::hours(24)) {
      return Status::InvalidArgument("the session lifetime must be 0.1 s to 24 hours");
    }
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
      tls_ = true;
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    background_ = std::make_unique<BackgroundQueue>(config_.background_threads);
    snapshot_saver_ = std::make_unique<IndexSnapshotSaver>(
        config_.snapshot_interval, [this](const SnapshotSavePolicy& policy) { return pool_.SaveIndexSnapshots(policy); });
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
    {
      std::lock_guard lock(run_mutex_);
      if (stopped_) return Status::Ok();
      running_ = true;
    }
    bool listened = server_->listen_after_bind();
    {
      std::lock_guard lock(run_mutex_);
      running_ = false;
      run_ended_.notify_all();
    }
    if (!listened && !stopped_) return Status::IoError("the HTTP server stopped unexpectedly");
    return Status::Ok();
  }

  // httplib's stop() does nothing until its accept loop has started, so a Stop() that comes
  // right after Run() began would otherwise leave Run() listening forever: it is repeated until
  // Run() has returned.
  void Stop() {
    {
      std::unique_lock lock(run_mutex_);
      stopped_ = true;
      while (running_) {
        lock.unlock();
        if (server_) server_->stop();
        lock.lock();
        run_ended_.wait_for(lock, std::chrono::milliseconds(10), [&] { return !running_; });
      }
    }
    if (server_) server_->stop();
    if (background_) background_->Drain();
    if (snapshot_saver_) snapshot_saver_->StopAndSave();
  }

  int port() const { return port_; }
  const std::vector<std::pair<std::string, std::string>>& routes() const { return routes_; }

 private:
  void ConfigureServer() {
    // Connections get their own threads, many more than the workers that do the work: a client
    // that sends its request a byte at a time (slowloris) then holds one connection thread, not
    // one of the few store connections (requests wait for those in SystemPool::Acquire).
    std::size_t threads = std::max(config_.connection_threads, config_.worker_threads);
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
      if (response.status == 415) message = "invalid_argument: unsupported Content-Encoding (send the body uncompressed)";
      if (response.status == 400) message = "invalid_argument: malformed request";
      response.set_content(ToJsonText({{"code", response.status}, {"message", message}}), "application/json");
    });
    server_->set_exception_handler([](const httplib::Request&, httplib::Response& response, const std::exception_ptr&) {
      response.status = 500;
      response.set_content(ToJsonText({{"code", 500}, {"message", "internal: unexpected error"}}),
                           "application/json");
    });
    server_->set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      double seconds = std::chrono::duration<double>(Clock::now() - t_timing.start).count();
      metrics_.RecordRequest(t_timing.route, request.method, response.status, seconds);
    });
  }

  // Runs on the headers alone, before any byte of the body is read: refuses methods and encodings
  // the API does not take, authenticates every request but /health (a request without a valid
  // key never gets its body read), and refuses a declared body over the limit (audited). The
  // operator is kept in t_timing.op for the route's handler.
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& request, httplib::Response& response) {
    using Outcome = httplib::Server::HandlerResponse;
    t_timing.op.reset();
    auto refuse = [&](const Status& status, int http_status = 0) {
      SendError(response, status, http_status);
      if (HasBody(request)) response.set_header("Connection", "close");  // the body is never read
      return Outcome::Handled;
    };
    const std::string& method = request.method;
    if (method != "GET" && method != "HEAD" && method != "POST" && method != "PUT" && method != "DELETE") {
      t_timing.route = "unmatched";
      return refuse(Status::InvalidArgument("method " + EscapeForDisplay(method, 16) + " is not allowed"), 405);
    }
    t_timing.session_token.clear();
    if (request.path == "/health" || request.path == "/v1/openapi.json") return Outcome::Unhandled;
    if (IsPublicWebPath(request)) return Outcome::Unhandled;
    std::string encoding = Lowercase(request.get_header_value("Content-Encoding"));
    if (!encoding.empty() && encoding != "identity") {
      t_timing.route = "unsupported_encoding";
      return refuse(Status::InvalidArgument("Content-Encoding is not accepted: send the body uncompressed"), 415);
    }
    auto lease = pool_.Acquire();
    if (!lease.ok()) return refuse(lease.status(), 503);
    // A browser signed in to the examiner workstation sends its session cookie instead of a key;
    // every change of state it asks for must carry the session's CSRF token.
    std::string session_token = CookieValue(request, kSessionCookie);
    if (!request.has_header("Authorization") && (!session_token.empty() || IsWebPage(request))) {
      auto session = sessions_.Find(session_token);
      if (!session) {
        if (!session_token.empty()) response.set_header("Set-Cookie", SessionCookieHeader("", 0, tls_));
        if (IsWebPage(request)) {
          response.status = 303;
          response.set_header("Location", "/");
          SetPageSecurityHeaders(response);
          return Outcome::Handled;
        }
        return refuse(Status::Unauthenticated("the session has ended or is unknown: sign in again"));
      }
      // A user disabled (or whose role changed), or the key signed in with revoked or expired,
      // since signing in: the session ends at once.
      if (Status still = (*lease)->CheckSignedInOperator(session->op, session->key_id); !still.ok()) {
        sessions_.End(session_token);
        response.set_header("Set-Cookie", SessionCookieHeader("", 0, tls_));
        return refuse(still);
      }
      if (method != "GET" && method != "HEAD" &&
          !ConstantTimeEquals(request.get_header_value(std::string(kCsrfHeader)), session->csrf_token)) {
        t_timing.route = "csrf";
        Status status = Status::PermissionDenied("the request lacks the session's CSRF token (header X-CSRF-Token)");
        AuditRejection(**lease, session->op, request.method + " " + request.path.substr(0, 200), status, {},
                       request.params);
        return refuse(status, 403);
      }
      t_timing.op = session->op;
      t_timing.session_token = session_token;
    } else {
    auto op = Authenticate(request, response, **lease);
    if (!op.ok()) {
      if (response.status == 429) {
        if (HasBody(request)) response.set_header("Connection", "close");
        return Outcome::Handled;
      }
      return refuse(op.status());
    }
    t_timing.op = *op;
    }
    const Operator& caller = *t_timing.op;
    if (!request.has_header("Content-Length")) return Outcome::Unhandled;
    std::string length_text = request.get_header_value("Content-Length");
    std::uint64_t length = 0;
    auto [end, error] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    bool malformed = error != std::errc() || end != length_text.data() + length_text.size() ||
                     request.has_header("Transfer-Encoding");
    if (!malformed && length <= config_.max_body_bytes) return Outcome::Unhandled;
    t_timing.route = "oversized";
    Status status = malformed ? Status::InvalidArgument("malformed Content-Length header (or both Content-Length and Transfer-Encoding)")
                              : Status::ResourceExhausted("request body of " + std::to_string(length) +
                                                          " bytes exceeds the limit of " +
                                                          std::to_string(config_.max_body_bytes) + " bytes");
    AuditRejection(**lease, caller, request.method + " " + request.path.substr(0, 200), status, {}, request.params);
    return refuse(status);
  }

  // Checks the request's API key. Failed sign-ins are counted per source address and key id; past
  // the limit, attempts are answered 429 without being checked (the start of that is audited
  // once). On 429 the response is already written.
  Result<Operator> Authenticate(const httplib::Request& request, httplib::Response& response, AbisSystem& system) {
    std::string header = request.get_header_value("Authorization");
    std::string key;
    if (header.rfind("Bearer ", 0) == 0) key = header.substr(7);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    auto op = AuthenticateKey(key, request, response, system);
    if (!op.ok() && header.empty() && response.status != 429) {
      return Status::Unauthenticated("no API key: send the header 'Authorization: Bearer <key>'");
    }
    return op;
  }

  // Checks `key` (from the header, or the sign-in form), throttled as Authenticate says.
  Result<Operator> AuthenticateKey(const std::string& key, const httplib::Request& request, httplib::Response& response,
                                   AbisSystem& system) {
    if (!key.empty()) {
      if (auto cached = key_cache_.Find(key)) return *cached;
    }
    // Wrong secrets for a key id that exists (each costs an argon2id hash) are counted against
    // that key id, from every address: an account lockout while someone guesses. Keys whose id
    // does not exist cost nothing to refuse and are counted against the address they come from,
    // so garbage from one address never locks out a real key used from it (or from a proxy).
    std::string key_id = ApiKeyId(key);
    bool known_key_id = false;
    if (!key_id.empty()) {
      auto known = system.KnownApiKeyId(key_id);
      known_key_id = known.ok() && *known;
    }
    const std::string source = known_key_id ? "" : request.remote_addr;
    if (!known_key_id) key_id.clear();
    auto now = SignInThrottle::Clock::now();
    std::chrono::seconds wait = throttle_.RetryAfter(source, key_id, now);
    if (wait.count() > 0) {
      response.status = 429;
      response.set_header("Retry-After", std::to_string(wait.count()));
      response.set_content(ToJsonText({{"code", 429},
                                       {"message", "resource_exhausted: too many failed sign-ins from this address or "
                                                   "for this key; retry after " + std::to_string(wait.count()) + " s"}}),
                           "application/json");
      return Status::ResourceExhausted("sign-in throttled");
    }
    auto op = system.Authenticate(key, request.remote_addr);  // audits a refusal with the address and key id
    if (op.ok()) {
      key_cache_.Remember(key, *op);
      return op;
    }
    if (std::int64_t reached = throttle_.RecordFailure(source, key_id, now); reached > 0) {
      (void)system.AuditSignInThrottled(request.remote_addr, key_id, reached, config_.sign_in_window.count());
    }
    return op.status();
  }

  void SendError(httplib::Response& response, const Status& status, int http_status = 0) {
    int code = http_status != 0 ? http_status : HttpStatusFor(status);
    response.status = code;
    if (code == 401) response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(ToJsonText(ErrorBody(code, status)), "application/json");
  }

  // Audits a request refused for its content (400, 413): who, which route, the error code, and the
  // body's size and hash and the query's parameter names. No byte of the request is copied: the
  // error message may quote it, so it is not kept.
  void AuditRejection(AbisSystem& system, const Operator& op, const std::string& route, const Status& status,
                      std::string_view body, const std::multimap<std::string, std::string>& query) {
    RejectedRequest rejected;
    rejected.route = route;
    rejected.http_status = HttpStatusFor(status);
    rejected.error = status.code();
    rejected.body_bytes = static_cast<std::int64_t>(body.size());
    if (!body.empty()) rejected.body_sha256 = Sha256Hex(body);
    rejected.query_parameters = QueryParameterNames(query);
    (void)system.AuditRejectedRequest(op, rejected);  // the answer goes out even if auditing fails
  }

  // Reads the body through `reader`, refusing it as soon as it passes the limit (chunked bodies
  // declare no length, so the limit is applied while reading). A request with neither
  // Content-Length nor Transfer-Encoding has no body.
  Status ReadBody(const httplib::Request& request, const httplib::ContentReader& reader, std::string& body) {
    if (!HasBody(request)) return Status::Ok();
    bool too_large = false;
    bool complete = reader([&](const char* data, std::size_t length) {
      if (body.size() + length > config_.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) {
      return Status::ResourceExhausted("request body exceeds the limit of " + std::to_string(config_.max_body_bytes) +
                                       " bytes");
    }
    if (!complete) return Status::InvalidArgument("the request body could not be read (malformed or cut off)");
    return Status::Ok();
  }

  // `takes_body`: the route needs a JSON body, an object (or, with `array_body`, an array).
  // Every route runs after PreRoute authenticated the caller; POST, PUT and DELETE routes read
  // their body themselves, within the size limit.
  void Route(const std::string& method, const std::string& pattern, const std::string& name, const Handler& handler,
             bool takes_body, bool async_capable, bool array_body = false) {
    // A literal path is listed as itself (the /alerts alias), a pattern by its {name} form.
    routes_.emplace_back(method, pattern.find('(') == std::string::npos ? pattern : name);
    auto serve = [this, method, name, handler, takes_body, async_capable, array_body](
                     const httplib::Request& request, httplib::Response& response,
                     const httplib::ContentReader* reader) {
      t_timing.route = name;
      if (!t_timing.op) return SendError(response, Status::Unauthenticated("the request was not authenticated"));
      auto lease = pool_.Acquire();
      if (!lease.ok()) return SendError(response, lease.status(), 503);
      Call call;
      call.op = *t_timing.op;
      call.method = method;
      std::string body;
      auto fail = [&](const Status& status) {
        int code = HttpStatusFor(status);
        if (code == 400 || code == 413) AuditRejection(**lease, call.op, method + " " + name, status, body, request.params);
        SendError(response, status);
      };
      if (reader != nullptr) {
        Status read = ReadBody(request, *reader, body);
        if (!read.ok()) {
          response.set_header("Connection", "close");  // the rest of the body is not read
          return fail(read);
        }
      }
      for (std::size_t i = 1; i < request.matches.size(); ++i) {
        std::string part = request.matches[i].str();
        if (!IsValidUtf8(part)) return fail(Status::InvalidArgument("path segment " + std::to_string(i) + " is not valid UTF-8"));
        call.path.push_back(std::move(part));
      }
      for (const auto& [key, value] : request.params) {
        if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
          return fail(Status::InvalidArgument("query parameter '" + EscapeForDisplay(key, 40) + "' is not valid UTF-8"));
        }
        call.query.emplace(key, value);
      }
      if (takes_body) {
        if (body.empty()) return fail(Status::InvalidArgument("the request needs a JSON body"));
        auto parsed = ParseJsonInput(body, "the JSON body", JsonInputLimits{config_.max_body_bytes, config_.max_json_depth});
        if (!parsed.ok()) return fail(parsed.status());
        call.body = std::move(parsed).value();
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
        response.set_content(ToJsonText({{"taskId", *task}}), "application/json");
        return;
      }
      Result<Reply> reply = RunHandler(handler, **lease, call);
      if (!reply.ok()) return fail(reply.status());
      response.status = reply->status;
      for (const auto& [header, value] : reply->headers) response.set_header(header, value);
      if (!reply->body.is_null()) response.set_content(ToJsonText(reply->body), "application/json");
    };
    auto with_body = [serve](const httplib::Request& request, httplib::Response& response,
                             const httplib::ContentReader& reader) { serve(request, response, &reader); };
    if (method == "GET") {
      server_->Get(pattern, [serve](const httplib::Request& request, httplib::Response& response) {
        serve(request, response, nullptr);
      });
    } else if (method == "POST") {
      server_->Post(pattern, with_body);
    } else if (method == "PUT") {
      server_->Put(pattern, with_body);
    } else {
      server_->Delete(pattern, with_body);
    }
  }

  // Runs a handler. A JSON value of an unexpected type deep in a mapper throws from the JSON
  // library: that is the client's fault, reported without the library's text. Any transaction the
  // handler had open has been rolled back by then (Store::Transaction ends on every path).
  static Result<Reply> RunHandler(const Handler& handler, AbisSystem& system, const Call& call) {
    try {
      return handler(system, call);
    } catch (const nlohmann::json::exception&) {
      return Status::InvalidArgument("the JSON body holds a value of the wrong type or out of range");
    } catch (const std::exception&) {
      return Status::Internal("unexpected error");
    }
  }

  // Registered after every route: a POST, PUT or DELETE to no route is answered 404 without its
  // body being read (httplib would otherwise read it whole, with no limit for chunked bodies).
  void RouteEverythingElse() {
    auto not_found = [this](const httplib::Request&, httplib::Response& response, const httplib::ContentReader&) {
      t_timing.route = "unmatched";
      response.set_header("Connection", "close");
      SendError(response, Status::NotFound("no such endpoint"));
    };
    server_->Post(".*", not_found);
    server_->Put(".*", not_found);
    server_->Delete(".*", not_found);
  }

  // --- asynchronous tasks (OSIA callbacks) ---
  Result<std::string> StartTask(AbisSystem& system, const Call& call, const std::string& operation, const Handler& handler) {
    ABIS_ASSIGN_OR_RETURN(CallbackTarget target, ParseCallbackUrl(call.Query("callback"), config_.allowed_callback_hosts));
    std::string task_id = HexEncode(RandomBytes(16));
    ServiceTask task;
    task.id = task_id;
    task.operation = operation;
    task.transaction_id = call.Query("transactionId");
    task.callback = call.Query("callback");
    ABIS_RETURN_IF_ERROR(system.CreateServiceTask(call.op, task));
    background_->Post([this, task_id, target, call, handler, operation] {
      int http_status = 500;
      std::string body;
      std::string content_type = "application/json";
      {
        auto lease = pool_.Acquire();
        if (!lease.ok()) {
          http_status = 503;
          body = ToJsonText(ErrorBody(503, lease.status()));
          content_type = "application/error+json";
        } else {
          auto reply = RunHandler(handler, **lease, call);
          if (reply.ok()) {
            http_status = reply->status;
            body = reply->body.is_null() ? "\"OK\"" : ToJsonText(reply->body);
          } else {
            http_status = HttpStatusFor(reply.status());
            if (http_status == 400) AuditRejection(**lease, call.op, call.method + " " + operation, reply.status(), {}, {});
            body = ToJsonText(ErrorBody(http_status, reply.status()));
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
    (void)system.UpdateServiceTask(task_id, status, http_status, result, count_attempt);  // best effort
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
    ABIS_ASSIGN_OR_RETURN(ServiceTask task, system.ReadServiceTask(call.op, call.path.at(0)));
    return Reply{200, task.status, {}};
  }

  Result<Reply> RedeliverTask(AbisSystem& system, const Call& call) {
    const std::string& task_id = call.path.at(0);
    ABIS_ASSIGN_OR_RETURN(ServiceTask task, system.ReadServiceTask(call.op, task_id));
    if (task.status != "RESPONSE_ERROR" || task.result.empty()) {
      return Status::FailedPrecondition("task '" + task_id + "' is " + task.status +
                                        "; only a RESPONSE_ERROR task holding its result can be redelivered");
    }
    ABIS_ASSIGN_OR_RETURN(CallbackTarget target, ParseCallbackUrl(task.callback, config_.allowed_callback_hosts));
    std::string transaction_id = task.transaction_id;
    int http_status = task.http_status;
    std::string body = task.result;
    UpdateTask(system, task_id, "RESPONSE_RETRY", http_status, body, false);
    std::string content_type = http_status < 300 ? "application/json" : "application/error+json";
    background_->Post([this, task_id, target, transaction_id, content_type, http_status, body] {
      DeliverTask(task_id, target, transaction_id, content_type, http_status, body);
    });
    return Reply{200, nlohmann::json({{"taskId", task_id}, {"status", "RESPONSE_RETRY"}}), {}};
  }

  void PostAlert(const WatchlistAlert& alert) {
    background_->Post([this, alert] {
      bool delivered = false;
      std::string body = ToJsonText(CamelCaseKeys(alert.ToJson()));
      for (int attempt = 0; attempt < config_.callback_attempts && !delivered; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
        delivered = PostJson(*alert_webhook_, "", "application/json", body, config_.callback_timeout).ok();
      }
      auto lease = pool_.Acquire();
      if (lease.ok()) (void)(*lease)->RecordAlertDelivery(alert.id, delivered);
    });
  }

  void RegisterRoutes() {
    const std::string id = "([^/]+)";
    server_->Get("/health", [this](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/health";
      auto lease = pool_.Acquire();
      if (!lease.ok()) return SendError(response, lease.status(), 503);
      auto version = (*lease)->SchemaVersion();
      if (!version.ok()) return SendError(response, version.status(), 503);
      response.set_content(ToJsonText({{"status", "ok"}, {"schemaVersion", *version}}), "application/json");
    });
    // The description of every route (docs/openapi.json, compiled in): public, as /health is.
    server_->Get("/v1/openapi.json", [](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/v1/openapi.json";
      response.set_content(std::string(OpenApiDocument()), "application/json");
    });
    // Metrics need a key whose role may read the audit log (admin, auditor): gallery sizes are
    // operational facts about the register. Watchlists are summed into one unnamed line, so that
    // the existence and size of a named wanted list do not leak through monitoring.
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/metrics";
      if (!t_timing.op) return SendError(response, Status::Unauthenticated("the request was not authenticated"));
      if (!RoleAllows(t_timing.op->role, Action::kReadAudit)) {
        return SendError(response, Status::PermissionDenied("role " + std::string(RoleName(t_timing.op->role)) +
                                                            " may not read the metrics (admin or auditor)"));
      }
      std::vector<GallerySize> sizes;
      auto lease = pool_.Acquire();
      if (lease.ok()) {
        auto galleries = (*lease)->ListGalleries(*t_timing.op);
        if (galleries.ok()) {
          std::int64_t watchlist_members = 0;
          bool any_watchlist = false;
          for (const auto& gallery : *galleries) {
            if (gallery.kind == GalleryKind::kWatchlist) {
              watchlist_members += gallery.member_count;
              any_watchlist = true;
              continue;
            }
            sizes.push_back({gallery.name, std::string(GalleryKindName(gallery.kind)), gallery.member_count});
          }
          if (any_watchlist) sizes.push_back({"(watchlists)", "watchlist", watchlist_members});
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
                cache.private_builds},
               {"abis_gallery_index_templates_quarantined_total",
                "Damaged templates (failed authentication) left out of searches; each is audited as template.quarantined.",
                cache.templates_quarantined},
               {"abis_gallery_index_snapshots_loaded_total", "Gallery indexes loaded from their sealed snapshot.",
                cache.snapshots_loaded},
               {"abis_gallery_index_snapshots_discarded_total",
                "Snapshots refused on loading and deleted (audited as index_snapshot.discarded).",
                cache.snapshots_discarded},
               {"abis_gallery_index_snapshots_written_total", "Gallery index snapshots written.",
                cache.snapshots_written}}) {
        extra += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
                 std::to_string(value) + "\n";
      }
      // Memory of each in-memory gallery index (issue 20: bytes per template by modality).
      extra += "# HELP abis_gallery_index_bytes Bytes an in-memory gallery index holds.\n"
               "# TYPE abis_gallery_index_bytes gauge\n";
      std::string templates_metric =
          "# HELP abis_gallery_index_templates Templates an in-memory gallery index holds.\n"
          "# TYPE abis_gallery_index_templates gauge\n";
      for (const GalleryIndexMemory& index : pool_.gallery_index_memory()) {
        const std::string labels = "{gallery_id=\"" + std::to_string(index.key.gallery_id) + "\",modality=\"" +
                                   std::string(ModalityName(index.key.modality)) + "\",position=\"" +
                                   std::to_string(static_cast<int>(index.key.position)) + "\"}";
        extra += "abis_gallery_index_bytes" + labels + " " + std::to_string(index.bytes) + "\n";
        templates_metric += "abis_gallery_index_templates" + labels + " " + std::to_string(index.templates) + "\n";
      }
      extra += templates_metric;
      response.set_content(metrics_.Render(sizes, extra), "text/plain; version=0.0.4");
    });

    auto bind = [this](Result<Reply> (Impl::*method)(AbisSystem&, const Call&)) {
      return [this, method](AbisSystem& system, const Call& call) { return (this->*method)(system, call); };
    };
    auto osia = [this](Result<Reply> (OsiaHandlers::*method)(AbisSystem&, const Call&)) {
      return [this, method](AbisSystem& system, const Call& call) { return (handlers_.*method)(system, call); };
    };
    Route("POST", "/v1/persons", "/v1/persons",
          [this](AbisSystem& system, const Call& call) {
            return handlers_.CreateEncounters(system, call, "P" + HexEncode(RandomBytes(8)), true, "");
          },
          true, true);
    Route("POST", "/v1/persons/" + id + "/encounters", "/v1/persons/{personId}/encounters",
          [this](AbisSystem& system, const Call& call) { return handlers_.CreateEncounters(system, call, call.path.at(0), false, ""); },
          true, true);
    Route("GET", "/v1/persons/" + id + "/encounters", "/v1/persons/{personId}/encounters", osia(&OsiaHandlers::ReadEncounters),
          false, false);
    Route("DELETE", "/v1/persons/" + id, "/v1/persons/{personId}", osia(&OsiaHandlers::DeletePerson), false, true);
    Route("POST", "/v1/identify/" + id, "/v1/identify/{galleryId}", osia(&OsiaHandlers::Identify), true, true);
    Route("POST", "/v1/verify/" + id + "/" + id, "/v1/verify/{galleryId}/{personId}", osia(&OsiaHandlers::VerifyAgainstPerson),
          true, true);
    Route("GET", "/v1/galleries", "/v1/galleries", osia(&OsiaHandlers::ReadGalleries), false, false);
    Route("GET", "/v1/tasks/" + id + "/status", "/v1/tasks/{taskId}/status", bind(&Impl::TaskStatus), false, false);
    Route("POST", "/v1/tasks/" + id + "/redeliver", "/v1/tasks/{taskId}/redeliver", bind(&Impl::RedeliverTask), false,
          false);
    for (const char* path : {"/v1/alerts", "/alerts"}) {
      Route("GET", path, "/v1/alerts", osia(&OsiaHandlers::ListAlerts), false, false);
    }
    Route("GET", "/v1/watchlists/" + id + "/entries", "/v1/watchlists/{galleryId}/entries",
          osia(&OsiaHandlers::ListWatchlistEntries), false, false);
    Route("POST", "/v1/watchlists/" + id + "/entries", "/v1/watchlists/{galleryId}/entries",
          osia(&OsiaHandlers::AddWatchlistEntry), true, false);
    Route("POST", "/v1/watchlists/" + id + "/entries/" + id + "/end", "/v1/watchlists/{galleryId}/entries/{entryId}/end",
          osia(&OsiaHandlers::EndWatchlistEntry), false, false);
    Route("GET", "/v1/candidates/" + id, "/v1/candidates/{candidateId}", osia(&OsiaHandlers::ReadReview), false, false);
    Route("POST", "/v1/candidates/" + id + "/decisions", "/v1/candidates/{candidateId}/decisions", osia(&OsiaHandlers::Decide),
          true, false);
    Route("GET", "/v1/searches/" + id + "/candidates", "/v1/searches/{searchSeq}/candidates", osia(&OsiaHandlers::SearchReviews),
          false, false);

    const std::string encounter = "/v1/persons/" + id + "/encounters/" + id;
    const std::string encounter_name = "/v1/persons/{personId}/encounters/{encounterId}";
    Route("POST", encounter, encounter_name,
          [this](AbisSystem& system, const Call& call) {
            return handlers_.CreateEncounters(system, call, call.path.at(0), false, call.path.at(1));
          },
          true, true);
    Route("GET", encounter, encounter_name, osia(&OsiaHandlers::ReadEncounter), false, true);
    Route("PUT", encounter, encounter_name, osia(&OsiaHandlers::UpdateEncounter), true, true);
    Route("DELETE", encounter, encounter_name, osia(&OsiaHandlers::DeleteEncounter), false, true);
    Route("PUT", encounter + "/status", encounter_name + "/status", osia(&OsiaHandlers::UpdateEncounterStatus), false, true);
    Route("PUT", encounter + "/galleries", encounter_name + "/galleries", osia(&OsiaHandlers::UpdateEncounterGalleries), true,
          true, /*array_body=*/true);
    Route("POST", "/v1/persons/" + id + "/merge/" + id, "/v1/persons/{target}/merge/{source}", osia(&OsiaHandlers::MergePersons),
          false, true);
    Route("POST", "/v1/persons/" + id + "/move/" + id + "/encounters/" + id,
          "/v1/persons/{target}/move/{source}/encounters/{encounterId}", osia(&OsiaHandlers::MoveEncounter), false, true);
    Route("POST", "/v1/identify/" + id + "/" + id, "/v1/identify/{galleryId}/{personId}", osia(&OsiaHandlers::Identify), false,
          true);
    Route("POST", "/v1/identify/" + id + "/" + id + "/encounters/" + id,
          "/v1/identify/{galleryId}/{personId}/encounters/{encounterId}", osia(&OsiaHandlers::Identify), false, true);
    Route("POST", "/v1/verify", "/v1/verify", osia(&OsiaHandlers::VerifyTwoSets), true, true);
    Route("GET", "/v1/galleries/" + id, "/v1/galleries/{galleryId}", osia(&OsiaHandlers::ReadGalleryMembers), false, true);
    // Templates are not handed out: biometric data leaves only as an audited, purpose-bound export
    // (`abis export nist`), never as the matcher's internal template.
    Route("GET", encounter + "/templates", encounter_name + "/templates",
          OsiaHandlers::NotImplemented("reading templates (export samples with `abis export nist`, which is purpose-bound and audited)"),
          false, false);
    RegisterWebRoutes();
    RouteEverythingElse();
  }

  // --- the examiner workstation (docs/EXAMINER.md): pages, sign-in, and the JSON the pages read ---
  // A UI JSON route: authenticated by PreRoute (session cookie or key), answered with `body`.
  void UiGet(const std::string& pattern, const std::string& name,
             const std::function<Result<nlohmann::json>(AbisSystem&, const Operator&, const httplib::Request&)>& body) {
    server_->Get(pattern, [this, name, body](const httplib::Request& request, httplib::Response& response) {
      t_timing.route = name;
      SetPageSecurityHeaders(response);
      if (!t_timing.op) return SendError(response, Status::Unauthenticated("the request was not authenticated"));
      auto lease = pool_.Acquire();
      if (!lease.ok()) return SendError(response, lease.status(), 503);
      Result<nlohmann::json> reply = Status::Internal("unexpected error");
      try {
        reply = body(**lease, *t_timing.op, request);
      } catch (const std::exception&) {
        reply = Status::Internal("unexpected error");
      }
      if (!reply.ok()) return SendError(response, reply.status());
      response.set_content(ToJsonText(*reply), "application/json");
    });
  }

  static Result<std::int64_t> UiId(const httplib::Request& request, std::size_t index, const char* what) {
    if (request.matches.size() <= index) return Status::InvalidArgument(std::string("missing ") + what);
    return ParseId(request.matches[index].str(), what);
  }

  void SignIn(const httplib::Request& request, httplib::Response& response, const httplib::ContentReader& reader) {
    t_timing.route = "/ui/session";
    SetPageSecurityHeaders(response);
    auto fail = [&](int status, const std::string& message) {
      response.status = status;
      response.set_content(SignInPage(message), "text/html; charset=utf-8");
    };
    // A sign-in form posted from another site is refused (login CSRF).
    std::string origin = request.get_header_value("Origin");
    std::string host = request.get_header_value("Host");
    if (!origin.empty() && origin != "null" && origin != (tls_ ? "https://" : "http://") + host) {
      return fail(403, "Sign-in is only accepted from this site's own page.");
    }
    std::string body;
    Status read = ReadBody(request, reader, body);
    if (!read.ok() || body.size() > 4096) {
      response.set_header("Connection", "close");
      return fail(400, "The sign-in form could not be read.");
    }
    std::map<std::string, std::string> form = DecodeForm(body);
    std::string key = form.contains("api_key") ? form.at("api_key") : "";
    while (!key.empty() && (key.back() == ' ' || key.back() == '\n' || key.back() == '\r')) key.pop_back();
    while (!key.empty() && key.front() == ' ') key.erase(key.begin());
    auto lease = pool_.Acquire();
    if (!lease.ok()) return fail(503, "The service cannot open its store; try again later.");
    auto op = AuthenticateKey(key, request, response, **lease);
    if (!op.ok()) {
      if (response.status == 429) {
        return fail(429, "Too many failed sign-ins; retry after " + response.get_header_value("Retry-After") + " s.");
      }
      return fail(401, "The API key was not accepted.");
    }
    long long max_age = std::max<long long>(
        1, std::chrono::duration_cast<std::chrono::seconds>(config_.session_lifetime).count());
    Status audited = (*lease)->AuditWebSession(*op, true, request.remote_addr, max_age);
    if (!audited.ok()) return fail(503, "The sign-in could not be recorded; try again later.");
    WebSessions::Issued issued = sessions_.Create(*op, ApiKeyId(key));
    response.status = 303;
    response.set_header("Set-Cookie", SessionCookieHeader(issued.token, max_age, tls_));
    response.set_header("Location", "/ui/reviews");
    response.set_content("", "text/plain");
  }

  void RegisterWebRoutes() {
    server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
      t_timing.route = "/";
      SetPageSecurityHeaders(response);
      response.set_content(SignInPage(""), "text/html; charset=utf-8");
    });
    server_->Post("/ui/session", [this](const httplib::Request& request, httplib::Response& response,
                                        const httplib::ContentReader& reader) { SignIn(request, response, reader); });
    server_->Get("/ui/static/([A-Za-z0-9_.-]+)", [](const httplib::Request& request, httplib::Response& response) {
      t_timing.route = "/ui/static/{file}";
      SetPageSecurityHeaders(response);
      std::string name = request.matches[1].str();
      auto file = name.ends_with(".html") ? std::nullopt : FindWebFile(name);
      if (!file) return SendErrorStatic(response, 404, "no such file");
      response.set_header("Cache-Control", "no-cache");
      response.set_content(std::string(file->first), file->second);
    });
    for (const auto& [pattern, page] : std::initializer_list<std::pair<const char*, const char*>>{
             {"/ui/reviews", "reviews.html"}, {"/ui/candidates/[0-9]{1,18}", "candidate.html"},
             {"/ui/alerts", "alerts.html"}, {"/ui/watchlists", "watchlists.html"}, {"/ui/audit", "audit.html"},
             {"/ui/subjects", "subject.html"}}) {
      std::string file = page;
      std::string route = pattern;
      server_->Get(pattern, [file, route](const httplib::Request&, httplib::Response& response) {
        t_timing.route = route;
        SendPage(response, file);
      });
    }
    UiGet("/ui/api/session", "/ui/api/session",
          [this](AbisSystem&, const Operator& op, const httplib::Request&) -> Result<nlohmann::json> {
            auto session = sessions_.Find(t_timing.session_token);
            if (!session) return Status::Unauthenticated("this request was not made with a browser session");
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(session->expires -
                                                                              WebSessions::Clock::now());
            return nlohmann::json{{"user", op.name},
                                  {"role", RoleName(op.role)},
                                  {"csrfToken", session->csrf_token},
                                  {"expiresInMs", left.count()}};
          });
    server_->Post("/ui/api/session/end", [this](const httplib::Request& request, httplib::Response& response,
                                                const httplib::ContentReader&) {
      t_timing.route = "/ui/api/session/end";
      SetPageSecurityHeaders(response);
      if (!t_timing.session_token.empty()) {
        sessions_.End(t_timing.session_token);
        auto lease = pool_.Acquire();
        if (lease.ok() && t_timing.op) (void)(*lease)->AuditWebSession(*t_timing.op, false, request.remote_addr, 0);
      }
      response.set_header("Set-Cookie", SessionCookieHeader("", 0, tls_));
      response.status = 204;
    });
    UiGet("/ui/api/reviews", "/ui/api/reviews",
          [](AbisSystem& system, const Operator& op, const httplib::Request& request) -> Result<nlohmann::json> {
            // Filtered by the store before the limit, so that no matching candidate is missed.
            ReviewQueueFilter filter{request.get_param_value("case"), request.get_param_value("purpose"),
                                     request.get_param_value("gallery"), request.get_param_value("state")};
            ABIS_ASSIGN_OR_RETURN(std::vector<CandidateReview> reviews, system.ListOpenReviews(op, filter, 1000));
            nlohmann::json list = nlohmann::json::array();
            for (const CandidateReview& review : reviews) {
              nlohmann::json item = CamelCaseKeys(review.ToJson());
              item["decidedByMe"] = std::any_of(review.decisions.begin(), review.decisions.end(),
                                                [&](const CandidateDecisionRecord& r) { return r.examiner == op.name; });
              list.push_back(std::move(item));
            }
            return list;
          });
    UiGet("/ui/api/candidates/([0-9]{1,18})", "/ui/api/candidates/{candidateId}",
          [](AbisSystem& system, const Operator& op, const httplib::Request& request) -> Result<nlohmann::json> {
            ABIS_ASSIGN_OR_RETURN(std::int64_t id, UiId(request, 1, "candidate id"));
            ABIS_ASSIGN_OR_RETURN(CandidateReview review, system.ReadCandidateReview(op, id));
            ABIS_ASSIGN_OR_RETURN(CandidateComparison comparison, system.ReadCandidateComparison(op, id));
            auto samples = [](const std::vector<ComparedSample>& list) {
              nlohmann::json out = nlohmann::json::array();
              for (const ComparedSample& sample : list) {
                out.push_back({{"id", sample.id},
                               {"modality", ModalityName(sample.modality)},
                               {"format", sample.format},
                               {"position", static_cast<int>(sample.position)},
                               {"encounterId", sample.encounter_id}});
              }
              return out;
            };
            nlohmann::json out = CamelCaseKeys(review.ToJson());
            out["probes"] = samples(comparison.probes);
            out["candidateSamples"] = samples(comparison.candidate_samples);
            nlohmann::json compared = nlohmann::json::array();
            for (const ProbeComparison& c : comparison.comparisons) {
              nlohmann::json fmr = c.details.contains("estimated_fmr") ? c.details.at("estimated_fmr")
                                   : c.false_match_rate                 ? nlohmann::json(*c.false_match_rate)
                                                                        : nlohmann::json(nullptr);
              compared.push_back({{"probeId", c.probe_id},
                                  {"sampleId", c.sample_id},
                                  {"score", c.score},
                                  {"lnLr", c.log_lr},
                                  {"fmr", fmr},
                                  {"matchedPairs", c.details.contains("matched_pairs") ? c.details.at("matched_pairs").size() : 0},
                                  {"examinerView", c.examiner_view}});
            }
            out["comparisons"] = compared;
            out["comparisonErrors"] = comparison.comparison_errors;
            out["you"] = op.name;
            return out;
          });
    // For auditors: the audit log with filters (the newest 500 entries that match) and the chain
    // verification; the subject report of one person. Each read is audited by the system.
    UiGet("/ui/api/audit", "/ui/api/audit",
          [](AbisSystem& system, const Operator& op, const httplib::Request& request) -> Result<nlohmann::json> {
            AuditFilter filter;
            filter.action = request.get_param_value("action");
            filter.operator_name = request.get_param_value("operator");
            filter.case_ref = request.get_param_value("case");
            filter.purpose = request.get_param_value("purpose");
            filter.since = request.get_param_value("since");
            filter.until = request.get_param_value("until");
            std::ostringstream lines;
            ABIS_ASSIGN_OR_RETURN(std::int64_t total, system.ExportAudit(op, filter, lines));
            std::vector<nlohmann::json> entries;
            std::istringstream in(lines.str());
            for (std::string line; std::getline(in, line);) {
              auto entry = nlohmann::json::parse(line, nullptr, false);
              if (entry.is_discarded()) continue;
              entries.push_back(std::move(entry));
              if (entries.size() > 500) entries.erase(entries.begin());
            }
            return nlohmann::json{{"total", total}, {"entries", entries}};
          });
    UiGet("/ui/api/audit/verify", "/ui/api/audit/verify",
          [](AbisSystem& system, const Operator& op, const httplib::Request&) -> Result<nlohmann::json> {
            ABIS_ASSIGN_OR_RETURN(AuditVerification verification, system.VerifyAudit(op));
            return nlohmann::json{{"intact", verification.intact},
                                  {"entries", verification.entries},
                                  {"headHash", verification.head_hash},
                                  {"firstBadSeq", verification.first_bad_seq},
                                  {"problem", verification.problem}};
          });
    UiGet("/ui/api/subject", "/ui/api/subject",
          [](AbisSystem& system, const Operator& op, const httplib::Request& request) -> Result<nlohmann::json> {
            std::string person = request.get_param_value("person");
            ABIS_RETURN_IF_ERROR(ValidateIdentifier(person, "person id", 200));
            ABIS_ASSIGN_OR_RETURN(SubjectAccessReport report, system.SubjectReport(op, person));
            auto lines = [](const std::vector<AuditHistoryLine>& list) {
              nlohmann::json out = nlohmann::json::array();
              for (const AuditHistoryLine& line : list) {
                out.push_back({{"seq", line.seq},
                               {"time", line.time},
                               {"operator", line.operator_name},
                               {"role", line.role},
                               {"action", line.action},
                               {"purpose", line.purpose},
                               {"caseRef", line.case_ref}});
              }
              return out;
            };
            nlohmann::json templates = nlohmann::json::array();
            for (const TemplateInfo& info : report.templates) {
              templates.push_back({{"id", info.id},
                                   {"modality", ModalityName(info.modality)},
                                   {"algorithm", info.algorithm},
                                   {"createdAt", info.created_at}});
            }
            return nlohmann::json{{"personId", report.person.external_id},
                                  {"legalBasis", report.person.legal_basis},
                                  {"retentionUntil", report.person.retention_until},
                                  {"createdAt", report.person.created_at},
                                  {"galleries", report.galleries},
                                  {"templates", templates},
                                  {"searches", lines(report.searches_returning_subject)},
                                  {"history", lines(report.history)}};
          });
    // The sample as stored (".../image") or as its engine prepares it (".../image/aligned": the
    // aligned face crop): one route, one access check, one audit.
    server_->Get("/ui/api/candidates/([0-9]{1,18})/(probes|samples)/([0-9]{1,18})/image(/aligned)?",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   t_timing.route = "/ui/api/candidates/{candidateId}/{kind}/{id}/image[/aligned]";
                   SetPageSecurityHeaders(response);
                   if (!t_timing.op) return SendError(response, Status::Unauthenticated("the request was not authenticated"));
                   auto candidate = UiId(request, 1, "candidate id");
                   auto id = UiId(request, 3, "sample id");
                   if (!candidate.ok() || !id.ok()) return SendError(response, Status::InvalidArgument("bad id"));
                   auto lease = pool_.Acquire();
                   if (!lease.ok()) return SendError(response, lease.status(), 503);
                   const SampleView view = request.matches[4].length() > 0 ? SampleView::kPrepared : SampleView::kAsStored;
                   auto viewed = (*lease)->ReadCandidateImage(*t_timing.op, *candidate, request.matches[2].str() == "probes",
                                                              *id, view);
                   if (!viewed.ok()) return SendError(response, viewed.status());
                   auto image = ToDisplayImage(viewed->bytes);
                   if (!image.ok()) return SendError(response, image.status());
                   response.set_header("Cache-Control", "no-store");
                   response.set_content(image->body, image->content_type);
                 });
  }

  static void SendErrorStatic(httplib::Response& response, int code, const std::string& message) {
    response.status = code;
    response.set_content(ToJsonText({{"code", code}, {"message", message}}), "application/json");
  }

  ServiceConfig config_;
  SystemPool pool_;
  ApiKeyCache key_cache_;
  OsiaHandlers handlers_;
  std::vector<std::pair<std::string, std::string>> routes_;  // (method, pattern) of every Route()
  SignInThrottle throttle_;
  WebSessions sessions_;
  bool tls_ = false;
  ServiceMetrics metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<BackgroundQueue> background_;
  std::unique_ptr<IndexSnapshotSaver> snapshot_saver_;
  std::optional<CallbackTarget> alert_webhook_;
  int port_ = 0;
  std::mutex run_mutex_;
  std::condition_variable run_ended_;
  bool running_ = false;              // Run() is inside the accept loop (or about to enter it)
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

std::vector<std::pair<std::string, std::string>> AbisService::Routes() const {
  std::vector<std::pair<std::string, std::string>> out = impl_->routes();
  out.emplace_back("GET", "/health");
  out.emplace_back("GET", "/metrics");
  out.emplace_back("GET", "/v1/openapi.json");
  return out;
}

}  // namespace abis::service
