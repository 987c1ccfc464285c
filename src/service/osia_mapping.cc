#include "abis/service/osia_mapping.h"

#include <sodium.h>

#include <array>
#include <cctype>
#include <cmath>
#include <set>

#include "abis/core/text_validation.h"

namespace abis::service {
namespace {

constexpr std::array<std::string_view, 11> kFingerSubTypes = {
    "UNKNOWN",    "RIGHT_THUMB", "RIGHT_INDEX", "RIGHT_MIDDLE", "RIGHT_RING", "RIGHT_LITTLE",
    "LEFT_THUMB", "LEFT_INDEX",  "LEFT_MIDDLE", "LEFT_RING",    "LEFT_LITTLE"};

std::string Field(std::string_view base, std::string_view member) {
  return std::string(base) + "." + std::string(member);
}

}  // namespace

Result<std::string> OptionalString(const nlohmann::json& object, const char* key, std::string_view field,
                                   std::size_t max_length) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return std::string();
  const nlohmann::json& value = object.at(key);
  if (!value.is_string()) {
    return Status::InvalidArgument(std::string(field) + " must be a string, not " + value.type_name());
  }
  std::string text = value.get<std::string>();
  if (text.size() > max_length) {
    return Status::InvalidArgument(std::string(field) + " is longer than " + std::to_string(max_length) + " characters");
  }
  return text;
}

Result<Modality> ModalityFromBiometricType(std::string_view type, std::string_view field) {
  if (type == "FACE") return Modality::kFace;
  if (type == "FINGER") return Modality::kFinger;
  if (type == "DNA") return Modality::kDna;
  return Status::InvalidArgument(std::string(field) + ": biometricType '" + std::string(type) +
                                 "' is not supported (FACE, FINGER, DNA)");
}

std::string_view BiometricTypeOf(Modality modality) {
  switch (modality) {
    case Modality::kFace: return "FACE";
    case Modality::kFinger: return "FINGER";
    case Modality::kDna: return "DNA";
  }
  return "UNKNOWN";
}

Result<FingerPosition> FingerPositionFromSubType(std::string_view subtype, std::string_view field) {
  if (subtype.empty() || subtype == "PORTRAIT") return FingerPosition::kUnknown;
  for (std::size_t code = 0; code < kFingerSubTypes.size(); ++code) {
    if (kFingerSubTypes[code] == subtype) return FingerPositionFromCode(static_cast<int>(code));
  }
  return Status::InvalidArgument(std::string(field) + ": biometricSubType '" + std::string(subtype) +
                                 "' is not supported (single fingers RIGHT_THUMB..LEFT_LITTLE, UNKNOWN, PORTRAIT)");
}

std::string BiometricSubTypeOf(FingerPosition position) {
  auto code = static_cast<std::size_t>(position);
  return code < kFingerSubTypes.size() ? std::string(kFingerSubTypes[code]) : "UNKNOWN";
}

Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text, std::string_view field) {
  if (text.empty()) return Status::InvalidArgument(std::string(field) + " is empty");
  std::vector<std::uint8_t> bytes(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  int variant = text.size() % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    std::size_t offset = end == nullptr ? 0 : static_cast<std::size_t>(end - text.data());
    return Status::InvalidArgument(std::string(field) + " is not valid base64 (at character " + std::to_string(offset) + ")");
  }
  bytes.resize(length);
  return bytes;
}

std::string EncodeBase64(const std::vector<std::uint8_t>& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<SampleInput> SampleFromBiometricData(const nlohmann::json& item, std::string_view field) {
  if (!item.is_object()) return Status::InvalidArgument(std::string(field) + " must be an object, not " + item.type_name());
  if (!item.contains("biometricType")) return Status::InvalidArgument(Field(field, "biometricType") + " is required");
  ABIS_ASSIGN_OR_RETURN(std::string type, OptionalString(item, "biometricType", Field(field, "biometricType"), 32));
  SampleInput sample;
  ABIS_ASSIGN_OR_RETURN(sample.modality, ModalityFromBiometricType(type, field));
  ABIS_ASSIGN_OR_RETURN(std::string subtype, OptionalString(item, "biometricSubType", Field(field, "biometricSubType"), 64));
  if (sample.modality == Modality::kFinger) {
    ABIS_ASSIGN_OR_RETURN(sample.position, FingerPositionFromSubType(subtype, Field(field, "biometricSubType")));
  }
  for (const char* unsupported : {"imageRef", "template", "templateRef", "encryption"}) {
    if (item.contains(unsupported)) {
      return Status::Unimplemented(Field(field, unsupported) + " is not supported; send the sample itself in 'image' (base64)");
    }
  }
  if (!item.contains("image")) return Status::InvalidArgument(Field(field, "image") + " (base64 of the sample) is required");
  ABIS_ASSIGN_OR_RETURN(std::string image, OptionalString(item, "image", Field(field, "image"), std::string::npos));
  ABIS_ASSIGN_OR_RETURN(sample.bytes, DecodeBase64(image, Field(field, "image")));
  ABIS_ASSIGN_OR_RETURN(std::string compression, OptionalString(item, "compression", Field(field, "compression"), 32));
  ABIS_ASSIGN_OR_RETURN(std::string metadata, OptionalString(item, "metadata", Field(field, "metadata"), 64));
  if (compression == "WSQ") {
    sample.format_hint = "wsq";
  } else if (!metadata.empty()) {
    sample.format_hint = metadata;  // vendor format hint, e.g. "iso19794-2" or "csv"
  }
  sample.source_name = std::string(field);
  // Extension: engine options of the sample, as the CLI's --sample-option (e.g. {"face_index": 1}
  // for a photo with several faces, {"resolution_ppi": 569} for a print without a declared
  // resolution). At most 8 keys of 1-32 characters, each value a number, a boolean or a string of
  // at most 64 characters.
  if (item.contains("options")) {
    const nlohmann::json& options = item["options"];
    const std::string where = Field(field, "options");
    if (!options.is_object()) return Status::InvalidArgument(where + " must be an object");
    if (options.size() > 8) return Status::InvalidArgument(where + " may hold at most 8 options");
    for (const auto& [key, value] : options.items()) {
      ABIS_RETURN_IF_ERROR(ValidateIdentifier(key, where + " key", 32));
      const bool scalar = value.is_number() || value.is_boolean() || (value.is_string() && value.get<std::string>().size() <= 64);
      if (!scalar) {
        return Status::InvalidArgument(where + " values must be numbers, booleans or strings of at most 64 characters");
      }
      if (value.is_number_float() && !std::isfinite(value.get<double>())) {
        return Status::InvalidArgument(where + " values must be finite numbers");
      }
    }
    sample.options = options;
  }
  return sample;
}

Result<std::vector<SampleInput>> SamplesFromRequest(const nlohmann::json& body, std::size_t max_items,
                                                    const std::string& key) {
  if (!body.is_object()) return Status::InvalidArgument("request body must be a JSON object, not " + std::string(body.type_name()));
  if (!body.contains(key)) return Status::InvalidArgument(key + " is required");
  const nlohmann::json& items = body.at(key);
  if (!items.is_array()) return Status::InvalidArgument(key + " must be an array, not " + std::string(items.type_name()));
  if (items.empty() || items.size() > max_items) {
    return Status::InvalidArgument(key + " must hold 1-" + std::to_string(max_items) + " items, not " +
                                   std::to_string(items.size()));
  }
  std::set<Modality> wanted;
  if (body.contains("filter") && !body.at("filter").is_null()) {
    const nlohmann::json& filter = body.at("filter");
    if (!filter.is_object()) return Status::InvalidArgument("filter must be an object, not " + std::string(filter.type_name()));
    if (filter.contains("biometricType")) {
      const nlohmann::json& types = filter.at("biometricType");
      if (!types.is_array()) return Status::InvalidArgument("filter.biometricType must be an array of strings");
      for (std::size_t i = 0; i < types.size(); ++i) {
        std::string field = "filter.biometricType[" + std::to_string(i) + "]";
        if (!types[i].is_string()) return Status::InvalidArgument(field + " must be a string");
        ABIS_ASSIGN_OR_RETURN(Modality modality, ModalityFromBiometricType(types[i].get<std::string>(), field));
        wanted.insert(modality);
      }
    }
  }
  std::vector<SampleInput> samples;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ABIS_ASSIGN_OR_RETURN(SampleInput sample, SampleFromBiometricData(items[i], key + "[" + std::to_string(i) + "]"));
    if (wanted.empty() || wanted.contains(sample.modality)) samples.push_back(std::move(sample));
  }
  if (samples.empty()) return Status::InvalidArgument("no " + key + " item is of a type listed in filter.biometricType");
  return samples;
}

Result<Person> PersonFromEncounter(const nlohmann::json& encounter, const std::string& external_id) {
  if (!encounter.is_object()) return Status::InvalidArgument("request body must be a JSON object (an OSIA Encounter)");
  Person person;
  person.external_id = external_id;
  nlohmann::json biographic = encounter.value("biographicData", nlohmann::json::object());
  nlohmann::json contextual = encounter.value("contextualData", nlohmann::json::object());
  if (!biographic.is_object()) return Status::InvalidArgument("biographicData must be an object");
  if (!contextual.is_object()) return Status::InvalidArgument("contextualData must be an object");
  ABIS_ASSIGN_OR_RETURN(person.given_name, OptionalString(biographic, "firstName", "biographicData.firstName", 200));
  ABIS_ASSIGN_OR_RETURN(person.family_name, OptionalString(biographic, "lastName", "biographicData.lastName", 200));
  ABIS_ASSIGN_OR_RETURN(person.date_of_birth, OptionalString(biographic, "dateOfBirth", "biographicData.dateOfBirth", 32));
  ABIS_ASSIGN_OR_RETURN(person.sex, OptionalString(biographic, "gender", "biographicData.gender", 1));
  ABIS_ASSIGN_OR_RETURN(person.legal_basis, OptionalString(contextual, "legalBasis", "contextualData.legalBasis", 500));
  ABIS_ASSIGN_OR_RETURN(person.retention_until,
                        OptionalString(contextual, "retentionUntil", "contextualData.retentionUntil", 32));
  ABIS_ASSIGN_OR_RETURN(std::string category, OptionalString(contextual, "category", "contextualData.category", 64));
  if (person.legal_basis.empty()) {
    return Status::InvalidArgument("contextualData.legalBasis is required to create a person (the law the record is held under)");
  }
  if (person.retention_until.empty()) return Status::InvalidArgument("contextualData.retentionUntil is required to create a person");
  if (!category.empty()) {
    auto parsed = ParsePersonCategory(category);
    if (!parsed.ok()) return parsed.status().WithContext("contextualData.category");
    person.category = *parsed;
  }
  return person;
}

nlohmann::json CamelCaseKeys(const nlohmann::json& value) {
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(CamelCaseKeys(item));
    return out;
  }
  if (!value.is_object()) return value;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, item] : value.items()) {
    std::string camel;
    bool upper = false;
    for (char c : key) {
      if (c == '_' && !camel.empty()) {
        upper = true;
        continue;
      }
      camel += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
    out[camel] = CamelCaseKeys(item);
  }
  return out;
}

void SetBiometricType(nlohmann::json& item, Modality modality, FingerPosition position) {
  item["biometricType"] = BiometricTypeOf(modality);
  if (modality == Modality::kFinger) item["biometricSubType"] = BiometricSubTypeOf(position);
}

nlohmann::json OsiaCandidates(const SearchResult& result) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t rank = 0; rank < result.candidates.size(); ++rank) {
    const CandidateResult& candidate = result.candidates[rank];
    nlohmann::json scores = nlohmann::json::array();
    for (const ProbeEvidence& probe : candidate.per_probe) {
      nlohmann::json detail = {{"score", probe.score}};
      SetBiometricType(detail, probe.modality, probe.position);
      detail["others"] = {{"lnLr", probe.log_lr},
                          {"threshold", probe.threshold},
                          {"probe", probe.probe},
                          {"rank", probe.rank},
                          {"templateId", probe.template_id}};
      scores.push_back(std::move(detail));
    }
    nlohmann::json others = {{"fusedLnLr", candidate.fused_log_lr},
                             {"hit", candidate.hit},
                             {"category", candidate.category},
                             {"review", "unreviewed"},
                             {"watchlist", WatchlistEntriesJson(candidate.watchlist)}};
    if (candidate.review_id != 0) others["candidateId"] = candidate.review_id;
    list.push_back({{"personId", candidate.external_id},
                    {"rank", rank + 1},
                    {"score", candidate.fused_log_lr},
                    {"scores", scores},
                    {"others", others}});
  }
  return list;
}

}  // namespace abis::service
