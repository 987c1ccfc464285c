#include "abis/service/callback_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace abis::service {
namespace {

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

Result<CallbackTarget> ParseCallbackUrl(std::string_view url, const std::vector<std::string>& allowed_hosts) {
  std::string text(url);
  if (text.size() > 2048) return Status::InvalidArgument("callback URL longer than 2048 characters");
  std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("callback URL '" + text + "' has no scheme");
  std::string scheme = text.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("callback URL '" + text + "' must use http or https");
  }
  std::size_t authority_start = scheme_end + 3;
  std::size_t path_start = text.find_first_of("/?", authority_start);
  std::string authority = text.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                                       : path_start - authority_start);
  if (authority.empty() || authority.find('@') != std::string::npos) {
    return Status::InvalidArgument("callback URL '" + text + "' has no host, or has user information");
  }
  std::string host = authority;
  std::string port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return Status::InvalidArgument("callback URL '" + text + "' has a malformed IPv6 host");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status::InvalidArgument("callback URL '" + text + "' has a malformed port");
      port = authority.substr(close + 2);
    }
  } else if (std::size_t colon = authority.find(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!port.empty() && (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                          return std::isdigit(static_cast<unsigned char>(c));
                        }) || std::stoi(port) < 1 || std::stoi(port) > 65535)) {
    return Status::InvalidArgument("callback URL '" + text + "' has an invalid port");
  }
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  bool allowed = IsLoopbackHost(host) || std::find(allowed_hosts.begin(), allowed_hosts.end(), host) != allowed_hosts.end();
  if (!allowed) {
    return Status::PermissionDenied("callback host '" + host +
                                    "' is not allowed (loopback only, unless the service lists it with --allow-callback-host)");
  }
  CallbackTarget target;
  target.host = host;
  target.scheme_host_port = scheme + "://" + host + (port.empty() ? "" : ":" + port);
  target.path = path_start == std::string::npos ? "/" : text.substr(path_start);
  if (target.path.front() == '?') target.path = "/" + target.path;
  return target;
}

Status PostJson(const CallbackTarget& target, const std::string& extra_query, const std::string& content_type,
                const std::string& body, std::chrono::milliseconds timeout) {
  httplib::Client client(target.scheme_host_port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  std::string path = target.path;
  if (!extra_query.empty()) path += (path.find('?') == std::string::npos ? "?" : "&") + extra_query;
  auto response = client.Post(path, body, content_type);
  if (!response) {
    return Status::IoError("POST to " + target.scheme_host_port + " failed: " + httplib::to_string(response.error()));
  }
  if (response->status < 200 || response->status > 299) {
    return Status::IoError("POST to " + target.scheme_host_port + " answered HTTP " + std::to_string(response->status));
  }
  return Status::Ok();
}

std::string EncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace abis::service
