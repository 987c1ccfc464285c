#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "abis/interop/mosip_abis_queue_adapter.h"
#include "jpeg2000_test_encoder.h"

namespace abis::interop {
namespace {

// Keeps records in memory; every other record is a candidate of an IDENTIFY.
class FakeHandler : public MosipAbisHandler {
 public:
  MosipOutcome Insert(const std::string& reference_id, const CbeffDocument& biometrics) override {
    if (records_.count(reference_id) != 0) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdAlreadyExists, reference_id + " exists");
    }
    records_[reference_id] = biometrics.birs.size();
    return MosipOutcome::Ok();
  }
  MosipOutcome Identify(const MosipIdentifyQuery& query, std::vector<MosipCandidate>* candidates) override {
    last_query = query;
    if (!query.probe_reference_id.empty() && records_.count(query.probe_reference_id) == 0) {
      return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, query.probe_reference_id);
    }
    for (const auto& [reference_id, bir_count] : records_) {
      if (reference_id == query.probe_reference_id) continue;
      if (query.gallery && std::find(query.gallery->begin(), query.gallery->end(), reference_id) == query.gallery->end()) {
        continue;
      }
      candidates->push_back({reference_id, {{"internalScore", "\"" + std::to_string(bir_count) + "\""}}, {}});
    }
    return MosipOutcome::Ok();
  }
  MosipOutcome Delete(const std::string& reference_id) override {
    if (records_.erase(reference_id) == 0) return MosipOutcome::Failure(MosipFailureReason::kReferenceIdNotFound, reference_id);
    return MosipOutcome::Ok();
  }
  MosipOutcome ReferenceCount(std::int64_t* count) override {
    *count = static_cast<std::int64_t>(records_.size());
    return MosipOutcome::Ok();
  }

  MosipIdentifyQuery last_query;

 private:
  std::map<std::string, std::size_t> records_;
};

class MosipAbisQueueAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("abis_mosip_adapter_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    const std::vector<std::uint8_t> jp2 = testing::EncodeJp2Lossless(32, 32, 1, testing::TestPattern(32, 32));
    const std::string finger = testing::EncodeBase64Url(testing::BuildFingerRecord(2, 32, 32, jp2));
    Write("person.xml", testing::BuildCbeffXml({{"Finger", "Right IndexFinger", "7", finger},
                                                {"Finger", "Right IndexFinger", "7", finger}}));
    Write("empty.xml", testing::BuildCbeffXml({}));
    Write("broken.xml", "<BIR><BIR>");
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void Write(const std::string& name, const std::string& text) { std::ofstream(directory_ / name) << text; }
  std::string Url(const std::string& name) const { return "file://" + (directory_ / name).string(); }

  static std::string Message(const std::string& operation, const std::string& request_id,
                             const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json message = {{"id", "mosip.abis." + operation},
                              {"version", "1.1"},
                              {"requestId", request_id},
                              {"requesttime", "2020-03-29T07:01:24.692Z"}};
    message.merge_patch(extra);
    return message.dump();
  }
  std::string Insert(const std::string& request_id, const std::string& reference_id,
                     const std::string& file = "person.xml") const {
    return Message("insert", request_id, {{"referenceId", reference_id}, {"referenceURL", Url(file)}});
  }

  static MosipResponse Parsed(const MosipAbisReply& reply) {
    Result<MosipResponse> response = ParseMosipResponse(reply.response_json);
    EXPECT_TRUE(response.ok()) << response.status().ToString() << " in " << reply.response_json;
    return response.ok() ? *response : MosipResponse{};
  }
  static std::optional<MosipFailureReason> FailureOf(const MosipAbisReply& reply) { return Parsed(reply).failure_reason; }

  std::filesystem::path directory_;
  FakeHandler handler_;
  std::unique_ptr<FileBiometricSource> source_;
  MosipAbisQueueAdapter& adapter() {
    if (!adapter_) {
      source_ = std::make_unique<FileBiometricSource>(directory_.string());
      adapter_ = std::make_unique<MosipAbisQueueAdapter>(handler_, *source_);
    }
    return *adapter_;
  }

 private:
  std::unique_ptr<MosipAbisQueueAdapter> adapter_;
};

TEST_F(MosipAbisQueueAdapterTest, InsertsFromTheReferenceUrlAndRefusesADuplicateReference) {
  MosipAbisReply first = adapter().Handle(Insert("r1", "A"));
  EXPECT_TRUE(first.success) << first.diagnostic;
  EXPECT_EQ(Parsed(first).request_id, "r1");
  MosipAbisReply again = adapter().Handle(Insert("r2", "A"));
  EXPECT_FALSE(again.success);
  EXPECT_EQ(FailureOf(again), MosipFailureReason::kReferenceIdAlreadyExists);
  EXPECT_EQ(Parsed(again).request_id, "r2");
}

TEST_F(MosipAbisQueueAdapterTest, MapsFetchAndCbeffProblemsToTheirFailureReasons) {
  EXPECT_EQ(FailureOf(adapter().Handle(Insert("r1", "A", "missing.xml"))),
            MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_EQ(FailureOf(adapter().Handle(Insert("r2", "A", "broken.xml"))), MosipFailureReason::kInvalidCbeffFormat);
  EXPECT_EQ(FailureOf(adapter().Handle(Insert("r3", "A", "empty.xml"))), MosipFailureReason::kCbeffHasNoData);
  EXPECT_EQ(FailureOf(adapter().Handle(
                Message("insert", "r4", {{"referenceId", "A"}, {"referenceURL", "file:///etc/passwd"}}))),
            MosipFailureReason::kUnableToFetchBiometricDetails);
  EXPECT_EQ(FailureOf(adapter().Handle(
                Message("insert", "r5", {{"referenceId", "A"}, {"referenceURL", "https://example.invalid/x"}}))),
            MosipFailureReason::kUnableToFetchBiometricDetails);
}

TEST_F(MosipAbisQueueAdapterTest, IdentifySeesEveryInsertQueuedBeforeItAndNoneAfter) {
  ASSERT_TRUE(adapter().Submit(Insert("i1", "A")));
  ASSERT_TRUE(adapter().Submit(Insert("i2", "B")));
  ASSERT_TRUE(adapter().Submit(Message("identify", "q1", {{"referenceId", "A"}})));
  ASSERT_TRUE(adapter().Submit(Insert("i3", "C")));
  std::vector<MosipAbisReply> replies;
  while (auto reply = adapter().ProcessNext()) replies.push_back(*reply);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0].request_id, "i1");
  EXPECT_EQ(replies[2].request_id, "q1");
  MosipResponse identify = Parsed(replies[2]);
  ASSERT_EQ(identify.candidates.size(), 1u);
  EXPECT_EQ(identify.candidates[0].reference_id, "B");
  EXPECT_TRUE(replies[3].success);
}

TEST_F(MosipAbisQueueAdapterTest, PassesGalleryAndOperatingPointAndTruncatesToMaxResults) {
  for (const char* id : {"A", "B", "C", "D"}) ASSERT_TRUE(adapter().Handle(Insert(std::string("i") + id, id)).success);
  MosipAbisReply reply = adapter().Handle(
      Message("identify", "q", {{"referenceId", "A"}, {"flags", {{"maxResults", "1"}, {"targetFPIR", "30"}}},
                                {"gallery", {{"referenceIds", {{{"referenceId", "C"}}, {{"referenceId", "D"}}}}}}}));
  ASSERT_TRUE(reply.success) << reply.diagnostic;
  MosipResponse response = Parsed(reply);
  ASSERT_EQ(response.candidates.size(), 1u);
  EXPECT_EQ(response.candidates[0].reference_id, "C");
  ASSERT_TRUE(handler_.last_query.false_positive_identification_rate.has_value());
  EXPECT_DOUBLE_EQ(*handler_.last_query.false_positive_identification_rate, 1e-3);
  EXPECT_EQ(handler_.last_query.max_results, 1);
  EXPECT_EQ(handler_.last_query.gallery, (std::vector<std::string>{"C", "D"}));
}

TEST_F(MosipAbisQueueAdapterTest, IdentifiesByReferenceUrlWhenNoReferenceIdIsGiven) {
  ASSERT_TRUE(adapter().Handle(Insert("i1", "A")).success);
  MosipAbisReply reply =
      adapter().Handle(Message("identify", "q", {{"referenceId", ""}, {"referenceURL", Url("person.xml")}}));
  ASSERT_TRUE(reply.success) << reply.diagnostic;
  ASSERT_TRUE(handler_.last_query.probe_biometrics.has_value());
  EXPECT_EQ(handler_.last_query.probe_biometrics->birs.size(), 2u);
  EXPECT_EQ(Parsed(reply).candidates.size(), 1u);
}

TEST_F(MosipAbisQueueAdapterTest, AnswersDeletePingCountAndPendingJobs) {
  ASSERT_TRUE(adapter().Handle(Insert("i1", "A")).success);
  ASSERT_TRUE(adapter().Handle(Insert("i2", "B")).success);
  MosipResponse count = Parsed(adapter().Handle(Message("referenceCount", "c1")));
  EXPECT_EQ(count.reference_count, 2);
  EXPECT_TRUE(adapter().Handle(Message("delete", "d1", {{"referenceId", "A"}})).success);
  EXPECT_EQ(FailureOf(adapter().Handle(Message("delete", "d2", {{"referenceId", "A"}}))),
            MosipFailureReason::kReferenceIdNotFound);
  EXPECT_EQ(Parsed(adapter().Handle(Message("referenceCount", "c2"))).reference_count, 1);
  EXPECT_TRUE(adapter().Handle(Message("ping", "p1")).success);

  // Two messages wait behind the PENDING_JOBS request when it is answered.
  ASSERT_TRUE(adapter().Submit(Message("pendingJobs", "j1")));
  ASSERT_TRUE(adapter().Submit(Message("ping", "p2")));
  ASSERT_TRUE(adapter().Submit(Message("ping", "p3")));
  EXPECT_EQ(adapter().PendingJobs(), 3u);
  std::optional<MosipAbisReply> pending = adapter().ProcessNext();
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(Parsed(*pending).jobs_count, 2);
}

TEST_F(MosipAbisQueueAdapterTest, AnswersAMalformedMessageWithAFailureNamingTheRequest) {
  MosipAbisReply reply = adapter().Handle(Message("insert", "bad-1", {{"referenceId", "A"}}));
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(FailureOf(reply), MosipFailureReason::kMissingReferenceUrl);
  EXPECT_EQ(reply.request_id, "bad-1");
  EXPECT_NE(reply.diagnostic.find("referenceURL"), std::string::npos) << reply.diagnostic;
  // Nothing can be read from garbage: the failure response carries empty id and requestId.
  MosipAbisReply garbage = adapter().Handle("\x01\x02 not json");
  const nlohmann::json response = nlohmann::json::parse(garbage.response_json);
  EXPECT_EQ(response["returnValue"], "2");
  EXPECT_EQ(response["failureReason"], "4");
  EXPECT_EQ(response["requestId"], "");
}

TEST_F(MosipAbisQueueAdapterTest, HandleDeliversRepliesOfEarlierMessagesInOrder) {
  ASSERT_TRUE(adapter().Submit(Message("ping", "p1")));
  ASSERT_TRUE(adapter().Submit(Message("ping", "p2")));
  std::vector<std::string> earlier;
  MosipAbisReply reply =
      adapter().Handle(Message("ping", "p3"), [&](const MosipAbisReply& r) { earlier.push_back(r.request_id); });
  EXPECT_EQ(reply.request_id, "p3");
  EXPECT_EQ(earlier, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(adapter().PendingJobs(), 0u);
}

TEST_F(MosipAbisQueueAdapterTest, KeepsArrivalOrderWhileOneThreadSubmitsAndAnotherProcesses) {
  constexpr int kMessages = 300;
  MosipAbisQueueAdapter& queue = adapter();
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(queue.Submit(Message("ping", "p" + std::to_string(i))));
  });
  std::vector<std::string> order;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (static_cast<int>(order.size()) < kMessages && std::chrono::steady_clock::now() < deadline) {
    if (std::optional<MosipAbisReply> reply = queue.ProcessNext()) {
      order.push_back(reply->request_id);
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  ASSERT_EQ(static_cast<int>(order.size()), kMessages);
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], "p" + std::to_string(i));
}

}  // namespace
}  // namespace abis::interop
