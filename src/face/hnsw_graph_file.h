// The saved HNSW graph file of the face gallery. Benchmarks only (the product never reads a
// saved graph): a large HNSW build takes minutes, so the bench may keep a built graph in a file.
// Format 1, native byte order: magic "ABISHNSW"; u32 format, u32 dimension, u64 count,
// i32 M, i32 efConstruction, u32 storage (HnswStorage), u64 fingerprint of the ids and float
// rows the graph was built over; then faiss::HNSW's assign_probas, cum_nneighbor_per_level,
// levels, offsets and neighbors, each as u64 length + elements; i32 entry point, i32 max level.
// Thread-safety: free functions over their arguments.
#pragma once

#include <faiss/impl/HNSW.h>

#include <cstdint>
#include <span>
#include <string>

#include "abis/core/status.h"

namespace abis::face {

inline constexpr std::uint32_t kHnswGraphFormat = 1;

// The fixed-size fields of a graph file, in file order.
struct HnswGraphFileHeader {
  std::uint32_t format = kHnswGraphFormat;
  std::uint32_t dimension = 0;
  std::uint64_t count = 0;
  std::int32_t neighbours = 0;
  std::int32_t ef_construction = 0;
  std::uint32_t storage = 0;
  std::uint64_t fingerprint = 0;
};

// Fingerprint of the ids and float rows a graph was built over (detects any change, not built
// to resist deliberate collisions).
std::uint64_t HnswGraphFingerprint(std::span<const std::int64_t> ids, std::span<const float> vectors);

// Writes `graph` with `header` to `path` through `path`.partial renamed into place, so readers
// never see a half-written file. io_error on any write or rename failure.
Status WriteHnswGraphFile(const std::string& path, const HnswGraphFileHeader& header, const faiss::HNSW& graph);

// Reads the links of a graph saved with exactly `expected` (every header field) into `graph`
// (the graph's own parameters, e.g. from faiss::IndexHNSW's constructor, are overwritten).
// not_found when the file is missing, invalid_argument when it is not a graph file, truncated
// or structurally invalid (checked before any search could follow a bad offset), unimplemented
// for another format, failed_precondition when the header differs from `expected`.
Status ReadHnswGraphFile(const std::string& path, const HnswGraphFileHeader& expected, faiss::HNSW& graph);

}  // namespace abis::face
