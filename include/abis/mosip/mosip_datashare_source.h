// Fetches the CBEFF behind a MOSIP referenceURL over HTTP(S): MOSIP's datashare service
// (mosip/documentation docs/biometrics/abis-api.md, "Reference URL"). A MosipBiometricSource for
// the queue adapter.
//
// Guarded because the URL comes from a message: only hosts on the allow-list are contacted; plain
// http only when the configuration allows it; TLS server certificates are verified (system CA
// store, or `ca_file`) and the host name checked; redirects are refused (a 3xx is a failure, never
// followed); the connection and each read are time-limited and the whole fetch has a deadline; the
// body is counted while it arrives and the transfer is cut at `max_body_bytes`.
//
// Answers, as MOSIP's ABIS API 1.1 "Failure Reasons" say:
//   * the CBEFF XML (body starting with '<' after white space): success;
//   * datashare's error envelope {"errors": [{"errorCode", "message"}]} (sent with HTTP 200):
//     DAT-SER-006 "Data share usage expired" -> 17 data share URL expired; any other error code
//     (DAT-SER-003 no file, DAT-SER-006 not found, KER-ATH-401/403) -> 7 unable to fetch;
//   * HTTP errors, timeouts, refused or unreachable hosts, TLS failures, redirects, oversize
//     bodies, hosts off the allow-list, malformed URLs -> 7 unable to fetch biometric details;
//   * any other body (MOSIP's encrypted payload: base64url of RSA-OAEP key + AES-GCM data, for
//     partners with encryption on) -> 7: decryption with the ABIS partner key is not implemented.
// Every failure's detail names the URL (without its query) and what went wrong, for the operator's log.
// Thread-safety: Fetch may be called from several threads; the configuration is immutable.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/mosip_abis_handler.h"

namespace abis::mosip {

struct MosipDatashareConfig {
  // Hosts that may be contacted: "host" (any port) or "host:port"; case-insensitive, exact (no
  // wildcards). Empty list: every fetch is refused.
  std::vector<std::string> allowed_hosts;
  bool allow_plain_http = false;  // http:// URLs (inside a closed network); https is always allowed
  std::string ca_file;            // PEM bundle of trusted CAs; "" = the system's default store
  bool verify_tls_certificate = true;  // turn off only for tests against a self-signed server
  // MOSIP's datashare expects the JWT of the ABIS partner as the "Authorization" cookie; "" sends none.
  std::string authorization_token;
  int connect_timeout_ms = 5000;
  int read_timeout_ms = 10000;    // each read of the socket
  int total_timeout_ms = 60000;   // the whole fetch, headers and body
  std::size_t max_body_bytes = 64u << 20;  // CBEFF documents are refused above this many bytes
};

// Checks the configuration: timeouts 1 ms - 10 min, body limit 1 byte - 1 GiB, host entries
// non-empty without scheme, path or user info, a port (when given) of 1-65535, a readable ca_file.
Status ValidateMosipDatashareConfig(const MosipDatashareConfig& config);

// The parts of an http(s) URL abis needs. Refuses user info ("user@host"), fragments, an empty
// or bracketed (IPv6) host, a port outside 1-65535 and control or space characters.
struct DatashareUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and query, "/" when absent
};
Result<DatashareUrl> ParseDatashareUrl(const std::string& url);

class MosipDatashareSource final : public interop::MosipBiometricSource {
 public:
  // REQUIRES ValidateMosipDatashareConfig(config).ok().
  explicit MosipDatashareSource(MosipDatashareConfig config);

  interop::MosipOutcome Fetch(const std::string& reference_url, std::string* cbeff_xml) override;

 private:
  bool HostAllowed(const DatashareUrl& url) const;

  const MosipDatashareConfig config_;
};

}  // namespace abis::mosip
