// MosipDatashareSource against a real cpp-httplib server on 127.0.0.1 (HTTP, and HTTPS with a
// self-signed certificate made here with OpenSSL): success, MOSIP's datashare error envelope,
// HTTP errors, redirects, oversize bodies, timeouts, the allow-list and certificate checking.
#include "abis/mosip/mosip_datashare_source.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace abis::mosip {
namespace {

using interop::MosipFailureReason;

constexpr const char* kCbeff = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BIR><BIR><BDB>RklSAA</BDB></BIR></BIR>";
constexpr std::size_t kBodyLimit = 4096;

// Serves the test routes on a free loopback port until destroyed.
class DatashareServer {
 public:
  explicit DatashareServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    httplib::Server& s = *server_;
    s.Get("/cbeff", [this](const httplib::Request& request, httplib::Response& response) {
      ++requests_;
      last_cookie_ = request.get_header_value("Cookie");
      response.set_content(kCbeff, "application/xml");
    });
    s.Get("/expired", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_content(R"({"id":"mosip.data.share","errors":[{"errorCode":"DAT-SER-006","message":"Data share usuage expired"}]})",
                           "application/json");
    });
    s.Get("/gone", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_content(R"({"errors":[{"errorCode":"DAT-SER-006","message":"Data share not found"}]})",
                           "application/json");
    });
    s.Get("/unauthorised", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_content(R"({"errors":[{"errorCode":"KER-ATH-401","message":"Authentication Failed"}]})",
                           "application/json");
    });
    s.Get("/encrypted", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_content("VkVSX1IyAAAAAAAAAAAjS0VZX1NQTElUVEVSIw", "text/plain");
    });
    s.Get("/big", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_content("<" + std::string(kBodyLimit, 'x'), "application/xml");
    });
    s.Get("/big-chunked", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_chunked_content_provider("application/xml", [](std::size_t offset, httplib::DataSink& sink) {
        if (offset > 4 * kBodyLimit) {
          sink.done();
          return true;
        }
        const std::string chunk = offset == 0 ? std::string("<") + std::string(1023, 'x') : std::string(1024, 'x');
        return sink.write(chunk.data(), chunk.size());
      });
    });
    s.Get("/slow", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      response.set_content(kCbeff, "application/xml");
    });
    s.Get("/redirect", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.set_redirect("/cbeff");
    });
    port_ = s.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 200 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~DatashareServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  DatashareServer(const DatashareServer&) = delete;
  DatashareServer& operator=(const DatashareServer&) = delete;

  int port() const { return port_; }
  int requests() const { return requests_; }
  std::string last_cookie() const { return last_cookie_; }
  bool running() const { return port_ > 0 && server_->is_running(); }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> requests_{0};
  std::string last_cookie_;
};

MosipDatashareConfig LoopbackConfig() {
  MosipDatashareConfig config;
  config.allowed_hosts = {"127.0.0.1"};
  config.allow_plain_http = true;
  config.connect_timeout_ms = 2000;
  config.read_timeout_ms = 250;
  config.total_timeout_ms = 5000;
  config.max_body_bytes = kBodyLimit;
  return config;
}

class MosipDatashareHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<DatashareServer>(std::make_unique<httplib::Server>());
    ASSERT_TRUE(server_->running()) << "cannot start an HTTP server on 127.0.0.1";
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  interop::MosipOutcome Fetch(const std::string& path, std::string* body,
                              const MosipDatashareConfig& config = LoopbackConfig()) {
    EXPECT_TRUE(ValidateMosipDatashareConfig(config).ok());
    MosipDatashareSource source(config);
    return source.Fetch(Url(path), body);
  }
  std::unique_ptr<DatashareServer> server_;
};

TEST_F(MosipDatashareHttp, FetchesTheCbeffDocumentAndSendsTheTokenCookie) {
  MosipDatashareConfig config = LoopbackConfig();
  config.authorization_token = "eyJhbGciOi.test.jwt";
  std::string body;
  const auto outcome = Fetch("/cbeff", &body, config);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  EXPECT_EQ(body, kCbeff);
  EXPECT_EQ(server_->last_cookie(), "Authorization=eyJhbGciOi.test.jwt");
}

TEST_F(MosipDatashareHttp, NotFoundIsUnableToFetch) {
  std::string body;
  const auto outcome = Fetch("/no-such-share", &body);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_NE(outcome.detail().find("HTTP 404"), std::string::npos) << outcome.detail();
  EXPECT_TRUE(body.empty());
}

TEST_F(MosipDatashareHttp, ExpiredShareIsDataShareUrlExpired) {
  std::string body;
  const auto outcome = Fetch("/expired", &body);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kDataShareUrlExpired);
  EXPECT_NE(outcome.detail().find("DAT-SER-006"), std::string::npos) << outcome.detail();
}

TEST_F(MosipDatashareHttp, OtherDatashareErrorsAreUnableToFetch) {
  for (const char* path : {"/gone", "/unauthorised"}) {
    std::string body;
    const auto outcome = Fetch(path, &body);
    ASSERT_FALSE(outcome.ok()) << path;
    EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails) << path;
  }
}

TEST_F(MosipDatashareHttp, EncryptedPayloadIsRefusedWithAClearReason) {
  std::string body;
  const auto outcome = Fetch("/encrypted", &body);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_NE(outcome.detail().find("decryption"), std::string::npos) << outcome.detail();
}

TEST_F(MosipDatashareHttp, BodiesAboveTheLimitAreCutWhetherDeclaredOrChunked) {
  for (const char* path : {"/big", "/big-chunked"}) {
    std::string body;
    const auto outcome = Fetch(path, &body);
    ASSERT_FALSE(outcome.ok()) << path;
    EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails) << path;
    EXPECT_NE(outcome.detail().find("exceeds the limit"), std::string::npos) << path << ": " << outcome.detail();
    EXPECT_TRUE(body.empty());
  }
}

TEST_F(MosipDatashareHttp, SlowServerTimesOut) {
  std::string body;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = Fetch("/slow", &body);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_LT(took, std::chrono::milliseconds(650)) << "the read timeout (250 ms) was not applied";
}

TEST_F(MosipDatashareHttp, RedirectsAreRefusedNotFollowed) {
  std::string body;
  const auto outcome = Fetch("/redirect", &body);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_NE(outcome.detail().find("redirect"), std::string::npos) << outcome.detail();
  EXPECT_EQ(server_->requests(), 1);
}

TEST_F(MosipDatashareHttp, HostOffTheAllowListIsNeverContacted) {
  MosipDatashareConfig config = LoopbackConfig();
  config.allowed_hosts = {"datashare.mosip.example", "127.0.0.1:1"};
  std::string body;
  const auto outcome = Fetch("/cbeff", &body, config);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_NE(outcome.detail().find("allow-list"), std::string::npos) << outcome.detail();
  EXPECT_EQ(server_->requests(), 0);
}

TEST_F(MosipDatashareHttp, PlainHttpNeedsExplicitPermission) {
  MosipDatashareConfig config = LoopbackConfig();
  config.allow_plain_http = false;
  std::string body;
  const auto outcome = Fetch("/cbeff", &body, config);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.detail().find("plain http"), std::string::npos) << outcome.detail();
  EXPECT_EQ(server_->requests(), 0);
}

TEST(MosipDatashareUrl, RefusesWhatIsNotAPlainHttpUrl) {
  EXPECT_TRUE(ParseDatashareUrl("https://Datashare.Example:8443/v1/get/abc?x=1").ok());
  const auto parsed = ParseDatashareUrl("https://Datashare.Example/v1/x");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "datashare.example");
  EXPECT_EQ(parsed->port, 443);
  EXPECT_EQ(parsed->target, "/v1/x");
  for (const char* bad : {"ftp://host/x", "https://user@host/x", "https://host:0/x", "https://host:99999/x",
                          "https:///x", "https://host/x y", "https://host/x#frag", "host/x", "https://[::1]/x"}) {
    EXPECT_FALSE(ParseDatashareUrl(bad).ok()) << bad;
  }
}

TEST(MosipDatashareConfigCheck, RefusesBadLimitsAndHostEntries) {
  MosipDatashareConfig config = LoopbackConfig();
  EXPECT_TRUE(ValidateMosipDatashareConfig(config).ok());
  config.read_timeout_ms = 0;
  EXPECT_FALSE(ValidateMosipDatashareConfig(config).ok());
  config = LoopbackConfig();
  config.allowed_hosts = {"https://host"};
  EXPECT_FALSE(ValidateMosipDatashareConfig(config).ok());
  config = LoopbackConfig();
  config.ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(ValidateMosipDatashareConfig(config).ok());
}

// --- HTTPS with a self-signed certificate for 127.0.0.1, made here with OpenSSL ---

struct SelfSignedCertificate {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

bool WriteSelfSignedCertificate(const std::filesystem::path& dir, SelfSignedCertificate* out) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return false;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> san(
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "IP:127.0.0.1"), X509_EXTENSION_free);
  if (!san || X509_add_ext(cert.get(), san.get(), -1) != 1) return false;
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  out->certificate = dir / "datashare-cert.pem";
  out->key = dir / "datashare-key.pem";
  FILE* cert_file = std::fopen(out->certificate.c_str(), "wb");
  if (cert_file == nullptr) return false;
  const bool cert_ok = PEM_write_X509(cert_file, cert.get()) == 1;
  std::fclose(cert_file);
  FILE* key_file = std::fopen(out->key.c_str(), "wb");
  if (key_file == nullptr) return false;
  const bool key_ok = PEM_write_PrivateKey(key_file, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(key_file);
  return cert_ok && key_ok;
}

class MosipDatashareHttps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("abis-datashare-tls-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(WriteSelfSignedCertificate(dir_, &tls_)) << "OpenSSL could not make a test certificate";
    auto server = std::make_unique<httplib::SSLServer>(tls_.certificate.c_str(), tls_.key.c_str());
    ASSERT_TRUE(server->is_valid()) << "cpp-httplib cannot serve TLS with the test certificate";
    server_ = std::make_unique<DatashareServer>(std::move(server));
    ASSERT_TRUE(server_->running()) << "cannot start an HTTPS server on 127.0.0.1";
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string Url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  std::filesystem::path dir_;
  SelfSignedCertificate tls_;
  std::unique_ptr<DatashareServer> server_;
};

TEST_F(MosipDatashareHttps, TrustedCertificateFetches) {
  MosipDatashareConfig config = LoopbackConfig();
  config.allow_plain_http = false;
  config.ca_file = tls_.certificate.string();
  config.read_timeout_ms = 2000;
  ASSERT_TRUE(ValidateMosipDatashareConfig(config).ok());
  MosipDatashareSource source(config);
  std::string body;
  const auto outcome = source.Fetch(Url("/cbeff"), &body);
  ASSERT_TRUE(outcome.ok()) << outcome.detail();
  EXPECT_EQ(body, kCbeff);
}

TEST_F(MosipDatashareHttps, UntrustedCertificateIsRefusedByDefault) {
  MosipDatashareConfig config = LoopbackConfig();  // system CA store: does not know the test certificate
  config.read_timeout_ms = 2000;
  MosipDatashareSource source(config);
  std::string body;
  const auto outcome = source.Fetch(Url("/cbeff"), &body);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.reason(), MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_NE(outcome.detail().find("TLS"), std::string::npos) << outcome.detail();
  EXPECT_TRUE(body.empty());
  EXPECT_EQ(server_->requests(), 0);
}

}  // namespace
}  // namespace abis::mosip
