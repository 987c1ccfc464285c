#include "abis/interop/mosip_abis_request.h"

#include <string>

#include "mosip_json.h"

namespace abis::interop {

namespace {

using internal::Json;

MosipRequestError Refuse(MosipFailureReason reason, std::string detail, const std::string& id = "",
                         const std::string& request_id = "") {
  return MosipRequestError{reason, std::move(detail), id, request_id};
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads `length` decimal digits at `pos`; -1 when any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t length) {
  int value = 0;
  for (std::size_t i = pos; i < pos + length; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// A string member: absent or null -> "" (the caller decides whether empty is allowed); any other
// non-string type is a structure error.
std::optional<std::string> OptionalString(const Json& object, const char* name, std::string* error) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    *error = std::string("\"") + name + "\" must be a string, found " + it->type_name();
    return std::nullopt;
  }
  return it->get<std::string>();
}

struct FlagInteger {
  const char* name;
  int min;
  int max;
};

}  // namespace

bool IsMosipTimestamp(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss[.f{1,9}]Z
  if (text.size() < 20 || text.back() != 'Z') return false;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return false;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return false;
  }
  if (day > DaysInMonth(year, month)) return false;
  const std::string_view fraction = text.substr(19, text.size() - 20);
  if (fraction.empty()) return true;
  if (fraction[0] != '.' || fraction.size() < 2 || fraction.size() > 10) return false;
  return Digits(fraction, 1, fraction.size() - 1) >= 0;
}

MosipOperation OperationOf(const MosipRequest& request) {
  struct Visitor {
    MosipOperation operator()(const MosipInsertRequest&) const { return MosipOperation::kInsert; }
    MosipOperation operator()(const MosipIdentifyRequest&) const { return MosipOperation::kIdentify; }
    MosipOperation operator()(const MosipDeleteRequest&) const { return MosipOperation::kDelete; }
    MosipOperation operator()(const MosipPingRequest&) const { return MosipOperation::kPing; }
    MosipOperation operator()(const MosipPendingJobsRequest&) const { return MosipOperation::kPendingJobs; }
    MosipOperation operator()(const MosipReferenceCountRequest&) const { return MosipOperation::kReferenceCount; }
  };
  return std::visit(Visitor{}, request);
}

const MosipRequestHeader& HeaderOf(const MosipRequest& request) {
  return std::visit([](const auto& typed) -> const MosipRequestHeader& { return typed.header; }, request);
}

std::variant<MosipRequest, MosipRequestError> ParseMosipRequest(std::string_view json_text) {
  if (json_text.size() > kMaxMosipMessageBytes) {
    return Refuse(MosipFailureReason::kInvalidRequestStructure,
                  "message of " + std::to_string(json_text.size()) + " bytes exceeds the limit of " +
                      std::to_string(kMaxMosipMessageBytes));
  }
  std::optional<Json> parsed = internal::ParseJsonText(json_text);
  if (!parsed) {
    return Refuse(MosipFailureReason::kInvalidRequestStructure,
                  "message is not valid JSON (or nests deeper than " + std::to_string(internal::kMaxMosipJsonDepth) +
                      " levels)");
  }
  const Json& root = *parsed;
  if (!root.is_object()) {
    return Refuse(MosipFailureReason::kInvalidRequestStructure,
                  std::string("message must be a JSON object, found ") + root.type_name());
  }

  // Read what can be correlated first, so that every later failure names the request.
  std::string error;
  std::optional<std::string> id = OptionalString(root, "id", &error);
  std::optional<std::string> request_id = OptionalString(root, "requestId", &error);
  const std::string known_id = id.value_or("");
  const std::string known_request_id = request_id.value_or("");
  auto fail = [&](MosipFailureReason reason, std::string detail) {
    return Refuse(reason, std::move(detail), known_id, known_request_id);
  };
  std::optional<std::string> version = OptionalString(root, "version", &error);
  std::optional<std::string> request_time = OptionalString(root, "requesttime", &error);
  std::optional<std::string> reference_id = OptionalString(root, "referenceId", &error);
  std::optional<std::string> reference_url = OptionalString(root, "referenceURL", &error);
  if (!id || !request_id || !version || !request_time || !reference_id || !reference_url) {
    return fail(MosipFailureReason::kInvalidRequestStructure, error);
  }

  if (id->empty()) return fail(MosipFailureReason::kInvalidId, "\"id\" is missing");
  std::optional<MosipOperation> operation = MosipOperationFromId(*id);
  if (!operation) return fail(MosipFailureReason::kInvalidId, "\"id\" \"" + *id + "\" is not a MOSIP ABIS operation");
  if (request_id->empty()) return fail(MosipFailureReason::kMissingRequestId, "\"requestId\" is missing");
  if (*version != kMosipAbisApiVersion) {
    return fail(MosipFailureReason::kInvalidVersion,
                "\"version\" \"" + *version + "\" is not " + std::string(kMosipAbisApiVersion));
  }
  if (request_time->empty()) return fail(MosipFailureReason::kMissingRequestTime, "\"requesttime\" is missing");
  if (!IsMosipTimestamp(*request_time)) {
    return fail(MosipFailureReason::kInvalidRequestTimeFormat,
                "\"requesttime\" \"" + *request_time + "\" is not of the form 2020-03-29T07:01:24.692Z");
  }
  MosipRequestHeader header{*request_id, *request_time, *version};

  switch (*operation) {
    case MosipOperation::kInsert:
      if (reference_id->empty()) return fail(MosipFailureReason::kMissingReferenceId, "\"referenceId\" is missing");
      if (reference_url->empty()) return fail(MosipFailureReason::kMissingReferenceUrl, "\"referenceURL\" is missing");
      return MosipRequest{MosipInsertRequest{header, *reference_id, *reference_url}};
    case MosipOperation::kDelete:
      if (reference_id->empty()) return fail(MosipFailureReason::kMissingReferenceId, "\"referenceId\" is missing");
      return MosipRequest{MosipDeleteRequest{header, *reference_id}};
    case MosipOperation::kPing:
      return MosipRequest{MosipPingRequest{header}};
    case MosipOperation::kPendingJobs:
      return MosipRequest{MosipPendingJobsRequest{header}};
    case MosipOperation::kReferenceCount:
      return MosipRequest{MosipReferenceCountRequest{header}};
    case MosipOperation::kIdentify:
      break;
  }

  MosipIdentifyRequest identify;
  identify.header = header;
  identify.reference_id = *reference_id;
  identify.reference_url = *reference_url;
  if (identify.reference_id.empty() && identify.reference_url.empty()) {
    return fail(MosipFailureReason::kMissingReferenceId, "IDENTIFY names neither \"referenceId\" nor \"referenceURL\"");
  }
  if (auto flags = root.find("flags"); flags != root.end() && !flags->is_null()) {
    if (!flags->is_object()) {
      return fail(MosipFailureReason::kInvalidRequestStructure,
                  std::string("\"flags\" must be an object, found ") + flags->type_name());
    }
    for (auto it = flags->begin(); it != flags->end(); ++it) {
      const FlagInteger* integer_flag = nullptr;
      static constexpr FlagInteger kMaxResults{"maxResults", 1, kMaxMosipMaxResults};
      static constexpr FlagInteger kTargetFpir{"targetFPIR", 0, kMaxMosipTargetFpir};
      if (it.key() == kMaxResults.name) integer_flag = &kMaxResults;
      if (it.key() == kTargetFpir.name) integer_flag = &kTargetFpir;
      if (integer_flag == nullptr) {
        identify.other_flags.push_back({it.key(), internal::DumpJson(it.value())});
        continue;
      }
      std::optional<std::int64_t> value = internal::IntegerFromJson(it.value());
      if (!value || *value < integer_flag->min || *value > integer_flag->max) {
        return fail(MosipFailureReason::kInvalidRequestStructure,
                    std::string("flags.") + integer_flag->name + " " + internal::DumpJson(it.value()) +
                        " is not an integer in " + std::to_string(integer_flag->min) + "-" +
                        std::to_string(integer_flag->max));
      }
      (integer_flag == &kMaxResults ? identify.max_results : identify.target_fpir) = static_cast<int>(*value);
    }
  }
  if (auto gallery = root.find("gallery"); gallery != root.end() && !gallery->is_null()) {
    auto ids = gallery->is_object() ? gallery->find("referenceIds") : gallery->end();
    if (!gallery->is_object() || ids == gallery->end() || !ids->is_array() || ids->empty()) {
      return fail(MosipFailureReason::kInvalidRequestStructure,
                  "\"gallery\" must be an object with a non-empty \"referenceIds\" array");
    }
    std::vector<std::string> members;
    for (std::size_t i = 0; i < ids->size(); ++i) {
      const Json& entry = (*ids)[i];
      auto member = entry.is_object() ? entry.find("referenceId") : entry.end();
      if (!entry.is_object() || member == entry.end() || !member->is_string() || member->get_ref<const std::string&>().empty()) {
        return fail(MosipFailureReason::kInvalidRequestStructure,
                    "gallery.referenceIds[" + std::to_string(i) + "] must be an object with a non-empty \"referenceId\"");
      }
      members.push_back(member->get<std::string>());
    }
    identify.gallery = std::move(members);
  }
  return MosipRequest{std::move(identify)};
}

std::string SerializeMosipRequest(const MosipRequest& request) {
  const MosipRequestHeader& header = HeaderOf(request);
  Json root = Json::object();
  root["id"] = std::string(MosipOperationId(OperationOf(request)));
  root["version"] = header.version;
  root["requestId"] = header.request_id;
  root["requesttime"] = header.request_time;
  if (const auto* insert = std::get_if<MosipInsertRequest>(&request)) {
    root["referenceId"] = insert->reference_id;
    root["referenceURL"] = insert->reference_url;
  } else if (const auto* remove = std::get_if<MosipDeleteRequest>(&request)) {
    root["referenceId"] = remove->reference_id;
  } else if (const auto* identify = std::get_if<MosipIdentifyRequest>(&request)) {
    root["referenceId"] = identify->reference_id;
    root["referenceURL"] = identify->reference_url;
    Json flags = Json::object();
    if (identify->max_results) flags["maxResults"] = std::to_string(*identify->max_results);
    if (identify->target_fpir) flags["targetFPIR"] = std::to_string(*identify->target_fpir);
    const Json other_flags = internal::ObjectFromKeyValues(identify->other_flags);
    for (auto it = other_flags.begin(); it != other_flags.end(); ++it) flags[it.key()] = *it;
    if (!flags.empty()) root["flags"] = std::move(flags);
    if (identify->gallery) {
      Json ids = Json::array();
      for (const std::string& member : *identify->gallery) ids.push_back(Json{{"referenceId", member}});
      root["gallery"] = Json{{"referenceIds", std::move(ids)}};
    }
  }
  return internal::DumpJson(root);
}

}  // namespace abis::interop
