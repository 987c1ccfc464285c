// The finger 1:N gallery: templates held in a packed layout, searched in two stages:
//   1. pre-selection: the best max(min_candidates, penetration * size) templates survive, by
//      - the cylinder-LSH index (default; cylinder_lsh_segments.h): a template's score counts the
//        locality-sensitive keys its cylinders share with the probe's, minutia by minutia; the
//        shortlist is topped up from the signature scan when fewer templates share any key;
//      - or the signature scan: every signature is compared with the probe's (AND + popcount, AVX2
//        when available) in contiguous slices on the shared SearchExecutor
//        (abis/core/search_executor.h);
//   2. the survivors are compared with full MCC LSS-R (again in slices on the executor) and ranked.
// penetration = 1 makes the search exhaustive. Accuracy loss and speed of the pre-selection are
// measured by `abis bench finger` (docs/FINGER_SCALE.md).
//
// Layout (per template, about 200 bytes per valid cylinder + 540 bytes, plus about 2.5 KB of
// cylinder-LSH postings; MemoryBytes() reports):
//   - signatures: one contiguous array of 512-byte, 64-byte-aligned bit sets (stage 1 streams it);
//   - cylinders: one arena of packed cylinders (cell bits 160 B, centre 16 B, and the validity mask
//     per *spatial* cell, 32 B: in the bit variant all Nd angular cells of a spatial cell share
//     their validity, so the 1248-bit mask is stored as its 208 spatial bits); each template
//     points into the arena with a 32-bit offset and a 16-bit count;
//   - orientation maps: one byte arena of map cells (one byte per 16 px block, about 400-600 B
//     for an FVC-sized image), each template pointing into it with a 64-bit offset and its
//     block size, columns, rows and scale (24 B).
// Removal swaps the last template into the freed slot and leaves its cylinders and map cells as
// garbage in the arenas, compacted when garbage exceeds half of either.
// With `signatures_only`, cylinders are not kept (e.g. to run stage 1 over 1M templates in 0.5 GB);
// then only Preselect() is meaningful and Search*() fail / return nothing.
// Thread-safety: concurrent Search()/Preselect() calls are safe; Add()/Remove() need exclusive access.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "abis/finger/cylinder_lsh_segments.h"
#include "abis/finger/mcc.h"
#include "abis/finger/mcc_signature.h"
#include "abis/modality/deferred_state_array.h"
#include "abis/modality/engine.h"

namespace abis::finger {

enum class FingerPreselection { kCylinderLsh, kSignature };

struct FingerGalleryOptions {
  double penetration = 0.01;         // fraction of the gallery passed to stage 2 (docs/FINGER_SCALE.md)
  std::size_t min_candidates = 100;  // ... but never fewer than this
  unsigned threads = 0;              // slices per search, run on the shared SearchExecutor; 0 = hardware concurrency
  MccParameters mcc;
  bool signatures_only = false;                                        // keep no cylinders: stage 1 only (see above)
  FingerPreselection preselection = FingerPreselection::kCylinderLsh;  // ignored with signatures_only
};

// A pre-processed template: what the gallery stores per reference.
struct PreparedFingerTemplate {
  MccTemplate cylinders;
  FingerSignature signature;
};

// Builds the cylinders and the signature of a decoded template.
PreparedFingerTemplate PrepareFingerTemplate(const MinutiaeTemplate& minutiae, const MccParameters& mcc = {});

// One survivor of stage 1.
struct PreselectedReference {
  std::int64_t reference_id = 0;
  float signature_score = 0;
};

class FingerGallery : public ModalityGallery {
 public:
  explicit FingerGallery(FingerGalleryOptions options = {});

  // Adds or replaces `reference_id`; fails on a template of another algorithm or a corrupt one.
  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override;
  // Adds an already prepared template (used by benchmarks and by Add()). Fails (invalid_argument)
  // when the template has more than 65535 cylinders, the arena would pass 2^32 cylinders, or its
  // orientation map's cells do not match its size.
  Status AddPrepared(std::int64_t reference_id, const PreparedFingerTemplate& prepared);
  // Decodes the template and builds its cylinders and signature (the costly part of Add()).
  Result<std::unique_ptr<PreparedReference>> PrepareReference(const BiometricTemplate& reference) const override;
  Status AddReference(std::int64_t reference_id, std::unique_ptr<PreparedReference> prepared) override;
  void Remove(std::int64_t reference_id) override;
  std::size_t size() const override { return ids_.size(); }
  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe, std::size_t max_candidates) const override;
  // Search with a prepared probe and explicit stage-1 settings (penetration 1 = exhaustive), by
  // the gallery's pre-selection.
  // Returns nothing on a signatures-only gallery. kDataLoss (or kIoError) when the cylinders of a
  // shortlisted template, left in the snapshot the gallery was loaded from, cannot be read back.
  Result<std::vector<Candidate>> SearchPrepared(const PreparedFingerTemplate& probe, std::size_t max_candidates,
                                                double penetration, std::size_t min_candidates) const;
  // Stage 2 alone on the given references (ids not in the gallery are skipped): full MCC, best
  // first, at most `max_candidates`. Returns nothing on a signatures-only gallery; errors as above.
  Result<std::vector<Candidate>> SearchShortlist(const PreparedFingerTemplate& probe,
                                                 const std::vector<std::int64_t>& reference_ids,
                                                 std::size_t max_candidates) const;
  // Sharded search (ModalityGallery): stage 1 of this shard for a gallery of `whole_size`
  // templates, and stage 2 of the merged shortlist's references held here.
  Result<std::optional<ShardShortlist>> ShardPreselect(const BiometricTemplate& probe, std::size_t whole_size,
                                                       std::size_t max_candidates) const override;
  Result<std::vector<Candidate>> RankShortlist(const BiometricTemplate& probe,
                                               const std::vector<ShortlistEntry>& shortlist,
                                               std::size_t max_candidates) const override;
  // Stage 1 alone: the `keep` references with the highest signature similarity, best first
  // (ties by lower reference id).
  std::vector<PreselectedReference> Preselect(const FingerSignature& probe, std::size_t keep) const;

  // Reserves room for `templates` templates holding `cylinders` cylinders in all (avoids the
  // doubling growth of a large gallery). ShrinkToFit() returns unused capacity, array by array,
  // where more than an eighth of an array is unused: shrinking copies the array, so the peak
  // memory grows by the array's size while it runs (at 1M templates, 6 GB of cylinder cells),
  // which a small saving does not justify.
  void Reserve(std::size_t templates, std::size_t cylinders, std::size_t orientation_cells = 0);
  void ShrinkToFit();
  // Bytes held by the gallery's arrays: as allocated (capacity) and as used (size).
  std::size_t MemoryBytes() const override;
  std::size_t UsedBytes() const;

  // Snapshots (ModalityGallery): the packed arrays as they are, behind a header that names their
  // layout and a fingerprint of the cylinder builder (the cylinders and signature it makes of a
  // fixed synthetic finger with this gallery's MCC parameters), so a state written by another
  // build, another parameter set or another layout is refused (kDataLoss), never searched.
  // When the reader offers it (GalleryStateReader::Defer), the cylinder arena, the map arena and
  // the cylinder-LSH postings stay in the snapshot: stage 1 reads the postings of the probe's keys,
  // stage 2 the shortlisted templates' parts; a compaction or merge reads them in first (and is
  // put off when that fails).
  Status SaveState(GalleryStateWriter& out) const override;
  Status LoadState(GalleryStateReader& in) override;
  std::size_t CylinderCount() const { return cylinder_cells_.size() - garbage_cylinders_; }

 private:
  struct alignas(64) SignatureBits {
    std::array<std::uint64_t, kSignatureWords> words;
  };
  struct CylinderRange {
    std::uint32_t offset = 0;
    std::uint16_t count = 0;
  };
  struct OrientationRange {
    std::uint64_t offset = 0;      // into orientation_cells_; the cell count is columns * rows
    std::uint16_t block_size = 0;  // 0 = no map
    std::uint16_t columns = 0;
    std::uint16_t rows = 0;
    float scale = 1;  // MccTemplate::orientation_scale
  };
  using SpatialValidity = std::array<std::uint64_t, (kMccCircleCells + 63) / 64>;
  struct Scored {
    float score;
    std::uint32_t slot;
  };

  // AddPrepared with the template's cylinder-LSH keys already built (by PrepareReference).
  Status AddPreparedWithKeys(std::int64_t reference_id, const PreparedFingerTemplate& prepared, CylinderLshKeys keys);
  std::vector<Scored> ScanSignatures(const FingerSignature& probe, std::size_t keep) const;
  // The probe prepared with this gallery's parameters; the last one prepared on this thread is
  // reused (a grid matcher asks each of its virtual shards' galleries with the same probe).
  Result<PreparedFingerTemplate> PreparedProbe(const BiometricTemplate& probe) const;
  // The shortlist length for a gallery of `n` templates.
  std::size_t ShortlistLength(std::size_t n, std::size_t max_candidates, double penetration,
                              std::size_t min_candidates) const;
  // The cylinder-LSH index's best `keep` for `probe` (ties by reference id; split over the search
  // threads on large galleries).
  Result<std::vector<CylinderLshIndex::Scored>> QueryCylinderIndex(const PreparedFingerTemplate& probe,
                                                                   std::size_t keep) const;
  // Stage 1 by the cylinder-LSH index, topped up from the signature scan to `keep`.
  Result<std::vector<Scored>> PreselectByCylinders(const PreparedFingerTemplate& probe, std::size_t keep) const;
  bool UsesCylinderIndex() const {
    return options_.preselection == FingerPreselection::kCylinderLsh && !options_.signatures_only;
  }
  // Stage 2: full MCC of `probe` with the shortlisted slots, ranked.
  Result<std::vector<Candidate>> RankSlots(const PreparedFingerTemplate& probe, const std::vector<Scored>& shortlist,
                                           std::size_t max_candidates) const;
  // Where deferred arena parts are read to while a template is unpacked.
  struct UnpackScratch {
    std::vector<MccBits> cells;
    std::vector<MccTemplate::Centre> centres;
    std::vector<SpatialValidity> validity;
    std::vector<std::uint8_t> orientation;
  };
  // Unpacks the cylinders and the orientation map of `slot` into `out` (reusing its capacity).
  Status UnpackCylinders(std::size_t slot, MccTemplate& out, UnpackScratch& scratch) const;
  // Returns false, changing nothing, when deferred arena parts cannot be read in.
  bool CompactArena();
  std::size_t SlotMapBytes() const;  // the id -> slot map, estimated

  FingerGalleryOptions options_;
  std::vector<std::int64_t> ids_;
  std::unordered_map<std::int64_t, std::uint32_t> slot_of_;  // reference id -> slot (Remove is O(1))
  std::vector<SignatureBits> signatures_;
  std::vector<std::uint32_t> signature_set_bits_;
  std::vector<CylinderRange> ranges_;
  // The cylinder arena, structure of arrays.
  DeferredStateArray<MccBits> cylinder_cells_;
  DeferredStateArray<MccTemplate::Centre> cylinder_centres_;
  DeferredStateArray<SpatialValidity> cylinder_validity_;
  std::size_t garbage_cylinders_ = 0;
  std::vector<OrientationRange> orientation_ranges_;    // per template, as ranges_
  DeferredStateArray<std::uint8_t> orientation_cells_;  // the map arena
  std::size_t garbage_orientation_cells_ = 0;
  CylinderLshSegments cylinder_index_;  // slot for slot with ids_ (empty unless UsesCylinderIndex())
};

std::unique_ptr<FingerGallery> NewFingerGallery(FingerGalleryOptions options = {});

}  // namespace abis::finger
