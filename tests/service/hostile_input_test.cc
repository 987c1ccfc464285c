// The attacks of issue 16 against a running service: each test replays one and checks that
// nothing acknowledged is lost, the server stays up, and no request byte reaches the audit log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "../support/sqlite_access.h"
#include "abis/core/text_validation.h"
#include "abis/service/system_pool.h"
#include "abis/store/crypto.h"
#include "service_fixture.h"

namespace abis::service {
namespace {

// A bare TCP connection, for requests httplib's client will not send (chunked bodies cut short,
// invalid bytes in the body). Reads wait at most 30 s: a server that waits for the rest of a
// body it should not read fails the test instead of hanging it.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }

  // Sends what the peer still accepts (it may close the connection part-way: that is allowed).
  void Send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  // The status code of the response (0 when none came), reading its headers only.
  int ReadStatus() {
    std::string received;
    char buffer[4096];
    while (received.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    if (received.rfind("HTTP/1.1 ", 0) != 0 || received.size() < 12) return 0;
    return std::stoi(received.substr(9, 3));
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return size + data + "\r\n";
}

class HostileInputTest : public ServiceTest {
 protected:
  ServiceConfig TestConfig() override {
    ServiceConfig config = ServiceTest::TestConfig();
    config.read_timeout = std::chrono::seconds(60);  // a server that waits for a body would outwait the test
    config.sign_in_failures_per_window = 5;
    return config;
  }

  std::string Headers(const std::string& method, const std::string& target, const std::string& user,
                      const std::string& extra) {
    std::string headers = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!user.empty()) headers += "Authorization: Bearer " + keys_.at(user) + "\r\n";
    return headers + extra + "\r\n";
  }

  // Every audit entry, all columns, as one text.
  std::string WholeAuditLog() {
    auto query = RawDatabase(system_->TEST_store()).Prepare(
        "SELECT operator || role || action || purpose || case_ref || object_ids || input_sha256 || result FROM audit_log");
    std::string all;
    while (*query->Step()) all += query->ColumnText(0) + "\n";
    return all;
  }

  nlohmann::json LastAuditResult(const std::string& action) {
    auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT result FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1");
    query->Bind(1, action);
    if (!*query->Step()) return nullptr;
    return nlohmann::json::parse(query->ColumnText(0));
  }
};

// Item 1: invalid UTF-8 in a JSON string, sent by an auditor, left a pooled connection inside an
// open transaction; later enrolments on it were acknowledged and never reached the disk.
TEST_F(HostileInputTest, InvalidUtf8InABodyLosesNoLaterAcknowledgedEnrolment) {
  const std::string body = "{\"biometricData\":[{\"biometricType\":\"FINGER\xff\xfe\",\"image\":\"AA==\"}]}";
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto response = Client().Post("/v1/identify/register?purpose=criminal_investigation&caseRef=C-1", Auth("ada"), body,
                                  "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << response->body;
    EXPECT_TRUE(IsValidUtf8(response->body));
  }
  std::vector<std::string> enrolled;
  for (std::uint32_t seed = 1; seed <= 6; ++seed) enrolled.push_back(EnrolNewPerson(seed));
  StopService();
  // A new connection, as after a restart: every acknowledged person is on disk, the chain whole.
  auto reopened = AbisSystem::Open(store_dir_, Engines());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  for (const std::string& id : enrolled) {
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE((*reopened)->TEST_store().FindPerson(id).ok()) << id << " was acknowledged and is gone";
  }
  auto chain = VerifyAuditChain((*reopened)->TEST_store());
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->problem;
}

TEST_F(HostileInputTest, APoolNeverHandsOutAConnectionLeftInsideATransaction) {
  SystemPool pool(store_dir_, Engines(), 2);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(RawDatabase((*lease)->TEST_store()).Execute("BEGIN").ok());  // as a handler that never ended it
  }
  EXPECT_EQ(pool.discarded(), 1u);
  auto next = pool.Acquire();
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE((*next)->ConnectionHealthy());
}

// Item 2: contextualData nested 100,000 levels deep crashed the server (stack overflow).
TEST_F(HostileInputTest, DeeplyNestedJsonIs400AndTheServerStaysUp) {
  std::string deep = "{\"biometricData\":[{\"biometricType\":\"FACE\",\"image\":\"AA==\"}],\"contextualData\":" +
                     std::string(100000, '[') + std::string(100000, ']') + "}";
  auto response = Client().Post("/v1/persons/P-DEEP/encounters", Auth("eve"), deep, "application/json");
  ASSERT_TRUE(response) << "the server did not answer (crashed?)";
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("deeper than"), std::string::npos) << response->body;
  EXPECT_FALSE(EnrolNewPerson(7).empty());
}

// Item 3: a body cut off inside a base64 image put the parser's error text, which quotes the
// input, into the immutable audit log.
TEST_F(HostileInputTest, ABodyCutOffInsideAnImageLeavesNoSampleByteInTheAudit) {
  std::string image = EncodeBase64(testing::RandomSample(77, 6000));
  std::string body = "{\"biometricData\":[{\"biometricType\":\"FACE\",\"image\":\"" + image.substr(0, image.size() / 2);
  auto response = Client().Post("/v1/identify/register?purpose=criminal_investigation&caseRef=C-3", Auth("ian"), body,
                                "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body.find(image.substr(100, 40)), std::string::npos) << "the answer quotes the sample";
  std::string audit = WholeAuditLog();
  for (std::size_t at = 0; at + 24 <= image.size() / 2; at += 500) {
    EXPECT_EQ(audit.find(image.substr(at, 24)), std::string::npos) << "sample bytes from offset " << at << " are in the audit";
  }
  nlohmann::json rejected = LastAuditResult("http.rejected");
  ASSERT_TRUE(rejected.is_object());
  EXPECT_EQ(rejected["body_bytes"], body.size());
  EXPECT_EQ(rejected["error"], "invalid_argument");
  EXPECT_EQ(rejected["query_parameters"], nlohmann::json({"caseRef", "purpose"}));
  auto hashes = RawDatabase(system_->TEST_store()).Prepare(
      "SELECT input_sha256 FROM audit_log WHERE action = 'http.rejected' ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(*hashes->Step());
  EXPECT_NE(hashes->ColumnText(0).find(Sha256Hex(body)), std::string::npos);
}

// Item 4: a chunked body was read whole before authentication, and without the size limit.
TEST_F(HostileInputTest, AChunkedBodyWithoutAKeyIsRefusedOnItsHeadersAlone) {
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.Send(Headers("POST", "/v1/identify/register?purpose=criminal_investigation&caseRef=C", "",
                          "Transfer-Encoding: chunked\r\n") +
                  Chunk(std::string(4096, 'x')));  // and never the last chunk
  EXPECT_EQ(connection.ReadStatus(), 401);
}

TEST_F(HostileInputTest, AChunkedBodyPastTheLimitIs413WhileItIsRead) {
  std::int64_t before = AuditCount("http.rejected");
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  std::string request = Headers("POST", "/v1/identify/register?purpose=criminal_investigation&caseRef=C", "ian",
                                "Transfer-Encoding: chunked\r\n");
  for (int i = 0; i < 5; ++i) request += Chunk(std::string(64u << 10, 'x'));  // 320 KiB against a 256 KiB limit
  connection.Send(request);
  EXPECT_EQ(connection.ReadStatus(), 413);
  EXPECT_EQ(AuditCount("http.rejected"), before + 1);
}

TEST_F(HostileInputTest, ABodyToNoRouteIsNotRead) {
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.Send(Headers("POST", "/v1/no-such-route", "ian", "Transfer-Encoding: chunked\r\n") +
                  Chunk(std::string(1000, 'x')));
  EXPECT_EQ(connection.ReadStatus(), 404);
}

// Issue 18, item 10: a PUT that takes no body, sent as curl sends it (no Content-Length), is
// served (it used to be an opaque, unaudited 400 "request failed").
TEST_F(HostileInputTest, ABodilessPutWithoutContentLengthIsServed) {
  std::string person = EnrolNewPerson(91);
  auto encounters = Client().Get("/v1/persons/" + person + "/encounters", Auth("eve"));
  ASSERT_EQ(encounters->status, 200) << encounters->body;
  std::string encounter = nlohmann::json::parse(encounters->body).at(0).at("encounterId");
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.Send("PUT /v1/persons/" + person + "/encounters/" + encounter +
                  "/status?status=INACTIVE HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + keys_.at("eve") +
                  "\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(connection.ReadStatus(), 204);
  RawConnection with_type(port_);
  ASSERT_TRUE(with_type.connected());
  with_type.Send(Headers("PUT", "/v1/persons/" + person + "/encounters/" + encounter + "/status?status=ACTIVE", "eve", ""));
  EXPECT_EQ(with_type.ReadStatus(), 204);
}

TEST_F(HostileInputTest, CompressedBodiesAre415AndNeverInflated) {
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.Send(Headers("POST", "/v1/identify/register?purpose=criminal_investigation&caseRef=C", "ian",
                          "Content-Encoding: gzip\r\nContent-Length: 10\r\n") +
                  std::string(10, '\0'));
  EXPECT_EQ(connection.ReadStatus(), 415);
}

// Items 6 and 9: identifiers are checked at the edge, before anything is stored.
TEST_F(HostileInputTest, IdentifiersWithInvalidUtf8ControlOrBidiCharactersAre400AndStoreNothing) {
  for (const char* case_ref : {"%ff%fe", "%20", "%09", "%00", "-", "C%0D%0Aforged", "C%E2%80%AEx"}) {
    auto response = Identify("ian", {{"biometricData", {BiometricItem(1)}}},
                             std::string("purpose=criminal_investigation&caseRef=") + case_ref);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << case_ref << ": " << response->body;
  }
  for (const char* person : {"%ff%fe", "P%1B%5B31m", "P%E2%80%AEgpj", "P%0D%0AQ", "-P"}) {
    auto response = Client().Post(std::string("/v1/persons/") + person + "/encounters", Auth("eve"),
                                  NewPersonEncounter(3).dump(), "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << person << ": " << response->body;
  }
  auto persons = system_->ListPersons(operators_["root"], 0, 100);
  ASSERT_TRUE(persons.ok());
  EXPECT_TRUE(persons->empty());
  auto chain = VerifyAuditChain(system_->TEST_store());
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact);
  EXPECT_TRUE(IsValidUtf8(WholeAuditLog()));
}

// Item 10: impossible or past retention dates and a blank legal basis.
TEST_F(HostileInputTest, ImpossibleRetentionDatesAndABlankLegalBasisAre400) {
  auto with = [&](const std::string& field, const std::string& value) {
    nlohmann::json body = NewPersonEncounter(4);
    body["contextualData"][field] = value;
    return Client().Post("/v1/persons", Auth("eve"), body.dump(), "application/json");
  };
  for (const char* date : {"2040-02-31", "0000-01-01", "2001-01-01", "2041-13-01"}) {
    auto response = with("retentionUntil", date);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << date << ": " << response->body;
  }
  auto blank = with("legalBasis", "   ");
  ASSERT_TRUE(blank);
  EXPECT_EQ(blank->status, 400) << blank->body;
  EXPECT_EQ(with("retentionUntil", "2040-02-29")->status, 200);  // a leap day is a date
}

// Item 11: a number too large for a double gave an unaudited 500.
TEST_F(HostileInputTest, AHugeNumberIs400AndAudited) {
  std::int64_t before = AuditCount("http.rejected");
  auto response = Client().Post("/v1/identify/register?purpose=criminal_investigation&caseRef=C-11", Auth("ian"),
                                "{\"biometricData\":[{\"biometricType\":\"FINGER\",\"biometricSubType\":1e999999,"
                                "\"image\":\"AA==\"}]}",
                                "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400) << response->body;
  EXPECT_EQ(AuditCount("http.rejected"), before + 1);
}

// Item 7: failed sign-ins are counted per source and key id; the audit names both.
TEST_F(HostileInputTest, FailedSignInsAreThrottledAndAuditedWithSourceAndKeyId) {
  std::string real = keys_.at("exb");
  std::string key_id = real.substr(5, 16);
  std::string wrong = real.substr(0, real.size() - 4) + (real.substr(real.size() - 4) == "0000" ? "1111" : "0000");
  for (int i = 0; i < 5; ++i) {
    auto response = Client().Get("/v1/galleries", {{"Authorization", "Bearer " + wrong}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);
  }
  auto throttled = Client().Get("/v1/galleries", {{"Authorization", "Bearer " + wrong}});
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_TRUE(throttled->has_header("Retry-After"));
  EXPECT_EQ(Client().Get("/v1/galleries", Auth("exb"))->status, 429);  // the key id is throttled, right secret or not
  EXPECT_EQ(Client().Get("/v1/galleries", Auth("exa"))->status, 200) << "another key from the same address works";
  EXPECT_EQ(AuditCount("auth.refused"), 5);
  EXPECT_EQ(AuditCount("auth.throttled"), 1);
  nlohmann::json refused = LastAuditResult("auth.refused");
  EXPECT_EQ(refused["key_id"], key_id);
  EXPECT_EQ(refused["source"], "127.0.0.1");
  EXPECT_EQ(WholeAuditLog().find(wrong.substr(22)), std::string::npos) << "a secret reached the audit log";
}

// Keys whose id does not exist are counted per address, and never lock out a real key used from
// that address (a proxy's address is shared by everyone behind it).
TEST_F(HostileInputTest, GarbageKeysFromAnAddressAreThrottledWithoutLockingOutRealKeys) {
  for (int i = 0; i < 5; ++i) {
    std::string garbage = "abis_" + std::string(15, 'f') + std::to_string(i) + "_" + std::string(64, '0');
    EXPECT_EQ(Client().Get("/v1/galleries", {{"Authorization", "Bearer " + garbage}})->status, 401);
  }
  auto throttled = Client().Get("/v1/galleries", {{"Authorization", "Bearer not-a-key"}});
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_EQ(AuditCount("auth.throttled"), 1);
  EXPECT_EQ(Client().Get("/v1/galleries", Auth("ian"))->status, 200);
}

// Item 8: refusals by roles that may not search carry the purpose and case they sent.
TEST_F(HostileInputTest, ARefusedSearchIsAuditedWithItsPurposeAndCase) {
  auto response = Identify("root", {{"biometricData", {BiometricItem(1)}}}, "purpose=criminal_investigation&caseRef=CASE-9");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
  auto query = RawDatabase(system_->TEST_store()).Prepare(
      "SELECT purpose, case_ref FROM audit_log WHERE action = 'search.refused' ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(*query->Step());
  EXPECT_EQ(query->ColumnText(0), "criminal_investigation");
  EXPECT_EQ(query->ColumnText(1), "CASE-9");
}

// Item 14: metrics need a key and do not name watchlists.
TEST_F(HostileInputTest, MetricsNeedAnAdminOrAuditorKeyAndDoNotNameWatchlists) {
  Gallery wanted;
  wanted.name = "operation-nightjar";
  wanted.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(operators_["root"], wanted).ok());
  EXPECT_EQ(Client().Get("/metrics")->status, 401);
  EXPECT_EQ(Client().Get("/metrics", Auth("eve"))->status, 403);
  auto response = Client().Get("/metrics", Auth("ada"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.find("nightjar"), std::string::npos) << response->body;
  EXPECT_NE(response->body.find("abis_gallery_members{gallery=\"(watchlists)\",kind=\"watchlist\"} 0"), std::string::npos)
      << response->body;
}

}  // namespace
}  // namespace abis::service
