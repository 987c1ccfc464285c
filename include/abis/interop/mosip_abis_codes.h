// The fixed vocabulary of MOSIP's ABIS API 1.1 (docs/biometrics/abis-api.md of mosip/documentation):
// operation ids, return values, failure reason codes and the targetFPIR scale.
// Thread-safety: constants and pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "abis/core/status.h"

namespace abis::interop {

// The six operations, named by the message "id" field ("mosip.abis.insert", ...).
enum class MosipOperation { kInsert, kIdentify, kDelete, kPing, kPendingJobs, kReferenceCount };

// "mosip.abis.insert", "mosip.abis.identify", "mosip.abis.delete", "mosip.abis.ping",
// "mosip.abis.pendingJobs", "mosip.abis.referenceCount".
std::string_view MosipOperationId(MosipOperation operation);
// The operation for an "id" value (exact, case-sensitive), or nullopt when it is not one of the six.
std::optional<MosipOperation> MosipOperationFromId(std::string_view id);

// The only request "version" this implementation speaks.
inline constexpr std::string_view kMosipAbisApiVersion = "1.1";

// "Standard Return Codes": the "returnValue" field of every response.
enum class MosipReturnValue { kSuccess = 1, kFailed = 2 };

// "Failure Reasons": the "failureReason" field of a failed response (codes 1-18 of the spec).
enum class MosipFailureReason {
  kInternalErrorUnknown = 1,
  kAborted = 2,
  kUnexpectedError = 3,
  kInvalidRequestStructure = 4,  // "unable to serve the request - invalid request structure"
  kMissingReferenceId = 5,
  kMissingRequestId = 6,
  kUnableToFetchBiometricDetails = 7,  // using referenceURL
  kMissingReferenceUrl = 8,
  kMissingRequestTime = 9,
  kReferenceIdAlreadyExists = 10,
  kCbeffHasNoData = 11,
  kReferenceIdNotFound = 12,
  kInvalidVersion = 13,
  kInvalidId = 14,
  kInvalidRequestTimeFormat = 15,
  kInvalidCbeffFormat = 16,
  kDataShareUrlExpired = 17,
  kBiometricQualityCheckFailed = 18,
};

// The spec's wording for the code, e.g. "referenceId already exists (in ABIS)".
std::string_view MosipFailureReasonText(MosipFailureReason reason);
// Validates a numeric code; outside 1-18 returns kInvalidArgument naming the value.
Result<MosipFailureReason> MosipFailureReasonFromCode(int code);

// targetFPIR is round(-10 * log10(false positive identification rate)): 30 means 1 in 1,000,
// 40 means 1 in 10,000. REQUIRES target_fpir >= 0. Returns the rate, 10^(-target_fpir / 10).
double FalsePositiveIdentificationRateFromTargetFpir(int target_fpir);
// The inverse, rounded to the nearest integer. REQUIRES 0 < rate <= 1.
int TargetFpirFromFalsePositiveIdentificationRate(double rate);

}  // namespace abis::interop
