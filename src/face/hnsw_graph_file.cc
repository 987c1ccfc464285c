#include "hnsw_graph_file.h"

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace abis::face {
namespace {

// 64-bit mixing hash of a byte sequence (see HnswGraphFingerprint).
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

constexpr char kGraphMagic[8] = {'A', 'B', 'I', 'S', 'H', 'N', 'S', 'W'};

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
  if (graph.levels.size() != count || graph.offsets.size() != count + 1)
    return bad("level/offset tables do not match the count");
  if (graph.cum_nneighbor_per_level.empty() || graph.cum_nneighbor_per_level[0] != 0)
    return bad("bad neighbours-per-level table");
  if (graph.offsets[0] != 0 || graph.offsets.back() != graph.neighbors.size())
    return bad("offsets do not span the neighbour table");
  const auto levels_known = static_cast<int>(graph.cum_nneighbor_per_level.size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const int level = graph.levels[i];
    if (level < 1 || level >= levels_known)
      return bad("vector " + std::to_string(i) + " has level " + std::to_string(level));
    if (graph.offsets[i + 1] < graph.offsets[i] ||
        graph.offsets[i + 1] - graph.offsets[i] != static_cast<std::size_t>(graph.cum_nneighbor_per_level[level])) {
      return bad("vector " + std::to_string(i) + " has a neighbour list of the wrong length");
    }
  }
  for (std::size_t level = 1; level < graph.cum_nneighbor_per_level.size(); ++level) {
    if (graph.cum_nneighbor_per_level[level] < graph.cum_nneighbor_per_level[level - 1])
      return bad("bad neighbours-per-level table");
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

}  // namespace

std::uint64_t HnswGraphFingerprint(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  Fingerprint fingerprint;
  fingerprint.Add(ids.data(), ids.size_bytes());
  fingerprint.Add(vectors.data(), vectors.size_bytes());
  return fingerprint.value();
}

Status WriteHnswGraphFile(const std::string& path, const HnswGraphFileHeader& header, const faiss::HNSW& graph) {
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

Status ReadHnswGraphFile(const std::string& path, const HnswGraphFileHeader& expected, faiss::HNSW& graph) {
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
  HnswGraphFileHeader header;
  ABIS_RETURN_IF_ERROR(body.Value(header.format));
  ABIS_RETURN_IF_ERROR(body.Value(header.dimension));
  ABIS_RETURN_IF_ERROR(body.Value(header.count));
  ABIS_RETURN_IF_ERROR(body.Value(header.neighbours));
  ABIS_RETURN_IF_ERROR(body.Value(header.ef_construction));
  ABIS_RETURN_IF_ERROR(body.Value(header.storage));
  ABIS_RETURN_IF_ERROR(body.Value(header.fingerprint));
  if (header.format != kHnswGraphFormat) {
    return Status::Unimplemented("HNSW graph file " + path + ": format " + std::to_string(header.format));
  }
  if (header.dimension != expected.dimension || header.count != expected.count ||
      header.neighbours != expected.neighbours || header.ef_construction != expected.ef_construction ||
      header.storage != expected.storage || header.fingerprint != expected.fingerprint) {
    return Status::FailedPrecondition("HNSW graph file " + path +
                                      " was built over other vectors or with other parameters; not used");
  }
  std::int32_t entry_point = 0;
  std::int32_t max_level = 0;
  ABIS_RETURN_IF_ERROR(body.Array(graph.assign_probas));
  ABIS_RETURN_IF_ERROR(body.Array(graph.cum_nneighbor_per_level));
  ABIS_RETURN_IF_ERROR(body.Array(graph.levels));
  ABIS_RETURN_IF_ERROR(body.Array(graph.offsets));
  ABIS_RETURN_IF_ERROR(body.Array(graph.neighbors));
  ABIS_RETURN_IF_ERROR(body.Value(entry_point));
  ABIS_RETURN_IF_ERROR(body.Value(max_level));
  if (body.left() != 0) return Status::InvalidArgument("HNSW graph file " + path + ": trailing bytes");
  graph.entry_point = entry_point;
  graph.max_level = max_level;
  return ValidateGraph(graph, header.count, path);
}

}  // namespace abis::face
