#include "abis/interop/mosip_abis_codes.h"

#include <array>
#include <cmath>
#include <string>

namespace abis::interop {

namespace {

struct OperationName {
  MosipOperation operation;
  std::string_view id;
};

constexpr std::array<OperationName, 6> kOperationIds = {{
    {MosipOperation::kInsert, "mosip.abis.insert"},
    {MosipOperation::kIdentify, "mosip.abis.identify"},
    {MosipOperation::kDelete, "mosip.abis.delete"},
    {MosipOperation::kPing, "mosip.abis.ping"},
    {MosipOperation::kPendingJobs, "mosip.abis.pendingJobs"},
    {MosipOperation::kReferenceCount, "mosip.abis.referenceCount"},
}};

// Wording of the "Failure Reasons" table of abis-api.md, indexed by code - 1.
constexpr std::array<std::string_view, 18> kFailureReasonTexts = {
    "internal error - Unknown",
    "aborted",
    "unexpected error",
    "unable to serve the request - invalid request structure",
    "missing referenceId (in request body)",
    "missing requestId (in request body)",
    "unable to fetch biometric details (using referenceURL)",
    "missing reference URL (in request body)",
    "missing requesttime (in request body)",
    "referenceId already exists (in ABIS)",
    "CBEFF has no data",
    "referenceId not found (in ABIS)",
    "invalid version",
    "invalid id",
    "invalid requesttime format",
    "invalid CBEFF format",
    "data share URL has expired",
    "Biometric Quality check failed",
};

}  // namespace

std::string_view MosipOperationId(MosipOperation operation) {
  for (const OperationName& entry : kOperationIds) {
    if (entry.operation == operation) return entry.id;
  }
  return "";
}

std::optional<MosipOperation> MosipOperationFromId(std::string_view id) {
  for (const OperationName& entry : kOperationIds) {
    if (entry.id == id) return entry.operation;
  }
  return std::nullopt;
}

std::string_view MosipFailureReasonText(MosipFailureReason reason) {
  const int code = static_cast<int>(reason);
  if (code < 1 || code > static_cast<int>(kFailureReasonTexts.size())) return "unknown failure reason";
  return kFailureReasonTexts[static_cast<std::size_t>(code - 1)];
}

Result<MosipFailureReason> MosipFailureReasonFromCode(int code) {
  if (code < 1 || code > static_cast<int>(kFailureReasonTexts.size())) {
    return Status::InvalidArgument("MOSIP failure reason " + std::to_string(code) + " out of range 1-18");
  }
  return static_cast<MosipFailureReason>(code);
}

double FalsePositiveIdentificationRateFromTargetFpir(int target_fpir) {
  return std::pow(10.0, -static_cast<double>(target_fpir) / 10.0);
}

int TargetFpirFromFalsePositiveIdentificationRate(double rate) {
  return static_cast<int>(std::lround(-10.0 * std::log10(rate)));
}

}  // namespace abis::interop
