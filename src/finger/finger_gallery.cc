#include "abis/finger/finger_gallery.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include "abis/core/search_executor.h"
#include "abis/finger/cylinder_lsh_index.h"
#include "abis/finger/finger_engine.h"
#include "abis/finger/finger_template_format.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/score_calibration.h"
#include "signature_popcount.h"

namespace abis::finger {
namespace {

// Runs body(begin, end, slice) over [0, count) split into min(threads, count / min_per_slice)
// contiguous slices (at least one) on the shared search executor.
template <typename Body>
void ParallelSlices(std::size_t count, unsigned threads, std::size_t min_per_slice, Body body) {
  const std::size_t useful = std::max<std::size_t>(1, count / std::max<std::size_t>(1, min_per_slice));
  const std::size_t slices = std::min<std::size_t>(std::max(1u, threads), useful);
  SearchExecutor::Shared().ParallelFor(slices, [&](std::size_t slice) {
    body(SearchExecutor::SliceBegin(count, slices, slice), SearchExecutor::SliceBegin(count, slices, slice + 1),
         static_cast<unsigned>(slice));
  });
}

bool BitAt(const std::uint64_t* words, int index) { return (words[index / 64] >> (index % 64)) & 1; }

template <typename T>
std::size_t CapacityBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// Returns the unused capacity of `v` when it is more than an eighth of it (see ShrinkToFit).
template <typename T>
void ReleaseLargeSlack(std::vector<T>& v) {
  if (v.capacity() - v.size() > v.capacity() / 8) v.shrink_to_fit();
}

}  // namespace

PreparedFingerTemplate PrepareFingerTemplate(const MinutiaeTemplate& minutiae, const MccParameters& mcc) {
  PreparedFingerTemplate prepared;
  prepared.cylinders = BuildMccTemplate(minutiae, mcc);
  prepared.signature = BuildFingerSignature(prepared.cylinders);
  return prepared;
}

FingerGallery::FingerGallery(FingerGalleryOptions options) : options_(options) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
}

Status FingerGallery::Add(std::int64_t reference_id, const BiometricTemplate& reference) {
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(reference));
  return AddPrepared(reference_id, PrepareFingerTemplate(minutiae, options_.mcc));
}

namespace {

// Galleries this large split a cylinder-LSH query over the search threads (the probe's cylinders
// in parts); below it one thread answers in a few milliseconds.
constexpr std::size_t kParallelLshQuerySlots = 50000;

class PreparedFingerReference final : public ModalityGallery::PreparedReference {
 public:
  PreparedFingerReference(PreparedFingerTemplate prepared, CylinderLshKeys keys)
      : prepared(std::move(prepared)), keys(std::move(keys)) {}
  PreparedFingerTemplate prepared;
  CylinderLshKeys keys;  // empty unless the gallery keeps the cylinder-LSH index
};

}  // namespace

Result<std::unique_ptr<ModalityGallery::PreparedReference>> FingerGallery::PrepareReference(
    const BiometricTemplate& reference) const {
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(reference));
  PreparedFingerTemplate prepared = PrepareFingerTemplate(minutiae, options_.mcc);
  // The LSH keys too: preparing runs on every core, adding on one.
  CylinderLshKeys keys = UsesCylinderIndex() ? BuildCylinderLshKeys(prepared.cylinders) : CylinderLshKeys{};
  return std::unique_ptr<PreparedReference>(
      std::make_unique<PreparedFingerReference>(std::move(prepared), std::move(keys)));
}

Status FingerGallery::AddReference(std::int64_t reference_id, std::unique_ptr<PreparedReference> prepared) {
  auto* finger = dynamic_cast<PreparedFingerReference*>(prepared.get());
  if (finger == nullptr) return Status::InvalidArgument("finger gallery: a reference prepared by another gallery");
  if (UsesCylinderIndex() && finger->keys.keys.empty()) {  // prepared by a gallery without the index
    return AddPrepared(reference_id, finger->prepared);
  }
  return AddPreparedWithKeys(reference_id, finger->prepared, std::move(finger->keys));
}

Status FingerGallery::AddPrepared(std::int64_t reference_id, const PreparedFingerTemplate& prepared) {
  return AddPreparedWithKeys(reference_id, prepared,
                             UsesCylinderIndex() ? BuildCylinderLshKeys(prepared.cylinders) : CylinderLshKeys{});
}

Status FingerGallery::AddPreparedWithKeys(std::int64_t reference_id, const PreparedFingerTemplate& prepared,
                                          CylinderLshKeys keys) {
  const MccTemplate& cylinders = prepared.cylinders;
  const std::size_t count = options_.signatures_only ? 0 : cylinders.size();
  const std::string where = "finger gallery, reference " + std::to_string(reference_id);
  if (count > std::numeric_limits<std::uint16_t>::max()) {
    return Status::InvalidArgument(where + ": " + std::to_string(count) + " cylinders, at most 65535");
  }
  if (cylinders.cells.size() != cylinders.size() || cylinders.validity.size() != cylinders.size()) {
    return Status::InvalidArgument(where + ": inconsistent cylinder arrays");
  }
  // Pack the validity masks to one bit per spatial cell; this is lossless only when the Nd bits of
  // every spatial cell agree and cells lie within the mask, as the builder guarantees.
  const RidgeOrientationMap& map = cylinders.orientation;
  const bool keep_map = !options_.signatures_only && !map.empty();
  if (keep_map) {  // the rules of the template format, so a gallery score equals a direct comparison
    if (Status valid = ValidateOrientationMap(map, 0, 0); !valid.ok()) {
      return Status::InvalidArgument(where + ": " + valid.message());
    }
    if (!(cylinders.orientation_scale > 0 && std::isfinite(cylinders.orientation_scale))) {
      return Status::InvalidArgument(where + ": orientation map scale " + std::to_string(cylinders.orientation_scale) +
                                     " is not a positive number");
    }
  }
  std::vector<SpatialValidity> packed(count);
  for (std::size_t c = 0; c < count; ++c) {
    for (int w = 0; w < kMccWords; ++w) {
      if ((cylinders.cells[c][w] & ~cylinders.validity[c][w]) != 0) {
        return Status::InvalidArgument(where + ", cylinder " + std::to_string(c) +
                                       ": cell bits outside its validity mask");
      }
    }
    packed[c] = {};
    for (int s = 0; s < kMccCircleCells; ++s) {
      const bool valid = BitAt(cylinders.validity[c].data(), s * kMccAngularCells);
      for (int k = 1; k < kMccAngularCells; ++k) {
        if (BitAt(cylinders.validity[c].data(), s * kMccAngularCells + k) != valid) {
          return Status::InvalidArgument(where + ", cylinder " + std::to_string(c) +
                                         ": validity differs between the angular cells of spatial cell " +
                                         std::to_string(s));
        }
      }
      if (valid) packed[c][s / 64] |= std::uint64_t{1} << (s % 64);
    }
  }
  Remove(reference_id);
  if (UsesCylinderIndex() && ids_.size() >= kCylinderLshMaxSlots) {
    return Status::InvalidArgument(where + ": the gallery is full (" + std::to_string(kCylinderLshMaxSlots) +
                                   " templates)");
  }
  if (cylinder_cells_.size() + count > std::numeric_limits<std::uint32_t>::max()) {
    (void)CompactArena();
    if (cylinder_cells_.size() + count > std::numeric_limits<std::uint32_t>::max()) {
      return Status::InvalidArgument(where + ": the cylinder arena is full (2^32 cylinders)");
    }
  }
  slot_of_.emplace(reference_id, static_cast<std::uint32_t>(ids_.size()));
  ids_.push_back(reference_id);
  SignatureBits bits;
  bits.words = prepared.signature.bits;
  signatures_.push_back(bits);
  signature_set_bits_.push_back(prepared.signature.set_bits);
  ranges_.push_back({static_cast<std::uint32_t>(cylinder_cells_.size()), static_cast<std::uint16_t>(count)});
  for (std::size_t c = 0; c < count; ++c) {
    cylinder_cells_.push_back(cylinders.cells[c]);
    cylinder_centres_.push_back(cylinders.centres[c]);
    cylinder_validity_.push_back(packed[c]);
  }
  OrientationRange orientation;
  if (keep_map) {
    orientation = {orientation_cells_.size(), static_cast<std::uint16_t>(map.block_size),
                   static_cast<std::uint16_t>(map.columns), static_cast<std::uint16_t>(map.rows),
                   cylinders.orientation_scale};
    orientation_cells_.memory().insert(orientation_cells_.memory().end(), map.cells.begin(), map.cells.end());
  }
  orientation_ranges_.push_back(orientation);
  if (UsesCylinderIndex()) return cylinder_index_.Add(std::move(keys));
  return Status::Ok();
}

void FingerGallery::Remove(std::int64_t reference_id) {
  const auto found = slot_of_.find(reference_id);
  if (found == slot_of_.end()) return;
  const std::size_t i = found->second;
  slot_of_.erase(found);
  if (UsesCylinderIndex()) cylinder_index_.SwapRemove(static_cast<std::uint32_t>(i));
  garbage_cylinders_ += ranges_[i].count;
  garbage_orientation_cells_ += static_cast<std::size_t>(orientation_ranges_[i].columns) * orientation_ranges_[i].rows;
  const std::size_t last = ids_.size() - 1;
  if (i != last) {
    ids_[i] = ids_[last];
    signatures_[i] = signatures_[last];
    signature_set_bits_[i] = signature_set_bits_[last];
    ranges_[i] = ranges_[last];
    orientation_ranges_[i] = orientation_ranges_[last];
    slot_of_[ids_[i]] = static_cast<std::uint32_t>(i);
  }
  ids_.pop_back();
  signatures_.pop_back();
  signature_set_bits_.pop_back();
  ranges_.pop_back();
  orientation_ranges_.pop_back();
  if ((garbage_cylinders_ > 0 && 2 * garbage_cylinders_ > cylinder_cells_.size()) ||
      (garbage_orientation_cells_ > 0 && 2 * garbage_orientation_cells_ > orientation_cells_.size())) {
    (void)CompactArena();  // put off (garbage kept) when deferred parts cannot be read in
  }
}

bool FingerGallery::CompactArena() {
  if (!cylinder_cells_.Materialize().ok() || !cylinder_centres_.Materialize().ok() ||
      !cylinder_validity_.Materialize().ok() || !orientation_cells_.Materialize().ok()) {
    return false;
  }
  std::vector<MccBits>& cells = cylinder_cells_.memory();
  std::vector<MccTemplate::Centre>& centres = cylinder_centres_.memory();
  std::vector<SpatialValidity>& validity = cylinder_validity_.memory();
  std::vector<std::uint8_t>& map_cells = orientation_cells_.memory();
  std::size_t next = 0;
  // Move ranges down in arena order so that no live cylinder is overwritten before it is moved.
  std::vector<std::size_t> order(ranges_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranges_[a].offset < ranges_[b].offset; });
  for (const std::size_t slot : order) {
    CylinderRange& range = ranges_[slot];
    for (std::size_t c = 0; c < range.count; ++c) {
      cells[next + c] = cells[range.offset + c];
      centres[next + c] = centres[range.offset + c];
      validity[next + c] = validity[range.offset + c];
    }
    range.offset = static_cast<std::uint32_t>(next);
    next += range.count;
  }
  cells.resize(next);
  centres.resize(next);
  validity.resize(next);
  garbage_cylinders_ = 0;

  // The same for the map arena, in its own order.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return orientation_ranges_[a].offset < orientation_ranges_[b].offset;
  });
  std::size_t next_cell = 0;
  for (const std::size_t slot : order) {
    OrientationRange& range = orientation_ranges_[slot];
    const std::size_t count = static_cast<std::size_t>(range.columns) * range.rows;
    if (range.offset != next_cell) {  // moving down: the destination starts before the source
      std::copy(map_cells.begin() + static_cast<std::ptrdiff_t>(range.offset),
                map_cells.begin() + static_cast<std::ptrdiff_t>(range.offset + count),
                map_cells.begin() + static_cast<std::ptrdiff_t>(next_cell));
    }
    range.offset = next_cell;
    next_cell += count;
  }
  map_cells.resize(next_cell);
  garbage_orientation_cells_ = 0;
  return true;
}

Status FingerGallery::UnpackCylinders(std::size_t slot, MccTemplate& out, UnpackScratch& scratch) const {
  const CylinderRange range = ranges_[slot];
  ABIS_ASSIGN_OR_RETURN(const MccTemplate::Centre* centres,
                        cylinder_centres_.View(range.offset, range.count, scratch.centres));
  ABIS_ASSIGN_OR_RETURN(const MccBits* cells, cylinder_cells_.View(range.offset, range.count, scratch.cells));
  ABIS_ASSIGN_OR_RETURN(const SpatialValidity* validity,
                        cylinder_validity_.View(range.offset, range.count, scratch.validity));
  out.centres.assign(centres, centres + range.count);
  out.cells.assign(cells, cells + range.count);
  out.validity.resize(range.count);
  out.valid_cell_bits.resize(range.count);
  for (std::size_t c = 0; c < range.count; ++c) {
    const SpatialValidity& spatial = validity[c];
    MccBits& mask = out.validity[c];
    mask = {};
    int valid = 0;
    for (int s = 0; s < kMccCircleCells; ++s) {
      if (!BitAt(spatial.data(), s)) continue;
      ++valid;
      for (int k = 0; k < kMccAngularCells; ++k) {
        const int bit = s * kMccAngularCells + k;
        mask[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
    }
    out.valid_cell_bits[c] = static_cast<std::uint16_t>(valid * kMccAngularCells);
  }
  const OrientationRange& orientation = orientation_ranges_[slot];
  out.orientation.block_size = orientation.block_size;
  out.orientation.columns = orientation.columns;
  out.orientation.rows = orientation.rows;
  const std::size_t map_cells = static_cast<std::size_t>(orientation.columns) * orientation.rows;
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t* first,
                        orientation_cells_.View(orientation.offset, map_cells, scratch.orientation));
  out.orientation.cells.assign(first, first + map_cells);
  out.orientation_scale = orientation.scale;
  return Status::Ok();
}

void FingerGallery::Reserve(std::size_t templates, std::size_t cylinders, std::size_t orientation_cells) {
  ids_.reserve(templates);
  slot_of_.reserve(templates);
  signatures_.reserve(templates);
  signature_set_bits_.reserve(templates);
  ranges_.reserve(templates);
  orientation_ranges_.reserve(templates);
  if (options_.signatures_only) return;
  cylinder_cells_.reserve(cylinders);
  cylinder_centres_.reserve(cylinders);
  cylinder_validity_.reserve(cylinders);
  orientation_cells_.reserve(orientation_cells);
}

void FingerGallery::ShrinkToFit() {
  ReleaseLargeSlack(ids_);
  ReleaseLargeSlack(signatures_);
  ReleaseLargeSlack(signature_set_bits_);
  ReleaseLargeSlack(ranges_);
  ReleaseLargeSlack(cylinder_cells_.memory());
  ReleaseLargeSlack(cylinder_centres_.memory());
  ReleaseLargeSlack(cylinder_validity_.memory());
  ReleaseLargeSlack(orientation_ranges_);
  ReleaseLargeSlack(orientation_cells_.memory());
}

std::size_t FingerGallery::SlotMapBytes() const {
  // Its bucket array plus one node (key, value, next pointer, cached hash) per entry.
  return slot_of_.bucket_count() * sizeof(void*) + slot_of_.size() * 32;
}

std::size_t FingerGallery::UsedBytes() const {
  return SlotMapBytes() + ids_.size() * sizeof(std::int64_t) + signatures_.size() * sizeof(SignatureBits) +
         signature_set_bits_.size() * sizeof(std::uint32_t) + ranges_.size() * sizeof(CylinderRange) +
         cylinder_cells_.memory().size() * sizeof(MccBits) +
         cylinder_centres_.memory().size() * sizeof(MccTemplate::Centre) +
         cylinder_validity_.memory().size() * sizeof(SpatialValidity) +
         orientation_ranges_.size() * sizeof(OrientationRange) + orientation_cells_.memory().size() +
         cylinder_index_.MemoryBytes();
}

std::size_t FingerGallery::MemoryBytes() const {
  return SlotMapBytes() + CapacityBytes(ids_) + CapacityBytes(signatures_) + CapacityBytes(signature_set_bits_) +
         CapacityBytes(ranges_) + CapacityBytes(cylinder_cells_.memory()) + CapacityBytes(cylinder_centres_.memory()) +
         CapacityBytes(cylinder_validity_.memory()) + CapacityBytes(orientation_ranges_) +
         CapacityBytes(orientation_cells_.memory()) + cylinder_index_.MemoryBytes();
}

std::vector<FingerGallery::Scored> FingerGallery::ScanSignatures(const FingerSignature& probe, std::size_t keep) const {
  const std::size_t n = ids_.size();
  keep = std::min(keep, n);
  if (keep == 0) return {};
  // Ties by lower reference id: the order does not depend on the layout (a shard of the
  // gallery orders its templates as the whole gallery does).
  const auto better = [this](const Scored& a, const Scored& b) {
    return a.score > b.score || (a.score == b.score && ids_[a.slot] < ids_[b.slot]);
  };
  // Each thread keeps its own best `keep` in a min-heap (worst on top).
  std::vector<std::vector<Scored>> per_thread(options_.threads);
  const double probe_bits = probe.set_bits;
  ParallelSlices(n, options_.threads, 4096, [&](std::size_t begin, std::size_t end, unsigned slice) {
    std::vector<Scored>& best = per_thread[slice];
    best.reserve(std::min(keep, end - begin) + 1);
    for (std::size_t i = begin; i < end; ++i) {
      float score = 0;
      if (probe.set_bits != 0 && signature_set_bits_[i] != 0) {
        const std::uint32_t common = internal::PopcountAndWords(probe.bits.data(), signatures_[i].words.data());
        score = static_cast<float>(common / std::sqrt(probe_bits * signature_set_bits_[i]));
      }
      const Scored scored{score, static_cast<std::uint32_t>(i)};
      if (best.size() < keep) {
        best.push_back(scored);
        std::push_heap(best.begin(), best.end(), better);
      } else if (better(scored, best.front())) {
        std::pop_heap(best.begin(), best.end(), better);
        best.back() = scored;
        std::push_heap(best.begin(), best.end(), better);
      }
    }
  });
  std::vector<Scored> shortlist;
  for (const auto& best : per_thread) shortlist.insert(shortlist.end(), best.begin(), best.end());
  std::sort(shortlist.begin(), shortlist.end(), better);
  if (shortlist.size() > keep) shortlist.resize(keep);
  return shortlist;
}

std::vector<PreselectedReference> FingerGallery::Preselect(const FingerSignature& probe, std::size_t keep) const {
  std::vector<PreselectedReference> result;
  for (const Scored& scored : ScanSignatures(probe, keep)) result.push_back({ids_[scored.slot], scored.score});
  return result;
}

Result<std::vector<Candidate>> FingerGallery::Search(const BiometricTemplate& probe, std::size_t max_candidates) const {
  if (options_.signatures_only) {
    return Status::FailedPrecondition("finger gallery: built with signatures only, it cannot run full MCC");
  }
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(probe));
  return SearchPrepared(PrepareFingerTemplate(minutiae, options_.mcc), max_candidates, options_.penetration,
                        options_.min_candidates);
}

Result<std::vector<Candidate>> FingerGallery::SearchPrepared(const PreparedFingerTemplate& probe,
                                                             std::size_t max_candidates, double penetration,
                                                             std::size_t min_candidates) const {
  const std::size_t n = ids_.size();
  if (n == 0 || max_candidates == 0 || options_.signatures_only) return std::vector<Candidate>{};
  const std::size_t keep = ShortlistLength(n, max_candidates, penetration, min_candidates);
  if (UsesCylinderIndex()) {
    ABIS_ASSIGN_OR_RETURN(const std::vector<Scored> shortlist, PreselectByCylinders(probe, keep));
    return RankSlots(probe, shortlist, max_candidates);
  }
  return RankSlots(probe, ScanSignatures(probe.signature, keep), max_candidates);
}

Result<std::vector<CylinderLshIndex::Scored>> FingerGallery::QueryCylinderIndex(const PreparedFingerTemplate& probe,
                                                                                std::size_t keep) const {
  const unsigned slices = ids_.size() >= kParallelLshQuerySlots ? options_.threads : 1;
  return cylinder_index_.Query(BuildCylinderLshKeys(probe.cylinders), keep, ids_, slices);
}

Result<std::vector<FingerGallery::Scored>> FingerGallery::PreselectByCylinders(const PreparedFingerTemplate& probe,
                                                                               std::size_t keep) const {
  std::vector<Scored> shortlist;
  ABIS_ASSIGN_OR_RETURN(const std::vector<CylinderLshIndex::Scored> ranked, QueryCylinderIndex(probe, keep));
  for (const CylinderLshIndex::Scored& scored : ranked) {
    shortlist.push_back({scored.score, scored.slot});
  }
  if (shortlist.size() < keep) {  // too few templates share a key: the signatures fill the rest
    std::vector<bool> listed(ids_.size(), false);
    for (const Scored& scored : shortlist) listed[scored.slot] = true;
    for (const Scored& scored : ScanSignatures(probe.signature, keep)) {
      if (shortlist.size() == keep) break;
      if (!listed[scored.slot]) shortlist.push_back({0.0f, scored.slot});
    }
  }
  return shortlist;
}

std::size_t FingerGallery::ShortlistLength(std::size_t n, std::size_t max_candidates, double penetration,
                                           std::size_t min_candidates) const {
  return std::min(
      n, std::max({min_candidates, max_candidates,
                   static_cast<std::size_t>(std::ceil(std::clamp(penetration, 0.0, 1.0) * static_cast<double>(n)))}));
}

Result<PreparedFingerTemplate> FingerGallery::PreparedProbe(const BiometricTemplate& probe) const {
  struct LastProbe {
    std::string algorithm;
    std::vector<std::uint8_t> data;
    MccParameters mcc;
    PreparedFingerTemplate prepared;
  };
  thread_local std::optional<LastProbe> last;
  if (last && last->algorithm == probe.algorithm && last->data == probe.data && last->mcc == options_.mcc) {
    return last->prepared;
  }
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(probe));
  last = LastProbe{probe.algorithm, probe.data, options_.mcc, PrepareFingerTemplate(minutiae, options_.mcc)};
  return last->prepared;
}

Result<std::optional<ModalityGallery::ShardShortlist>> FingerGallery::ShardPreselect(const BiometricTemplate& probe,
                                                                                     std::size_t whole_size,
                                                                                     std::size_t max_candidates) const {
  if (options_.signatures_only) {
    return Status::FailedPrecondition("finger gallery: built with signatures only, it cannot run full MCC");
  }
  ABIS_ASSIGN_OR_RETURN(const PreparedFingerTemplate prepared, PreparedProbe(probe));
  ShardShortlist shard;
  if (whole_size == 0 || max_candidates == 0) return std::optional<ShardShortlist>(std::move(shard));
  shard.keep = ShortlistLength(whole_size, max_candidates, options_.penetration, options_.min_candidates);
  if (ids_.empty()) return std::optional<ShardShortlist>(std::move(shard));
  if (UsesCylinderIndex()) {
    ABIS_ASSIGN_OR_RETURN(const std::vector<CylinderLshIndex::Scored> ranked, QueryCylinderIndex(prepared, shard.keep));
    for (const CylinderLshIndex::Scored& scored : ranked) shard.indexed.push_back({ids_[scored.slot], scored.score});
    // The whole gallery's pre-selection can only come up short when this shard's does.
    if (shard.indexed.size() < shard.keep) {
      for (const Scored& scored : ScanSignatures(prepared.signature, shard.keep)) {
        shard.fill.push_back({ids_[scored.slot], scored.score});
      }
    }
  } else {
    for (const Scored& scored : ScanSignatures(prepared.signature, shard.keep)) {
      shard.indexed.push_back({ids_[scored.slot], scored.score});
    }
  }
  return std::optional<ShardShortlist>(std::move(shard));
}

Result<std::vector<Candidate>> FingerGallery::RankShortlist(const BiometricTemplate& probe,
                                                            const std::vector<ShortlistEntry>& shortlist,
                                                            std::size_t max_candidates) const {
  if (options_.signatures_only) {
    return Status::FailedPrecondition("finger gallery: built with signatures only, it cannot run full MCC");
  }
  std::vector<Scored> slots;
  for (const ShortlistEntry& entry : shortlist) {
    const auto found = slot_of_.find(entry.reference_id);
    if (found != slot_of_.end()) slots.push_back({entry.score, found->second});
  }
  if (slots.empty() || max_candidates == 0) return std::vector<Candidate>();
  ABIS_ASSIGN_OR_RETURN(const PreparedFingerTemplate prepared, PreparedProbe(probe));
  return RankSlots(prepared, slots, max_candidates);
}

Result<std::vector<Candidate>> FingerGallery::SearchShortlist(const PreparedFingerTemplate& probe,
                                                              const std::vector<std::int64_t>& reference_ids,
                                                              std::size_t max_candidates) const {
  if (options_.signatures_only || max_candidates == 0) return std::vector<Candidate>{};
  std::vector<Scored> shortlist;
  shortlist.reserve(reference_ids.size());
  for (const std::int64_t id : reference_ids) {
    const auto found = slot_of_.find(id);
    if (found != slot_of_.end()) shortlist.push_back({0.0f, found->second});
  }
  return RankSlots(probe, shortlist, max_candidates);
}

Result<std::vector<Candidate>> FingerGallery::RankSlots(const PreparedFingerTemplate& probe,
                                                        const std::vector<Scored>& shortlist,
                                                        std::size_t max_candidates) const {
  // Stage 2: full MCC LSS-R on the shortlist, each thread unpacking into its own buffer.
  std::vector<float> final_scores(shortlist.size());
  std::vector<int> pair_counts(shortlist.size());
  std::vector<Status> slice_errors(options_.threads);
  ParallelSlices(shortlist.size(), options_.threads, 64, [&](std::size_t begin, std::size_t end, unsigned slice) {
    MccTemplate reference;
    UnpackScratch scratch;
    for (std::size_t s = begin; s < end; ++s) {
      if (Status unpacked = UnpackCylinders(shortlist[s].slot, reference, scratch); !unpacked.ok()) {
        slice_errors[slice] = std::move(unpacked);
        return;
      }
      const MccComparison comparison = CompareMcc(probe.cylinders, reference, options_.mcc);
      final_scores[s] = static_cast<float>(comparison.score);
      pair_counts[s] = static_cast<int>(comparison.pairs.size());
    }
  });
  for (Status& error : slice_errors) {
    if (!error.ok()) return Status(error.code(), "finger gallery: " + error.message());
  }
  std::vector<std::size_t> order(shortlist.size());
  for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return final_scores[a] > final_scores[b] ||
           (final_scores[a] == final_scores[b] && ids_[shortlist[a].slot] < ids_[shortlist[b].slot]);
  });
  std::vector<Candidate> candidates;
  for (std::size_t r = 0; r < order.size() && r < max_candidates; ++r) {
    const std::size_t s = order[r];
    Candidate candidate;
    candidate.reference_id = ids_[shortlist[s].slot];
    candidate.score = final_scores[s];
    candidate.log_lr = FingerScoreToLogLikelihoodRatio(final_scores[s]);
    candidate.details = {{"preselection_score", shortlist[s].score}, {"matched_pairs", pair_counts[s]}};
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

std::unique_ptr<FingerGallery> NewFingerGallery(FingerGalleryOptions options) {
  return std::make_unique<FingerGallery>(options);
}

}  // namespace abis::finger
