#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>

#include "service_fixture.h"

namespace abis::service {
namespace {

using abis::testing::RandomSample;

TEST_F(ServiceTest, HealthAnswersWithoutAKey) {
  auto response = Client().Get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body).at("status"), "ok");
}

TEST_F(ServiceTest, RequestWithoutKeyIs401WithJsonErrorAndIsAudited) {
  std::int64_t before = AuditCount("auth.refused");
  auto response = Client().Get("/v1/galleries");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(ErrorCode(response), 401);
  EXPECT_EQ(response->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(AuditCount("auth.refused"), before + 1);
}

TEST_F(ServiceTest, WrongKeyIs401AndIsAudited) {
  std::int64_t before = AuditCount("auth.refused");
  auto response = Client().Get("/v1/galleries", {{"Authorization", "Bearer abis_0000000000000000_" + std::string(64, '0')}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(AuditCount("auth.refused"), before + 1);
}

TEST_F(ServiceTest, ExpiredKeyIs401) {
  auto key = IssueApiKey(system_->TEST_store(), operators_["ian"].user_id, std::string("2000-01-01T00:00:00Z"));
  ASSERT_TRUE(key.ok());
  std::int64_t before = AuditCount("auth.refused");
  auto response = Client().Get("/v1/galleries", {{"Authorization", "Bearer " + *key}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(AuditCount("auth.refused"), before + 1);
}

TEST_F(ServiceTest, ValidKeyIsAccepted) {
  auto response = Client().Get("/v1/galleries", Auth("ian"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body), nlohmann::json({"register"}));
}

TEST_F(ServiceTest, RoleThatMayNotSearchGets403AndTheRefusalIsAudited) {
  std::int64_t before = AuditCount("search.refused");
  auto response = Identify("ada", {{"filter", nlohmann::json::object()}, {"biometricData", {BiometricItem(1)}}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(ErrorCode(response), 403);
  EXPECT_EQ(AuditCount("search.refused"), before + 1);
}

TEST_F(ServiceTest, EnrollerMayNotDeletePersons) {
  std::string person = EnrolNewPerson(1);
  auto response = Client().Delete("/v1/persons/" + person + "?reason=test", Auth("eve"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
}

TEST_F(ServiceTest, SearchWithoutPurposeOrCaseRefIs400AndIsAudited) {
  nlohmann::json body = {{"filter", nlohmann::json::object()}, {"biometricData", {BiometricItem(1)}}};
  for (const std::string query : {"caseRef=CASE-1", "purpose=criminal_investigation", ""}) {
    std::int64_t before = AuditCount("http.rejected");
    auto response = Identify("ian", body, query);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << query;
    EXPECT_NE(response->body.find("purpose and caseRef"), std::string::npos) << response->body;
    EXPECT_EQ(AuditCount("http.rejected"), before + 1);
  }
  EXPECT_EQ(AuditCount("search"), 0);
}

TEST_F(ServiceTest, UnknownPurposeIs400) {
  auto response = Identify("ian", {{"biometricData", {BiometricItem(1)}}}, "purpose=curiosity&caseRef=C");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
}

TEST_F(ServiceTest, MalformedJsonIs400AndIsAudited) {
  std::int64_t before = AuditCount("http.rejected");
  auto response = Client().Post("/v1/identify/register?purpose=criminal_investigation&caseRef=C", Auth("ian"),
                                "{\"biometricData\": [", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(AuditCount("http.rejected"), before + 1);
}

TEST_F(ServiceTest, WrongTypesAre400NamingTheField) {
  struct Case {
    nlohmann::json body;
    std::string query;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{{"biometricData", "not an array"}}, "", "biometricData must be an array"},
      {{{"biometricData", {{{"biometricType", 7}, {"image", "AAAA"}}}}}, "", "biometricData[0].biometricType must be a string"},
      {{{"biometricData", {{{"biometricType", "FACE"}, {"image", "***"}}}}}, "", "biometricData[0].image is not valid base64"},
      {{{"biometricData", {{{"biometricType", "IRIS"}, {"image", "AAAA"}}}}}, "", "IRIS"},
      {{{"biometricData", {BiometricItem(1)}}}, "&maxNbCand=ten", "maxNbCand must be an integer"},
      {{{"biometricData", {BiometricItem(1)}}}, "&maxNbCand=0", "maxNbCand must be 1-1000"},
      {{{"biometricData", {BiometricItem(1)}}}, "&threshold=high", "threshold must be a number"},
      {nlohmann::json::array(), "", "must be an object"},
  };
  for (const Case& c : cases) {
    auto response = Identify("ian", c.body, "purpose=criminal_investigation&caseRef=C" + c.query);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << c.expected;
    EXPECT_NE(response->body.find(c.expected), std::string::npos) << response->body;
  }
}

TEST_F(ServiceTest, HugeBodyIs413AndIsAuditedWithTheCaller) {
  std::int64_t before = AuditCount("http.rejected");
  std::string huge(400u << 10, 'x');
  auto response = Client().Post("/v1/identify/register?purpose=criminal_investigation&caseRef=C", Auth("ian"), huge,
                                "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(ErrorCode(response), 413);
  EXPECT_EQ(AuditCount("http.rejected"), before + 1);
}

TEST_F(ServiceTest, UnknownEndpointIs404Json) {
  auto response = Client().Get("/v1/nothing-here", Auth("ian"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(ErrorCode(response), 404);
}

TEST_F(ServiceTest, ReadingTemplatesIs501AfterAuthentication) {
  EXPECT_EQ(Client().Get("/v1/persons/a/encounters/e1/templates")->status, 401);
  auto response = Client().Get("/v1/persons/a/encounters/e1/templates", Auth("eve"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 501);
  EXPECT_NE(response->body.find("export nist"), std::string::npos) << response->body;
}

TEST_F(ServiceTest, EnrolThenIdentifyReturnsThePersonFirstWithOsiaCandidates) {
  std::string alice = EnrolNewPerson(11);
  std::string bob = EnrolNewPerson(12);
  ASSERT_FALSE(alice.empty());
  auto response = Identify("ian", {{"filter", nlohmann::json::object()}, {"biometricData", {BiometricItem(12)}}},
                           "purpose=criminal_investigation&caseRef=CASE-9&maxNbCand=5");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  auto candidates = nlohmann::json::parse(response->body);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[0].at("personId"), bob);
  EXPECT_EQ(candidates[0].at("rank"), 1);
  EXPECT_TRUE(candidates[0].at("others").at("hit").get<bool>());
  EXPECT_EQ(candidates[0].at("scores")[0].at("biometricType"), "FACE");
  EXPECT_DOUBLE_EQ(candidates[0].at("scores")[0].at("score").get<double>(), 1.0);
  EXPECT_GT(candidates[0].at("score").get<double>(), candidates[1].at("score").get<double>());
  EXPECT_FALSE(response->get_header_value("X-Abis-Search-Seq").empty());
  EXPECT_EQ(AuditCount("search"), 1);

  // The threshold drops candidates whose fused score is below it.
  response = Identify("ian", {{"biometricData", {BiometricItem(12)}}},
                      "purpose=criminal_investigation&caseRef=CASE-9&threshold=5");
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body).size(), 1u);
}

TEST_F(ServiceTest, ReadEncountersShowsTheEnrolmentAndIsAuditedAsARead) {
  std::string alice = EnrolNewPerson(21);
  auto response = Client().Get("/v1/persons/" + alice + "/encounters", Auth("ian"));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  auto encounters = nlohmann::json::parse(response->body);
  ASSERT_EQ(encounters.size(), 1u);
  EXPECT_EQ(encounters[0].at("encounterType"), "enrollment");
  EXPECT_EQ(encounters[0].at("biometricData")[0].at("biometricType"), "FACE");
  EXPECT_EQ(AuditCount("encounter.read"), 1);
}

TEST_F(ServiceTest, CreatingAPersonWithoutLegalBasisIs400AndStoresNothing) {
  nlohmann::json body = NewPersonEncounter(5);
  body["contextualData"].erase("legalBasis");
  auto response = Client().Post("/v1/persons", Auth("eve"), body.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("legalBasis"), std::string::npos);
  EXPECT_EQ(AuditCount("person.add"), 0);
}

// Issue 17: OSIA create was not atomic; a bad second sample left a person with the first.
TEST_F(ServiceTest, CreatingAPersonWithOneBadSampleStoresNothing) {
  nlohmann::json body = NewPersonEncounter(6);
  body["biometricData"].push_back({{"biometricType", "FACE"}, {"image", EncodeBase64({1, 2, 3})}});  // too short
  auto response = Client().Post("/v1/persons/P-ATOMIC/encounters", Auth("eve"), body.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400) << response->body;
  EXPECT_NE(response->body.find("sample 2"), std::string::npos) << response->body;
  EXPECT_EQ(system_->TEST_store().FindPerson("P-ATOMIC").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("person.add"), 0);
  EXPECT_EQ(AuditCount("enrol"), 0);
}

TEST_F(ServiceTest, DeletePersonNeedsAReasonAndErasesThePerson) {
  std::string alice = EnrolNewPerson(31);
  // admin may delete
  EXPECT_EQ(Client().Delete("/v1/persons/" + alice, Auth("root"))->status, 400);
  EXPECT_EQ(Client().Delete("/v1/persons/" + alice + "?reason=court%20order", Auth("root"))->status, 204);
  EXPECT_EQ(Client().Get("/v1/persons/" + alice + "/encounters", Auth("ian"))->status, 404);
}

TEST_F(ServiceTest, FusionSumsTheCalibratedLogLikelihoodRatiosOfEachModality) {
  auto client = Client();
  nlohmann::json body = NewPersonEncounter(41);
  body["biometricData"].push_back(BiometricItem(42, "FINGER", "RIGHT_INDEX"));
  auto enrolled = client.Post("/v1/persons", Auth("eve"), body.dump(), "application/json");
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  auto response = Identify("ian", {{"biometricData", {BiometricItem(41), BiometricItem(42, "FINGER", "RIGHT_INDEX")}}});
  ASSERT_EQ(response->status, 200) << response->body;
  auto candidate = nlohmann::json::parse(response->body).at(0);
  ASSERT_EQ(candidate.at("scores").size(), 2u);
  double sum = 0;
  for (const auto& score : candidate.at("scores")) sum += score.at("others").at("lnLr").get<double>();
  EXPECT_DOUBLE_EQ(candidate.at("score").get<double>(), sum);
  EXPECT_DOUBLE_EQ(sum, 20.0);  // each identical sample: score 1, log-LR 10 with the test engine
  EXPECT_EQ(candidate.at("scores")[1].at("biometricSubType"), "RIGHT_INDEX");
}

TEST_F(ServiceTest, VerifyAgainstAPersonDecidesAtTheOperatingPoint) {
  std::string alice = EnrolNewPerson(51);
  auto client = Client();
  nlohmann::json same = {{"biometricData", {BiometricItem(51)}}};
  nlohmann::json other = {{"biometricData", {BiometricItem(52)}}};
  auto response = client.Post("/v1/verify/register/" + alice + "?purpose=border_control&caseRef=B1", Auth("ian"),
                              same.dump(), "application/json");
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_TRUE(nlohmann::json::parse(response->body).at("decision").get<bool>());
  response = client.Post("/v1/verify/register/" + alice + "?purpose=border_control&caseRef=B1", Auth("ian"),
                         other.dump(), "application/json");
  ASSERT_EQ(response->status, 200);
  EXPECT_FALSE(nlohmann::json::parse(response->body).at("decision").get<bool>());
  EXPECT_EQ(client.Post("/v1/verify/register/" + alice, Auth("ian"), same.dump(), "application/json")->status, 400);
}

// Receives POSTs on 127.0.0.1 (webhooks and task callbacks) and lets a test wait for them.
class LoopbackReceiver {
 public:
  LoopbackReceiver() {
    server_.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      received_.push_back({request.path, request.get_param_value("taskId"), request.body});
      arrived_.notify_all();
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LoopbackReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  struct Post {
    std::string path, task_id, body;
  };
  // Waits for `count` posts (at most 60 s: only a broken service takes that long).
  std::vector<Post> WaitFor(std::size_t count) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(60), [&] { return received_.size() >= count; });
    return received_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Post> received_;
};

class WatchlistServiceTest : public ServiceTest {
 protected:
  ServiceConfig TestConfig() override {
    ServiceConfig config = ServiceTest::TestConfig();
    config.alert_webhook = receiver_.url("/alerts-hook");
    return config;
  }
  LoopbackReceiver receiver_;
};

TEST_F(WatchlistServiceTest, HitOnAnActiveEntryRaisesAStoredAuditedAlertPostedToTheWebhook) {
  std::string wanted = EnrolNewPerson(61);
  std::string expired = EnrolNewPerson(62);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(operators_["root"], watchlist).ok());
  ASSERT_TRUE(system_->AddWatchlistEntry(operators_["root"], "wanted", wanted, "WARRANT-1", "armed robbery", "2099-01-01").ok());
  // An entry that has expired since it was made (a past expiry is refused when adding).
  WatchlistEntry old_entry;
  old_entry.gallery_id = system_->FindGallery(operators_["root"], "wanted")->id;
  old_entry.person_id = system_->TEST_store().FindPerson(expired)->id;
  old_entry.authority_reference = "WARRANT-0";
  old_entry.reason = "old";
  old_entry.expires_at = "2001-01-01";
  ASSERT_TRUE(system_->TEST_store().AddWatchlistEntry(old_entry, "2000-06-01").ok());

  auto response = Identify("ian", {{"biometricData", {BiometricItem(61)}}});
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->get_header_value("X-Abis-Alerts"), "1");
  auto candidates = nlohmann::json::parse(response->body);
  EXPECT_EQ(candidates[0].at("others").at("alerts").size(), 1u);

  // The expired entry's person is a hit too, but never alerts.
  response = Identify("ian", {{"biometricData", {BiometricItem(62)}}});
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("X-Abis-Alerts"), "0");
  EXPECT_EQ(AuditCount("watchlist.alert"), 1);

  auto posts = receiver_.WaitFor(1);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/alerts-hook");
  EXPECT_EQ(nlohmann::json::parse(posts[0].body).at("authorityReference"), "WARRANT-1");

  auto alerts = Client().Get("/alerts", Auth("ian"));
  ASSERT_EQ(alerts->status, 200);
  auto list = nlohmann::json::parse(alerts->body).at("alerts");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("externalId"), wanted);
  EXPECT_EQ(list[0].at("caseRef"), "CASE-1");
  // Issue 18, item 10: the extensions answer in OSIA's camelCase, like the OSIA parts.
  std::function<void(const nlohmann::json&)> no_snake_case = [&](const nlohmann::json& value) {
    if (value.is_array()) for (const auto& item : value) no_snake_case(item);
    if (!value.is_object()) return;
    for (const auto& [key, item] : value.items()) {
      EXPECT_EQ(key.find('_'), std::string::npos) << key;
      no_snake_case(item);
    }
  };
  no_snake_case(list);
  no_snake_case(nlohmann::json::parse(posts[0].body));
  EXPECT_EQ(Client().Get("/v1/alerts", Auth("ada"))->status, 403);
  EXPECT_EQ(AuditCount("alert.list.refused"), 1);
}

// Issue 18, item 2: watchlist entries are added, listed and ended over HTTP (examiner or admin),
// and an ended entry stops alerting.
TEST_F(ServiceTest, WatchlistEntriesAreAddedListedAndEndedOverHttp) {
  std::string wanted = EnrolNewPerson(63);
  Gallery watchlist;
  watchlist.name = "wanted";
  watchlist.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(operators_["root"], watchlist).ok());
  nlohmann::json entry = {{"personId", wanted}, {"authorityReference", "W-77"}, {"reason", "fraud"}, {"expiresAt", "2099-01-01"}};
  auto added = Client().Post("/v1/watchlists/wanted/entries", Auth("exa"), entry.dump(), "application/json");
  ASSERT_EQ(added->status, 201) << added->body;
  std::int64_t entry_id = nlohmann::json::parse(added->body).at("entryId");
  EXPECT_EQ(Client().Post("/v1/watchlists/wanted/entries", Auth("exa"), entry.dump(), "application/json")->status, 409);
  entry["authorityReference"] = "W-78";
  entry["expiresAt"] = "2001-01-01";
  EXPECT_EQ(Client().Post("/v1/watchlists/wanted/entries", Auth("exa"), entry.dump(), "application/json")->status, 400);
  EXPECT_EQ(Client().Post("/v1/watchlists/wanted/entries", Auth("ian"), entry.dump(), "application/json")->status, 403);

  auto alerting = Identify("ian", {{"biometricData", {BiometricItem(63)}}}, "purpose=criminal_investigation&caseRef=CASE-1", "wanted");
  ASSERT_EQ(alerting->status, 200) << alerting->body;
  EXPECT_EQ(alerting->get_header_value("X-Abis-Alerts"), "1");

  const std::string end = "/v1/watchlists/wanted/entries/" + std::to_string(entry_id) + "/end";
  EXPECT_EQ(Client().Post(end, Auth("exa"), "", "application/json")->status, 400) << "a reason is required";
  auto ended = Client().Post(end + "?reason=warrant%20withdrawn", Auth("exa"), "", "application/json");
  ASSERT_EQ(ended->status, 204) << ended->body;
  auto silent = Identify("ian", {{"biometricData", {BiometricItem(63)}}}, "purpose=criminal_investigation&caseRef=CASE-1", "wanted");
  ASSERT_EQ(silent->status, 200) << silent->body;
  EXPECT_EQ(silent->get_header_value("X-Abis-Alerts"), "0");

  auto listed = Client().Get("/v1/watchlists/wanted/entries", Auth("exa"));
  ASSERT_EQ(listed->status, 200) << listed->body;
  auto entries = nlohmann::json::parse(listed->body).at("entries");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("status"), "ENDED");
  EXPECT_EQ(entries[0].at("endReason"), "warrant withdrawn");
  EXPECT_EQ(entries[0].at("personId"), wanted);
  EXPECT_EQ(AuditCount("watchlist.end"), 1);
}

// Issue 18, item 10: the OpenAPI document is served without a key and lists exactly the routes
// the service has (a route added without documentation, or documentation of a route that does
// not exist, fails here).
TEST_F(ServiceTest, OpenApiDocumentListsEveryRouteAndNothingElse) {
  auto response = Client().Get("/v1/openapi.json");
  ASSERT_EQ(response->status, 200) << response->body;
  auto document = nlohmann::json::parse(response->body, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << "the served document is not JSON";
  EXPECT_EQ(document.at("openapi"), "3.0.3");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, operations] : document.at("paths").items()) {
    for (const auto& [method, operation] : operations.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, path);
      EXPECT_TRUE(operation.contains("summary")) << method << " " << path;
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : service_->Routes()) served.insert(route);
  for (const auto& route : served) {
    EXPECT_TRUE(documented.contains(route)) << route.first << " " << route.second << " is not documented";
  }
  for (const auto& route : documented) {
    EXPECT_TRUE(served.contains(route)) << route.first << " " << route.second << " is documented but not served";
  }
}

TEST_F(ServiceTest, TwoDifferentExaminersAreNeededToConfirmACandidate) {
  EnrolNewPerson(71);
  auto response = Identify("ian", {{"biometricData", {BiometricItem(71)}}});
  ASSERT_EQ(response->status, 200);
  std::int64_t candidate = nlohmann::json::parse(response->body).at(0).at("others").at("candidateId");
  std::string path = "/v1/candidates/" + std::to_string(candidate);
  auto decide = [&](const std::string& user, const std::string& decision) {
    return Client().Post(path + "/decisions", Auth(user), nlohmann::json({{"decision", decision}, {"comment", "c"}}).dump(),
                         "application/json");
  };
  EXPECT_EQ(nlohmann::json::parse(Client().Get(path, Auth("ian"))->body).at("state"), "unreviewed");
  EXPECT_EQ(decide("ian", "confirm")->status, 403);  // investigators do not decide
  auto first = decide("exa", "confirm");
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(nlohmann::json::parse(first->body).at("state"), "one_confirmation");
  auto again = decide("exa", "confirm");
  EXPECT_EQ(again->status, 409);
  EXPECT_NE(again->body.find("different examiner"), std::string::npos);
  auto second = decide("exb", "confirm");
  ASSERT_EQ(second->status, 200);
  EXPECT_EQ(nlohmann::json::parse(second->body).at("state"), "confirmed");
  EXPECT_EQ(AuditCount("candidate.decision"), 2);
  EXPECT_EQ(AuditCount("candidate.decision.refused"), 2);
  EXPECT_EQ(decide("exb", "maybe")->status, 400);
}

TEST_F(ServiceTest, OneRejectionRejectsTheCandidate) {
  EnrolNewPerson(81);
  auto response = Identify("ian", {{"biometricData", {BiometricItem(81)}}});
  ASSERT_EQ(response->status, 200) << response->body;
  std::string seq = response->get_header_value("X-Abis-Search-Seq");
  std::int64_t candidate = nlohmann::json::parse(response->body).at(0).at("others").at("candidateId");
  auto client = Client();
  std::string path = "/v1/candidates/" + std::to_string(candidate) + "/decisions";
  ASSERT_EQ(client.Post(path, Auth("exa"), R"({"decision":"confirm"})", "application/json")->status, 200);
  auto rejected = client.Post(path, Auth("exb"), R"({"decision":"reject"})", "application/json");
  EXPECT_EQ(nlohmann::json::parse(rejected->body).at("state"), "rejected");
  auto list = client.Get("/v1/searches/" + seq + "/candidates", Auth("ian"));
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(nlohmann::json::parse(list->body).at("candidates").at(0).at("state"), "rejected");
}

TEST_F(ServiceTest, TheExaminerWhoRanTheSearchNeverDecidesOnItsCandidates) {
  EnrolNewPerson(82);
  auto response = Identify("exa", {{"biometricData", {BiometricItem(82)}}});
  ASSERT_EQ(response->status, 200) << response->body;
  std::int64_t candidate = nlohmann::json::parse(response->body).at(0).at("others").at("candidateId");
  std::string path = "/v1/candidates/" + std::to_string(candidate) + "/decisions";
  auto own = Client().Post(path, Auth("exa"), R"({"decision":"confirm","comment":"mine"})", "application/json");
  EXPECT_EQ(own->status, 403) << own->body;
  EXPECT_NE(own->body.find("ran search"), std::string::npos) << own->body;
  EXPECT_EQ(AuditCount("candidate.decision.refused"), 1);
  EXPECT_EQ(Client().Post(path, Auth("exb"), R"({"decision":"confirm"})", "application/json")->status, 200);
}

TEST_F(ServiceTest, InconclusiveNeitherConfirmsNorRejectsButCountsAsTheExaminersSay) {
  EnrolNewPerson(83);
  auto response = Identify("ian", {{"biometricData", {BiometricItem(83)}}});
  ASSERT_EQ(response->status, 200) << response->body;
  std::int64_t candidate = nlohmann::json::parse(response->body).at(0).at("others").at("candidateId");
  std::string path = "/v1/candidates/" + std::to_string(candidate) + "/decisions";
  auto unsure = Client().Post(path, Auth("exa"), R"({"decision":"inconclusive","comment":"blurred"})", "application/json");
  ASSERT_EQ(unsure->status, 200) << unsure->body;
  EXPECT_EQ(nlohmann::json::parse(unsure->body).at("state"), "unreviewed");
  EXPECT_EQ(Client().Post(path, Auth("exa"), R"({"decision":"confirm"})", "application/json")->status, 409);
  auto sure = Client().Post(path, Auth("exb"), R"({"decision":"confirm"})", "application/json");
  EXPECT_EQ(nlohmann::json::parse(sure->body).at("state"), "one_confirmation");
}

// The probe of a search with candidates is kept sealed with it; the examiner's comparison lists
// it beside the candidate's samples and every view of a sample is audited.
TEST_F(ServiceTest, TheProbeIsKeptWithTheSearchAndViewingItIsAudited) {
  EnrolNewPerson(84);
  auto response = Identify("ian", {{"biometricData", {BiometricItem(84)}}});
  ASSERT_EQ(response->status, 200) << response->body;
  std::int64_t candidate = nlohmann::json::parse(response->body).at(0).at("others").at("candidateId");
  {  // (the statement ends with the block: it would hold a read snapshot)
    auto search = RawDatabase(system_->TEST_store()).Prepare(
        "SELECT count(*), min(case_ref), min(searched_by), min(length(sealed)) FROM search_probes");
    ASSERT_TRUE(*search->Step());
    EXPECT_EQ(search->ColumnInt(0), 1);
    EXPECT_EQ(search->ColumnText(1), "CASE-1");
    EXPECT_EQ(search->ColumnText(2), "ian");
    EXPECT_GT(search->ColumnInt(3), 0);
  }
  auto view = Client().Get("/ui/api/candidates/" + std::to_string(candidate), Auth("exa"));
  ASSERT_EQ(view->status, 200) << view->body;
  auto body = nlohmann::json::parse(view->body);
  ASSERT_EQ(body.at("probes").size(), 1u);
  ASSERT_FALSE(body.at("candidateSamples").empty());
  EXPECT_EQ(AuditCount("candidate.comparison.read"), 1);
  // The engine's examiner view (alleles, minutiae positions) reaches this page only: not the
  // search answer, not the audit log.
  ASSERT_EQ(body.at("comparisons").size(), 1u) << view->body;
  EXPECT_EQ(body.at("comparisons").at(0).at("examinerView").at("marker"), abis::testing::TestEngine::kExaminerViewMarker);
  EXPECT_EQ(response->body.find(abis::testing::TestEngine::kExaminerViewMarker), std::string::npos);
  {
    auto leaked = RawDatabase(system_->TEST_store())
                      .Prepare(std::string("SELECT count(*) FROM audit_log WHERE instr(result, '") +
                               abis::testing::TestEngine::kExaminerViewMarker + "') > 0 OR instr(object_ids, '" +
                               abis::testing::TestEngine::kExaminerViewMarker + "') > 0");
    ASSERT_TRUE(*leaked->Step());
    EXPECT_EQ(leaked->ColumnInt(0), 0);
  }
  std::string probe = std::to_string(body.at("probes").at(0).at("id").get<std::int64_t>());
  auto image = Client().Get("/ui/api/candidates/" + std::to_string(candidate) + "/probes/" + probe + "/image", Auth("exa"));
  EXPECT_EQ(AuditCount("candidate.image.read"), 1);  // the test engine's samples are no pictures (501)
  EXPECT_EQ(image->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Client().Get("/ui/api/candidates/" + std::to_string(candidate) + "/probes/999/image", Auth("exa"))->status,
            404);
  EXPECT_EQ(Client().Get("/ui/api/candidates/" + std::to_string(candidate), Auth("eve"))->status, 403);
  // The search's audit entry says the probe was kept.
  auto entry = RawDatabase(system_->TEST_store()).Prepare("SELECT result FROM audit_log WHERE action = 'search'");
  ASSERT_TRUE(*entry->Step());
  EXPECT_NE(entry->ColumnText(0).find("\"probes_kept\":1"), std::string::npos) << entry->ColumnText(0);
}

class CallbackServiceTest : public ServiceTest {
 protected:
  LoopbackReceiver receiver_;
};

TEST_F(CallbackServiceTest, IdentifyWithACallbackRunsAsATaskAndPostsTheResult) {
  std::string alice = EnrolNewPerson(91);
  auto response = Identify("ian", {{"biometricData", {BiometricItem(91)}}},
                           "purpose=criminal_investigation&caseRef=C&callback=" + receiver_.url("/cb"));
  ASSERT_EQ(response->status, 202) << response->body;
  std::string task = nlohmann::json::parse(response->body).at("taskId");
  auto posts = receiver_.WaitFor(1);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].task_id, task);
  EXPECT_EQ(nlohmann::json::parse(posts[0].body).at(0).at("personId"), alice);
  // The task is marked COMPLETED by the background thread once the callback returned: watch the
  // state until it changes (a generous deadline: CI machines are loaded, sanitizers slow).
  std::string status;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (status != "COMPLETED" && std::chrono::steady_clock::now() < deadline) {
    auto read = Client().Get("/v1/tasks/" + task + "/status", Auth("ian"));
    ASSERT_EQ(read->status, 200);
    status = nlohmann::json::parse(read->body).get<std::string>();
    if (status != "COMPLETED") std::this_thread::yield();
  }
  EXPECT_EQ(status, "COMPLETED");
  EXPECT_EQ(Client().Get("/v1/tasks/" + task + "/status", Auth("exa"))->status, 404);  // not their task
}

TEST_F(ServiceTest, CallbackToANonLoopbackHostIsRefused) {
  auto response = Identify("ian", {{"biometricData", {BiometricItem(1)}}},
                           "purpose=criminal_investigation&caseRef=C&callback=http%3A%2F%2Fexample.com%2Fcb");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
}

TEST_F(ServiceTest, MetricsCountRequestsAndGallerySizesWithoutSecrets) {
  EnrolNewPerson(101);
  Client().Get("/v1/galleries", Auth("ian"));
  auto response = Client().Get("/metrics", Auth("ada"));
  ASSERT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("abis_http_requests_total{route=\"/v1/persons\",method=\"POST\",status=\"200\"} 1"),
            std::string::npos)
      << response->body;
  EXPECT_NE(response->body.find("abis_gallery_members{gallery=\"register\",kind=\"register\"} 1"), std::string::npos);
  EXPECT_NE(response->body.find("abis_http_request_duration_seconds_bucket"), std::string::npos);
  for (const auto& [user, key] : keys_) EXPECT_EQ(response->body.find(key.substr(5, 16)), std::string::npos);
}

TEST_F(ServiceTest, SearchesRunWhileEnrolmentsCommitAndNothingIsLostOrDuplicated) {
  constexpr int kEnrolments = 24;
  constexpr int kSearches = 24;
  std::atomic<int> enrol_failures{0}, search_failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kEnrolments; i += 2) {
        if (EnrolNewPerson(1000 + i).empty()) ++enrol_failures;
      }
    });
    threads.emplace_back([&] {
      for (int i = 0; i < kSearches / 2; ++i) {
        auto response = Identify("ian", {{"biometricData", {BiometricItem(1000 + i)}}});
        if (!response || response->status != 200) ++search_failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(enrol_failures, 0);
  EXPECT_EQ(search_failures, 0);
  auto persons = system_->TEST_store().ListPersons(0, 1000);
  ASSERT_TRUE(persons.ok());
  EXPECT_EQ(persons->size(), static_cast<std::size_t>(kEnrolments));
  EXPECT_EQ(AuditCount("enrol"), kEnrolments);
  EXPECT_EQ(AuditCount("search"), kSearches);
  auto chain = VerifyAuditChain(system_->TEST_store());
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->problem;
}

}  // namespace
}  // namespace abis::service

namespace abis::service {
namespace {

// A browser session of a user who is disabled afterwards ends at its next request (the cookie is
// cleared), instead of living on until it expires.
TEST_F(ServiceTest, ASessionEndsWhenItsUserIsDisabled) {
  auto signed_in = Client().Post("/ui/session", "api_key=" + keys_.at("exa"), "application/x-www-form-urlencoded");
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 303) << signed_in->body;
  const std::string cookie = signed_in->get_header_value("Set-Cookie");
  const std::string token = cookie.substr(0, cookie.find(';'));  // "abis_session=..."
  const httplib::Headers with_session = {{"Cookie", token}};
  auto before = Client().Get("/ui/api/session", with_session);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200) << before->body;

  ASSERT_TRUE(DisableUser(system_->TEST_store(), "exa").ok());
  auto after = Client().Get("/ui/api/session", with_session);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
  EXPECT_NE(after->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos)
      << after->get_header_value("Set-Cookie");
}

// Revoking the key a session signed in with (here by rotating the user's key) ends that session
// at its next request, although the user is not disabled; a session of the new key lives on.
TEST_F(ServiceTest, ASessionEndsWhenTheKeyItSignedInWithIsRevoked) {
  auto sign_in = [&](const std::string& key) {
    auto signed_in = Client().Post("/ui/session", "api_key=" + key, "application/x-www-form-urlencoded");
    EXPECT_TRUE(signed_in && signed_in->status == 303);
    const std::string cookie = signed_in ? signed_in->get_header_value("Set-Cookie") : "";
    return httplib::Headers{{"Cookie", cookie.substr(0, cookie.find(';'))}};
  };
  const httplib::Headers old_session = sign_in(keys_.at("exa"));
  ASSERT_EQ(Client().Get("/ui/api/session", old_session)->status, 200);

  auto rotated = system_->IssueUserKey(operators_.at("root"), "exa", /*revoke_existing=*/true);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  const httplib::Headers new_session = sign_in(*rotated);
  auto after = Client().Get("/ui/api/session", old_session);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
  EXPECT_NE(after->body.find("revoked"), std::string::npos) << after->body;
  EXPECT_NE(after->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Client().Get("/ui/api/session", old_session)->status, 401);  // ended, not only refused once
  EXPECT_EQ(Client().Get("/ui/api/session", new_session)->status, 200);
  EXPECT_EQ(Client().Get("/ui/api/reviews", new_session)->status, 200);
}

}  // namespace
}  // namespace abis::service
