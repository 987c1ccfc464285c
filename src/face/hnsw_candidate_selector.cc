#include "hnsw_candidate_selector.h"

#include <faiss/IndexFlatCodes.h>
#include <omp.h>

#include <algorithm>

#include "hnsw_beam_search.h"
#include "hnsw_graph_file.h"
#include "hnsw_vector_storage.h"

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

HnswGraphFileHeader HeaderFor(const FaissGalleryOptions& options, int dimension, std::span<const std::int64_t> ids,
                              std::span<const float> vectors) {
  HnswGraphFileHeader header;
  header.dimension = static_cast<std::uint32_t>(dimension);
  header.count = ids.size();
  header.neighbours = options.hnsw_neighbours;
  header.ef_construction = options.hnsw_ef_construction;
  header.storage = static_cast<std::uint32_t>(options.hnsw_storage);
  header.fingerprint = HnswGraphFingerprint(ids, vectors);
  return header;
}

}  // namespace

HnswCandidateSelector::HnswCandidateSelector(const FaissGalleryOptions& options, int dimension)
    : options_(options),
      dimension_(dimension),
      graph_(std::make_unique<faiss::IndexHNSW>(NewHnswStorage(options.hnsw_storage, dimension),
                                                options.hnsw_neighbours)) {
  graph_->own_fields = true;  // deletes the storage
  graph_->hnsw.efConstruction = options.hnsw_ef_construction;
  graph_->hnsw.efSearch = options.hnsw_ef_search;
}

std::unique_ptr<HnswCandidateSelector> HnswCandidateSelector::Build(const FaissGalleryOptions& options, int dimension,
                                                                    std::span<const std::int64_t> ids,
                                                                    std::span<const float> vectors) {
  std::unique_ptr<HnswCandidateSelector> selector(new HnswCandidateSelector(options, dimension));
  const ScopedOpenMpThreads threads(options.build_threads);
  selector->graph_->add(static_cast<idx_t>(ids.size()), vectors.data());
  selector->Sequence(ids);
  return selector;
}

Result<std::unique_ptr<HnswCandidateSelector>> HnswCandidateSelector::Load(const FaissGalleryOptions& options,
                                                                           int dimension,
                                                                           std::span<const std::int64_t> ids,
                                                                           std::span<const float> vectors,
                                                                           const std::string& path) {
  std::unique_ptr<HnswCandidateSelector> selector(new HnswCandidateSelector(options, dimension));
  ABIS_RETURN_IF_ERROR(ReadHnswGraphFile(path, HeaderFor(options, dimension, ids, vectors), selector->graph_->hnsw));
  selector->graph_->storage->add(static_cast<idx_t>(ids.size()), vectors.data());
  selector->graph_->ntotal = static_cast<idx_t>(ids.size());
  selector->Sequence(ids);
  return selector;
}

void HnswCandidateSelector::Sequence(std::span<const std::int64_t> ids) {
  sequence_ids_.assign(ids.begin(), ids.end());
  label_of_.clear();
  for (std::size_t i = 0; i < sequence_ids_.size(); ++i) label_of_[sequence_ids_[i]] = static_cast<std::int64_t>(i);
  tombstones_ = 0;
}

void HnswCandidateSelector::Add(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  const ScopedOpenMpThreads threads(options_.build_threads);
  graph_->add(static_cast<idx_t>(ids.size()), vectors.data());
  for (std::int64_t id : ids) {
    label_of_[id] = static_cast<std::int64_t>(sequence_ids_.size());
    sequence_ids_.push_back(id);
  }
}

void HnswCandidateSelector::Remove(std::int64_t id) {
  const auto found = label_of_.find(id);
  if (found == label_of_.end()) return;
  sequence_ids_[static_cast<std::size_t>(found->second)] = -1;
  label_of_.erase(found);
  ++tombstones_;
}

bool HnswCandidateSelector::BuiltOver(std::span<const std::int64_t> ids) const {
  return tombstones_ == 0 && std::equal(sequence_ids_.begin(), sequence_ids_.end(), ids.begin(), ids.end());
}

std::vector<std::int64_t> HnswCandidateSelector::Select(std::span<const float> query,
                                                        const FaceSearchParameters& parameters) const {
  // The graph's best `fetch` labels, tombstones included: HNSW decides which references are
  // candidates, the exact re-ranking their scores.
  const std::size_t fetch =
      std::min(sequence_ids_.size(), std::max(parameters.k, parameters.hnsw_rerank) + tombstones_);
  const std::size_t ef = std::max(parameters.hnsw_ef_search, fetch);
  const auto& storage = static_cast<const faiss::IndexFlatCodes&>(*graph_->storage);
  const HnswCodeSimilarity similarity(storage, options_.hnsw_storage, query.data());
  std::vector<std::int64_t> ids;
  ids.reserve(fetch);
  for (const auto& [approximate, label] : BeamSearch(graph_->hnsw, similarity, ef, fetch)) {
    const std::int64_t id = sequence_ids_[static_cast<std::size_t>(label)];
    if (id >= 0) ids.push_back(id);
  }
  return ids;
}

std::size_t HnswCandidateSelector::code_bytes() const {
  const auto* codes = dynamic_cast<const faiss::IndexFlatCodes*>(graph_->storage);
  return codes ? codes->codes.size() : 0;
}

std::size_t HnswCandidateSelector::link_bytes() const {
  const faiss::HNSW& graph = graph_->hnsw;
  return graph.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t) + graph.offsets.size() * sizeof(std::size_t) +
         graph.levels.size() * sizeof(int);
}

Status HnswCandidateSelector::Save(const std::string& path, std::span<const std::int64_t> ids,
                                   std::span<const float> vectors) const {
  return WriteHnswGraphFile(path, HeaderFor(options_, dimension_, ids, vectors), graph_->hnsw);
}

}  // namespace abis::face
