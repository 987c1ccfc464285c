#include "web_ui.h"

namespace abis::service {
namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

std::string ContentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeComponent(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<std::pair<std::string_view, std::string>> FindWebFile(std::string_view name) {
  for (const WebFile& file : WebFiles()) {
    if (file.name == name) return std::make_pair(file.content, ContentTypeOf(name));
  }
  return std::nullopt;
}

void SetPageSecurityHeaders(httplib::Response& response) {
  response.set_header("Content-Security-Policy", kContentSecurityPolicy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Cache-Control", "no-store");
}

void SendPage(httplib::Response& response, std::string_view name, int status) {
  SetPageSecurityHeaders(response);
  auto file = FindWebFile(name);
  if (!file) {
    response.status = 500;
    response.set_content("page missing", "text/plain; charset=utf-8");
    return;
  }
  response.status = status;
  response.set_content(std::string(file->first), file->second);
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string SignInPage(std::string_view message) {
  auto file = FindWebFile("index.html");
  std::string page = file ? std::string(file->first) : std::string();
  const std::string marker = "<!--message-->";
  auto at = page.find(marker);
  if (at != std::string::npos && !message.empty()) {
    page.replace(at, marker.size(), "<p class=\"error\" role=\"alert\">" + HtmlEscape(message) + "</p>");
  }
  return page;
}

std::string SessionCookieHeader(std::string_view token, long long max_age_seconds, bool secure) {
  std::string cookie = std::string(kSessionCookie) + "=" + std::string(token) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string CookieValue(const httplib::Request& request, std::string_view name) {
  std::size_t count = request.get_header_value_count("Cookie");
  for (std::size_t n = 0; n < count && n < 16; ++n) {
    std::string header = request.get_header_value("Cookie", n);
    std::string_view rest = header;
    while (!rest.empty()) {
      std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      std::size_t equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
        return std::string(pair.substr(equals + 1));
      }
    }
  }
  return "";
}

std::map<std::string, std::string> DecodeForm(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty() && fields.size() < 64) {
    std::size_t end = body.find('&');
    std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    std::size_t equals = pair.find('=');
    std::string key = DecodeComponent(pair.substr(0, equals));
    std::string value = equals == std::string_view::npos ? "" : DecodeComponent(pair.substr(equals + 1));
    fields.emplace(std::move(key), std::move(value));
  }
  return fields;
}

}  // namespace abis::service
