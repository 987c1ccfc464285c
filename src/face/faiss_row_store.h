// The references of a face gallery as dense rows: row i holds reference ids()[i], its float
// vector (exact scores, re-ranking, graph rebuilds) and its 1-bit sign code (the sign scan; bit j
// set when x_j > 0). Both copies are kept for every row whatever the search method, so switching
// methods costs nothing. Removal moves the last row into the freed one.
//
// Deferred rows (issue 20, a CLI search on a 1M store): a store loaded from a snapshot on demand
// (Load with a reader that defers) keeps its float vectors in the snapshot file and reads only the
// rows asked for (CopyRows); ids and sign codes are in memory. Its vectors then live in slots:
// the loaded ones in the file, the ones appended since in memory, and a row names its slot, so
// removals and additions need no file write (freed slots are garbage until the rows are read in
// whole: Materialize, tried once the garbage outgrows the rows). Row() and Rows() need a store
// whose vectors are all in memory (!deferred()).
// Thread-safety: const methods may run concurrently; Append/Remove/Load/Materialize need
// exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "abis/modality/deferred_state_array.h"
#include "abis/modality/engine.h"

namespace abis::face {

class FaceRowStore {
 public:
  explicit FaceRowStore(int dimension);

  std::size_t size() const { return ids_.size(); }
  std::size_t dimension() const { return dimension_; }
  std::span<const std::int64_t> ids() const { return ids_; }
  std::int64_t IdOf(std::size_t row) const { return ids_[row]; }
  bool Contains(std::int64_t id) const { return row_of_.contains(id); }
  // REQUIRES: Contains(id).
  std::size_t RowOf(std::int64_t id) const { return row_of_.at(id); }

  // True when the vectors are in slots, some of them still in the snapshot file (see above).
  bool deferred() const { return slotted_; }
  // The float vector of `row` (dimension() values). REQUIRES: row < size(), !deferred().
  const float* Row(std::size_t row) const { return vectors_.memory().data() + row * dimension_; }
  // Every row's vector, row after row (size() * dimension() values). REQUIRES: !deferred().
  std::span<const float> Rows() const { return vectors_.memory(); }
  // The vectors of `rows`, one after the other, into `out` (rows.size() * dimension() values),
  // read from the snapshot file where deferred; kDataLoss when it cannot be read.
  // REQUIRES: every row < size().
  Status CopyRows(std::span<const std::size_t> rows, float* out) const;
  // The vectors of rows [begin, begin + count) in row order into `out` (count * dimension()
  // values), runs of consecutive slots read at once; kDataLoss when the file cannot be read.
  // REQUIRES: begin + count <= size().
  Status CopyRowRange(std::size_t begin, std::size_t count, float* out) const;
  // 64-bit words per sign code, and every row's code, row after row (size() * sign_words()).
  std::size_t sign_words() const { return sign_words_; }
  const std::uint64_t* SignCodes() const { return sign_codes_.data(); }

  // Appends one row per id. REQUIRES: vectors.size() == ids.size() * dimension(), ids distinct
  // and not stored.
  void Append(std::span<const std::int64_t> ids, std::span<const float> vectors);
  // Removes the row of `id`; false when it is not stored.
  bool Remove(std::int64_t id);

  // Into an empty store: `ids` with their sign codes (ids.size() * sign_words() words), then the
  // vectors, next in `in` (ids.size() * dimension() floats): left in the file when `may_defer`
  // and the reader defers, else read. kDataLoss on an id listed twice or wrong sizes.
  Status Load(std::vector<std::int64_t> ids, std::vector<std::uint64_t> sign_codes, GalleryStateReader& in,
              bool may_defer);
  // Writes the vectors row after row (size() * dimension() floats), deferred ones read on the way.
  Status SaveRows(GalleryStateWriter& out) const;
  // Reads every deferred vector into memory (then !deferred()); on failure nothing changes and
  // later calls fail at once without reading again (the file is damaged or gone: the gallery's
  // next search fails and the system rebuilds the index).
  Status Materialize();

  std::size_t float_bytes() const { return vectors_.memory().size() * sizeof(float); }
  std::size_t sign_code_bytes() const { return sign_codes_.size() * sizeof(std::uint64_t); }

 private:
  std::size_t dimension_;
  std::size_t sign_words_;
  std::vector<std::int64_t> ids_;
  std::unordered_map<std::int64_t, std::size_t> row_of_;
  // Not slotted: row i at [i * dimension, (i + 1) * dimension) of vectors_, all in memory.
  // Slotted: row i at slot slot_of_row_[i], the same range for the slot.
  DeferredStateArray<float> vectors_;
  bool slotted_ = false;
  Status materialize_failure_;  // the first failed Materialize's error (ok: none yet)
  std::vector<std::size_t> slot_of_row_;
  std::vector<std::uint64_t> sign_codes_;
};

}  // namespace abis::face
