// MOSIP ABIS API 1.1 responses (what the ABIS puts on the outbound queue): one struct for every
// operation's answer, a serialiser with the spec's JSON field names and string-typed numbers, and
// a parser (for tests, tools and a MOSIP-side client).
// Thread-safety: plain values; the functions share no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/mosip_abis_codes.h"
#include "abis/interop/mosip_abis_request.h"

namespace abis::interop {

// Per-modality analytics of a candidate ("modalities" array).
struct MosipModalityAnalytics {
  std::string biometric_type;           // "FIR" finger, "FID" face, "IIR" iris
  std::vector<MosipKeyValue> analytics;  // e.g. internalScore, confidence

  bool operator==(const MosipModalityAnalytics&) const = default;
};

struct MosipCandidate {
  std::string reference_id;
  std::vector<MosipKeyValue> analytics;
  std::vector<MosipModalityAnalytics> modalities;

  bool operator==(const MosipCandidate&) const = default;
};

// One response. Which optional parts are written depends on the operation and the outcome:
// a failure writes failureReason and nothing operation-specific; a successful IDENTIFY writes
// candidateList (count = candidates.size()); PENDING_JOBS writes jobscount; REFERENCE_COUNT
// writes count.
struct MosipResponse {
  MosipOperation operation = MosipOperation::kPing;
  std::string id;             // normally MosipOperationId(operation); kept verbatim when parsed
  std::string request_id;
  std::string response_time;  // "2020-03-29T07:01:24.692Z"
  MosipReturnValue return_value = MosipReturnValue::kSuccess;
  std::optional<MosipFailureReason> failure_reason;  // set exactly when return_value is kFailed
  std::vector<MosipCandidate> candidates;            // IDENTIFY success
  std::vector<MosipKeyValue> candidate_list_analytics;  // IDENTIFY candidateList.analytics
  std::optional<std::int64_t> jobs_count;            // PENDING_JOBS success
  std::optional<std::int64_t> reference_count;       // REFERENCE_COUNT success

  bool operator==(const MosipResponse&) const = default;
};

// A success response for `operation`, with id and request id filled in and response_time now.
MosipResponse MosipSuccessResponse(MosipOperation operation, std::string request_id);
// A failure response. `id` is the request's id when it was readable (else the operation's id, or
// "" when even the operation is unknown).
MosipResponse MosipFailureResponse(std::string id, std::string request_id, MosipFailureReason reason);

// Writes the response JSON (compact, fields in the spec's order, numbers as strings).
// REQUIRES: failure_reason is set exactly when return_value is kFailed (else the output says
// failureReason "1").
std::string SerializeMosipResponse(const MosipResponse& response);

// Parses a response message. Fails (kInvalidArgument, naming the field) on bad JSON, a missing or
// unknown "id" (the "mosip.id.identify" typo of the spec's identify failure example is accepted as
// identify), a missing "requestId" or "returnValue", a returnValue other than 1 or 2, a failed
// response without a failureReason 1-18, or a count that is not a non-negative integer. Numbers
// may be JSON numbers or decimal strings.
Result<MosipResponse> ParseMosipResponse(std::string_view json_text);

}  // namespace abis::interop
