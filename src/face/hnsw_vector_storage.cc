#include "hnsw_vector_storage.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/FaissAssert.h>

#include <cmath>

namespace abis::face {
namespace {

using idx_t = faiss::Index::idx_t;

// Query-to-stored-vector inner products for HNSW construction and search, on our vectorised
// kernel instead of FAISS's (scalar in Debian's baseline build).
class FloatInnerProductComputer : public faiss::FlatCodesDistanceComputer {
 public:
  explicit FloatInnerProductComputer(const faiss::IndexFlatCodes& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return InnerProduct(query_, reinterpret_cast<const float*>(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override { return InnerProduct(Row(i), Row(j), dimension_); }

 private:
  const float* Row(idx_t i) const {
    return reinterpret_cast<const float*>(codes + static_cast<std::size_t>(i) * code_size);
  }

  std::size_t dimension_;
  const float* query_ = nullptr;
};

// HNSW's float vector storage: an IndexFlatIP whose distance computer is the one above.
struct FloatStorage : faiss::IndexFlatIP {
  explicit FloatStorage(int dimension) : faiss::IndexFlatIP(dimension) {}
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    return new FloatInnerProductComputer(*this);
  }
};

// 8-bit codes (layout in hnsw_vector_storage.h).
class Int8InnerProductComputer : public faiss::FlatCodesDistanceComputer {
 public:
  explicit Int8InnerProductComputer(const faiss::IndexFlatCodes& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return Int8CodeScale(code) * InnerProductFloatInt8(query_, Int8CodeValues(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    const std::uint8_t* a = Code(i);
    const std::uint8_t* b = Code(j);
    return Int8CodeScale(a) * Int8CodeScale(b) *
           static_cast<float>(InnerProductInt8(Int8CodeValues(a), Int8CodeValues(b), dimension_));
  }

 private:
  const std::uint8_t* Code(idx_t i) const { return codes + static_cast<std::size_t>(i) * code_size; }

  std::size_t dimension_;
  const float* query_ = nullptr;
};

struct Int8Storage : faiss::IndexFlatCodes {
  explicit Int8Storage(int dimension)
      : faiss::IndexFlatCodes(sizeof(float) + static_cast<std::size_t>(dimension), dimension,
                              faiss::METRIC_INNER_PRODUCT) {}

  void sa_encode(idx_t n, const float* x, std::uint8_t* bytes) const override {
    const auto dimension = static_cast<std::size_t>(d);
    for (idx_t v = 0; v < n; ++v) {
      const float* row = x + static_cast<std::size_t>(v) * dimension;
      std::uint8_t* code = bytes + static_cast<std::size_t>(v) * code_size;
      float largest = 0.0f;
      for (std::size_t i = 0; i < dimension; ++i) largest = std::max(largest, std::abs(row[i]));
      const float scale = largest / kInt8Levels;
      std::memcpy(code, &scale, sizeof scale);
      auto* values = reinterpret_cast<std::int8_t*>(code + sizeof scale);
      for (std::size_t i = 0; i < dimension; ++i) {
        const float level = scale > 0.0f ? std::round(row[i] / scale) : 0.0f;
        values[i] = static_cast<std::int8_t>(std::clamp(level, -kInt8Levels, kInt8Levels));
      }
    }
  }

  void sa_decode(idx_t n, const std::uint8_t* bytes, float* x) const override {
    const auto dimension = static_cast<std::size_t>(d);
    for (idx_t v = 0; v < n; ++v) {
      const std::uint8_t* code = bytes + static_cast<std::size_t>(v) * code_size;
      const float scale = Int8CodeScale(code);
      for (std::size_t i = 0; i < dimension; ++i) {
        x[static_cast<std::size_t>(v) * dimension + i] = scale * static_cast<float>(Int8CodeValues(code)[i]);
      }
    }
  }

  // The graph's storage is only read through distance computers; FAISS never searches it
  // directly (the gallery's exact search uses the float rows).
  void search(idx_t, const float*, idx_t, float*, idx_t*, const faiss::SearchParameters*) const override {
    FAISS_THROW_MSG("Int8Storage is searched through its HNSW graph only");
  }

  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    return new Int8InnerProductComputer(*this);
  }
};

class SignBitComputer : public faiss::FlatCodesDistanceComputer {
 public:
  explicit SignBitComputer(const faiss::IndexFlatCodes& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)),
        query_(SignWords(dimension_)) {}

  void set_query(const float* x) override { EncodeSigns(x, dimension_, query_.data()); }
  float distance_to_code(const std::uint8_t* code) override {
    return Similarity(query_.data(), reinterpret_cast<const std::uint64_t*>(code));
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    return Similarity(reinterpret_cast<const std::uint64_t*>(codes + static_cast<std::size_t>(i) * code_size),
                      reinterpret_cast<const std::uint64_t*>(codes + static_cast<std::size_t>(j) * code_size));
  }

 private:
  float Similarity(const std::uint64_t* a, const std::uint64_t* b) const {
    return 1.0f - 2.0f * static_cast<float>(HammingDistance(a, b, query_.size())) / static_cast<float>(dimension_);
  }

  std::size_t dimension_;
  std::vector<std::uint64_t> query_;
};

struct SignBitStorage : faiss::IndexFlatCodes {
  explicit SignBitStorage(int dimension)
      : faiss::IndexFlatCodes(SignWords(static_cast<std::size_t>(dimension)) * sizeof(std::uint64_t), dimension,
                              faiss::METRIC_INNER_PRODUCT) {}

  void sa_encode(idx_t n, const float* x, std::uint8_t* bytes) const override {
    const auto dimension = static_cast<std::size_t>(d);
    std::vector<std::uint64_t> words(SignWords(dimension));
    for (idx_t v = 0; v < n; ++v) {
      EncodeSigns(x + static_cast<std::size_t>(v) * dimension, dimension, words.data());
      std::memcpy(bytes + static_cast<std::size_t>(v) * code_size, words.data(), code_size);
    }
  }

  // The direction a code stands for: +-1/sqrt(d) per component.
  void sa_decode(idx_t n, const std::uint8_t* bytes, float* x) const override {
    const auto dimension = static_cast<std::size_t>(d);
    const float magnitude = 1.0f / std::sqrt(static_cast<float>(dimension));
    std::vector<std::uint64_t> words(SignWords(dimension));
    for (idx_t v = 0; v < n; ++v) {
      std::memcpy(words.data(), bytes + static_cast<std::size_t>(v) * code_size, code_size);
      for (std::size_t i = 0; i < dimension; ++i) {
        const bool positive = (words[i / 64] >> (i % 64)) & 1U;
        x[static_cast<std::size_t>(v) * dimension + i] = positive ? magnitude : -magnitude;
      }
    }
  }

  void search(idx_t, const float*, idx_t, float*, idx_t*, const faiss::SearchParameters*) const override {
    FAISS_THROW_MSG("SignBitStorage is searched through its HNSW graph only");
  }

  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    return new SignBitComputer(*this);
  }
};

}  // namespace

faiss::Index* NewHnswStorage(HnswStorage kind, int dimension) {
  switch (kind) {
    case HnswStorage::kInt8: return new Int8Storage(dimension);
    case HnswStorage::kSignBits: return new SignBitStorage(dimension);
    case HnswStorage::kFloat: break;
  }
  return new FloatStorage(dimension);
}

}  // namespace abis::face
