// A 1:N pre-selection index over MCC cylinders, in the spirit of Cappelli, Ferrara, Maltoni,
// "Fingerprint indexing based on Minutia Cylinder-Code", IEEE TPAMI 33(5), 2011: every cylinder
// gets `kCylinderLshTables` locality-sensitive keys, and a candidate's score is built from its
// best-matching cylinders, not from one global signature.
//
// Keys: cylinders are sparse (5-10 % of the 1,248 bits set), so the keys are MinHash pairs
// (Broder): hash function f reads the cylinder's set bits within `kCylinderLshKeyRadius` of R,
// ranks them under two fixed random permutations and keeps the two minimum ranks. Two cylinders
// share a key with probability about J^2 (J: Jaccard similarity of their bit sets), so the cylinders
// of the same minutia in two impressions share several of the keys and unrelated cylinders almost
// none. A cylinder with fewer than `kCylinderLshMinBits` set bits gets no keys.
// Score of a gallery template T for a probe: for each probe cylinder c, the largest number of keys
// c shares with one cylinder of T (exact key equality, counted through the inverted index), summed
// over the probe's cylinders.
//
// The index is static: built once from all templates' keys (sorted postings), then queried
// concurrently; a changing gallery keeps several and merges them (cylinder_lsh_segments.h). Memory: 4 bytes per posting
// (tables x keyed cylinders) + 8 bytes per posting during the build, plus 12 bytes per distinct (table, key). Sizing
// (10k synthetic, mate in the 1 % shortlist; docs/notes/finger_scale_runs.md): 8 tables 93.3 %, 16 tables 98.3 %
// (2.4-2.7 KB per template), 24 tables 99.3 % (4.2 KB). Thread-safety: Build() needs exclusive access; Query() is const
// and reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/mcc.h"
#include "abis/modality/deferred_state_array.h"
#include "abis/modality/engine.h"

namespace abis::finger {

inline constexpr int kCylinderLshTables = 16;
inline constexpr int kCylinderLshMinBits = 6;
inline constexpr double kCylinderLshKeyRadius = 0.85;
// Slots are 24 bits in a posting, and a template's cylinders past the 255th get no posting.
inline constexpr std::size_t kCylinderLshMaxSlots = (std::size_t{1} << 24) - 1;
inline constexpr std::size_t kCylinderLshMaxCylinders = 255;

// The keys of one template: kCylinderLshTables per cylinder (row-major), 0 = no key.
struct CylinderLshKeys {
  std::vector<std::uint32_t> keys;
  std::size_t cylinders() const { return keys.size() / kCylinderLshTables; }
};

CylinderLshKeys BuildCylinderLshKeys(const MccTemplate& cylinders);

class CylinderLshIndex {
 public:
  struct Scored {
    float score = 0;
    std::uint32_t slot = 0;
  };
  // Builds the index over `templates` (slot = position; at most kCylinderLshMaxSlots). Cylinders
  // past the 255th of a template are left out.
  void Build(const std::vector<CylinderLshKeys>& templates);
  // The `keep` slots with the highest score, best first (ties by slot); slots sharing no key
  // with the probe are not returned. Fails (kDataLoss, kIoError) only when postings left in the
  // state the index was loaded from cannot be read back or name a slot out of range.
  Result<std::vector<Scored>> Query(const CylinderLshKeys& probe, std::size_t keep) const;
  // The scores behind Query(): adds each slot's score to scores[slot] (scores.size() == size()),
  // appending a slot to `touched` when its score first leaves 0. Fails as Query().
  Status Accumulate(const CylinderLshKeys& probe, std::vector<float>& scores,
                    std::vector<std::uint32_t>& touched) const;
  // The index of `first`'s and `second`'s templates: slot s of `first` becomes first_slots[s] and
  // slot s of `second` becomes second_slots[s], or is dropped when that is kDropped. The new slots
  // must keep the order of the old ones and put all of `first` before all of `second` (then the
  // merge is one linear pass); `slots` is the new index's size. REQUIRES: both have their postings
  // in memory (Materialize).
  static constexpr std::uint32_t kDropped = 0xFFFFFFFF;
  static CylinderLshIndex Merge(const CylinderLshIndex& first, const std::vector<std::uint32_t>& first_slots,
                                const CylinderLshIndex& second, const std::vector<std::uint32_t>& second_slots,
                                std::size_t slots);
  std::size_t MemoryBytes() const;
  std::size_t size() const { return slot_count_; }
  std::size_t postings() const { return postings_.size(); }
  // Reads postings left in the state (see LoadState) into memory and checks them as LoadState does
  // postings it reads; on failure nothing changes.
  Status Materialize();

  // Snapshot form: the arrays as they are. LoadState checks that they form an index over `slots`
  // slots (runs sorted and inside the postings, every posting's slot below `slots`): kDataLoss
  // otherwise, leaving this index unchanged. When the reader offers it (GalleryStateReader::Defer)
  // the postings stay in the state and a query reads the runs of the probe's keys, checking their
  // slots then.
  Status SaveState(GalleryStateWriter& out) const;
  Status LoadState(GalleryStateReader& in, std::size_t slots);

 private:
  // Postings sorted by (table, key): the entry is slot << 8 | cylinder.
  std::vector<std::uint64_t> table_keys_;  // (table << 32 | key) of each run of postings
  std::vector<std::uint32_t> run_begin_;   // first posting of each run (size = runs + 1)
  DeferredStateArray<std::uint32_t> postings_;
  std::size_t slot_count_ = 0;
};

}  // namespace abis::finger
