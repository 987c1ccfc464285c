#include "abis/face/faiss_gallery.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/DistanceComputer.h>
#include <omp.h>

#include "abis/face/calibration.h"
#include "abis/face/face_template.h"
#include "inner_product_kernel.h"

namespace abis::face {
namespace {

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
class InnerProductComputer : public faiss::FlatCodesDistanceComputer {
 public:
  explicit InnerProductComputer(const faiss::IndexFlat& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        dimension_(static_cast<std::size_t>(storage.d)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const std::uint8_t* code) override {
    return InnerProduct(query_, reinterpret_cast<const float*>(code), dimension_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    return InnerProduct(Row(i), Row(j), dimension_);
  }

 private:
  const float* Row(idx_t i) const {
    return reinterpret_cast<const float*>(codes + static_cast<std::size_t>(i) * code_size);
  }

  std::size_t dimension_;
  const float* query_ = nullptr;
};

// HNSW's vector storage: an IndexFlatIP whose distance computer is InnerProductComputer.
struct InnerProductStorage : faiss::IndexFlatIP {
  explicit InnerProductStorage(int dimension) : faiss::IndexFlatIP(dimension) {}
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override {
    return new InnerProductComputer(*this);
  }
};

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

  // HNSW graph (only above exact_search_max). Labels are insertion sequence numbers; removed
  // entries stay in the graph as tombstones (seq_ids[label] == -1) until the next rebuild.
  std::unique_ptr<faiss::IndexHNSW> hnsw;
  std::vector<std::int64_t> seq_ids;
  std::unordered_map<std::int64_t, std::int64_t> seq_of;
  std::size_t tombstones = 0;

  Impl(std::string id, int dim, FaissGalleryOptions opts, const ScoreCalibration* cal)
      : model_id(std::move(id)), dimension(dim), options(opts), calibration(cal), flat(dim) {}

  const float* Row(std::size_t row) const {
    return reinterpret_cast<const float*>(flat.codes.data()) + row * static_cast<std::size_t>(dimension);
  }

  void BuildHnsw() {
    hnsw = std::make_unique<faiss::IndexHNSW>(new InnerProductStorage(dimension), options.hnsw_neighbours);
    hnsw->own_fields = true;  // deletes the storage
    hnsw->hnsw.efConstruction = options.hnsw_ef_construction;
    hnsw->hnsw.efSearch = options.hnsw_ef_search;
    const ScopedOpenMpThreads threads(options.build_threads);
    hnsw->add(static_cast<faiss::Index::idx_t>(row_ids.size()), Row(0));
    seq_ids = row_ids;
    seq_of.clear();
    for (std::size_t i = 0; i < seq_ids.size(); ++i) seq_of[seq_ids[i]] = static_cast<std::int64_t>(i);
    tombstones = 0;
  }

  void DropHnsw() {
    hnsw.reset();
    seq_ids.clear();
    seq_of.clear();
    tombstones = 0;
  }

  void RemoveRow(std::int64_t id) {
    const auto found = row_of.find(id);
    if (found == row_of.end()) return;
    const std::size_t row = found->second;
    const std::size_t last = row_ids.size() - 1;
    const std::size_t bytes = static_cast<std::size_t>(dimension) * sizeof(float);
    if (row != last) {
      std::memcpy(flat.codes.data() + row * bytes, flat.codes.data() + last * bytes, bytes);
      row_ids[row] = row_ids[last];
      row_of[row_ids[row]] = row;
    }
    row_ids.pop_back();
    row_of.erase(found);
    flat.codes.resize(last * bytes);
    flat.ntotal = static_cast<faiss::Index::idx_t>(last);
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
    if (row_ids.size() > options.exact_search_max) {
      if (!hnsw || tombstones * 10 > seq_ids.size()) BuildHnsw();
    } else if (hnsw) {
      DropHnsw();
    }
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
  impl_->flat.add(1, vector.data());
  impl_->row_of[reference_id] = impl_->row_ids.size();
  impl_->row_ids.push_back(reference_id);
  if (impl_->hnsw) {
    impl_->hnsw->add(1, vector.data());
    impl_->seq_of[reference_id] = static_cast<std::int64_t>(impl_->seq_ids.size());
    impl_->seq_ids.push_back(reference_id);
  }
  impl_->Rebalance();
  return Status::Ok();
}

Status FaissFaceGallery::AddVectors(std::span<const std::int64_t> reference_ids, std::span<const float> vectors) {
  const auto dimension = static_cast<std::size_t>(impl_->dimension);
  if (vectors.size() != reference_ids.size() * dimension) {
    return Status::InvalidArgument("face gallery: " + std::to_string(vectors.size()) + " floats for " +
                                   std::to_string(reference_ids.size()) + " vectors of dimension " +
                                   std::to_string(dimension));
  }
  std::unordered_set<std::int64_t> distinct(reference_ids.begin(), reference_ids.end());
  if (distinct.size() != reference_ids.size()) {
    return Status::InvalidArgument("face gallery: bulk add lists a reference id more than once");
  }
  for (std::int64_t id : reference_ids) impl_->RemoveRow(id);
  const auto count = static_cast<faiss::Index::idx_t>(reference_ids.size());
  impl_->flat.add(count, vectors.data());
  for (std::int64_t id : reference_ids) {
    impl_->row_of[id] = impl_->row_ids.size();
    impl_->row_ids.push_back(id);
  }
  if (impl_->hnsw) {
    const ScopedOpenMpThreads threads(impl_->options.build_threads);
    impl_->hnsw->add(count, vectors.data());
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

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVector(std::span<const float> query,
                                                                          std::size_t k, int ef_search) const {
  if (!impl_->hnsw) return SearchVectorExact(query, k);
  std::vector<std::pair<std::int64_t, float>> out;
  k = std::min(k, impl_->row_ids.size());
  if (k == 0 || query.size() != static_cast<std::size_t>(impl_->dimension)) return out;
  const std::size_t fetch = std::min(impl_->seq_ids.size(), k + impl_->tombstones);
  std::vector<float> distances(fetch);
  std::vector<faiss::Index::idx_t> labels(fetch);
  faiss::SearchParametersHNSW parameters;
  parameters.efSearch = std::max(ef_search > 0 ? ef_search : impl_->options.hnsw_ef_search, static_cast<int>(fetch));
  const ScopedOpenMpThreads one_thread(1);
  impl_->hnsw->search(1, query.data(), static_cast<faiss::Index::idx_t>(fetch), distances.data(), labels.data(),
                      &parameters);
  for (std::size_t i = 0; i < fetch && out.size() < k; ++i) {
    if (labels[i] < 0) continue;
    const std::int64_t id = impl_->seq_ids[static_cast<std::size_t>(labels[i])];
    if (id >= 0) out.emplace_back(id, distances[i]);
  }
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
    candidate.details["search"] = impl_->hnsw ? "hnsw" : "exact";
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

}  // namespace abis::face
