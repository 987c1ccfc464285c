// The examiner workstation's plumbing (internal to the service library): the embedded pages and
// scripts, the security headers every page carries, the session cookie and form decoding.
#pragma once

#include <httplib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace abis::service {

inline constexpr std::string_view kSessionCookie = "abis_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct WebFile {
  std::string_view name;  // e.g. "app.js"
  std::string_view content;
};
// Every file of resources/web/ (generated: web_resources.cc).
const std::vector<WebFile>& WebFiles();
// The file named `name` and its Content-Type; nullopt when there is none.
std::optional<std::pair<std::string_view, std::string>> FindWebFile(std::string_view name);

// Content-Security-Policy (no inline script), nosniff, no referrer, no framing, no caching.
void SetPageSecurityHeaders(httplib::Response& response);
// Sends the HTML page `name` of resources/web/ with the security headers (500 when missing).
void SendPage(httplib::Response& response, std::string_view name, int status = 200);
// The sign-in page, with `message` (HTML-escaped) shown above the form.
std::string SignInPage(std::string_view message);
std::string HtmlEscape(std::string_view text);

// "abis_session=TOKEN; Path=/; HttpOnly; SameSite=Strict; Max-Age=N[; Secure]"; an empty token
// and max_age 0 clear the cookie.
std::string SessionCookieHeader(std::string_view token, long long max_age_seconds, bool secure);
// The value of cookie `name` in the request's Cookie headers ("" when absent).
std::string CookieValue(const httplib::Request& request, std::string_view name);
// Decodes an application/x-www-form-urlencoded body (at most 64 fields; later duplicates ignored).
std::map<std::string, std::string> DecodeForm(std::string_view body);

}  // namespace abis::service
