// fuzz-target-library: abis_interop
// libFuzzer target for the MOSIP ABIS API 1.1 messages: the input goes to ParseMosipRequest (what
// arrives on the inbound queue) and to ParseMosipResponse (what a MOSIP-side client reads).
// Must hold: no crash or exception; a parsed request serialises and parses back equal
// (the contract of SerializeMosipRequest), as does a parsed response; the success and failure
// responses built for it are valid UTF-8 and parse back equal whenever their id names an
// operation (a refusal can always be answered); every refusal carries a valid UTF-8 diagnostic.
// A violation aborts.
// Seed corpus: the shared MOSIP ABIS messages (interop/mosip/abis_messages/*.json).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "abis/core/text_validation.h"
#include "abis/interop/mosip_abis_codes.h"
#include "abis/interop/mosip_abis_request.h"
#include "abis/interop/mosip_abis_response.h"

namespace {

using namespace abis::interop;

// What the adapter puts on the outbound queue must be UTF-8 and readable by MOSIP's side.
void CheckResponseRoundTrip(const MosipResponse& response) {
  const std::string text = SerializeMosipResponse(response);
  if (!abis::IsValidUtf8(text)) std::abort();
  const bool readable = MosipOperationFromId(response.id).has_value() ||
                        (response.id == "mosip.id.identify" && response.operation == MosipOperation::kIdentify);
  if (!readable) return;  // no operation to answer as: MOSIP cannot read it either
  abis::Result<MosipResponse> again = ParseMosipResponse(text);
  if (!again.ok() || !(*again == response)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::variant<MosipRequest, MosipRequestError> request = ParseMosipRequest(text);
  if (const auto* error = std::get_if<MosipRequestError>(&request)) {
    if (error->detail.empty() || !abis::IsValidUtf8(error->detail)) std::abort();
    CheckResponseRoundTrip(MosipFailureResponse(error->id, error->request_id, error->reason));
  } else {
    const MosipRequest& parsed = std::get<MosipRequest>(request);
    const std::string written = SerializeMosipRequest(parsed);
    if (!abis::IsValidUtf8(written)) std::abort();
    std::variant<MosipRequest, MosipRequestError> again = ParseMosipRequest(written);
    const auto* reparsed = std::get_if<MosipRequest>(&again);
    if (reparsed == nullptr || !(*reparsed == parsed)) std::abort();
    MosipResponse success = MosipSuccessResponse(OperationOf(parsed), HeaderOf(parsed).request_id);
    if (success.operation == MosipOperation::kPendingJobs) success.jobs_count = 0;  // as the adapter fills them in
    if (success.operation == MosipOperation::kReferenceCount) success.reference_count = 0;
    CheckResponseRoundTrip(success);
    CheckResponseRoundTrip(MosipFailureResponse(std::string(MosipOperationId(OperationOf(parsed))),
                                                HeaderOf(parsed).request_id,
                                                MosipFailureReason::kInternalErrorUnknown));
  }

  abis::Result<MosipResponse> response = ParseMosipResponse(text);
  if (!response.ok()) {
    if (response.status().message().empty() || !abis::IsValidUtf8(response.status().message())) std::abort();
    return 0;
  }
  CheckResponseRoundTrip(*response);
  return 0;
}
