// One ANSI/NIST-ITL 1-2011 transaction as the samples of one encounter: what `abis import nist`
// enrols from a file and what `abis import batch` enrols from each transaction of a folder (or a
// manifest row of modality `nist`): Type-4/14 single-finger images, the fingers cut from Type-4/14
// slaps (docs/SLAPS.md), Type-9 INCITS 378 minutiae as ANSI INCITS 378 records, Type-10 faces and
// the Type-18 STR profile. It lives beside the CLI because it needs the finger modules, which the
// interop layer (formats only) and the system layer (format-agnostic) do not depend on; the batch
// import takes it as its EncounterFileReader (abis/system/batch_import.h).
// Thread-safety: free functions on their arguments; safe to call from several threads at once.
#pragma once

#ifdef ABIS_HAVE_INTEROP
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"
#include "abis/modality/engine.h"
#include "nist_slaps.h"

namespace abis::cli {

// Largest transaction file the batch import reads (checked before reading; `abis import nist`
// takes up to interop::kMaxAn2kFileBytes).
inline constexpr std::uintmax_t kMaxBatchTransactionBytes = std::uintmax_t{256} << 20;

enum class TransactionSampleKind { kFinger, kSlapFinger, kMinutiae, kFace, kDna };

struct TransactionEncounterOptions {
  int min_quality = 20;  // print-quality floor for slap fingers (finger::kDefaultMinPrintQuality)
};

struct TransactionEncounter {
  std::string control_number;      // 1.009 TCN as a person id (PersonIdOfControlNumber); may be empty
  std::string originating_agency;  // 1.008 ORI
  std::vector<SampleInput> samples;
  std::vector<TransactionSampleKind> kinds;              // one per sample
  int dna_loci = 0;                                      // loci of the DNA sample (when there is one)
  nlohmann::json slap_report = nlohmann::json::array();  // per slap: segmentation, quality, sequence check
  int sequence_errors = 0;
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  std::vector<SlapSegmentsOfRecord> slap_segments;  // per segmented slap, in its record's pixels
#endif
  std::vector<std::string> skipped;  // records, fingers and loci not carried over, and why
};

// The samples of `transaction` (read from `source`, which names every sample's origin). Fails
// (kInvalidArgument naming `source`) when the transaction holds nothing enrollable or nothing
// could be converted; parts that cannot be converted are listed in `skipped`.
Result<TransactionEncounter> TransactionEncounterOf(const interop::An2kTransaction& transaction,
                                                    const std::string& source,
                                                    const TransactionEncounterOptions& options);

// Reads `file` (at most `max_bytes`, checked before reading) and converts it.
Result<TransactionEncounter> ReadTransactionEncounter(const std::filesystem::path& file,
                                                      const TransactionEncounterOptions& options,
                                                      std::uintmax_t max_bytes = kMaxBatchTransactionBytes);

// A transaction control number as a person id a shell user can type unquoted: spaces become '-',
// leading '-' are dropped. Empty when nothing is left.
std::string PersonIdOfControlNumber(std::string_view control_number);

// For a folder import: whether `file` is a transaction and the person id its 1.009 names ("" when
// none). nullopt: not a transaction (a name without a transaction extension - .an2, .an2k, .eft,
// .nist, any case - whose content does not parse as one). An error: a file with a transaction
// extension (or content starting like one) that does not read, naming it and what is wrong.
Result<std::optional<std::string>> IdentifyTransactionFile(const std::filesystem::path& file,
                                                           std::uintmax_t max_bytes = kMaxBatchTransactionBytes);

}  // namespace abis::cli
#endif
