#include "abis/mosip/mosip_datashare_source.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

namespace abis::mosip {

namespace {

using interop::MosipFailureReason;
using interop::MosipOutcome;

constexpr int kMaxTimeoutMs = 10 * 60 * 1000;
constexpr std::size_t kMaxBodyLimit = std::size_t{1} << 30;
// MOSIP's datashare answers "Data share usage expired" with this code (abis-api.md, "All Possible
// Error codes and Messages from Datashare URL"); the same code also means "Data share not found",
// so the message decides.
constexpr std::string_view kDatashareErrorCode = "DAT-SER-006";

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool ParsePort(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 65535) return false;
  *port = value;
  return true;
}

// "host" or "host:port" -> host (lower case) and port (0 when absent).
bool SplitHostPort(std::string_view text, std::string* host, int* port) {
  *port = 0;
  const std::size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    if (!ParsePort(text.substr(colon + 1), port)) return false;
    text = text.substr(0, colon);
  }
  if (text.empty()) return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '.' && c != '-' && c != '_') return false;
  }
  *host = Lower(std::string(text));
  return true;
}

// The URL as it may appear in a log line: scheme, host and path, never the query (datashare
// URLs carry no secret there today, but a signed URL would).
std::string LoggableUrl(const std::string& url) {
  std::string shown = url.substr(0, url.find('?'));
  if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return shown;
}

MosipOutcome Unfetchable(const std::string& url, const std::string& why) {
  return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails,
                               "referenceURL " + LoggableUrl(url) + ": " + why);
}

// A 200 answer whose body is datashare's JSON error envelope rather than the document.
MosipOutcome DatashareError(const std::string& url, const std::string& body) {
  const nlohmann::json envelope = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    return Unfetchable(url, "the datashare answered with a body that is neither CBEFF XML nor JSON");
  }
  const auto errors = envelope.find("errors");
  if (errors == envelope.end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) {
    return Unfetchable(url, "the datashare answered with JSON that holds no CBEFF and no error");
  }
  const nlohmann::json& first = (*errors)[0];
  const std::string code = first.value("errorCode", std::string());
  const std::string message = first.value("message", std::string());
  const std::string shown = code + " \"" + message.substr(0, 200) + "\"";
  if (code == kDatashareErrorCode && Lower(message).find("expired") != std::string::npos) {
    return MosipOutcome::Failure(MosipFailureReason::kDataShareUrlExpired,
                                 "referenceURL " + LoggableUrl(url) + ": the datashare says " + shown);
  }
  return Unfetchable(url, "the datashare says " + shown);
}

std::string DescribeError(httplib::Error error, bool cut_for_size, bool cut_for_deadline, std::size_t limit) {
  if (cut_for_size) return "the body exceeds the limit of " + std::to_string(limit) + " bytes";
  if (cut_for_deadline) return "the fetch took longer than the total timeout";
  switch (error) {
    case httplib::Error::Connection: return "cannot connect (refused or unreachable)";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::SSLLoadingCerts: return "cannot load the trusted CA certificates";
    case httplib::Error::Read: return "reading the answer failed or timed out";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "the server's TLS certificate is not trusted or not for this host";
    case httplib::Error::Canceled: return "the transfer was cancelled";
    default: return "HTTP client error: " + httplib::to_string(error);
  }
}

}  // namespace

Status ValidateMosipDatashareConfig(const MosipDatashareConfig& config) {
  const auto timeout_ok = [](int ms) { return ms >= 1 && ms <= kMaxTimeoutMs; };
  if (!timeout_ok(config.connect_timeout_ms) || !timeout_ok(config.read_timeout_ms) ||
      !timeout_ok(config.total_timeout_ms)) {
    return Status::InvalidArgument("datashare timeouts must be 1 ms to 10 minutes");
  }
  if (config.max_body_bytes < 1 || config.max_body_bytes > kMaxBodyLimit) {
    return Status::InvalidArgument("datashare body limit must be 1 byte to 1 GiB");
  }
  for (const std::string& entry : config.allowed_hosts) {
    std::string host;
    int port = 0;
    if (!SplitHostPort(entry, &host, &port)) {
      return Status::InvalidArgument("datashare host \"" + LoggableUrl(entry) +
                                     "\" is not a host name or address with an optional :port");
    }
  }
  if (!config.ca_file.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(config.ca_file, error)) {
      return Status::NotFound("datashare CA file " + config.ca_file + " does not exist");
    }
  }
  if (config.authorization_token.find_first_of("\r\n;") != std::string::npos) {
    return Status::InvalidArgument("the datashare authorization token holds a line break or ';'");
  }
  return Status::Ok();
}

Result<DatashareUrl> ParseDatashareUrl(const std::string& url) {
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Status::InvalidArgument("URL holds a space or control character");
  }
  DatashareUrl parsed;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("URL has no scheme");
  parsed.scheme = Lower(url.substr(0, scheme_end));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return Status::InvalidArgument("scheme \"" + parsed.scheme + "\" is not http or https");
  }
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t authority_end = url.find_first_of("/?#", authority_start);
  const std::string authority = url.substr(authority_start, authority_end - authority_start);
  if (authority.find('@') != std::string::npos) return Status::InvalidArgument("URL carries user information");
  if (!SplitHostPort(authority, &parsed.host, &parsed.port)) {
    return Status::InvalidArgument("URL host \"" + authority + "\" is not a host name or address with an optional :port");
  }
  if (parsed.port == 0) parsed.port = parsed.scheme == "https" ? 443 : 80;
  parsed.target = authority_end == std::string::npos ? "/" : url.substr(authority_end);
  if (parsed.target.find('#') != std::string::npos) return Status::InvalidArgument("URL carries a fragment");
  if (parsed.target.front() == '?') parsed.target.insert(parsed.target.begin(), '/');
  return parsed;
}

MosipDatashareSource::MosipDatashareSource(MosipDatashareConfig config) : config_(std::move(config)) {}

bool MosipDatashareSource::HostAllowed(const DatashareUrl& url) const {
  for (const std::string& entry : config_.allowed_hosts) {
    std::string host;
    int port = 0;
    if (!SplitHostPort(entry, &host, &port)) continue;
    if (host == url.host && (port == 0 || port == url.port)) return true;
  }
  return false;
}

interop::MosipOutcome MosipDatashareSource::Fetch(const std::string& reference_url, std::string* cbeff_xml) {
  Result<DatashareUrl> url = ParseDatashareUrl(reference_url);
  if (!url.ok()) return Unfetchable(reference_url, url.status().message());
  if (url->scheme == "http" && !config_.allow_plain_http) {
    return Unfetchable(reference_url, "plain http is not allowed by the configuration (use https)");
  }
  if (!HostAllowed(*url)) {
    return Unfetchable(reference_url, "host " + url->host + ":" + std::to_string(url->port) +
                                          " is not on the datashare allow-list");
  }

  std::unique_ptr<httplib::ClientImpl> client;
  if (url->scheme == "https") {
    auto tls = std::make_unique<httplib::SSLClient>(url->host, url->port);
    tls->enable_server_certificate_verification(config_.verify_tls_certificate);
    if (!config_.ca_file.empty()) tls->set_ca_cert_path(config_.ca_file);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url->host, url->port);
  }
  const auto ms = [](int value) { return std::chrono::milliseconds(value); };
  client->set_connection_timeout(ms(config_.connect_timeout_ms));
  client->set_read_timeout(ms(config_.read_timeout_ms));
  client->set_write_timeout(ms(config_.read_timeout_ms));
  client->set_follow_location(false);
  client->set_keep_alive(false);

  httplib::Headers headers = {{"Accept", "application/xml, application/json, */*"}};
  if (!config_.authorization_token.empty()) {
    headers.emplace("Cookie", "Authorization=" + config_.authorization_token);
  }

  const auto deadline = std::chrono::steady_clock::now() + ms(config_.total_timeout_ms);
  std::string body;
  int status = 0;
  bool cut_for_size = false;
  bool cut_for_deadline = false;
  httplib::Result result = client->Get(
      url->target, headers,
      [&](const httplib::Response& response) {
        status = response.status;
        if (status < 200 || status > 299) return false;  // no body wanted: 3xx, 4xx, 5xx
        if (response.has_header("Content-Length")) {
          const std::string declared = response.get_header_value("Content-Length");
          std::size_t length = 0;
          const auto [end, error] = std::from_chars(declared.data(), declared.data() + declared.size(), length);
          if (error != std::errc() || end != declared.data() + declared.size() || length > config_.max_body_bytes) {
            cut_for_size = error == std::errc() || error == std::errc::result_out_of_range;
            return false;
          }
          body.reserve(length);
        }
        return true;
      },
      [&](const char* data, std::size_t length) {
        if (length > config_.max_body_bytes - body.size()) {
          cut_for_size = true;
          return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
          cut_for_deadline = true;
          return false;
        }
        body.append(data, length);
        return true;
      });

  if (status >= 300 && status <= 399) {
    return Unfetchable(reference_url, "the server redirects (HTTP " + std::to_string(status) + "); redirects are refused");
  }
  if (status != 0 && (status < 200 || status > 299)) {
    return Unfetchable(reference_url, "the server answered HTTP " + std::to_string(status));
  }
  if (!result || cut_for_size || cut_for_deadline) {
    return Unfetchable(reference_url, DescribeError(result.error(), cut_for_size, cut_for_deadline, config_.max_body_bytes));
  }
  if (std::chrono::steady_clock::now() > deadline) {
    return Unfetchable(reference_url, "the fetch took longer than the total timeout");
  }

  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Unfetchable(reference_url, "the datashare answered with an empty body");
  if (body[first] == '{') return DatashareError(reference_url, body);
  if (body[first] != '<') {
    return Unfetchable(reference_url,
                       "the datashare answered with data that is not CBEFF XML (an encrypted payload? decryption "
                       "with the ABIS partner key is not implemented: turn encryption off for this partner)");
  }
  *cbeff_xml = std::move(body);
  return MosipOutcome::Ok();
}

}  // namespace abis::mosip
