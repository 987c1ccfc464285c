// The modality interface: every biometric modality (face, finger, DNA) plugs into the backbone
// through ModalityEngine (sample -> template, template x template -> score, a gallery for 1:N).
// The store, audit, CLI and service know only this interface; they never look inside a template.
//
// Thread-safety: an engine is immutable after construction and its const methods may be called
// concurrently. A ModalityGallery allows concurrent Search() calls; Add()/Remove() need exclusive
// access (callers hold a writer lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"

namespace abis {

// A captured sample as it arrives from outside: raw bytes, never trusted.
struct SampleInput {
  Modality modality = Modality::kFace;
  std::vector<std::uint8_t> bytes;  // image file, WSQ, ISO/ANSI record, STR CSV/JSON, ...
  std::string format_hint;          // optional: "" (detect by content), "wsq", "iso19794-2", "csv", ...
  FingerPosition position = FingerPosition::kUnknown;  // fingers only
  std::string source_name;                             // where it came from (a path), for error messages
  nlohmann::json options = nlohmann::json::object();   // engine-specific, e.g. {"face_index": 0}
};

// A template: what is stored (sealed) and compared. `data` is opaque to everything but its engine.
struct BiometricTemplate {
  Modality modality = Modality::kFace;
  std::string algorithm;  // engine algorithm id incl. version; templates of different ids never compare
  FingerPosition position = FingerPosition::kUnknown;
  std::vector<std::uint8_t> data;
  nlohmann::json quality = nlohmann::json::object();  // quality measures; never biometric data
};

// Result of one 1:1 comparison.
struct Comparison {
  double score = 0.0;   // raw similarity, higher is more similar; scale is the engine's own
  double log_lr = 0.0;  // calibrated natural-log likelihood ratio (same source vs different), for fusion
  nlohmann::json details = nlohmann::json::object();  // e.g. matched minutiae, loci compared
};

// One entry of a 1:N candidate list. `reference_id` is the id the caller gave to Add().
struct Candidate {
  std::int64_t reference_id = 0;
  double score = 0.0;
  double log_lr = 0.0;
  nlohmann::json details = nlohmann::json::object();
};

// Where a subject lies in its sample, in pixels of the decoded image.
struct SampleRegion {
  double x = 0.0;
  double y = 0.0;
  double width = 0.0;
  double height = 0.0;
};

// One subject an engine found in a sample (a face of a photo with several faces). Extracting it
// is the ordinary Extract() of the sample with `options` in place of the sample's options.
struct SubjectInSample {
  std::size_t index = 0;                              // the engine's order, from 0 (faces: left to right)
  nlohmann::json options = nlohmann::json::object();  // the sample's options plus the selecting ones
  std::optional<SampleRegion> region;                 // unset: the whole sample
  nlohmann::json quality = nlohmann::json::object();  // the engine's measures; never biometric data
  // Empty: usable. Otherwise why Extract() would refuse it: a short code ("too_small") and a
  // sentence with the measured value and the limit.
  std::string skipped_reason;
  std::string skipped_detail;
  bool usable() const { return skipped_reason.empty(); }
};

class KinshipEvaluator;

// Where a gallery writes its contents for a snapshot (abis/system/gallery_index_snapshot.h: the
// snapshot file seals them), and where it reads them back.
class GalleryStateWriter {
 public:
  virtual ~GalleryStateWriter() = default;
  virtual Status Write(std::span<const std::uint8_t> bytes) = 0;
};
// A state that stays readable after it is loaded (a snapshot file kept open): bytes at any
// offset. Thread-safety: ReadAt may be called from any number of threads at once.
class GalleryStateSource {
 public:
  virtual ~GalleryStateSource() = default;
  // Exactly bytes.size() bytes at `offset`; kDataLoss when they are not there or are damaged.
  virtual Status ReadAt(std::uint64_t offset, std::span<std::uint8_t> bytes) const = 0;
};
// Bytes of a state left where they are, to be read when needed (GalleryStateReader::Defer).
struct DeferredStateBytes {
  std::shared_ptr<const GalleryStateSource> source;  // null: not deferred
  std::uint64_t offset = 0;
};
class GalleryStateReader {
 public:
  virtual ~GalleryStateReader() = default;
  // Exactly bytes.size() bytes; kDataLoss when the state ends before or is damaged.
  virtual Status Read(std::span<std::uint8_t> bytes) = 0;
  // Moves past the next `bytes` bytes without reading them and says where they can be read later,
  // when this reader's state stays readable and its owner asked for arrays on demand (a short-lived
  // process that searches once); else a null source and nothing moved (the caller reads them).
  virtual Result<DeferredStateBytes> Defer(std::uint64_t bytes) {
    (void)bytes;
    return DeferredStateBytes{};
  }
  // The bytes left in the state when the reader knows them (a file's size), else nullopt. Counts
  // read from a state are checked against it before anything is allocated for them, so a damaged
  // or hostile count is a kDataLoss, not a huge allocation.
  virtual std::optional<std::uint64_t> RemainingBytes() const { return std::nullopt; }
};

// kDataLoss unless `count` items of at least `bytes_each` bytes can still follow in `in` (always
// true when the reader does not know what is left); `what` names them in the message.
Status CheckStateCount(const GalleryStateReader& in, std::uint64_t count, std::uint64_t bytes_each,
                       std::string_view what);

// One 64-bit word of a gallery state, in the machine's byte order (states are local caches).
Status WriteStateWord(GalleryStateWriter& out, std::uint64_t word);
Result<std::uint64_t> ReadStateWord(GalleryStateReader& in);
Status WriteStateWords(GalleryStateWriter& out, std::initializer_list<std::uint64_t> words);

// An array of plain values of a gallery state, as its bytes (the count is the caller's to write).
// ReadStateArray checks `count` against the bytes left (CheckStateCount), then resizes `values`. An empty array reads
// and writes nothing.
template <typename T>
Status WriteStateArray(GalleryStateWriter& out, std::span<const T> values) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (values.empty()) return Status::Ok();  // an empty array's data() may be null
  return out.Write({reinterpret_cast<const std::uint8_t*>(values.data()), values.size_bytes()});
}
template <typename T>
Status WriteStateArray(GalleryStateWriter& out, const std::vector<T>& values) {
  return WriteStateArray(out, std::span<const T>(values));
}
template <typename T>
Status ReadStateArray(GalleryStateReader& in, std::vector<T>& values, std::uint64_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  ABIS_RETURN_IF_ERROR(CheckStateCount(in, count, sizeof(T), "array items"));
  values.resize(count);
  if (values.empty()) return Status::Ok();
  return in.Read({reinterpret_cast<std::uint8_t*>(values.data()), values.size() * sizeof(T)});
}

// In-memory 1:N search structure for one modality.
class ModalityGallery {
 public:
  virtual ~ModalityGallery() = default;
  // Snapshots: a gallery that can write its prepared contents (what Add() computed from every
  // template) lets a restarted process skip decrypting and preparing the whole gallery again.
  // SaveState writes them; LoadState reads them into an empty gallery made by the same engine
  // with the same options, and refuses (kDataLoss) a state it cannot trust: another layout
  // version or parameters, sizes that do not add up. The default: kUnimplemented (no snapshot;
  // the index is rebuilt from the store).
  virtual Status SaveState(GalleryStateWriter& out) const;
  virtual Status LoadState(GalleryStateReader& in);
  // Bytes the gallery holds in memory (its arrays' capacity); 0 when the gallery does not say.
  virtual std::size_t MemoryBytes() const { return 0; }
  // Adds (or replaces) the template under `reference_id`. Fails on a template of another algorithm.
  virtual Status Add(std::int64_t reference_id, const BiometricTemplate& reference) = 0;
  // Add() in two steps, so that a bulk update can run the costly part on several threads:
  // PrepareReference() (const, safe to call concurrently with other PrepareReference() calls and
  // with searches) does the work that needs no gallery state, AddReference() adds its result, with
  // the same outcome as Add() of the template. Errors are those of Add(), from either step.
  // The default prepares nothing: the template is kept and added by Add().
  class PreparedReference {
   public:
    virtual ~PreparedReference() = default;
  };
  virtual Result<std::unique_ptr<PreparedReference>> PrepareReference(const BiometricTemplate& reference) const;
  virtual Status AddReference(std::int64_t reference_id, std::unique_ptr<PreparedReference> prepared);
  // Removes every template added under `reference_id`; no-op when absent.
  virtual void Remove(std::int64_t reference_id) = 0;
  virtual std::size_t size() const = 0;
  // Best `max_candidates` candidates, highest score first.
  virtual Result<std::vector<Candidate>> Search(const BiometricTemplate& probe, std::size_t max_candidates) const = 0;

  // Sharded search (the matcher grid, abis/grid/): a gallery split by person over shards answers
  // exactly as one gallery holding them all. A gallery whose Search ranks every template exactly
  // (ties by lower reference id) needs nothing more: the shards' Search lists are merged (score
  // descending, then reference id). A gallery that pre-selects a shortlist first overrides both:
  // ShardPreselect on every shard with the whole gallery's size, MergeShardShortlists
  // (abis/modality/shard_shortlist.h) of their answers, then RankShortlist on every shard with
  // the merged shortlist (each ranks the references it holds), the lists merged as above.
  struct ShortlistEntry {
    std::int64_t reference_id = 0;
    float score = 0;
  };
  struct ShardShortlist {
    std::size_t keep = 0;                 // the shortlist's length for the whole gallery
    std::vector<ShortlistEntry> indexed;  // the shard's best `keep` by the pre-selection, best first
    // The shard's best `keep` by the fallback that fills a shortlist the pre-selection leaves
    // short, best first (empty when the pre-selection alone fills it here).
    std::vector<ShortlistEntry> fill;
  };
  // nullopt (the default): the gallery has no pre-selection; use Search.
  virtual Result<std::optional<ShardShortlist>> ShardPreselect(const BiometricTemplate& probe, std::size_t whole_size,
                                                               std::size_t max_candidates) const;
  // Stage 2 on the entries of `shortlist` this gallery holds (the others are skipped), best
  // `max_candidates` first. kUnimplemented (the default) for a gallery without pre-selection.
  virtual Result<std::vector<Candidate>> RankShortlist(const BiometricTemplate& probe,
                                                       const std::vector<ShortlistEntry>& shortlist,
                                                       std::size_t max_candidates) const;
};

class ModalityEngine {
 public:
  virtual ~ModalityEngine() = default;
  virtual Modality modality() const = 0;
  // Algorithm id written into every template this engine makes, e.g. "finger-mcc/1".
  virtual std::string algorithm() const = 0;
  // Validates and decodes the sample, checks its quality, extracts a template.
  // Bad input returns kInvalidArgument naming what was wrong and in which source.
  virtual Result<BiometricTemplate> Extract(const SampleInput& sample) const = 0;
  // The SampleInput option keys that shape the template (a scan resolution, which face of a
  // photo). They are stored with the sample so that it can be extracted again exactly as at
  // enrolment; every other option (e.g. a folder for debug images) applies to one call only.
  virtual std::vector<std::string> TemplateOptionKeys() const { return {}; }
  // The subjects of one sample, in the engine's order: those its options select (all of them
  // when the options select none), each marked usable or skipped with the reason. The default:
  // the whole sample is one usable subject with the sample's options. Bad input is
  // kInvalidArgument as in Extract(); a sample with no subject at all is an error, not an empty list.
  virtual Result<std::vector<SubjectInSample>> FindSubjects(const SampleInput& sample) const;
  // 1:1 comparison. Templates of another algorithm are kInvalidArgument.
  virtual Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const = 0;
  // What an examiner sees of one comparison beyond the score: engine-specific detail that may
  // hold biometric data (alleles per locus, minutiae positions). Only for the examiner's candidate
  // page: never copied into search answers or the audit log. The default: an empty object.
  virtual Result<nlohmann::json> ExaminerView(const BiometricTemplate& probe, const BiometricTemplate& reference) const;
  // The sample as the engine prepares it before extraction, as a PNG for the examiner's page
  // (faces: the crop aligned to the embedding model's input). Biometric data like the sample
  // itself. kUnimplemented (the default) when the engine prepares no image; the engine's
  // rejection (e.g. no face) when the sample yields none.
  virtual Result<std::vector<std::uint8_t>> PreparedImage(const SampleInput& sample) const;
  // A new, empty gallery for this engine's templates.
  virtual std::unique_ptr<ModalityGallery> NewGallery() const = 0;
  // Raw-score threshold whose estimated false-match rate is `false_match_rate` (0 < fmr < 1).
  virtual Result<double> ThresholdForFalseMatchRate(double false_match_rate) const = 0;
  // The engine's kinship evaluator (abis/modality/kinship_evaluator.h), owned by the engine; null
  // (the default) when the modality cannot weigh relatives' evidence.
  virtual const KinshipEvaluator* kinship() const { return nullptr; }
};

// A gallery that compares the probe with every reference through ModalityEngine::Compare.
// Correct for any engine; engines replace it with an indexed gallery when they have one.
// The engine must outlive the gallery.
std::unique_ptr<ModalityGallery> NewExhaustiveGallery(const ModalityEngine& engine);

}  // namespace abis
