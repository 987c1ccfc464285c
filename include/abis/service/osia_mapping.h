// Mapping between OSIA ABIS v1.6.0 JSON (docs/SERVICE.md) and the system's requests and results.
// Every function validates outside input and names the offending field ("biometricData[2].image").
// Extensions beyond OSIA: biometricType "DNA"; `contextualData` carries the legal basis,
// retention date and category a person record requires here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/records.h"
#include "abis/system/abis_system.h"

namespace abis::service {

// "FACE" / "FINGER" / "DNA" and back.
Result<Modality> ModalityFromBiometricType(std::string_view type, std::string_view field);
std::string_view BiometricTypeOf(Modality modality);
// OSIA BiometricSubType "RIGHT_THUMB".."LEFT_LITTLE", "UNKNOWN" <-> finger positions. Other
// subtypes (palms, multi-finger slaps, eyes) are kInvalidArgument; PORTRAIT maps to unknown.
Result<FingerPosition> FingerPositionFromSubType(std::string_view subtype, std::string_view field);
std::string BiometricSubTypeOf(FingerPosition position);
// The same JSON with every object key in OSIA's camelCase ("case_ref" -> "caseRef"), recursively;
// values are left alone. The service's extensions (alerts, reviews) answer in OSIA's style.
nlohmann::json CamelCaseKeys(const nlohmann::json& value);
// Sets `biometricType` on an OSIA object and, for a finger, `biometricSubType`.
void SetBiometricType(nlohmann::json& item, Modality modality, FingerPosition position);

// Decodes standard base64 (RFC 4648, padding optional, no whitespace), naming `field` on error.
Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text, std::string_view field);
std::string EncodeBase64(const std::vector<std::uint8_t>& bytes);

// One OSIA BiometricData object -> a sample. Requires biometricType and `image` (base64 of the
// sample file); imageRef/template inputs are kUnimplemented. `field` names it in errors.
Result<SampleInput> SampleFromBiometricData(const nlohmann::json& item, std::string_view field);
// The `key` array of a request (1 to `max_items` BiometricData items), optionally only the
// modalities listed in filter.biometricType.
Result<std::vector<SampleInput>> SamplesFromRequest(const nlohmann::json& body, std::size_t max_items,
                                                    const std::string& key = "biometricData");

// The person an OSIA Encounter describes: biographicData {firstName, lastName, dateOfBirth,
// gender}, contextualData {legalBasis, retentionUntil, category}. `external_id` is the OSIA personId.
Result<Person> PersonFromEncounter(const nlohmann::json& encounter, const std::string& external_id);

// An OSIA Candidate list: personId, rank, score (the fused log-LR), scores (per probe), others.
// Each candidate carries its review id (others.candidateId) when it was recorded.
nlohmann::json OsiaCandidates(const SearchResult& result);

// Reads an optional typed member of a JSON object, naming `field` when it has the wrong type.
Result<std::string> OptionalString(const nlohmann::json& object, const char* key, std::string_view field,
                                   std::size_t max_length = 4096);

}  // namespace abis::service
