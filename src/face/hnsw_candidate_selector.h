// HNSW candidate selection for the face gallery: a graph built by FAISS (faiss::IndexHNSW) over
// its own copy of the vectors (HnswStorage: float, int8 codes or sign bits), searched by our beam
// search (hnsw_beam_search.h). Graph labels are insertion sequence numbers; a removed reference
// stays in the graph as a tombstone until the next build, and is never returned.
// Thread-safety: Select, MemoryUse and Save may run concurrently; Add/Remove need exclusive access.
#pragma once

#include <faiss/IndexHNSW.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "abis/core/status.h"
#include "abis/face/faiss_gallery.h"
#include "faiss_search_parameters.h"

namespace abis::face {

class HnswCandidateSelector {
 public:
  // Builds a graph over `vectors` (one row per id) with options.build_threads OpenMP threads.
  // REQUIRES: vectors.size() == ids.size() * dimension, ids distinct.
  static std::unique_ptr<HnswCandidateSelector> Build(const FaissGalleryOptions& options, int dimension,
                                                      std::span<const std::int64_t> ids,
                                                      std::span<const float> vectors);
  // Like Build, but the graph's links are read from a file written by Save over exactly these ids
  // and vectors with these parameters (see ReadHnswGraphFile for the errors).
  static Result<std::unique_ptr<HnswCandidateSelector>> Load(const FaissGalleryOptions& options, int dimension,
                                                             std::span<const std::int64_t> ids,
                                                             std::span<const float> vectors, const std::string& path);

  // Inserts references into the graph (with options.build_threads OpenMP threads).
  // REQUIRES: as Build, and none of the ids in the graph (Remove them first).
  void Add(std::span<const std::int64_t> ids, std::span<const float> vectors);
  // Turns `id` into a tombstone; no effect when it is not in the graph.
  void Remove(std::int64_t id);
  // True when tombstones make up more than a tenth of the graph (time to rebuild).
  bool MostlyStale() const { return tombstones_ * 10 > sequence_ids_.size(); }
  // True when the graph holds exactly `ids`, in this order, with no tombstone (Save allowed).
  bool BuiltOver(std::span<const std::int64_t> ids) const;

  // The ids of the references among the graph's best max(k, hnsw_rerank) + tombstones labels
  // for `query` (beam width max(hnsw_ef_search, that count)), best first by the storage's
  // approximate similarity, tombstones left out. REQUIRES: query.size() == dimension, parameters.k
  // at most the number of live references.
  std::vector<std::int64_t> Select(std::span<const float> query, const FaceSearchParameters& parameters) const;

  // Bytes of the graph's vector copy and of its links.
  std::size_t code_bytes() const;
  std::size_t link_bytes() const;

  // Writes the graph for Load. REQUIRES: BuiltOver(ids), `vectors` the rows it was built over.
  Status Save(const std::string& path, std::span<const std::int64_t> ids, std::span<const float> vectors) const;

 private:
  HnswCandidateSelector(const FaissGalleryOptions& options, int dimension);
  void Sequence(std::span<const std::int64_t> ids);

  FaissGalleryOptions options_;
  int dimension_;
  std::unique_ptr<faiss::IndexHNSW> graph_;
  std::vector<std::int64_t> sequence_ids_;  // per label; -1 for a tombstone
  std::unordered_map<std::int64_t, std::int64_t> label_of_;
  std::size_t tombstones_ = 0;
};

}  // namespace abis::face
