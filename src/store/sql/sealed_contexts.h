// The associated data each sealed record is bound to (docs/STORE_SCHEMA.md "Encryption at rest"):
// the same string seals, opens and re-wraps a record. Private to src/store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "abis/modality/engine.h"
#include "abis/store/review_records.h"

namespace abis {

std::string SampleContext(std::int64_t person_id, std::int64_t encounter_id, Modality modality, std::string_view format,
                          FingerPosition position);
std::string TemplateContext(std::int64_t person_id, std::int64_t sample_id, Modality modality,
                            std::string_view algorithm, FingerPosition position);
std::string ProbeContext(const SearchProbeRecord& probe);

}  // namespace abis
