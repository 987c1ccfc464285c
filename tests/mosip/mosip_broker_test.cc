// End to end over a real broker: starts Debian's ActiveMQ (in-memory, STOMP connector on a free
// loopback port), serves the MOSIP queues with MosipAbisStompWorker, and plays MOSIP's side with a
// second STOMP connection. Skips with a message when ActiveMQ or Java is absent or the broker does
// not come up within the time limit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "abis/interop/mosip_abis_queue_adapter.h"
#include "abis/mosip/mosip_abis_stomp_worker.h"
#include "abis/mosip/mosip_queue_config.h"
#include "abis/mosip/stomp_connection.h"
#include "active_mq_broker.h"

namespace abis::mosip {
namespace {

using interop::CbeffDocument;
using interop::MosipCandidate;
using interop::MosipFailureReason;
using interop::MosipIdentifyQuery;
using interop::MosipOutcome;
using testing::ActiveMqBroker;
using testing::FreeLoopbackPort;

class MemoryHandler : public interop::MosipAbisHandler {
 public:
  MosipOutcome Insert(const std::string& reference_id, const CbeffDocument& biometrics) override {
    if (!records_.emplace(reference_id, biometrics.birs.size()).second) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdAlreadyExists, reference_id);
    }
    return MosipOutcome::Ok();
  }
  MosipOutcome Identify(const MosipIdentifyQuery& query, std::vector<MosipCandidate>* candidates) override {
    if (records_.count(query.probe_reference_id) == 0) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, query.probe_reference_id);
    }
    for (const auto& entry : records_) {
      if (entry.first != query.probe_reference_id) candidates->push_back({entry.first, {}, {}});
    }
    return MosipOutcome::Ok();
  }
  MosipOutcome Delete(const std::string& reference_id) override {
    return records_.erase(reference_id) != 0
               ? MosipOutcome::Ok()
               : MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, reference_id);
  }
  MosipOutcome ReferenceCount(std::int64_t* count) override {
    *count = static_cast<std::int64_t>(records_.size());
    return MosipOutcome::Ok();
  }

 private:
  std::map<std::string, std::size_t> records_;
};

std::string Message(const std::string& operation, const std::string& request_id, nlohmann::json extra = {}) {
  nlohmann::json message = {{"id", "mosip.abis." + operation},
                            {"version", "1.1"},
                            {"requestId", request_id},
                            {"requesttime", "2020-03-29T07:01:24.692Z"}};
  if (!extra.is_null()) message.merge_patch(extra);
  return message.dump();
}

TEST(MosipBroker, ServesMosipRequestsOverActiveMqInOrder) {
  const auto started = std::chrono::steady_clock::now();
  const std::filesystem::path base =
      std::filesystem::temp_directory_path() / ("abis_mosip_broker_" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  const std::string cbeff = base / "person.xml";
  std::ofstream(cbeff) << R"(<BIR xmlns="http://standards.iso.org/iso-iec/19785/-3/ed-2/"><BIR><BDBInfo>)"
                          R"(<Type>Finger</Type></BDBInfo><BDB>RklSAA</BDB></BIR></BIR>)";

  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  ActiveMqBroker broker;
  const std::string why_not = broker.Start(base, port);
  if (!why_not.empty()) {
    std::filesystem::remove_all(base);
    GTEST_SKIP() << "no broker: " << why_not;
  }

  Result<std::vector<MosipAbisQueue>> queues = ParseMosipQueueConfig(
      R"({"abis":[{"name":"ABIS1","brokerUrl":"tcp://127.0.0.1:61616","inboundQueueName":"mosip-to-abis1",)"
      R"("outboundQueueName":"abis1-to-mosip","userName":"admin","password":"admin","typeOfQueue":"ACTIVEMQ"}]})");
  ASSERT_TRUE(queues.ok());
  Result<StompEndpoint> endpoint = StompEndpointFor(queues->front(), port);
  ASSERT_TRUE(endpoint.ok());

  MemoryHandler handler;
  interop::FileBiometricSource source(base.string());
  interop::MosipAbisQueueAdapter adapter(handler, source);
  Result<std::unique_ptr<StompConnection>> abis_side = StompConnection::Connect(*endpoint, std::chrono::seconds(5));
  ASSERT_TRUE(abis_side.ok()) << abis_side.status().ToString();
  MosipAbisStompWorker worker(**abis_side, adapter, queues->front());
  ASSERT_TRUE(worker.Start().ok());

  Result<std::unique_ptr<StompConnection>> mosip_side = StompConnection::Connect(*endpoint, std::chrono::seconds(5));
  ASSERT_TRUE(mosip_side.ok()) << mosip_side.status().ToString();
  ASSERT_TRUE((*mosip_side)->Subscribe("abis1-to-mosip", "mosip-outbound").ok());

  const std::string url = "file://" + cbeff;
  const std::vector<std::string> requests = {
      Message("insert", "i1", {{"referenceId", "A"}, {"referenceURL", url}}),
      Message("insert", "i2", {{"referenceId", "B"}, {"referenceURL", url}}),
      Message("identify", "q1", {{"referenceId", "A"}, {"referenceURL", ""}}),
      Message("insert", "i3", {{"referenceId", "A"}, {"referenceURL", url}}),
      Message("referenceCount", "c1"),
      Message("delete", "d1", {{"referenceId", "A"}}),
      Message("ping", "p1"),
      Message("pendingJobs", "j1"),
      R"({"id":"mosip.abis.ping","version":"1.1","requestId":"bad1"})",
  };
  for (const std::string& request : requests) ASSERT_TRUE((*mosip_side)->Send("mosip-to-abis1", request).ok());

  std::atomic<bool> stop{false};
  Result<MosipStompWorkerStats> stats = Status::Internal("worker did not run");
  std::thread serving([&] { stats = worker.Run(std::chrono::seconds(20), &stop, std::chrono::milliseconds(100)); });

  std::map<std::string, nlohmann::json> responses;
  std::vector<std::string> order;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (responses.size() < requests.size() && std::chrono::steady_clock::now() < deadline) {
    Result<std::optional<StompFrame>> frame = (*mosip_side)->Receive(std::chrono::milliseconds(500));
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    if (!frame->has_value() || (*frame)->command != "MESSAGE") continue;
    ASSERT_TRUE((*mosip_side)->Ack(**frame).ok());
    nlohmann::json response = nlohmann::json::parse((*frame)->body);
    order.push_back(response["requestId"]);
    responses[response["requestId"]] = response;
  }
  stop = true;
  serving.join();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->requests, static_cast<int>(requests.size()));
  ASSERT_EQ(responses.size(), requests.size());
  EXPECT_EQ(order, (std::vector<std::string>{"i1", "i2", "q1", "i3", "c1", "d1", "p1", "j1", "bad1"}));

  EXPECT_EQ(responses["i1"]["returnValue"], "1");
  EXPECT_EQ(responses["q1"]["candidateList"]["count"], "1");
  EXPECT_EQ(responses["q1"]["candidateList"]["candidates"][0]["referenceId"], "B");
  EXPECT_EQ(responses["i3"]["failureReason"], "10");  // A exists: INSERT never overwrites or deduplicates
  EXPECT_EQ(responses["c1"]["count"], "2");
  EXPECT_EQ(responses["d1"]["returnValue"], "1");
  EXPECT_EQ(responses["p1"]["returnValue"], "1");
  EXPECT_TRUE(responses["j1"].contains("jobscount"));
  EXPECT_EQ(responses["bad1"]["failureReason"], "9");  // requesttime missing
  EXPECT_EQ(stats->failures, 2);

  (*mosip_side)->Close();
  (*abis_side)->Close();
  broker.Stop();
  std::filesystem::remove_all(base);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

}  // namespace
}  // namespace abis::mosip
