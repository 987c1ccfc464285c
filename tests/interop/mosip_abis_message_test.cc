#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "abis/interop/mosip_abis_codes.h"
#include "abis/interop/mosip_abis_request.h"
#include "abis/interop/mosip_abis_response.h"
#include "mosip_sample_files.h"

namespace abis::interop {
namespace {

using testing::MosipMessageDir;
using testing::ReadText;

#define SKIP_WITHOUT_MOSIP_SAMPLES()                                                             \
  if (!std::filesystem::is_directory(MosipMessageDir()))                                         \
  GTEST_SKIP() << "MOSIP sample messages not found at " << MosipMessageDir() << " (set ABIS_DATA)"

MosipRequest ParseOk(const std::string& text) {
  auto parsed = ParseMosipRequest(text);
  if (auto* error = std::get_if<MosipRequestError>(&parsed)) {
    ADD_FAILURE() << "refused with reason " << static_cast<int>(error->reason) << ": " << error->detail;
    return MosipPingRequest{};
  }
  return std::get<MosipRequest>(parsed);
}

MosipRequestError ParseRefused(const std::string& text) {
  auto parsed = ParseMosipRequest(text);
  if (std::holds_alternative<MosipRequest>(parsed)) {
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  return std::get<MosipRequestError>(parsed);
}

// A valid request of the given id with `extra` fields merged in (null values delete a field).
std::string Request(const std::string& id, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json message = {{"id", id},
                            {"version", "1.1"},
                            {"requestId", "req-1"},
                            {"requesttime", "2020-03-29T07:01:24.692Z"},
                            {"referenceId", "ref-1"},
                            {"referenceURL", "file:///tmp/x.xml"}};
  message.merge_patch(extra);
  return message.dump();
}

TEST(MosipAbisCodes, OperationIdsRoundTrip) {
  for (MosipOperation op : {MosipOperation::kInsert, MosipOperation::kIdentify, MosipOperation::kDelete,
                            MosipOperation::kPing, MosipOperation::kPendingJobs, MosipOperation::kReferenceCount}) {
    EXPECT_EQ(MosipOperationFromId(MosipOperationId(op)), op);
  }
  EXPECT_EQ(MosipOperationId(MosipOperation::kPendingJobs), "mosip.abis.pendingJobs");
  EXPECT_FALSE(MosipOperationFromId("mosip.abis.Insert").has_value());
}

TEST(MosipAbisCodes, FailureReasonsCoverTheSpecTable) {
  EXPECT_EQ(MosipFailureReasonText(MosipFailureReason::kReferenceIdAlreadyExists), "referenceId already exists (in ABIS)");
  EXPECT_EQ(MosipFailureReasonText(MosipFailureReason::kBiometricQualityCheckFailed), "Biometric Quality check failed");
  EXPECT_TRUE(MosipFailureReasonFromCode(18).ok());
  EXPECT_FALSE(MosipFailureReasonFromCode(0).ok());
  EXPECT_FALSE(MosipFailureReasonFromCode(19).ok());
}

TEST(MosipAbisCodes, TargetFpirFollowsTheSpecFormula) {
  EXPECT_DOUBLE_EQ(FalsePositiveIdentificationRateFromTargetFpir(30), 1e-3);
  EXPECT_NEAR(FalsePositiveIdentificationRateFromTargetFpir(40), 1e-4, 1e-18);
  EXPECT_EQ(TargetFpirFromFalsePositiveIdentificationRate(1e-5), 50);
  EXPECT_EQ(TargetFpirFromFalsePositiveIdentificationRate(0.002), 27);
}

TEST(MosipAbisRequest, ParsesEverySampleRequestAndRoundTrips) {
  SKIP_WITHOUT_MOSIP_SAMPLES();
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MosipMessageDir())) {
    const std::string name = entry.path().filename().string();
    if (name.find("_request.json") == std::string::npos) continue;
    ++seen;
    SCOPED_TRACE(name);
    const std::string text = ReadText(entry.path());
    MosipRequest request = ParseOk(text);
    // The serialised form says the same thing as the sample, field for field.
    EXPECT_EQ(nlohmann::json::parse(SerializeMosipRequest(request)), nlohmann::json::parse(text));
    MosipRequest again = ParseOk(SerializeMosipRequest(request));
    EXPECT_EQ(again, request);
  }
  EXPECT_EQ(seen, 6);
}

TEST(MosipAbisRequest, ReadsTheIdentifySampleFields) {
  SKIP_WITHOUT_MOSIP_SAMPLES();
  MosipRequest request = ParseOk(ReadText(MosipMessageDir() / "identify_request.json"));
  ASSERT_TRUE(std::holds_alternative<MosipIdentifyRequest>(request));
  const auto& identify = std::get<MosipIdentifyRequest>(request);
  EXPECT_EQ(identify.header.request_id, "01234567-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_EQ(identify.reference_id, "987654321-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_EQ(identify.reference_url, "");
  EXPECT_EQ(identify.max_results, 10);
  EXPECT_EQ(identify.target_fpir, 30);
  ASSERT_EQ(identify.other_flags.size(), 2u);
  EXPECT_EQ(identify.other_flags[0], (MosipKeyValue{"flag1", "\"value1\""}));
  ASSERT_TRUE(identify.gallery.has_value());
  ASSERT_EQ(identify.gallery->size(), 5u);
  EXPECT_EQ((*identify.gallery)[1], "7acce7b7d-b58a-4466-a006-c79297281456");
}

TEST(MosipAbisRequest, ReadsTheInsertSampleFields) {
  SKIP_WITHOUT_MOSIP_SAMPLES();
  MosipRequest request = ParseOk(ReadText(MosipMessageDir() / "insert_request.json"));
  ASSERT_TRUE(std::holds_alternative<MosipInsertRequest>(request));
  const auto& insert = std::get<MosipInsertRequest>(request);
  EXPECT_EQ(insert.header.request_id, "91234567-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_EQ(insert.reference_id, "01234567-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_NE(insert.reference_url.find("/v1/datashare/get/"), std::string::npos);
}

TEST(MosipAbisRequest, RefusesEachMissingOrBadFieldWithItsFailureCode) {
  struct Case {
    std::string text;
    MosipFailureReason reason;
  };
  const std::vector<Case> cases = {
      {"{not json", MosipFailureReason::kInvalidRequestStructure},
      {"[1,2]", MosipFailureReason::kInvalidRequestStructure},
      {std::string(100, '[') + std::string(100, ']'), MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.insert", {{"referenceId", 12}}), MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.insert", {{"id", nullptr}}), MosipFailureReason::kInvalidId},
      {Request("mosip.abis.upsert"), MosipFailureReason::kInvalidId},
      {Request("mosip.abis.insert", {{"requestId", ""}}), MosipFailureReason::kMissingRequestId},
      {Request("mosip.abis.insert", {{"version", "1.0"}}), MosipFailureReason::kInvalidVersion},
      {Request("mosip.abis.insert", {{"version", nullptr}}), MosipFailureReason::kInvalidVersion},
      {Request("mosip.abis.insert", {{"requesttime", nullptr}}), MosipFailureReason::kMissingRequestTime},
      {Request("mosip.abis.insert", {{"requesttime", "1539777717"}}), MosipFailureReason::kInvalidRequestTimeFormat},
      {Request("mosip.abis.insert", {{"requesttime", "2021-02-29T07:01:24.692Z"}}),
       MosipFailureReason::kInvalidRequestTimeFormat},
      {Request("mosip.abis.insert", {{"referenceId", ""}}), MosipFailureReason::kMissingReferenceId},
      {Request("mosip.abis.insert", {{"referenceURL", nullptr}}), MosipFailureReason::kMissingReferenceUrl},
      {Request("mosip.abis.delete", {{"referenceId", nullptr}}), MosipFailureReason::kMissingReferenceId},
      {Request("mosip.abis.identify", {{"referenceId", ""}, {"referenceURL", ""}}),
       MosipFailureReason::kMissingReferenceId},
      {Request("mosip.abis.identify", {{"flags", {{"maxResults", "ten"}}}}), MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.identify", {{"flags", {{"maxResults", "0"}}}}), MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.identify", {{"flags", {{"targetFPIR", -3}}}}), MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.identify", {{"gallery", {{"referenceIds", nlohmann::json::array()}}}}),
       MosipFailureReason::kInvalidRequestStructure},
      {Request("mosip.abis.identify", {{"gallery", {{"referenceIds", {"a", "b"}}}}}),
       MosipFailureReason::kInvalidRequestStructure},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.text.substr(0, 200));
    MosipRequestError error = ParseRefused(test.text);
    EXPECT_EQ(error.reason, test.reason) << error.detail;
    EXPECT_FALSE(error.detail.empty());
  }
}

TEST(MosipAbisRequest, KeepsIdAndRequestIdOfARefusedMessageForTheFailureResponse) {
  MosipRequestError error = ParseRefused(Request("mosip.abis.insert", {{"referenceURL", ""}}));
  EXPECT_EQ(error.reason, MosipFailureReason::kMissingReferenceUrl);
  EXPECT_EQ(error.id, "mosip.abis.insert");
  EXPECT_EQ(error.request_id, "req-1");
}

TEST(MosipAbisRequest, AcceptsNumbersAsJsonNumbersAndAnIdentifyWithoutGallery) {
  MosipRequest request =
      ParseOk(Request("mosip.abis.identify", {{"flags", {{"maxResults", 3}, {"targetFPIR", "40"}}}}));
  const auto& identify = std::get<MosipIdentifyRequest>(request);
  EXPECT_EQ(identify.max_results, 3);
  EXPECT_EQ(identify.target_fpir, 40);
  EXPECT_FALSE(identify.gallery.has_value());
}

TEST(MosipAbisRequest, AcceptsTimestampsWithOrWithoutFraction) {
  EXPECT_TRUE(IsMosipTimestamp("2020-03-29T07:01:24Z"));
  EXPECT_TRUE(IsMosipTimestamp("2024-02-29T23:59:59.123456Z"));
  EXPECT_FALSE(IsMosipTimestamp("2020-03-29T07:01:24.692"));
  EXPECT_FALSE(IsMosipTimestamp("2020-13-29T07:01:24.692Z"));
  EXPECT_FALSE(IsMosipTimestamp("2020-03-29 07:01:24.692Z"));
  EXPECT_FALSE(IsMosipTimestamp("2020-03-29T07:01:24.Z"));
}

TEST(MosipAbisResponse, ParsesEverySampleResponseAndRoundTrips) {
  SKIP_WITHOUT_MOSIP_SAMPLES();
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MosipMessageDir())) {
    const std::string name = entry.path().filename().string();
    if (name.find("_response") == std::string::npos) continue;
    ++seen;
    SCOPED_TRACE(name);
    const std::string text = ReadText(entry.path());
    Result<MosipResponse> response = ParseMosipResponse(text);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(nlohmann::json::parse(SerializeMosipResponse(*response)), nlohmann::json::parse(text));
    Result<MosipResponse> again = ParseMosipResponse(SerializeMosipResponse(*response));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *response);
    EXPECT_EQ(response->failure_reason.has_value(), name.find("failure") != std::string::npos);
  }
  EXPECT_EQ(seen, 9);
}

TEST(MosipAbisResponse, ReadsTheIdentifySuccessSample) {
  SKIP_WITHOUT_MOSIP_SAMPLES();
  Result<MosipResponse> response = ParseMosipResponse(ReadText(MosipMessageDir() / "identify_response_success.json"));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->candidates.size(), 1u);
  const MosipCandidate& candidate = response->candidates[0];
  EXPECT_EQ(candidate.reference_id, "7acce7b7d-b58a-4466-a006-c79297281456");
  EXPECT_EQ(candidate.analytics[0], (MosipKeyValue{"internalScore", "\"112\""}));
  ASSERT_EQ(candidate.modalities.size(), 3u);
  EXPECT_EQ(candidate.modalities[2].biometric_type, "FID");
}

TEST(MosipAbisResponse, AcceptsTheSpecsIdentifyIdTypo) {
  Result<MosipResponse> response = ParseMosipResponse(
      R"({"id":"mosip.id.identify","requestId":"r","responsetime":"2020-03-29T07:01:24.692Z","returnValue":"2","failureReason":"7"})");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->operation, MosipOperation::kIdentify);
  EXPECT_EQ(response->failure_reason, MosipFailureReason::kUnableToFetchBiometricDetails);
}

TEST(MosipAbisResponse, RefusesInconsistentResponses) {
  EXPECT_FALSE(ParseMosipResponse(R"({"id":"mosip.abis.ping","requestId":"r","returnValue":"3"})").ok());
  EXPECT_FALSE(ParseMosipResponse(R"({"id":"mosip.abis.ping","requestId":"r","returnValue":"2"})").ok());
  EXPECT_FALSE(
      ParseMosipResponse(R"({"id":"mosip.abis.ping","requestId":"r","returnValue":"2","failureReason":"19"})").ok());
  EXPECT_FALSE(ParseMosipResponse(R"({"id":"mosip.abis.referenceCount","requestId":"r","returnValue":"1","count":"-1"})")
                   .ok());
  EXPECT_FALSE(ParseMosipResponse(
                   R"({"id":"mosip.abis.identify","requestId":"r","returnValue":"1","candidateList":{"count":"2","candidates":[]}})")
                   .ok());
}

TEST(MosipAbisResponse, SerialisesNumbersAsStringsInSpecOrder) {
  MosipResponse response = MosipSuccessResponse(MosipOperation::kPendingJobs, "req-9");
  response.response_time = "2020-03-29T07:01:24.692Z";
  response.jobs_count = 4;
  EXPECT_EQ(SerializeMosipResponse(response),
            R"({"id":"mosip.abis.pendingJobs","requestId":"req-9","responsetime":"2020-03-29T07:01:24.692Z",)"
            R"("returnValue":"1","jobscount":"4"})");
  MosipResponse failure = MosipFailureResponse("mosip.abis.insert", "req-9", MosipFailureReason::kReferenceIdAlreadyExists);
  failure.response_time = "2020-03-29T07:01:24.692Z";
  EXPECT_EQ(SerializeMosipResponse(failure),
            R"({"id":"mosip.abis.insert","requestId":"req-9","responsetime":"2020-03-29T07:01:24.692Z",)"
            R"("returnValue":"2","failureReason":"10"})");
}

}  // namespace
}  // namespace abis::interop
