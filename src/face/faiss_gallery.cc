#include "abis/face/faiss_gallery.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <faiss/IndexFlat.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/FaissAssert.h>
#include <omp.h>

#include "abis/face/calibration.h"
#include "abis/face/face_template.h"
#include "inner_product_kernel.h"

namespace abis::face {
namespace {

using idx_t = faiss::Index::idx_t;

// Sets the calling thread's OpenMP team size for the parallel regions it starts in this scope
// (omp_set_num_threads changes only the calling thread's setting), then restores it.
class ScopedOpenMpThreads {
 public:
  explicit ScopedOpenMpThreads(int threads) : previous_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ScopedOpenMpThreads() { omp_set_num_threads(previous_); }
  ScopedOpenMpThreads(const ScopedOpenMpThreads&) = delete;
  ScopedOpenMpThreads& operator=(const ScopedOpenMpThreads&) = delete;

 private:
  int previous_;
};

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

// 8-bit codes: per vector a float scale s = max|x_i| / 127 followed by d int8 values
// round(x_i / s), so x ~= s * code with an error of at most s / 2 per component. No training
// (the scale is the vector's own), so any vector, unit or not, is encoded without a stale range.
constexpr float kInt8Levels = 127.0f;

float CodeScale(const std::uint8_t* code) {
  float scale;
  std::memcpy(&scale, code, sizeof scale);
  return scale;
}

const std::int8_t* CodeValues(const std::uint8_t* code) {
  return reinterpret_cast<const std::int8_t*>(code + sizeof(float));
}

class Int8InnerProductComputer : public faiss::FlatCodesDistanceComputer {
 public:
  explicit Int8InnerProductComputer(const faiss::IndexFlatCodes& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return CodeScale(code) * InnerProductFloatInt8(query_, CodeValues(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    const std::uint8_t* a = Code(i);
    const std::uint8_t* b = Code(j);
    return CodeScale(a) * CodeScale(b) *
           static_cast<float>(InnerProductInt8(CodeValues(a), CodeValues(b), dimension_));
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
      const float scale = CodeScale(code);
      for (std::size_t i = 0; i < dimension; ++i) {
        x[static_cast<std::size_t>(v) * dimension + i] = scale * static_cast<float>(CodeValues(code)[i]);
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

faiss::Index* NewStorage(HnswStorage kind, int dimension) {
  switch (kind) {
    case HnswStorage::kInt8: return new Int8Storage(dimension);
    case HnswStorage::kSignBits: return new SignBitStorage(dimension);
    case HnswStorage::kFloat: break;
  }
  return new FloatStorage(dimension);
}

// Fingerprint of the ids and float rows a graph was built over (benchmark cache check; detects
// any change, not built to resist deliberate collisions).
class Fingerprint {
 public:
  void Add(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    std::size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      Mix(word);
    }
    std::uint64_t tail = bytes;
    for (; i < bytes; ++i) tail = (tail << 8) | p[i];
    Mix(tail);
  }
  std::uint64_t value() const { return state_; }

 private:
  void Mix(std::uint64_t word) {
    state_ ^= word * 0x9E3779B97F4A7C15ULL;
    state_ = std::rotl(state_, 29) * 0xBF58476D1CE4E5B9ULL;
  }
  std::uint64_t state_ = 0x6A09E667F3BCC908ULL;
};

std::uint64_t FingerprintOf(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  Fingerprint fingerprint;
  fingerprint.Add(ids.data(), ids.size_bytes());
  fingerprint.Add(vectors.data(), vectors.size_bytes());
  return fingerprint.value();
}

constexpr char kGraphMagic[8] = {'A', 'B', 'I', 'S', 'H', 'N', 'S', 'W'};
constexpr std::uint32_t kGraphFormat = 1;

// Fixed-size fields of a saved graph file, in file order.
struct GraphHeader {
  std::uint32_t format = kGraphFormat;
  std::uint32_t dimension = 0;
  std::uint64_t count = 0;
  std::int32_t neighbours = 0;
  std::int32_t ef_construction = 0;
  std::uint32_t storage = 0;
  std::uint64_t fingerprint = 0;
};

template <typename T>
void WriteValue(std::ofstream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
void WriteArray(std::ofstream& out, const std::vector<T>& values) {
  WriteValue(out, static_cast<std::uint64_t>(values.size()));
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
}

// Reads a saved graph file, refusing any length that exceeds what is left of the file.
class GraphReader {
 public:
  GraphReader(std::ifstream& in, std::uint64_t file_bytes, std::string path)
      : in_(in), left_(file_bytes), path_(std::move(path)) {}

  template <typename T>
  Status Value(T& value) {
    if (left_ < sizeof value) return Truncated();
    in_.read(reinterpret_cast<char*>(&value), sizeof value);
    left_ -= sizeof value;
    return in_ ? Status::Ok() : Truncated();
  }

  template <typename T>
  Status Array(std::vector<T>& values) {
    std::uint64_t count = 0;
    ABIS_RETURN_IF_ERROR(Value(count));
    if (count > left_ / sizeof(T)) return Truncated();
    values.resize(count);
    in_.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(T)));
    left_ -= count * sizeof(T);
    return in_ ? Status::Ok() : Truncated();
  }

  std::uint64_t left() const { return left_; }

 private:
  Status Truncated() const { return Status::InvalidArgument("HNSW graph file " + path_ + ": truncated"); }

  std::ifstream& in_;
  std::uint64_t left_;
  std::string path_;
};

// Structural checks on a graph read from a file, so that a damaged file is refused before any
// search follows a bad offset or neighbour.
Status ValidateGraph(const faiss::HNSW& graph, std::uint64_t count, const std::string& path) {
  const auto bad = [&path](const std::string& what) {
    return Status::InvalidArgument("HNSW graph file " + path + ": " + what);
  };
  if (graph.levels.size() != count || graph.offsets.size() != count + 1) return bad("level/offset tables do not match the count");
  if (graph.cum_nneighbor_per_level.empty() || graph.cum_nneighbor_per_level[0] != 0) return bad("bad neighbours-per-level table");
  if (graph.offsets[0] != 0 || graph.offsets.back() != graph.neighbors.size()) return bad("offsets do not span the neighbour table");
  const auto levels_known = static_cast<int>(graph.cum_nneighbor_per_level.size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const int level = graph.levels[i];
    if (level < 1 || level >= levels_known) return bad("vector " + std::to_string(i) + " has level " + std::to_string(level));
    if (graph.offsets[i + 1] < graph.offsets[i] ||
        graph.offsets[i + 1] - graph.offsets[i] != static_cast<std::size_t>(graph.cum_nneighbor_per_level[level])) {
      return bad("vector " + std::to_string(i) + " has a neighbour list of the wrong length");
    }
  }
  for (std::size_t level = 1; level < graph.cum_nneighbor_per_level.size(); ++level) {
    if (graph.cum_nneighbor_per_level[level] < graph.cum_nneighbor_per_level[level - 1]) return bad("bad neighbours-per-level table");
  }
  // Every link at level l must point to a vector that exists at level l (a search follows it
  // and reads that vector's level-l list).
  for (std::uint64_t i = 0; i < count; ++i) {
    for (int level = 0; level < graph.levels[i]; ++level) {
      const std::size_t begin = graph.offsets[i] + static_cast<std::size_t>(graph.cum_nneighbor_per_level[level]);
      const std::size_t end = graph.offsets[i] + static_cast<std::size_t>(graph.cum_nneighbor_per_level[level + 1]);
      for (std::size_t j = begin; j < end; ++j) {
        const auto neighbour = graph.neighbors[j];
        if (neighbour < -1 || static_cast<std::int64_t>(neighbour) >= static_cast<std::int64_t>(count)) {
          return bad("neighbour id out of range");
        }
        if (neighbour >= 0 && graph.levels[static_cast<std::size_t>(neighbour)] <= level) {
          return bad("vector " + std::to_string(i) + " links to a vector absent from level " + std::to_string(level));
        }
      }
    }
  }
  if (count > 0 && (graph.entry_point < 0 || static_cast<std::uint64_t>(graph.entry_point) >= count ||
                    graph.max_level != graph.levels[static_cast<std::size_t>(graph.entry_point)] - 1)) {
    return bad("bad entry point");
  }
  return Status::Ok();
}


// Similarity of a query to the graph's stored vector `label`, on the storage's own codes.
class StoredSimilarity {
 public:
  StoredSimilarity(const faiss::IndexFlatCodes& storage, HnswStorage kind, const float* query)
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
        return CodeScale(code) * InnerProductFloatInt8(query_, CodeValues(code), dimension_);
      case HnswStorage::kSignBits: {
        const std::uint32_t differing = HammingDistance(query_signs_.data(), reinterpret_cast<const std::uint64_t*>(code),
                                                        query_signs_.size());
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

// Per-thread "visited" marks for the beam search: a stamp per graph node, valid when equal to
// the current search's epoch, so no clearing between searches.
class VisitedMarks {
 public:
  void Begin(std::size_t nodes) {
    if (stamps_.size() < nodes) stamps_.resize(nodes, 0);
    if (++epoch_ == 0) {  // wrapped: forget every old stamp
      std::fill(stamps_.begin(), stamps_.end(), 0);
      epoch_ = 1;
    }
  }
  // Marks `node`; false when it was already marked in this search.
  bool Mark(std::size_t node) {
    if (stamps_[node] == epoch_) return false;
    stamps_[node] = epoch_;
    return true;
  }

 private:
  std::vector<std::uint32_t> stamps_;
  std::uint32_t epoch_ = 0;
};

// HNSW search over FAISS's graph (Malkov & Yashunin): greedy descent through the upper levels,
// then a beam of width ef on level 0. Written here rather than calling IndexHNSW::search because
// FAISS 1.7.3 sizes its level-0 queue by the index's own efSearch member and uses
// SearchParametersHNSW::efSearch only in the stopping test, so a per-call efSearch above the
// member has no effect (and changing the member is not safe under concurrent searches).
// Returns up to `count` (similarity, label) pairs, best first.
std::vector<std::pair<float, faiss::HNSW::storage_idx_t>> BeamSearch(const faiss::HNSW& graph,
                                                                     const StoredSimilarity& similarity,
                                                                     std::size_t ef, std::size_t count) {
  using Label = faiss::HNSW::storage_idx_t;
  using Scored = std::pair<float, Label>;
  std::vector<Scored> out;
  if (graph.entry_point < 0) return out;
  const auto neighbours = [&graph](Label node, int level) {
    const std::size_t base = graph.offsets[static_cast<std::size_t>(node)];
    return std::span<const Label>(graph.neighbors.data() + base + static_cast<std::size_t>(graph.cum_nneighbor_per_level[level]),
                                  static_cast<std::size_t>(graph.cum_nneighbor_per_level[level + 1] -
                                                           graph.cum_nneighbor_per_level[level]));
  };
  Label nearest = graph.entry_point;
  float nearest_similarity = similarity(nearest);
  for (int level = graph.max_level; level >= 1; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      for (Label next : neighbours(nearest, level)) {
        if (next < 0) break;
        const float s = similarity(next);
        if (s > nearest_similarity) {
          nearest_similarity = s;
          nearest = next;
          moved = true;
        }
      }
    }
  }
  thread_local VisitedMarks visited;
  visited.Begin(graph.levels.size());
  visited.Mark(static_cast<std::size_t>(nearest));
  const auto worse_first = [](const Scored& a, const Scored& b) { return a.first > b.first; };
  const auto better_first = [](const Scored& a, const Scored& b) { return a.first < b.first; };
  std::vector<Scored> frontier{{nearest_similarity, nearest}};  // max-heap: best unexpanded on top
  std::vector<Scored> found{{nearest_similarity, nearest}};     // min-heap of the best ef: worst on top
  std::vector<Label> fresh;
  while (!frontier.empty()) {
    std::pop_heap(frontier.begin(), frontier.end(), better_first);
    const Scored current = frontier.back();
    frontier.pop_back();
    if (found.size() >= ef && current.first < found.front().first) break;
    fresh.clear();
    for (Label next : neighbours(current.second, 0)) {
      if (next < 0) break;
      if (!visited.Mark(static_cast<std::size_t>(next))) continue;
      similarity.Prefetch(next);
      fresh.push_back(next);
    }
    for (Label next : fresh) {
      const float s = similarity(next);
      if (found.size() < ef || s > found.front().first) {
        frontier.emplace_back(s, next);
        std::push_heap(frontier.begin(), frontier.end(), better_first);
        found.emplace_back(s, next);
        std::push_heap(found.begin(), found.end(), worse_first);
        if (found.size() > ef) {
          std::pop_heap(found.begin(), found.end(), worse_first);
          found.pop_back();
        }
      }
    }
  }
  std::sort_heap(found.begin(), found.end(), worse_first);  // best first
  if (found.size() > count) found.resize(count);
  return found;
}

}  // namespace

struct FaissFaceGallery::Impl {
  std::string model_id;
  int dimension;
  FaissGalleryOptions options;
  const ScoreCalibration* calibration;

  // Exact storage: row i of `flat` belongs to row_ids[i].
  faiss::IndexFlatIP flat;
  std::vector<std::int64_t> row_ids;
  std::unordered_map<std::int64_t, std::size_t> row_of;
  // Sign codes, row i at sign_codes[i * sign_words]: kept for every row in every mode (64 bytes
  // per 512-d reference), so the sign scan needs no build and switching methods costs nothing.
  std::size_t sign_words;
  std::vector<std::uint64_t> sign_codes;

  // HNSW graph (only above exact_search_max, with large_gallery_method kHnsw). Labels are insertion sequence numbers; removed
  // entries stay in the graph as tombstones (seq_ids[label] == -1) until the next rebuild.
  std::unique_ptr<faiss::IndexHNSW> hnsw;
  std::vector<std::int64_t> seq_ids;
  std::unordered_map<std::int64_t, std::int64_t> seq_of;
  std::size_t tombstones = 0;

  Impl(std::string id, int dim, FaissGalleryOptions opts, const ScoreCalibration* cal)
      : model_id(std::move(id)),
        dimension(dim),
        options(opts),
        calibration(cal),
        flat(dim),
        sign_words(SignWords(static_cast<std::size_t>(dim))) {}

  bool LargeGallery() const { return row_ids.size() > options.exact_search_max; }

  const float* Row(std::size_t row) const {
    return reinterpret_cast<const float*>(flat.codes.data()) + row * static_cast<std::size_t>(dimension);
  }

  std::span<const float> Rows() const {
    return {Row(0), row_ids.size() * static_cast<std::size_t>(dimension)};
  }

  // An empty graph over this gallery's storage kind and parameters.
  std::unique_ptr<faiss::IndexHNSW> NewGraph() const {
    auto graph = std::make_unique<faiss::IndexHNSW>(NewStorage(options.hnsw_storage, dimension),
                                                     options.hnsw_neighbours);
    graph->own_fields = true;  // deletes the storage
    graph->hnsw.efConstruction = options.hnsw_ef_construction;
    graph->hnsw.efSearch = options.hnsw_ef_search;
    return graph;
  }

  void IndexSequence() {
    seq_ids = row_ids;
    seq_of.clear();
    for (std::size_t i = 0; i < seq_ids.size(); ++i) seq_of[seq_ids[i]] = static_cast<std::int64_t>(i);
    tombstones = 0;
  }

  void BuildHnsw() {
    hnsw = NewGraph();
    const ScopedOpenMpThreads threads(options.build_threads);
    hnsw->add(static_cast<idx_t>(row_ids.size()), Row(0));
    IndexSequence();
  }

  void DropHnsw() {
    hnsw.reset();
    seq_ids.clear();
    seq_of.clear();
    tombstones = 0;
  }

  void AppendRows(std::span<const std::int64_t> ids, std::span<const float> vectors) {
    flat.add(static_cast<idx_t>(ids.size()), vectors.data());
    const auto dim = static_cast<std::size_t>(dimension);
    const std::size_t first = sign_codes.size();
    sign_codes.resize(first + ids.size() * sign_words);
    for (std::size_t v = 0; v < ids.size(); ++v) {
      EncodeSigns(vectors.data() + v * dim, dim, sign_codes.data() + first + v * sign_words);
    }
    for (std::int64_t id : ids) {
      row_of[id] = row_ids.size();
      row_ids.push_back(id);
    }
  }

  void RemoveRow(std::int64_t id) {
    const auto found = row_of.find(id);
    if (found == row_of.end()) return;
    const std::size_t row = found->second;
    const std::size_t last = row_ids.size() - 1;
    const std::size_t bytes = static_cast<std::size_t>(dimension) * sizeof(float);
    if (row != last) {
      std::memcpy(flat.codes.data() + row * bytes, flat.codes.data() + last * bytes, bytes);
      std::copy_n(sign_codes.data() + last * sign_words, sign_words, sign_codes.data() + row * sign_words);
      row_ids[row] = row_ids[last];
      row_of[row_ids[row]] = row;
    }
    row_ids.pop_back();
    row_of.erase(found);
    flat.codes.resize(last * bytes);
    flat.ntotal = static_cast<idx_t>(last);
    sign_codes.resize(last * sign_words);
    if (hnsw) {
      const auto seq = seq_of.find(id);
      if (seq != seq_of.end()) {
        seq_ids[static_cast<std::size_t>(seq->second)] = -1;
        seq_of.erase(seq);
        ++tombstones;
      }
    }
  }

  void Rebalance() {
    if (options.large_gallery_method != LargeGalleryMethod::kHnsw) {
      if (hnsw) DropHnsw();
      return;
    }
    if (LargeGallery()) {
      if (!hnsw || tombstones * 10 > seq_ids.size()) BuildHnsw();
    } else if (hnsw) {
      DropHnsw();
    }
  }

  Status CheckBulk(std::span<const std::int64_t> ids, std::span<const float> vectors) const {
    const auto dim = static_cast<std::size_t>(dimension);
    if (vectors.size() != ids.size() * dim) {
      return Status::InvalidArgument("face gallery: " + std::to_string(vectors.size()) + " floats for " +
                                     std::to_string(ids.size()) + " vectors of dimension " + std::to_string(dim));
    }
    std::unordered_set<std::int64_t> distinct(ids.begin(), ids.end());
    if (distinct.size() != ids.size()) {
      return Status::InvalidArgument("face gallery: bulk add lists a reference id more than once");
    }
    return Status::Ok();
  }
};

FaissFaceGallery::FaissFaceGallery(std::string model_id, int dimension, FaissGalleryOptions options,
                                   const ScoreCalibration* calibration)
    : impl_(std::make_unique<Impl>(std::move(model_id), dimension, options, calibration)) {}

FaissFaceGallery::~FaissFaceGallery() = default;

Status FaissFaceGallery::AddVector(std::int64_t reference_id, std::span<const float> vector) {
  if (vector.size() != static_cast<std::size_t>(impl_->dimension)) {
    return Status::InvalidArgument("face gallery: vector of dimension " + std::to_string(vector.size()) +
                                   ", gallery dimension is " + std::to_string(impl_->dimension));
  }
  impl_->RemoveRow(reference_id);
  impl_->AppendRows({&reference_id, 1}, vector);
  if (impl_->hnsw) {
    impl_->hnsw->add(1, vector.data());
    impl_->seq_of[reference_id] = static_cast<std::int64_t>(impl_->seq_ids.size());
    impl_->seq_ids.push_back(reference_id);
  }
  impl_->Rebalance();
  return Status::Ok();
}

Status FaissFaceGallery::AddVectors(std::span<const std::int64_t> reference_ids, std::span<const float> vectors) {
  ABIS_RETURN_IF_ERROR(impl_->CheckBulk(reference_ids, vectors));
  for (std::int64_t id : reference_ids) impl_->RemoveRow(id);
  impl_->AppendRows(reference_ids, vectors);
  if (impl_->hnsw) {
    const ScopedOpenMpThreads threads(impl_->options.build_threads);
    impl_->hnsw->add(static_cast<idx_t>(reference_ids.size()), vectors.data());
    for (std::int64_t id : reference_ids) {
      impl_->seq_of[id] = static_cast<std::int64_t>(impl_->seq_ids.size());
      impl_->seq_ids.push_back(id);
    }
  }
  impl_->Rebalance();
  return Status::Ok();
}

Status FaissFaceGallery::Add(std::int64_t reference_id, const BiometricTemplate& reference) {
  if (reference.modality != Modality::kFace || reference.algorithm != impl_->model_id) {
    return Status::InvalidArgument("face gallery holds '" + impl_->model_id + "' templates; got '" +
                                   reference.algorithm + "' (scores of different models are never compared)");
  }
  ABIS_ASSIGN_OR_RETURN(const FaceEmbedding embedding, ParseFaceEmbedding(reference.data));
  if (embedding.model_id != impl_->model_id) {
    return Status::InvalidArgument("face template payload is for model '" + embedding.model_id + "'");
  }
  return AddVector(reference_id, embedding.values);
}

void FaissFaceGallery::Remove(std::int64_t reference_id) {
  impl_->RemoveRow(reference_id);
  impl_->Rebalance();
}

std::size_t FaissFaceGallery::size() const { return impl_->row_ids.size(); }

bool FaissFaceGallery::uses_hnsw() const { return impl_->hnsw != nullptr; }

const char* FaissFaceGallery::search_method() const {
  if (impl_->hnsw) return "hnsw";
  if (impl_->LargeGallery() && impl_->options.large_gallery_method == LargeGalleryMethod::kSignScan) {
    return "sign_scan";
  }
  return "exact";
}

FaissGalleryMemory FaissFaceGallery::MemoryUse() const {
  FaissGalleryMemory memory;
  memory.float_rows = impl_->flat.codes.size();
  memory.sign_codes = impl_->sign_codes.size() * sizeof(std::uint64_t);
  if (impl_->hnsw) {
    if (const auto* codes = dynamic_cast<const faiss::IndexFlatCodes*>(impl_->hnsw->storage)) {
      memory.hnsw_codes = codes->codes.size();
    }
    const faiss::HNSW& graph = impl_->hnsw->hnsw;
    memory.hnsw_graph = graph.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t) +
                        graph.offsets.size() * sizeof(std::size_t) + graph.levels.size() * sizeof(int);
  }
  return memory;
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVectorExact(std::span<const float> query,
                                                                               std::size_t k) const {
  std::vector<std::pair<std::int64_t, float>> out;
  k = std::min(k, impl_->row_ids.size());
  if (k == 0 || query.size() != static_cast<std::size_t>(impl_->dimension)) return out;
  // One pass over the rows keeping the best k in a min-heap of (score, row).
  using Scored = std::pair<float, std::size_t>;
  std::vector<Scored> best;
  best.reserve(k + 1);
  const auto worse = [](const Scored& a, const Scored& b) { return a.first > b.first; };
  const auto dimension = static_cast<std::size_t>(impl_->dimension);
  for (std::size_t row = 0; row < impl_->row_ids.size(); ++row) {
    const float score = InnerProduct(query.data(), impl_->Row(row), dimension);
    if (best.size() < k) {
      best.emplace_back(score, row);
      std::push_heap(best.begin(), best.end(), worse);
    } else if (score > best.front().first) {
      std::pop_heap(best.begin(), best.end(), worse);
      best.back() = {score, row};
      std::push_heap(best.begin(), best.end(), worse);
    }
  }
  std::sort_heap(best.begin(), best.end(), worse);  // highest score first
  for (const auto& [score, row] : best) out.emplace_back(impl_->row_ids[row], score);
  return out;
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVectorSignScan(std::span<const float> query,
                                                                                  std::size_t k, std::size_t candidates,
                                                                                  int threads) const {
  std::vector<std::pair<std::int64_t, float>> out;
  const std::size_t rows = impl_->row_ids.size();
  const auto dimension = static_cast<std::size_t>(impl_->dimension);
  k = std::min(k, rows);
  if (k == 0 || query.size() != dimension) return out;
  const std::size_t keep = std::min(rows, std::max(k, candidates));
  const std::size_t words = impl_->sign_words;
  std::vector<std::uint64_t> query_signs(words);
  EncodeSigns(query.data(), dimension, query_signs.data());

  // Each slice keeps its best `keep` (fewest differing bits) in a max-heap, worst on top; the
  // heaps are sized before the scan, so the scan itself never allocates.
  using Shortlisted = std::pair<std::uint32_t, std::size_t>;  // (differing bits, row)
  constexpr std::size_t kMinRowsPerSlice = 16'384;
  const int wanted = threads > 0 ? threads : std::max(1, impl_->options.sign_scan_threads);
  const std::size_t slices =
      std::clamp<std::size_t>(rows / kMinRowsPerSlice, 1, static_cast<std::size_t>(wanted));
  std::vector<std::vector<Shortlisted>> best(slices);
  for (auto& heap : best) heap.reserve(keep);
  const std::uint64_t* codes = impl_->sign_codes.data();
  const auto scan = [&](std::size_t slice) {
    std::vector<Shortlisted>& heap = best[slice];
    const std::size_t begin = rows * slice / slices;
    const std::size_t end = rows * (slice + 1) / slices;
    constexpr std::size_t kBlock = 256;
    std::uint32_t differing[kBlock];
    for (std::size_t block = begin; block < end; block += kBlock) {
      const std::size_t count = std::min(kBlock, end - block);
      HammingDistances(query_signs.data(), codes + block * words, count, words, differing);
      for (std::size_t i = 0; i < count; ++i) {
        if (heap.size() < keep) {
          heap.emplace_back(differing[i], block + i);
          std::push_heap(heap.begin(), heap.end());
        } else if (differing[i] < heap.front().first) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = {differing[i], block + i};
          std::push_heap(heap.begin(), heap.end());
        }
      }
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(slices - 1);
  for (std::size_t slice = 1; slice < slices; ++slice) {
    try {
      helpers.emplace_back(scan, slice);
    } catch (const std::system_error&) {
      scan(slice);  // no thread available: scan this slice on the calling thread
    }
  }
  scan(0);
  for (std::thread& helper : helpers) helper.join();

  // Each slice kept its best `keep` by (differing bits, row), rows ascending, so the best `keep`
  // of their union is the gallery's: the shortlist does not depend on the number of slices.
  std::vector<Shortlisted> shortlist = std::move(best[0]);
  for (std::size_t slice = 1; slice < slices; ++slice) shortlist.insert(shortlist.end(), best[slice].begin(), best[slice].end());
  if (shortlist.size() > keep) {
    std::nth_element(shortlist.begin(), shortlist.begin() + static_cast<std::ptrdiff_t>(keep - 1), shortlist.end());
    shortlist.resize(keep);
  }
  out.reserve(shortlist.size());
  for (const auto& [differing, row] : shortlist) {
    out.emplace_back(impl_->row_ids[row], InnerProduct(query.data(), impl_->Row(row), dimension));
  }
  const auto higher = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
  const std::size_t returned = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(returned), out.end(), higher);
  out.resize(returned);
  return out;
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVector(std::span<const float> query,
                                                                          std::size_t k, int ef_search) const {
  if (!impl_->hnsw) {
    if (impl_->LargeGallery() && impl_->options.large_gallery_method == LargeGalleryMethod::kSignScan) {
      return SearchVectorSignScan(query, k, impl_->options.sign_scan_candidates);
    }
    return SearchVectorExact(query, k);
  }
  std::vector<std::pair<std::int64_t, float>> out;
  k = std::min(k, impl_->row_ids.size());
  const auto dimension = static_cast<std::size_t>(impl_->dimension);
  if (k == 0 || query.size() != dimension) return out;
  // The graph's best `fetch` candidates (tombstones included), re-scored exactly from the float
  // rows: HNSW decides which references are candidates, the float rows decide their scores.
  const std::size_t fetch = std::min(impl_->seq_ids.size(), std::max(k, impl_->options.hnsw_rerank) + impl_->tombstones);
  const auto ef = std::max<std::size_t>(static_cast<std::size_t>(ef_search > 0 ? ef_search : impl_->options.hnsw_ef_search), fetch);
  const auto& storage = static_cast<const faiss::IndexFlatCodes&>(*impl_->hnsw->storage);
  const StoredSimilarity similarity(storage, impl_->options.hnsw_storage, query.data());
  out.reserve(fetch);
  for (const auto& [approximate, label] : BeamSearch(impl_->hnsw->hnsw, similarity, ef, fetch)) {
    const std::int64_t id = impl_->seq_ids[static_cast<std::size_t>(label)];
    if (id < 0) continue;
    const std::size_t row = impl_->row_of.at(id);
    out.emplace_back(id, InnerProduct(query.data(), impl_->Row(row), dimension));
  }
  const auto higher = [](const auto& a, const auto& b) { return a.second > b.second; };
  const std::size_t keep = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), higher);
  out.resize(keep);
  return out;
}

Result<std::vector<Candidate>> FaissFaceGallery::Search(const BiometricTemplate& probe,
                                                        std::size_t max_candidates) const {
  if (probe.modality != Modality::kFace || probe.algorithm != impl_->model_id) {
    return Status::InvalidArgument("face gallery holds '" + impl_->model_id + "' templates; probe is '" +
                                   probe.algorithm + "'");
  }
  ABIS_ASSIGN_OR_RETURN(const FaceEmbedding embedding, ParseFaceEmbedding(probe.data));
  if (embedding.values.size() != static_cast<std::size_t>(impl_->dimension)) {
    return Status::InvalidArgument("face probe has dimension " + std::to_string(embedding.values.size()));
  }
  std::vector<Candidate> candidates;
  for (const auto& [id, score] : SearchVector(embedding.values, max_candidates)) {
    Candidate candidate;
    candidate.reference_id = id;
    candidate.score = score;
    candidate.log_lr = impl_->calibration ? impl_->calibration->LogLikelihoodRatio(score) : 0.0;
    if (impl_->calibration) candidate.details["estimated_fmr"] = impl_->calibration->FalseMatchRate(score);
    candidate.details["search"] = search_method();
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

Status FaissFaceGallery::SaveHnswGraph(const std::string& path) const {
  if (!impl_->hnsw) return Status::FailedPrecondition("face gallery: no HNSW graph to save (exact search in use)");
  if (impl_->tombstones != 0 || impl_->seq_ids != impl_->row_ids) {
    return Status::FailedPrecondition("face gallery: the HNSW graph has changed since it was built; not saved");
  }
  GraphHeader header;
  header.dimension = static_cast<std::uint32_t>(impl_->dimension);
  header.count = impl_->row_ids.size();
  header.neighbours = impl_->options.hnsw_neighbours;
  header.ef_construction = impl_->options.hnsw_ef_construction;
  header.storage = static_cast<std::uint32_t>(impl_->options.hnsw_storage);
  header.fingerprint = FingerprintOf(impl_->row_ids, impl_->Rows());
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write HNSW graph file " + partial);
    out.write(kGraphMagic, sizeof kGraphMagic);
    WriteValue(out, header.format);
    WriteValue(out, header.dimension);
    WriteValue(out, header.count);
    WriteValue(out, header.neighbours);
    WriteValue(out, header.ef_construction);
    WriteValue(out, header.storage);
    WriteValue(out, header.fingerprint);
    const faiss::HNSW& graph = impl_->hnsw->hnsw;
    WriteArray(out, graph.assign_probas);
    WriteArray(out, graph.cum_nneighbor_per_level);
    WriteArray(out, graph.levels);
    WriteArray(out, graph.offsets);
    WriteArray(out, graph.neighbors);
    WriteValue(out, static_cast<std::int32_t>(graph.entry_point));
    WriteValue(out, static_cast<std::int32_t>(graph.max_level));
    if (!out.flush()) return Status::IoError("cannot write HNSW graph file " + partial);
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);  // readers never see a half-written file
  if (error) return Status::IoError("cannot rename " + partial + " to " + path + ": " + error.message());
  return Status::Ok();
}

Status FaissFaceGallery::AddVectorsWithSavedHnswGraph(std::span<const std::int64_t> reference_ids,
                                                      std::span<const float> vectors, const std::string& path) {
  if (!impl_->row_ids.empty()) return Status::FailedPrecondition("face gallery: a saved graph loads only into an empty gallery");
  if (impl_->options.large_gallery_method != LargeGalleryMethod::kHnsw) {
    return Status::FailedPrecondition("face gallery: the large-gallery method is not HNSW; no graph to load");
  }
  if (reference_ids.size() <= impl_->options.exact_search_max) {
    return Status::FailedPrecondition("face gallery: " + std::to_string(reference_ids.size()) +
                                      " references use exact search (exact_search_max " +
                                      std::to_string(impl_->options.exact_search_max) + "); no graph to load");
  }
  ABIS_RETURN_IF_ERROR(impl_->CheckBulk(reference_ids, vectors));
  std::error_code error;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, error);
  if (error) return Status::NotFound("HNSW graph file " + path + ": " + error.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read HNSW graph file " + path);
  char magic[sizeof kGraphMagic] = {};
  in.read(magic, sizeof magic);
  if (!in || std::memcmp(magic, kGraphMagic, sizeof magic) != 0) {
    return Status::InvalidArgument("HNSW graph file " + path + ": not an abis HNSW graph");
  }
  GraphReader body(in, file_bytes - sizeof magic, path);
  GraphHeader header;
  ABIS_RETURN_IF_ERROR(body.Value(header.format));
  ABIS_RETURN_IF_ERROR(body.Value(header.dimension));
  ABIS_RETURN_IF_ERROR(body.Value(header.count));
  ABIS_RETURN_IF_ERROR(body.Value(header.neighbours));
  ABIS_RETURN_IF_ERROR(body.Value(header.ef_construction));
  ABIS_RETURN_IF_ERROR(body.Value(header.storage));
  ABIS_RETURN_IF_ERROR(body.Value(header.fingerprint));
  if (header.format != kGraphFormat) {
    return Status::Unimplemented("HNSW graph file " + path + ": format " + std::to_string(header.format));
  }
  if (header.dimension != static_cast<std::uint32_t>(impl_->dimension) || header.count != reference_ids.size() ||
      header.neighbours != impl_->options.hnsw_neighbours ||
      header.ef_construction != impl_->options.hnsw_ef_construction ||
      header.storage != static_cast<std::uint32_t>(impl_->options.hnsw_storage) ||
      header.fingerprint != FingerprintOf(reference_ids, vectors)) {
    return Status::FailedPrecondition("HNSW graph file " + path +
                                      " was built over other vectors or with other parameters; not used");
  }
  std::unique_ptr<faiss::IndexHNSW> graph = impl_->NewGraph();
  faiss::HNSW& links = graph->hnsw;
  std::int32_t entry_point = 0;
  std::int32_t max_level = 0;
  ABIS_RETURN_IF_ERROR(body.Array(links.assign_probas));
  ABIS_RETURN_IF_ERROR(body.Array(links.cum_nneighbor_per_level));
  ABIS_RETURN_IF_ERROR(body.Array(links.levels));
  ABIS_RETURN_IF_ERROR(body.Array(links.offsets));
  ABIS_RETURN_IF_ERROR(body.Array(links.neighbors));
  ABIS_RETURN_IF_ERROR(body.Value(entry_point));
  ABIS_RETURN_IF_ERROR(body.Value(max_level));
  if (body.left() != 0) return Status::InvalidArgument("HNSW graph file " + path + ": trailing bytes");
  links.entry_point = entry_point;
  links.max_level = max_level;
  ABIS_RETURN_IF_ERROR(ValidateGraph(links, header.count, path));
  graph->storage->add(static_cast<idx_t>(reference_ids.size()), vectors.data());
  graph->ntotal = static_cast<idx_t>(reference_ids.size());
  impl_->AppendRows(reference_ids, vectors);
  impl_->hnsw = std::move(graph);
  impl_->IndexSequence();
  return Status::Ok();
}

}  // namespace abis::face
