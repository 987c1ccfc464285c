#include "abis/finger/cylinder_lsh_segments.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "abis/core/search_executor.h"

namespace abis::finger {
namespace {

// The score CylinderLshIndex gives `gallery` for `probe`, computed from the keys directly: for
// each probe cylinder, the most keys it shares with one gallery cylinder (of the first 255).
float DirectScore(const CylinderLshKeys& probe, const CylinderLshKeys& gallery) {
  const std::size_t gallery_cylinders = std::min(gallery.cylinders(), kCylinderLshMaxCylinders);
  float score = 0;
  for (std::size_t c = 0; c < probe.cylinders(); ++c) {
    const std::uint32_t* probe_keys = probe.keys.data() + c * kCylinderLshTables;
    int best = 0;
    for (std::size_t g = 0; g < gallery_cylinders && best < kCylinderLshTables; ++g) {
      const std::uint32_t* gallery_keys = gallery.keys.data() + g * kCylinderLshTables;
      int shared = 0;
      for (int t = 0; t < kCylinderLshTables; ++t) shared += probe_keys[t] != 0 && probe_keys[t] == gallery_keys[t];
      best = std::max(best, shared);
    }
    score += static_cast<float>(best);
  }
  return score;
}

}  // namespace

Status CylinderLshSegments::Add(CylinderLshKeys keys) {
  if (homes_.size() >= kCylinderLshMaxSlots) {
    return Status::InvalidArgument("cylinder index: at most " + std::to_string(kCylinderLshMaxSlots) + " templates");
  }
  if (keys.keys.size() % kCylinderLshTables != 0) {
    return Status::InvalidArgument("cylinder index: keys are not a whole number of cylinders");
  }
  const auto slot = static_cast<std::uint32_t>(homes_.size());
  homes_.push_back({kFresh, static_cast<std::uint32_t>(fresh_slots_.size())});
  fresh_slots_.push_back(slot);
  fresh_keys_.push_back(std::move(keys));
  if (fresh_slots_.size() >= kFreshLimit) SealFresh();
  return Status::Ok();
}

void CylinderLshSegments::SwapRemove(std::uint32_t slot) {
  if (slot >= homes_.size()) return;
  const Home removed = homes_[slot];
  if (removed.segment == kFresh) {
    fresh_slots_[removed.local] = kDead;
    fresh_keys_[removed.local] = {};
  } else {
    segments_[removed.segment].slot_of_local[removed.local] = kDead;
    --segments_[removed.segment].live;
  }
  const auto last = static_cast<std::uint32_t>(homes_.size() - 1);
  if (slot != last) {
    const Home moved = homes_[last];
    homes_[slot] = moved;
    if (moved.segment == kFresh) {
      fresh_slots_[moved.local] = slot;
    } else {
      segments_[moved.segment].slot_of_local[moved.local] = slot;
    }
  }
  homes_.pop_back();
  if (removed.segment != kFresh) {
    Segment& segment = segments_[removed.segment];
    // A segment whose postings are still in the snapshot and cannot be read in stays as it is.
    if (segment.slot_of_local.size() >= kFreshLimit && 2 * segment.live < segment.slot_of_local.size() &&
        segment.index.Materialize().ok()) {
      segment = MergeSegments(segment, nullptr);
      RehomeSegment(removed.segment);
    }
  }
}

CylinderLshSegments::Segment CylinderLshSegments::MergeSegments(const Segment& first, const Segment* second) {
  Segment merged;
  const auto renumber = [&merged](const Segment& from) {
    std::vector<std::uint32_t> new_local(from.slot_of_local.size(), CylinderLshIndex::kDropped);
    for (std::size_t l = 0; l < from.slot_of_local.size(); ++l) {
      if (from.slot_of_local[l] == kDead) continue;
      new_local[l] = static_cast<std::uint32_t>(merged.slot_of_local.size());
      merged.slot_of_local.push_back(from.slot_of_local[l]);
    }
    return new_local;
  };
  static const Segment kEmpty;
  const Segment& other = second != nullptr ? *second : kEmpty;
  const std::vector<std::uint32_t> first_locals = renumber(first);
  const std::vector<std::uint32_t> second_locals = renumber(other);
  merged.live = merged.slot_of_local.size();
  merged.index = CylinderLshIndex::Merge(first.index, first_locals, other.index, second_locals, merged.live);
  return merged;
}

void CylinderLshSegments::RehomeSegment(std::size_t segment) {
  const std::vector<std::uint32_t>& slots = segments_[segment].slot_of_local;
  for (std::size_t l = 0; l < slots.size(); ++l) {
    if (slots[l] != kDead) homes_[slots[l]] = {static_cast<std::uint32_t>(segment), static_cast<std::uint32_t>(l)};
  }
}

void CylinderLshSegments::SealFresh() {
  // Segments emptied by removals go first (the ones after them move down).
  const std::size_t before = segments_.size();
  std::erase_if(segments_, [](const Segment& segment) { return segment.live == 0; });
  if (segments_.size() != before) {
    for (std::size_t s = 0; s < segments_.size(); ++s) RehomeSegment(s);
  }
  Segment fresh;
  std::vector<CylinderLshKeys> keys;
  for (std::size_t f = 0; f < fresh_slots_.size(); ++f) {
    if (fresh_slots_[f] == kDead) continue;
    fresh.slot_of_local.push_back(fresh_slots_[f]);
    keys.push_back(std::move(fresh_keys_[f]));
  }
  fresh_slots_.clear();
  fresh_keys_.clear();
  if (keys.empty()) return;
  fresh.live = keys.size();
  fresh.index.Build(keys);
  segments_.push_back(std::move(fresh));
  // A merge never makes a segment of more postings than its 32-bit run offsets address.
  const auto fits = [](const Segment& a, const Segment& b) {
    return a.index.postings() + b.index.postings() <= std::numeric_limits<std::uint32_t>::max();
  };
  while (segments_.size() >= 2 && segments_[segments_.size() - 2].live <= segments_.back().live &&
         fits(segments_[segments_.size() - 2], segments_.back()) &&
         segments_[segments_.size() - 2].index.Materialize().ok() && segments_.back().index.Materialize().ok()) {
    Segment merged = MergeSegments(segments_[segments_.size() - 2], &segments_.back());
    segments_.pop_back();
    segments_.back() = std::move(merged);
  }
  RehomeSegment(segments_.size() - 1);
}

void CylinderLshSegments::AccumulateFresh(const CylinderLshKeys& probe, std::vector<float>& scores,
                                          std::vector<std::uint32_t>& touched) const {
  for (std::size_t f = 0; f < fresh_slots_.size(); ++f) {
    const std::uint32_t slot = fresh_slots_[f];
    if (slot == kDead) continue;
    const float score = DirectScore(probe, fresh_keys_[f]);
    if (score == 0) continue;
    scores[slot] = score;
    touched.push_back(slot);
  }
}

Result<std::vector<CylinderLshIndex::Scored>> CylinderLshSegments::Query(const CylinderLshKeys& probe, std::size_t keep,
                                                                         const std::vector<std::int64_t>& id_of_slot,
                                                                         unsigned slices) const {
  std::vector<float> scores;
  std::vector<std::uint32_t> touched;
  const std::size_t parts = std::clamp<std::size_t>(slices, 1, std::max<std::size_t>(1, probe.cylinders()));
  if (parts == 1) {
    scores.assign(homes_.size(), 0);
    ABIS_RETURN_IF_ERROR(Score(probe, scores, touched));
  } else {
    std::vector<std::vector<float>> part_scores(parts);
    std::vector<std::vector<std::uint32_t>> part_touched(parts);
    std::vector<Status> part_status(parts);
    SearchExecutor::Shared().ParallelFor(parts, [&](std::size_t part) {
      const auto first = static_cast<std::ptrdiff_t>(SearchExecutor::SliceBegin(probe.cylinders(), parts, part));
      const auto end = static_cast<std::ptrdiff_t>(SearchExecutor::SliceBegin(probe.cylinders(), parts, part + 1));
      CylinderLshKeys cylinders;
      cylinders.keys.assign(probe.keys.begin() + first * kCylinderLshTables,
                            probe.keys.begin() + end * kCylinderLshTables);
      part_scores[part].assign(homes_.size(), 0);
      part_status[part] = Score(cylinders, part_scores[part], part_touched[part]);
    });
    for (const Status& status : part_status) ABIS_RETURN_IF_ERROR(status);
    scores = std::move(part_scores[0]);
    touched = std::move(part_touched[0]);
    for (std::size_t part = 1; part < parts; ++part) {
      for (const std::uint32_t slot : part_touched[part]) {
        if (scores[slot] == 0) touched.push_back(slot);
        scores[slot] += part_scores[part][slot];
      }
    }
  }
  std::vector<CylinderLshIndex::Scored> ranked;
  ranked.reserve(touched.size());
  for (const std::uint32_t slot : touched) ranked.push_back({scores[slot], slot});
  const bool by_id = id_of_slot.size() == homes_.size() && !id_of_slot.empty();
  const auto better = [&](const CylinderLshIndex::Scored& a, const CylinderLshIndex::Scored& b) {
    if (a.score != b.score) return a.score > b.score;
    return by_id ? id_of_slot[a.slot] < id_of_slot[b.slot] : a.slot < b.slot;
  };
  if (ranked.size() > keep) {
    std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(), better);
    ranked.resize(keep);
  }
  std::sort(ranked.begin(), ranked.end(), better);
  return ranked;
}

Status CylinderLshSegments::Score(const CylinderLshKeys& probe, std::vector<float>& scores,
                                  std::vector<std::uint32_t>& touched) const {
  std::vector<float> local_scores;
  std::vector<std::uint32_t> local_touched;
  for (const Segment& segment : segments_) {
    local_scores.assign(segment.slot_of_local.size(), 0);
    local_touched.clear();
    ABIS_RETURN_IF_ERROR(segment.index.Accumulate(probe, local_scores, local_touched));
    for (const std::uint32_t local : local_touched) {
      const std::uint32_t slot = segment.slot_of_local[local];
      if (slot == kDead) continue;
      scores[slot] = local_scores[local];  // a slot lives in one segment only
      touched.push_back(slot);
    }
  }
  AccumulateFresh(probe, scores, touched);
  return Status::Ok();
}

std::size_t CylinderLshSegments::MemoryBytes() const {
  std::size_t bytes = homes_.capacity() * sizeof(Home) + fresh_slots_.capacity() * sizeof(std::uint32_t);
  for (const Segment& segment : segments_) {
    bytes += segment.index.MemoryBytes() + segment.slot_of_local.capacity() * sizeof(std::uint32_t);
  }
  for (const CylinderLshKeys& keys : fresh_keys_) bytes += keys.keys.capacity() * sizeof(std::uint32_t);
  return bytes;
}

Status CylinderLshSegments::SaveState(GalleryStateWriter& out) const {
  ABIS_RETURN_IF_ERROR(WriteStateWords(out, {homes_.size(), segments_.size(), fresh_slots_.size()}));
  for (const Segment& segment : segments_) {
    ABIS_RETURN_IF_ERROR(WriteStateWord(out, segment.slot_of_local.size()));
    ABIS_RETURN_IF_ERROR(WriteStateArray(out, segment.slot_of_local));
    ABIS_RETURN_IF_ERROR(segment.index.SaveState(out));
  }
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, fresh_slots_));
  for (const CylinderLshKeys& keys : fresh_keys_) {
    ABIS_RETURN_IF_ERROR(WriteStateWord(out, keys.keys.size()));
    ABIS_RETURN_IF_ERROR(WriteStateArray(out, keys.keys));
  }
  return Status::Ok();
}

Status CylinderLshSegments::LoadState(GalleryStateReader& in, std::size_t slots) {
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t homes, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t segments, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t fresh, ReadStateWord(in));
  if (homes != slots || slots > kCylinderLshMaxSlots || segments > 4096 || fresh >= kFreshLimit) {
    return Status::DataLoss("cylinder index state: sizes out of range");
  }
  CylinderLshSegments loaded;
  loaded.homes_.resize(slots);
  std::vector<bool> homed(slots, false);  // each slot must be homed exactly once
  const auto home = [&loaded, &homed](std::uint32_t slot, Home at) -> Status {
    if (slot == kDead) return Status::Ok();
    if (slot >= homed.size() || homed[slot]) {
      return Status::DataLoss("cylinder index state: slot " + std::to_string(slot) + " out of range or twice");
    }
    homed[slot] = true;
    loaded.homes_[slot] = at;
    return Status::Ok();
  };
  for (std::uint64_t s = 0; s < segments; ++s) {
    ABIS_ASSIGN_OR_RETURN(const std::uint64_t locals, ReadStateWord(in));
    if (locals > kCylinderLshMaxSlots) return Status::DataLoss("cylinder index state: a segment out of range");
    Segment segment;
    ABIS_RETURN_IF_ERROR(ReadStateArray(in, segment.slot_of_local, locals));
    ABIS_RETURN_IF_ERROR(segment.index.LoadState(in, locals));
    for (std::size_t l = 0; l < locals; ++l) {
      ABIS_RETURN_IF_ERROR(
          home(segment.slot_of_local[l], {static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(l)}));
      segment.live += segment.slot_of_local[l] != kDead;
    }
    loaded.segments_.push_back(std::move(segment));
  }
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.fresh_slots_, fresh));
  for (std::uint64_t f = 0; f < fresh; ++f) {
    ABIS_ASSIGN_OR_RETURN(const std::uint64_t count, ReadStateWord(in));
    if (count % kCylinderLshTables != 0 || count > 65535 * kCylinderLshTables) {
      return Status::DataLoss("cylinder index state: fresh keys out of range");
    }
    CylinderLshKeys keys;
    ABIS_RETURN_IF_ERROR(ReadStateArray(in, keys.keys, count));
    loaded.fresh_keys_.push_back(std::move(keys));
    ABIS_RETURN_IF_ERROR(home(loaded.fresh_slots_[f], {kFresh, static_cast<std::uint32_t>(f)}));
  }
  if (std::find(homed.begin(), homed.end(), false) != homed.end()) {
    return Status::DataLoss("cylinder index state: a slot has no keys");
  }
  *this = std::move(loaded);
  return Status::Ok();
}

}  // namespace abis::finger
