// FingerGallery::SaveState / LoadState: the snapshot form of a finger gallery (finger_gallery.h).
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "abis/finger/cylinder_lsh_index.h"
#include "abis/finger/finger_gallery.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

constexpr std::uint64_t kStateMagic = 0x3253474641534942;  // "BISAFGS2" read little-endian: format 2
constexpr std::uint64_t kByteOrderMark = 0x0102030405060708;
// A state holds at most this many templates and cylinders (the arena's 32-bit offsets).
constexpr std::uint64_t kMaxTemplates = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kMaxCylinders = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kMaxOrientationCells = std::uint64_t{1} << 40;

// FNV-1a over bytes.
void Mix(std::uint64_t& hash, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ULL;
  }
}

template <typename T>
void MixValue(std::uint64_t& hash, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  Mix(hash, &value, sizeof value);
}

// What the cylinder and signature builders make of a fixed synthetic finger with `mcc`: any change
// of the builders' code or parameters changes it, and with it every prepared template.
std::uint64_t BuilderFingerprint(const MccParameters& mcc) {
  const PreparedFingerTemplate prepared = PrepareFingerTemplate(SyntheticFinger(20261207), mcc);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const MccBits& cells : prepared.cylinders.cells) MixValue(hash, cells);
  for (const MccBits& validity : prepared.cylinders.validity) MixValue(hash, validity);
  for (const MccTemplate::Centre& centre : prepared.cylinders.centres) {
    MixValue(hash, centre.x);
    MixValue(hash, centre.y);
    MixValue(hash, centre.angle);
    MixValue(hash, centre.minutia_index);
  }
  Mix(hash, prepared.cylinders.orientation.cells.data(), prepared.cylinders.orientation.cells.size());
  MixValue(hash, prepared.cylinders.orientation_scale);
  MixValue(hash, prepared.signature.bits);
  MixValue(hash, prepared.signature.set_bits);
  const CylinderLshKeys keys = BuildCylinderLshKeys(prepared.cylinders);
  Mix(hash, keys.keys.data(), keys.keys.size() * sizeof(std::uint32_t));
  return hash;
}

}  // namespace

Status FingerGallery::SaveState(GalleryStateWriter& out) const {
  ABIS_RETURN_IF_ERROR(WriteStateWords(
      out, {kStateMagic, kByteOrderMark, sizeof(SignatureBits), sizeof(MccBits), sizeof(MccTemplate::Centre),
            sizeof(SpatialValidity), sizeof(CylinderRange), sizeof(OrientationRange), BuilderFingerprint(options_.mcc),
            options_.signatures_only ? 1U : 0U, UsesCylinderIndex() ? 1U : 0U, ids_.size(), cylinder_cells_.size(),
            orientation_cells_.size(), garbage_cylinders_, garbage_orientation_cells_}));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, ids_));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, signatures_));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, signature_set_bits_));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, ranges_));
  ABIS_RETURN_IF_ERROR(cylinder_cells_.Save(out));
  ABIS_RETURN_IF_ERROR(cylinder_centres_.Save(out));
  ABIS_RETURN_IF_ERROR(cylinder_validity_.Save(out));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, orientation_ranges_));
  ABIS_RETURN_IF_ERROR(orientation_cells_.Save(out));
  return UsesCylinderIndex() ? cylinder_index_.SaveState(out) : Status::Ok();
}

Status FingerGallery::LoadState(GalleryStateReader& in) {
  if (!ids_.empty()) return Status::FailedPrecondition("finger gallery: a state loads only into an empty gallery");
  const std::uint64_t expected[] = {kStateMagic,
                                    kByteOrderMark,
                                    sizeof(SignatureBits),
                                    sizeof(MccBits),
                                    sizeof(MccTemplate::Centre),
                                    sizeof(SpatialValidity),
                                    sizeof(CylinderRange),
                                    sizeof(OrientationRange),
                                    BuilderFingerprint(options_.mcc),
                                    options_.signatures_only ? 1U : 0U,
                                    UsesCylinderIndex() ? 1U : 0U};
  const char* names[] = {"format",
                         "byte order",
                         "signature size",
                         "cylinder size",
                         "centre size",
                         "validity size",
                         "range size",
                         "orientation range size",
                         "cylinder builder (code or MCC parameters changed)",
                         "signatures-only setting",
                         "pre-selection"};
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    ABIS_ASSIGN_OR_RETURN(std::uint64_t word, ReadStateWord(in));
    if (word != expected[i]) return Status::DataLoss(std::string("finger gallery state: another ") + names[i]);
  }
  ABIS_ASSIGN_OR_RETURN(std::uint64_t templates, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(std::uint64_t cylinders, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(std::uint64_t orientation_cells, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(std::uint64_t garbage_cylinders, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(std::uint64_t garbage_orientation_cells, ReadStateWord(in));
  if (templates > kMaxTemplates || cylinders > kMaxCylinders || orientation_cells > kMaxOrientationCells ||
      garbage_cylinders > cylinders || garbage_orientation_cells > orientation_cells) {
    return Status::DataLoss("finger gallery state: sizes out of range");
  }
  // Read into a scratch gallery so that a refused state leaves this one empty.
  FingerGallery loaded(options_);
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.ids_, templates));
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.signatures_, templates));
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.signature_set_bits_, templates));
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.ranges_, templates));
  // The arenas stay in the state when the reader offers it (stage 2 reads the shortlist's parts).
  ABIS_RETURN_IF_ERROR(loaded.cylinder_cells_.Load(in, cylinders));
  ABIS_RETURN_IF_ERROR(loaded.cylinder_centres_.Load(in, cylinders));
  ABIS_RETURN_IF_ERROR(loaded.cylinder_validity_.Load(in, cylinders));
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.orientation_ranges_, templates));
  ABIS_RETURN_IF_ERROR(loaded.orientation_cells_.Load(in, orientation_cells));
  if (UsesCylinderIndex()) ABIS_RETURN_IF_ERROR(loaded.cylinder_index_.LoadState(in, templates));
  // The sizes must add up: every range inside its arena, every id once, the garbage as counted.
  std::uint64_t live_cylinders = 0;
  std::uint64_t live_orientation_cells = 0;
  loaded.slot_of_.reserve(templates);
  for (std::size_t slot = 0; slot < templates; ++slot) {
    const CylinderRange& range = loaded.ranges_[slot];
    if (std::uint64_t{range.offset} + range.count > cylinders) {
      return Status::DataLoss("finger gallery state: template " + std::to_string(slot) +
                              " has cylinders outside the arena");
    }
    live_cylinders += range.count;
    const OrientationRange& map = loaded.orientation_ranges_[slot];
    const std::uint64_t map_cells = std::uint64_t{map.columns} * map.rows;
    if (map.offset > orientation_cells || map_cells > orientation_cells - map.offset) {
      return Status::DataLoss("finger gallery state: template " + std::to_string(slot) +
                              " has an orientation map outside the arena");
    }
    live_orientation_cells += map_cells;
    if (!loaded.slot_of_.emplace(loaded.ids_[slot], static_cast<std::uint32_t>(slot)).second) {
      return Status::DataLoss("finger gallery state: reference " + std::to_string(loaded.ids_[slot]) +
                              " appears twice");
    }
  }
  if (live_cylinders + garbage_cylinders != cylinders ||
      live_orientation_cells + garbage_orientation_cells != orientation_cells) {
    return Status::DataLoss("finger gallery state: the arenas' garbage does not add up");
  }
  loaded.garbage_cylinders_ = garbage_cylinders;
  loaded.garbage_orientation_cells_ = garbage_orientation_cells;
  ids_ = std::move(loaded.ids_);
  slot_of_ = std::move(loaded.slot_of_);
  signatures_ = std::move(loaded.signatures_);
  signature_set_bits_ = std::move(loaded.signature_set_bits_);
  ranges_ = std::move(loaded.ranges_);
  cylinder_cells_ = std::move(loaded.cylinder_cells_);
  cylinder_centres_ = std::move(loaded.cylinder_centres_);
  cylinder_validity_ = std::move(loaded.cylinder_validity_);
  orientation_ranges_ = std::move(loaded.orientation_ranges_);
  orientation_cells_ = std::move(loaded.orientation_cells_);
  garbage_cylinders_ = loaded.garbage_cylinders_;
  garbage_orientation_cells_ = loaded.garbage_orientation_cells_;
  cylinder_index_ = std::move(loaded.cylinder_index_);
  return Status::Ok();
}

}  // namespace abis::finger
