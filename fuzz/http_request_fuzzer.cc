// fuzz-target-library: abis_fuzz_osia_mapping
// libFuzzer target for what `abis serve` does with the parts of a request it parses itself. The
// input is "<query string>\n<JSON body>" (no newline: all body). The query is split and
// percent-decoded as cpp-httplib does (%XX, %uXXXX, '+'); every key and value goes through the
// edge checks (IsValidUtf8, ValidateIdentifier, ValidateFreeText, ValidateIsoDate,
// EscapeForDisplay, ToJsonText) and, when valid UTF-8 (as the service requires before a handler
// runs), through the id, purpose, category and OSIA type parsers. The body goes through
// ParseJsonInput with the service's limits, then SamplesFromRequest (biometricData,
// biometricData1/2), PersonFromEncounter and OptionalString, as the OSIA handlers call them.
// Must hold: no crash and no exception escaping (ToJsonText never throws); every error message and
// the HTTP error body built from it are valid UTF-8 and never quote the body (short); escaped text
// is valid UTF-8 without control or bidi characters; an accepted identifier has no such characters;
// ToJsonText of anything is valid UTF-8 JSON that parses back (to the same document when it came
// from ParseJsonInput). A violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/access/policy.h"
#include "abis/core/json_input.h"
#include "abis/core/json_text.h"
#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/core/text_validation.h"
#include "abis/service/http_errors.h"
#include "abis/service/osia_mapping.h"
#include "abis/store/records.h"

namespace {

// The service's defaults (ServiceConfig): 16 MiB bodies, depth 32, 20 probes.
constexpr abis::JsonInputLimits kBodyLimits{16u << 20, 32};
constexpr std::size_t kMaxProbes = 20;
// ParseJsonInput's messages name the input and a byte offset, never its bytes.
constexpr std::size_t kMaxBodyErrorBytes = 256;

[[noreturn]] void Fail() { std::abort(); }

// Every error message is valid UTF-8.
void CheckStatus(const abis::Status& status) {
  if (!status.ok() && !abis::IsValidUtf8(status.message())) Fail();
}

template <typename T>
void Check(const abis::Result<T>& result) {
  if (!result.ok()) CheckStatus(result.status());
}

// The error as a handler's failure reaches the client: the message, and the JSON error body too.
void CheckAnswer(const abis::Status& status) {
  if (status.ok()) return;
  CheckStatus(status);
  const std::string body = abis::ToJsonText(abis::service::ErrorBody(abis::service::HttpStatusFor(status), status));
  if (!abis::IsValidUtf8(body)) Fail();
}

// ToJsonText never throws, writes valid UTF-8, and what it writes parses again.
void CheckJsonText(const nlohmann::json& value) {
  const std::string text = abis::ToJsonText(value);
  if (!abis::IsValidUtf8(text)) Fail();
  auto again = abis::ParseJsonInput(text, "re-read JSON", abis::JsonInputLimits{std::size_t{1} << 30, 64});
  if (!again.ok()) Fail();
}

// EscapeForDisplay: printable valid UTF-8, bounded.
void CheckEscaped(std::string_view raw, std::size_t max_bytes) {
  const std::string escaped = abis::EscapeForDisplay(raw, max_bytes);
  if (escaped.size() > max_bytes + 16) Fail();
  if (!abis::ValidateFreeText(escaped, "escaped", escaped.size(), false).ok()) Fail();
  if (raw.size() <= max_bytes / 4 && abis::IsValidUtf8(raw) && raw.find('\\') == std::string_view::npos &&
      abis::ValidateFreeText(raw, "raw", raw.size(), false).ok() && escaped != raw) {
    Fail();  // printable text is shown as it is
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, unsigned code) {  // httplib's to_utf8, but surrogates too (stricter)
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// cpp-httplib's decode_url(text, /*convert_plus_to_space=*/true).
std::string DecodeUrl(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 5 < text.size() && text[i + 1] == 'u') {
      unsigned code = 0;
      bool ok = true;
      for (std::size_t k = 2; k < 6; ++k) {
        const int v = HexValue(text[i + k]);
        if (v < 0) ok = false;
        code = code * 16 + static_cast<unsigned>(v < 0 ? 0 : v);
      }
      if (ok) {
        AppendUtf8(out, code);
        i += 5;
        continue;
      }
    }
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

// Identifier rules of text_validation.h, checked on an accepted value.
void CheckAcceptedIdentifier(std::string_view value, std::size_t max_bytes) {
  if (value.empty() || value.size() > max_bytes || !abis::IsValidUtf8(value)) Fail();
  if (value.front() == ' ' || value.back() == ' ' || value.front() == '-') Fail();
  if (value.find("  ") != std::string_view::npos) Fail();
  if (!abis::ValidateFreeText(value, "identifier", max_bytes, true).ok()) Fail();
}

// One decoded query parameter (or path segment: person ids, encounter ids, gallery names).
void CheckParameter(const std::string& key, const std::string& value) {
  // The service's own check, before any handler: the message escapes the key.
  if (!abis::IsValidUtf8(key) || !abis::IsValidUtf8(value)) {
    CheckAnswer(abis::Status::InvalidArgument("query parameter '" + abis::EscapeForDisplay(key, 40) +
                                              "' is not valid UTF-8"));
  }
  for (const std::string* text : {&key, &value}) {
    CheckEscaped(*text, 200);
    CheckEscaped(*text, 16);
    const abis::Status id = abis::ValidateIdentifier(*text, "personId", 64);
    CheckStatus(id);
    if (id.ok()) CheckAcceptedIdentifier(*text, 64);
    CheckStatus(abis::ValidateIdentifier(*text, "caseRef", 3));
    CheckStatus(abis::ValidateFreeText(*text, "contextualData.legalBasis", 500, true));
    CheckStatus(abis::ValidateFreeText(*text, "comment", 8, false));
    CheckStatus(abis::ValidateIsoDate(*text, "contextualData.retentionUntil"));
  }
  nlohmann::json object = nlohmann::json::object();  // raw bytes as a key and as values
  object[key] = nlohmann::json::array({value, 1, nlohmann::json::object({{value, key}})});
  CheckJsonText(object);
  if (!abis::IsValidUtf8(key) || !abis::IsValidUtf8(value)) return;  // refused above, as the service does
  CheckStatus(abis::ValidateEncounterExternalId(value));
  CheckStatus(abis::ValidateEncounterKind(value));
  Check(abis::ParsePurpose(value));
  Check(abis::ParsePersonCategory(value));
  Check(abis::ParseModality(value));
  Check(abis::ParseFingerPosition(value));
  Check(abis::service::ModalityFromBiometricType(value, "filter.biometricType[0]"));
  Check(abis::service::FingerPositionFromSubType(value, "biometricData[0].biometricSubType"));
  Check(abis::service::DecodeBase64(value, "biometricData[0].image"));
  nlohmann::json item = nlohmann::json::object();
  auto modality = abis::ParseModality(key);
  auto position = abis::ParseFingerPosition(value);
  if (modality.ok()) abis::service::SetBiometricType(item, *modality, position.ok() ? *position : abis::FingerPosition::kUnknown);
  CheckJsonText(item);
}

void CheckQuery(std::string_view query, std::string& person_id) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      const std::string key = DecodeUrl(pair.substr(0, equals));
      const std::string value = equals == std::string_view::npos ? std::string() : DecodeUrl(pair.substr(equals + 1));
      CheckParameter(key, value);
      if (key == "personId" && abis::IsValidUtf8(value)) person_id = value;
    }
    start = end + 1;
  }
}

void CheckSamples(const nlohmann::json& body, const std::string& key) {
  auto samples = abis::service::SamplesFromRequest(body, kMaxProbes, key);
  if (!samples.ok()) CheckAnswer(samples.status());
  if (!samples.ok()) return;
  if (samples->empty() || samples->size() > kMaxProbes) Fail();
  for (const auto& sample : *samples) {
    if (sample.bytes.empty()) continue;
    nlohmann::json item = nlohmann::json::object();
    abis::service::SetBiometricType(item, sample.modality, sample.position);
    item["image"] = abis::service::EncodeBase64(sample.bytes);
    auto again = abis::service::SampleFromBiometricData(item, "again");
    if (!again.ok() || again->bytes != sample.bytes || again->modality != sample.modality) Fail();
  }
}

void CheckBody(std::string_view body, const std::string& person_id) {
  auto parsed = abis::ParseJsonInput(body, "the JSON body", kBodyLimits);
  if (!parsed.ok()) {
    CheckAnswer(parsed.status());
    if (parsed.status().message().size() > kMaxBodyErrorBytes) Fail();
    return;
  }
  if (!abis::JsonNestingWithin(body, kBodyLimits.max_depth)) Fail();
  const nlohmann::json& json = *parsed;
  const std::string text = abis::ToJsonText(json);
  if (!abis::IsValidUtf8(text)) Fail();
  auto again = abis::ParseJsonInput(text, "re-read JSON", abis::JsonInputLimits{std::size_t{1} << 30, 64});
  if (!again.ok() || *again != json) Fail();
  (void)abis::ToJsonText(json, 2);

  CheckSamples(json, "biometricData");
  CheckSamples(json, "biometricData1");
  CheckSamples(json, "biometricData2");
  auto person = abis::service::PersonFromEncounter(json, person_id);
  if (!person.ok()) CheckAnswer(person.status());
  if (person.ok() && (person->legal_basis.empty() || person->retention_until.empty())) Fail();
  for (const char* key : {"encounterType", "decision", "comment", "encounterId"}) {
    auto value = abis::service::OptionalString(json, key, key, 64);
    Check(value);
    if (value.ok() && !abis::IsValidUtf8(*value)) Fail();  // strings from ParseJsonInput are UTF-8
  }
  if (json.is_object() && json.contains("contextualData")) {
    Check(abis::service::OptionalString(json.at("contextualData"), "sourceAgency", "contextualData.sourceAgency", 200));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view query = newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? input : input.substr(newline + 1);
  std::string person_id = "P-0001";
  CheckQuery(query, person_id);
  CheckBody(body, person_id);
  return 0;
}
