// The vector copy an HNSW graph of the face gallery walks over (faiss::IndexHNSW::storage), in
// one of the HnswStorage encodings, with distances on our vectorised kernel (Debian's FAISS
// build is scalar):
//  - kFloat: float32 rows;
//  - kInt8: per vector a float scale s = max|x_i| / 127 followed by d int8 values round(x_i / s),
//    so x ~= s * code with an error of at most s / 2 per component; no training (the scale is
//    the vector's own), so any vector is encoded without a stale range;
//  - kSignBits: 1 bit per dimension (x_i > 0), similarity 1 - 2 * hamming / d.
// HnswCodeSimilarity scores a query against stored codes during our own beam search.
// Thread-safety: a storage is read-only once built; HnswCodeSimilarity is per query.
#pragma once

#include <faiss/IndexFlatCodes.h>
#include <faiss/impl/HNSW.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "abis/face/faiss_gallery.h"
#include "inner_product_kernel.h"

namespace abis::face {

// A new, empty storage of `kind` for `dimension`-d vectors; the caller owns it.
faiss::Index* NewHnswStorage(HnswStorage kind, int dimension);

// The int8 code layout (see the file comment).
inline constexpr float kInt8Levels = 127.0f;

inline float Int8CodeScale(const std::uint8_t* code) {
  float scale;
  std::memcpy(&scale, code, sizeof scale);
  return scale;
}

inline const std::int8_t* Int8CodeValues(const std::uint8_t* code) {
  return reinterpret_cast<const std::int8_t*>(code + sizeof(float));
}

// Similarity of one query to the graph's stored vector `label`, on the storage's own codes.
// REQUIRES: `storage` was made by NewHnswStorage(kind, ...); it and `query` outlive this object.
class HnswCodeSimilarity {
 public:
  HnswCodeSimilarity(const faiss::IndexFlatCodes& storage, HnswStorage kind, const float* query)
      : codes_(storage.codes.data()),
        code_size_(storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)),
        kind_(kind),
        query_(query) {
    if (kind_ == HnswStorage::kSignBits) {
      query_signs_.resize(SignWords(dimension_));
      EncodeSigns(query, dimension_, query_signs_.data());
    }
  }

  float operator()(faiss::HNSW::storage_idx_t label) const {
    const std::uint8_t* code = Code(label);
    switch (kind_) {
      case HnswStorage::kInt8:
        return Int8CodeScale(code) * InnerProductFloatInt8(query_, Int8CodeValues(code), dimension_);
      case HnswStorage::kSignBits: {
        const std::uint32_t differing =
            HammingDistance(query_signs_.data(), reinterpret_cast<const std::uint64_t*>(code), query_signs_.size());
        return 1.0f - 2.0f * static_cast<float>(differing) / static_cast<float>(dimension_);
      }
      case HnswStorage::kFloat: break;
    }
    return InnerProduct(query_, reinterpret_cast<const float*>(code), dimension_);
  }

  // Asks the memory system for a stored vector before it is needed (at most 16 cache lines).
  void Prefetch(faiss::HNSW::storage_idx_t label) const {
    const std::uint8_t* code = Code(label);
    const std::size_t bytes = std::min<std::size_t>(code_size_, 16 * 64);
    for (std::size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(code + offset);
  }

 private:
  const std::uint8_t* Code(faiss::HNSW::storage_idx_t label) const {
    return codes_ + static_cast<std::size_t>(label) * code_size_;
  }

  const std::uint8_t* codes_;
  std::size_t code_size_;
  std::size_t dimension_;
  HnswStorage kind_;
  const float* query_;
  std::vector<std::uint64_t> query_signs_;
};

}  // namespace abis::face
