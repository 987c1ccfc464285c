#include "abis/interop/mosip_abis_response.h"

#include <string>

#include "abis/core/time.h"
#include "mosip_json.h"

namespace abis::interop {

namespace {

using internal::Json;

// The identify failure example of abis-api.md spells its id "mosip.id.identify".
constexpr std::string_view kIdentifyIdTypo = "mosip.id.identify";

Status FieldError(std::string_view field, std::string_view problem) {
  return Status::InvalidArgument("MOSIP response field \"" + std::string(field) + "\" " + std::string(problem));
}

Result<std::string> RequiredString(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return FieldError(field, "is missing or not a string");
  return it->get<std::string>();
}

Result<std::int64_t> RequiredCount(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return FieldError(field, "is missing");
  std::optional<std::int64_t> value = internal::IntegerFromJson(*it);
  if (!value || *value < 0) return FieldError(field, "is not a non-negative integer: " + internal::DumpJson(*it));
  return *value;
}

Result<std::vector<MosipKeyValue>> OptionalAnalytics(const Json& object, std::string_view where) {
  auto it = object.find("analytics");
  if (it == object.end() || it->is_null()) return std::vector<MosipKeyValue>{};
  if (!it->is_object()) return FieldError(std::string(where) + ".analytics", "is not an object");
  return internal::KeyValuesFromObject(*it);
}

Result<MosipCandidate> ParseCandidate(const Json& entry, const std::string& where) {
  if (!entry.is_object()) return FieldError(where, "is not an object");
  MosipCandidate candidate;
  ABIS_ASSIGN_OR_RETURN(candidate.reference_id, RequiredString(entry, "referenceId"));
  ABIS_ASSIGN_OR_RETURN(candidate.analytics, OptionalAnalytics(entry, where));
  if (auto modalities = entry.find("modalities"); modalities != entry.end() && !modalities->is_null()) {
    if (!modalities->is_array()) return FieldError(where + ".modalities", "is not an array");
    for (std::size_t i = 0; i < modalities->size(); ++i) {
      const Json& modality = (*modalities)[i];
      const std::string modality_where = where + ".modalities[" + std::to_string(i) + "]";
      if (!modality.is_object()) return FieldError(modality_where, "is not an object");
      MosipModalityAnalytics analytics;
      ABIS_ASSIGN_OR_RETURN(analytics.biometric_type, RequiredString(modality, "biometricType"));
      ABIS_ASSIGN_OR_RETURN(analytics.analytics, OptionalAnalytics(modality, modality_where));
      candidate.modalities.push_back(std::move(analytics));
    }
  }
  return candidate;
}

}  // namespace

MosipResponse MosipSuccessResponse(MosipOperation operation, std::string request_id) {
  MosipResponse response;
  response.operation = operation;
  response.id = std::string(MosipOperationId(operation));
  response.request_id = std::move(request_id);
  response.response_time = NowUtcIso8601();
  response.return_value = MosipReturnValue::kSuccess;
  return response;
}

MosipResponse MosipFailureResponse(std::string id, std::string request_id, MosipFailureReason reason) {
  MosipResponse response;
  response.operation = MosipOperationFromId(id).value_or(MosipOperation::kPing);
  response.id = std::move(id);
  response.request_id = std::move(request_id);
  response.response_time = NowUtcIso8601();
  response.return_value = MosipReturnValue::kFailed;
  response.failure_reason = reason;
  return response;
}

std::string SerializeMosipResponse(const MosipResponse& response) {
  Json root = Json::object();
  root["id"] = response.id;
  root["requestId"] = response.request_id;
  root["responsetime"] = response.response_time;
  root["returnValue"] = std::to_string(static_cast<int>(response.return_value));
  if (response.return_value == MosipReturnValue::kFailed) {
    const int reason = static_cast<int>(response.failure_reason.value_or(MosipFailureReason::kInternalErrorUnknown));
    root["failureReason"] = std::to_string(reason);
    return internal::DumpJson(root);
  }
  switch (response.operation) {
    case MosipOperation::kIdentify: {
      Json candidates = Json::array();
      for (const MosipCandidate& candidate : response.candidates) {
        Json entry = Json::object();
        entry["referenceId"] = candidate.reference_id;
        entry["analytics"] = internal::ObjectFromKeyValues(candidate.analytics);
        Json modalities = Json::array();
        for (const MosipModalityAnalytics& modality : candidate.modalities) {
          modalities.push_back(Json{{"biometricType", modality.biometric_type},
                                    {"analytics", internal::ObjectFromKeyValues(modality.analytics)}});
        }
        entry["modalities"] = std::move(modalities);
        candidates.push_back(std::move(entry));
      }
      Json list = Json::object();
      list["count"] = std::to_string(response.candidates.size());
      list["candidates"] = std::move(candidates);
      list["analytics"] = internal::ObjectFromKeyValues(response.candidate_list_analytics);
      root["candidateList"] = std::move(list);
      break;
    }
    case MosipOperation::kPendingJobs:
      root["jobscount"] = std::to_string(response.jobs_count.value_or(0));
      break;
    case MosipOperation::kReferenceCount:
      root["count"] = std::to_string(response.reference_count.value_or(0));
      break;
    case MosipOperation::kInsert:
    case MosipOperation::kDelete:
    case MosipOperation::kPing:
      break;
  }
  return internal::DumpJson(root);
}

Result<MosipResponse> ParseMosipResponse(std::string_view json_text) {
  if (json_text.size() > kMaxMosipMessageBytes) {
    return Status::InvalidArgument("MOSIP response of " + std::to_string(json_text.size()) + " bytes exceeds the limit");
  }
  std::optional<Json> parsed = internal::ParseJsonText(json_text);
  if (!parsed || !parsed->is_object()) return Status::InvalidArgument("MOSIP response is not a JSON object");
  const Json& root = *parsed;
  MosipResponse response;
  ABIS_ASSIGN_OR_RETURN(response.id, RequiredString(root, "id"));
  std::optional<MosipOperation> operation =
      response.id == kIdentifyIdTypo ? MosipOperation::kIdentify : MosipOperationFromId(response.id);
  if (!operation) return FieldError("id", "\"" + response.id + "\" is not a MOSIP ABIS operation");
  response.operation = *operation;
  ABIS_ASSIGN_OR_RETURN(response.request_id, RequiredString(root, "requestId"));
  if (auto time = root.find("responsetime"); time != root.end() && time->is_string()) {
    response.response_time = time->get<std::string>();
  }
  ABIS_ASSIGN_OR_RETURN(std::int64_t return_value, RequiredCount(root, "returnValue"));
  if (return_value != 1 && return_value != 2) return FieldError("returnValue", "is neither 1 nor 2");
  response.return_value = static_cast<MosipReturnValue>(return_value);
  if (response.return_value == MosipReturnValue::kFailed) {
    ABIS_ASSIGN_OR_RETURN(std::int64_t reason, RequiredCount(root, "failureReason"));
    if (reason > 18) return FieldError("failureReason", "is outside 1-18");
    ABIS_ASSIGN_OR_RETURN(response.failure_reason, MosipFailureReasonFromCode(static_cast<int>(reason)));
    return response;
  }
  switch (response.operation) {
    case MosipOperation::kIdentify: {
      auto list = root.find("candidateList");
      if (list == root.end() || !list->is_object()) return FieldError("candidateList", "is missing or not an object");
      ABIS_ASSIGN_OR_RETURN(std::int64_t count, RequiredCount(*list, "count"));
      auto candidates = list->find("candidates");
      if (candidates != list->end() && !candidates->is_null()) {
        if (!candidates->is_array()) return FieldError("candidateList.candidates", "is not an array");
        for (std::size_t i = 0; i < candidates->size(); ++i) {
          ABIS_ASSIGN_OR_RETURN(MosipCandidate candidate,
                                ParseCandidate((*candidates)[i], "candidateList.candidates[" + std::to_string(i) + "]"));
          response.candidates.push_back(std::move(candidate));
        }
      }
      if (static_cast<std::uint64_t>(count) != response.candidates.size()) {
        return FieldError("candidateList.count", std::to_string(count) + " differs from the " +
                                                     std::to_string(response.candidates.size()) + " candidates listed");
      }
      ABIS_ASSIGN_OR_RETURN(response.candidate_list_analytics, OptionalAnalytics(*list, "candidateList"));
      break;
    }
    case MosipOperation::kPendingJobs: {
      ABIS_ASSIGN_OR_RETURN(response.jobs_count, RequiredCount(root, "jobscount"));
      break;
    }
    case MosipOperation::kReferenceCount: {
      ABIS_ASSIGN_OR_RETURN(response.reference_count, RequiredCount(root, "count"));
      break;
    }
    case MosipOperation::kInsert:
    case MosipOperation::kDelete:
    case MosipOperation::kPing:
      break;
  }
  return response;
}

}  // namespace abis::interop
