// The references of a face gallery as dense rows: row i holds reference ids()[i], its float
// vector (exact scores, re-ranking, graph rebuilds) and its 1-bit sign code (the sign scan; bit j
// set when x_j > 0). Both copies are kept for every row whatever the search method, so switching
// methods costs nothing. Removal moves the last row into the freed one.
// Thread-safety: const methods may run concurrently; Append/Remove need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

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

  // The float vector of `row` (dimension() values). REQUIRES: row < size().
  const float* Row(std::size_t row) const { return vectors_.data() + row * dimension_; }
  // Every row's vector, row after row (size() * dimension() values).
  std::span<const float> Rows() const { return vectors_; }
  // 64-bit words per sign code, and every row's code, row after row (size() * sign_words()).
  std::size_t sign_words() const { return sign_words_; }
  const std::uint64_t* SignCodes() const { return sign_codes_.data(); }

  // Appends one row per id. REQUIRES: vectors.size() == ids.size() * dimension(), ids distinct
  // and not stored.
  void Append(std::span<const std::int64_t> ids, std::span<const float> vectors);
  // Removes the row of `id`; false when it is not stored.
  bool Remove(std::int64_t id);

  std::size_t float_bytes() const { return vectors_.size() * sizeof(float); }
  std::size_t sign_code_bytes() const { return sign_codes_.size() * sizeof(std::uint64_t); }

 private:
  std::size_t dimension_;
  std::size_t sign_words_;
  std::vector<std::int64_t> ids_;
  std::unordered_map<std::int64_t, std::size_t> row_of_;
  std::vector<float> vectors_;
  std::vector<std::uint64_t> sign_codes_;
};

}  // namespace abis::face
