// The cylinder-LSH pre-selection (cylinder_lsh_index.h) of a gallery that changes: templates come
// and go one at a time, while a CylinderLshIndex is built once and never changes.
//
// Layout, as a log-structured merge: the newest templates (at most kFreshLimit) sit in a fresh
// list, scored directly from their keys; when it is full they become a segment (a static index).
// A new segment is merged with the one before it while that one is no larger (a binary counter),
// so there are about log2(n / kFreshLimit) segments and each template is re-indexed O(log n) times.
// Removed templates stay in their segment as dead slots until a merge drops them (or, when more
// than half of a segment is dead, it is rebuilt alone).
//
// Slots are the gallery's dense slots (FingerGallery): Add appends slot size(), and SwapRemove(s)
// removes slot s and moves the last slot into it, as the gallery does with its arrays. Scores do
// not depend on the layout: a template's score is the same in the fresh list, in any segment, or
// in one index built over the whole gallery (tests/finger/cylinder_lsh_segments_test.cc).
// Thread-safety: Query() is const and reentrant; Add()/SwapRemove() need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/cylinder_lsh_index.h"
#include "abis/modality/engine.h"

namespace abis::finger {

class CylinderLshSegments {
 public:
  static constexpr std::size_t kFreshLimit = 64;

  // Appends slot size() with these keys. Fails (invalid_argument) past kCylinderLshMaxSlots slots.
  Status Add(CylinderLshKeys keys);
  // Removes `slot` and moves the last slot into it (no-op for a slot out of range).
  void SwapRemove(std::uint32_t slot);
  std::size_t size() const { return homes_.size(); }

  // The `keep` slots with the highest score, best first (ties by lower slot); slots sharing no
  // key with the probe are not returned. With `id_of_slot` (the gallery's reference ids, one per
  // slot) ties go to the lower id instead, so that the order does not depend on the layout. With
  // `slices` > 1 the probe's cylinders are split into that many parts scored at once on the shared
  // SearchExecutor (a score is a sum over the probe's cylinders of whole counts, so the answer is
  // the same); each part holds a score per slot. Fails as CylinderLshIndex::Query (postings left
  // in a snapshot that cannot be read back).
  Result<std::vector<CylinderLshIndex::Scored>> Query(const CylinderLshKeys& probe, std::size_t keep,
                                                      const std::vector<std::int64_t>& id_of_slot = {},
                                                      unsigned slices = 1) const;

  std::size_t MemoryBytes() const;
  std::size_t segment_count() const { return segments_.size(); }

  // Snapshot form. LoadState checks that the segments and the fresh list hold each of `slots`
  // slots exactly once (kDataLoss otherwise, leaving this object unchanged).
  Status SaveState(GalleryStateWriter& out) const;
  Status LoadState(GalleryStateReader& in, std::size_t slots);

 private:
  static constexpr std::uint32_t kDead = CylinderLshIndex::kDropped;
  static constexpr std::uint32_t kFresh = 0xFFFFFFFF;  // Home::segment of a fresh template

  struct Segment {
    CylinderLshIndex index;
    std::vector<std::uint32_t> slot_of_local;  // kDead once removed
    std::size_t live = 0;
  };
  struct Home {
    std::uint32_t segment = kFresh;  // index into segments_, or kFresh
    std::uint32_t local = 0;         // slot in that segment, or position in the fresh list
  };

  // Scores of every live slot for `probe` into scores[slot] (0 before), appending each slot that
  // scores to `touched`.
  Status Score(const CylinderLshKeys& probe, std::vector<float>& scores, std::vector<std::uint32_t>& touched) const;
  // Scores of the fresh templates, added to scores[slot] (as CylinderLshIndex::Accumulate).
  void AccumulateFresh(const CylinderLshKeys& probe, std::vector<float>& scores,
                       std::vector<std::uint32_t>& touched) const;
  // Turns the fresh list into a segment, then merges while the previous segment is no larger than
  // the last (and the merged one would hold at most 2^32 - 1 postings: its run offsets are 32-bit).
  void SealFresh();
  // The segment of `first`'s and `second`'s live templates (second may be null: compaction).
  Segment MergeSegments(const Segment& first, const Segment* second);
  void RehomeSegment(std::size_t segment);  // points homes_ at segments_[segment]'s live slots

  std::vector<Home> homes_;  // per gallery slot
  std::vector<Segment> segments_;
  std::vector<CylinderLshKeys> fresh_keys_;
  std::vector<std::uint32_t> fresh_slots_;  // kDead once removed
};

}  // namespace abis::finger
