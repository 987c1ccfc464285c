// MOSIP ABIS API 1.1 requests (what MOSIP puts on the ABIS inbound queue): one typed struct per
// operation, a parser that validates a JSON message and names the MOSIP failure reason to answer
// with, and a serialiser producing the spec's JSON field names.
// Thread-safety: plain values; the functions share no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "abis/interop/mosip_abis_codes.h"

namespace abis::interop {

// A key with an arbitrary JSON value ("flags" of IDENTIFY, "analytics" of a candidate). The value is
// kept as compact JSON text so that a string stays a string ("\"value1\"") and an object stays an
// object; serialisers write it back unchanged.
struct MosipKeyValue {
  std::string key;
  std::string json_value;

  bool operator==(const MosipKeyValue&) const = default;
};

// Fields common to every request.
struct MosipRequestHeader {
  std::string request_id;    // "requestId": UUID chosen by MOSIP, echoed in the response
  std::string request_time;  // "requesttime": "2020-03-29T07:01:24.692Z"
  std::string version;       // "version": "1.1"

  bool operator==(const MosipRequestHeader&) const = default;
};

struct MosipInsertRequest {
  MosipRequestHeader header;
  std::string reference_id;   // "referenceId": the ABIS-side identity of the record to create
  std::string reference_url;  // "referenceURL": where the CBEFF biometrics are fetched from

  bool operator==(const MosipInsertRequest&) const = default;
};

struct MosipIdentifyRequest {
  MosipRequestHeader header;
  std::string reference_id;   // the probe: an enrolled record (preferred when not empty) ...
  std::string reference_url;  // ... or biometrics to fetch ("" when not used, as MOSIP sends it)
  std::optional<int> max_results;  // flags.maxResults, when given
  std::optional<int> target_fpir;  // flags.targetFPIR, when given (see mosip_abis_codes.h)
  std::vector<MosipKeyValue> other_flags;  // every other flag, in message order
  // gallery.referenceIds; nullopt when "gallery" is absent or null (search every record).
  std::optional<std::vector<std::string>> gallery;

  bool operator==(const MosipIdentifyRequest&) const = default;
};

struct MosipDeleteRequest {
  MosipRequestHeader header;
  std::string reference_id;

  bool operator==(const MosipDeleteRequest&) const = default;
};

struct MosipPingRequest {
  MosipRequestHeader header;
  bool operator==(const MosipPingRequest&) const = default;
};
struct MosipPendingJobsRequest {
  MosipRequestHeader header;
  bool operator==(const MosipPendingJobsRequest&) const = default;
};
struct MosipReferenceCountRequest {
  MosipRequestHeader header;
  bool operator==(const MosipReferenceCountRequest&) const = default;
};

using MosipRequest = std::variant<MosipInsertRequest, MosipIdentifyRequest, MosipDeleteRequest,
                                  MosipPingRequest, MosipPendingJobsRequest, MosipReferenceCountRequest>;

MosipOperation OperationOf(const MosipRequest& request);
const MosipRequestHeader& HeaderOf(const MosipRequest& request);

// Why a message was refused: the failure reason MOSIP expects, a one-line diagnostic for the log
// (MOSIP's response carries only the code), and whatever "id" and "requestId" could be read so that
// the failure response can still be correlated ("" when unreadable).
struct MosipRequestError {
  MosipFailureReason reason = MosipFailureReason::kInvalidRequestStructure;
  std::string detail;
  std::string id;
  std::string request_id;
};

// Limits applied by ParseMosipRequest.
inline constexpr std::size_t kMaxMosipMessageBytes = 1 << 20;  // 1 MiB: a request never carries biometrics
inline constexpr int kMaxMosipMaxResults = 10000;
inline constexpr int kMaxMosipTargetFpir = 200;

// Parses and validates one request message. Checks, in this order, each failing with its code:
// size and JSON syntax, top level an object, every known field of the expected JSON type (4);
// "id" present and one of the six (14); "requestId" present and not empty (6); "version" is "1.1"
// (13); "requesttime" present (9) and of the form YYYY-MM-DDThh:mm:ss[.f{1,9}]Z with valid ranges
// (15); INSERT: "referenceId" (5) and "referenceURL" (8) not empty; DELETE: "referenceId" (5);
// IDENTIFY: "referenceId" or "referenceURL" not empty (5), flags.maxResults an integer 1-10000 and
// flags.targetFPIR an integer 0-200 (a JSON number or a decimal string) (4), gallery.referenceIds
// a non-empty array of objects with a non-empty "referenceId" (4). Unknown top-level fields are
// ignored (MOSIP adds fields across versions).
std::variant<MosipRequest, MosipRequestError> ParseMosipRequest(std::string_view json_text);

// Writes the request as MOSIP does: fields in the spec's order, numbers in flags as strings.
// Round trip: ParseMosipRequest(SerializeMosipRequest(r)) == r for every valid r.
std::string SerializeMosipRequest(const MosipRequest& request);

// True when `text` is a valid "requesttime"/"responsetime" value (see ParseMosipRequest).
bool IsMosipTimestamp(std::string_view text);

}  // namespace abis::interop
