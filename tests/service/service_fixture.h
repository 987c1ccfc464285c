// An in-process service on 127.0.0.1 (ephemeral port) over a fresh store, with the fake test
// engines for face (it also reads the multi-face test stills) and finger, users of every role,
// and helpers to build OSIA requests.
#pragma once

#include <httplib.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "../support/sqlite_access.h"
#include "../support/still_test_engine.h"
#include "../support/test_engine.h"
#include "abis/audit/audit_log.h"
#include "abis/service/abis_service.h"
#include "abis/service/osia_mapping.h"
#include "abis/system/abis_system.h"

namespace abis::service {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartService(TestConfig()); }
  // Fixtures override this to change the service configuration.
  virtual ServiceConfig TestConfig() {
    ServiceConfig config;
    config.max_body_bytes = 256u << 10;
    return config;
  }
  void TearDown() override { StopService(); }

  // Fixtures override this to serve other engines.
  virtual EngineProvider Engines() {
    return [this](Modality modality) -> Result<const ModalityEngine*> {
      if (modality == Modality::kFinger) return static_cast<const ModalityEngine*>(&finger_engine_);
      return static_cast<const ModalityEngine*>(&face_engine_);
    };
  }

  void StartService(ServiceConfig config) {
    store_dir_ = dir_.path() / "store";
    ASSERT_TRUE(Store::Create(store_dir_).ok());
    auto system = AbisSystem::Open(store_dir_, Engines());
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    for (auto [name, role] : std::initializer_list<std::pair<const char*, Role>>{
             {"root", Role::kAdmin}, {"eve", Role::kEnroller}, {"ian", Role::kInvestigator},
             {"exa", Role::kExaminer}, {"exb", Role::kExaminer}, {"ada", Role::kAuditor}}) {
      auto user = AddUser(system_->TEST_store(), name, role);
      ASSERT_TRUE(user.ok());
      auto key = IssueApiKey(system_->TEST_store(), user->id);
      ASSERT_TRUE(key.ok());
      keys_[name] = *key;
      operators_[name] = Operator{user->id, name, role};
    }
    Gallery gallery;
    gallery.name = "register";
    ASSERT_TRUE(system_->CreateGallery(operators_["root"], gallery).ok());
    config.store_dir = store_dir_;
    config.worker_threads = 4;
    config.key_cache_ttl = std::chrono::milliseconds(60000);
    auto service = AbisService::Create(config, Engines());
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    auto port = service_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    server_thread_ = std::thread([this] { (void)service_->Run(); });
  }

  void StopService() {
    if (service_) service_->Stop();
    if (server_thread_.joinable()) server_thread_.join();
    service_.reset();
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(20));
    return client;
  }

  httplib::Headers Auth(const std::string& user) { return {{"Authorization", "Bearer " + keys_.at(user)}}; }

  static nlohmann::json BiometricItem(std::uint32_t seed, const std::string& type = "FACE",
                                      const std::string& subtype = "") {
    nlohmann::json item = {{"biometricType", type}, {"image", EncodeBase64(testing::RandomSample(seed))}};
    if (!subtype.empty()) item["biometricSubType"] = subtype;
    return item;
  }

  static nlohmann::json NewPersonEncounter(std::uint32_t seed) {
    return {{"encounterType", "ENROLLMENT"},
            {"galleries", {"register"}},
            {"contextualData", {{"legalBasis", "Register Act s.4"}, {"retentionUntil", "2099-01-01"}, {"category", "citizen"}}},
            {"biographicData", {{"firstName", "Test"}, {"lastName", "Person"}}},
            {"biometricData", {BiometricItem(seed)}}};
  }

  // Enrols a new person through the API and returns its personId.
  std::string EnrolNewPerson(std::uint32_t seed) {
    auto client = Client();
    auto response = client.Post("/v1/persons?transactionId=t1", Auth("eve"), NewPersonEncounter(seed).dump(),
                                "application/json");
    EXPECT_TRUE(response) << "no answer";
    if (!response) return "";
    EXPECT_EQ(response->status, 200) << response->body;
    return nlohmann::json::parse(response->body).value("personId", "");
  }

  httplib::Result Identify(const std::string& user, const nlohmann::json& body,
                           const std::string& query = "purpose=criminal_investigation&caseRef=CASE-1",
                           const std::string& gallery = "register") {
    auto client = Client();
    return client.Post("/v1/identify/" + gallery + "?transactionId=t2&" + query, Auth(user), body.dump(),
                       "application/json");
  }

  std::int64_t AuditCount(const std::string& action) {
    auto query = RawDatabase(system_->TEST_store()).Prepare("SELECT count(*) FROM audit_log WHERE action = ?");
    query->Bind(1, action);
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  static int ErrorCode(const httplib::Result& response) {
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    return body.is_object() ? body.value("code", 0) : 0;
  }

  abis::testing::TempDir dir_;
  abis::testing::StillTestEngine face_engine_{Modality::kFace};
  abis::testing::TestEngine finger_engine_{Modality::kFinger};
  std::filesystem::path store_dir_;
  std::unique_ptr<AbisSystem> system_;  // the test's own connection, for setup and checks
  std::map<std::string, std::string> keys_;
  std::map<std::string, Operator> operators_;
  std::unique_ptr<AbisService> service_;
  std::thread server_thread_;
  int port_ = 0;
};

}  // namespace abis::service
