// The face gallery is organised as FAISS's IndexRefine: a row store holding the references
// (faiss_row_store.h), one candidate selector per method (exact_scan.h, sign_scan_selector.h,
// hnsw_candidate_selector.h), exact re-ranking of the candidates (exact_reranker.h), and the
// per-call parameters that tie them together (faiss_search_parameters.h). This file chooses the
// method for the gallery's size and keeps the HNSW graph in step with the rows.
#include "abis/face/faiss_gallery.h"

#include <algorithm>
#include <unordered_set>

#include "abis/face/calibration.h"
#include "abis/face/face_template.h"
#include "exact_reranker.h"
#include "exact_scan.h"
#include "faiss_row_store.h"
#include "faiss_search_parameters.h"
#include "hnsw_candidate_selector.h"
#include "inner_product_kernel.h"
#include "sign_scan_selector.h"

namespace abis::face {

namespace {

// Search answers: (reference id, cosine), best first.
using ScoredIds = std::vector<std::pair<std::int64_t, float>>;

// Rows read from a snapshot file at once by an exact scan of deferred rows (32 MB at 512-d).
constexpr std::size_t kExactScanRowsPerRead = 16384;

// The raw-vector searches (benchmarks) answer nothing when deferred rows cannot be read; Search
// reports the error.
std::vector<std::pair<std::int64_t, float>> FoundOrNone(Result<std::vector<std::pair<std::int64_t, float>>> found) {
  if (!found.ok()) return {};
  return std::move(found).value();
}

}  // namespace

struct FaissFaceGallery::Impl {
  std::string model_id;
  int dimension;
  FaissGalleryOptions options;
  const ScoreCalibration* calibration;

  FaceRowStore rows;
  // Only above exact_search_max, with large_gallery_method kHnsw.
  std::unique_ptr<HnswCandidateSelector> hnsw;

  Impl(std::string id, int dim, FaissGalleryOptions opts, const ScoreCalibration* cal)
      : model_id(std::move(id)), dimension(dim), options(opts), calibration(cal), rows(dim) {}

  bool LargeGallery() const { return rows.size() > options.exact_search_max; }

  FaceSearchMethod Method() const {
    if (hnsw) return FaceSearchMethod::kHnsw;
    if (LargeGallery() && options.large_gallery_method == LargeGalleryMethod::kSignScan) {
      return FaceSearchMethod::kSignScan;
    }
    return FaceSearchMethod::kExact;
  }

  // The parameters of a call using `method`, from the options; callers apply their overrides.
  FaceSearchParameters Parameters(FaceSearchMethod method, std::size_t k) const {
    FaceSearchParameters parameters;
    parameters.method = method;
    parameters.k = std::min(k, rows.size());
    parameters.sign_scan_candidates = options.sign_scan_candidates;
    parameters.sign_scan_slices = static_cast<std::size_t>(std::max(1, options.sign_scan_threads));
    parameters.hnsw_ef_search = static_cast<std::size_t>(options.hnsw_ef_search);
    parameters.hnsw_rerank = options.hnsw_rerank;
    return parameters;
  }

  // Selects candidates with the parameters' method and re-ranks them exactly; best k first.
  // Fails (kDataLoss) only when deferred rows cannot be read from the snapshot file.
  Result<std::vector<std::pair<std::int64_t, float>>> Search(std::span<const float> query,
                                                             const FaceSearchParameters& parameters) const {
    if (parameters.k == 0 || query.size() != rows.dimension()) return std::vector<std::pair<std::int64_t, float>>{};
    switch (parameters.method) {
      case FaceSearchMethod::kExact:
        if (rows.deferred()) return ExactScanOfDeferredRows(query, parameters.k);
        return ExactScan(rows, query, parameters.k);
      case FaceSearchMethod::kSignScan: {
        const std::size_t keep = std::max(parameters.k, parameters.sign_scan_candidates);
        const std::vector<std::size_t> shortlist = SignScanShortlist(rows, query, keep, parameters.sign_scan_slices);
        if (rows.deferred()) return RerankDeferredRows(query, shortlist, parameters.k);
        return RerankExactly(rows, query, shortlist, parameters.k);
      }
      case FaceSearchMethod::kHnsw: {
        std::vector<std::size_t> candidates;
        for (const std::int64_t id : hnsw->Select(query, parameters)) candidates.push_back(rows.RowOf(id));
        return RerankExactly(rows, query, candidates, parameters.k);
      }
    }
    return std::vector<std::pair<std::int64_t, float>>{};
  }

  // RerankExactly over rows whose vectors may be in the snapshot file: the candidates' vectors are
  // read into a row store of their own and re-ranked there (the same kernel, the same scores).
  Result<std::vector<std::pair<std::int64_t, float>>> RerankDeferredRows(std::span<const float> query,
                                                                         std::span<const std::size_t> candidate_rows,
                                                                         std::size_t k) const {
    std::vector<float> vectors(candidate_rows.size() * rows.dimension());
    ABIS_RETURN_IF_ERROR(rows.CopyRows(candidate_rows, vectors.data()));
    std::vector<std::int64_t> ids;
    ids.reserve(candidate_rows.size());
    for (const std::size_t row : candidate_rows) ids.push_back(rows.IdOf(row));
    FaceRowStore read(dimension);
    read.Append(ids, vectors);
    std::vector<std::size_t> all(ids.size());
    for (std::size_t row = 0; row < all.size(); ++row) all[row] = row;
    return RerankExactly(read, query, all, k);
  }

  // ExactScan over deferred rows (a gallery loaded on demand above exact_search_max that removals
  // took below it): each piece of rows re-ranked as above, the pieces' best k merged (score
  // descending, then id, as ExactScan orders).
  Result<std::vector<std::pair<std::int64_t, float>>> ExactScanOfDeferredRows(std::span<const float> query,
                                                                              std::size_t k) const {
    std::vector<std::pair<std::int64_t, float>> best;
    std::vector<float> vectors;
    for (std::size_t begin = 0; begin < rows.size(); begin += kExactScanRowsPerRead) {
      const std::size_t count = std::min(kExactScanRowsPerRead, rows.size() - begin);
      vectors.resize(count * rows.dimension());
      // Consecutive rows are read page by page (a row at a time would open a 16 KiB page per row).
      ABIS_RETURN_IF_ERROR(rows.CopyRowRange(begin, count, vectors.data()));
      FaceRowStore piece(dimension);
      piece.Append(rows.ids().subspan(begin, count), vectors);
      ScoredIds found = ExactScan(piece, query, k);
      best.insert(best.end(), found.begin(), found.end());
    }
    const auto higher = [](const auto& a, const auto& b) {
      return a.second > b.second || (a.second == b.second && a.first < b.first);
    };
    std::sort(best.begin(), best.end(), higher);
    if (best.size() > k) best.resize(k);
    return best;
  }

  void RemoveRow(std::int64_t id) {
    if (rows.Remove(id) && hnsw) hnsw->Remove(id);
  }

  void Rebalance() {
    // Deferred rows are kept only for the sign scan, which reads a shortlist of them; once the
    // gallery is small enough for exact search, which reads every row, they are read in (at most
    // exact_search_max rows: what a whole load keeps). A file that cannot be read leaves them
    // deferred: the exact scan then reads them piece by piece, and fails if it cannot.
    if (!LargeGallery() && rows.deferred()) (void)rows.Materialize();
    if (options.large_gallery_method != LargeGalleryMethod::kHnsw) {
      hnsw.reset();
      return;
    }
    if (LargeGallery()) {
      if (!hnsw || hnsw->MostlyStale())
        hnsw = HnswCandidateSelector::Build(options, dimension, rows.ids(), rows.Rows());
    } else {
      hnsw.reset();
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
  impl_->rows.Append({&reference_id, 1}, vector);
  if (impl_->hnsw) impl_->hnsw->Add({&reference_id, 1}, vector);
  impl_->Rebalance();
  return Status::Ok();
}

Status FaissFaceGallery::AddVectors(std::span<const std::int64_t> reference_ids, std::span<const float> vectors) {
  ABIS_RETURN_IF_ERROR(impl_->CheckBulk(reference_ids, vectors));
  for (std::int64_t id : reference_ids) impl_->RemoveRow(id);
  impl_->rows.Append(reference_ids, vectors);
  if (impl_->hnsw) impl_->hnsw->Add(reference_ids, vectors);
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

std::size_t FaissFaceGallery::size() const { return impl_->rows.size(); }

bool FaissFaceGallery::uses_hnsw() const { return impl_->hnsw != nullptr; }

const char* FaissFaceGallery::search_method() const {
  switch (impl_->Method()) {
    case FaceSearchMethod::kHnsw: return "hnsw";
    case FaceSearchMethod::kSignScan: return "sign_scan";
    case FaceSearchMethod::kExact: break;
  }
  return "exact";
}

namespace {

// Format 2 (issue 20): the sign codes are stored after the ids, so a load computes nothing and a
// load on demand can leave the float rows in the file. A format-1 state (ids then rows) is
// refused as another format: its snapshot is deleted and the index rebuilt.
constexpr std::uint64_t kFaceStateMagic = 0x3153474641534942 ^ 0x0000000000000700;  // face state, format 2

}  // namespace

Status FaissFaceGallery::SaveState(GalleryStateWriter& out) const {
  const FaceRowStore& rows = impl_->rows;
  ABIS_RETURN_IF_ERROR(WriteStateWords(out, {kFaceStateMagic, rows.dimension(), impl_->model_id.size()}));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, std::span<const char>(impl_->model_id)));
  ABIS_RETURN_IF_ERROR(WriteStateWord(out, rows.size()));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, rows.ids()));
  ABIS_RETURN_IF_ERROR(WriteStateWord(out, rows.sign_words()));
  ABIS_RETURN_IF_ERROR(
      WriteStateArray(out, std::span<const std::uint64_t>(rows.SignCodes(), rows.size() * rows.sign_words())));
  return rows.SaveRows(out);
}

Status FaissFaceGallery::LoadState(GalleryStateReader& in) {
  if (impl_->rows.size() != 0)
    return Status::FailedPrecondition("face gallery: a state loads only into an empty gallery");
  ABIS_ASSIGN_OR_RETURN(std::uint64_t magic, ReadStateWord(in));
  if (magic != kFaceStateMagic) return Status::DataLoss("face gallery state: another format");
  ABIS_ASSIGN_OR_RETURN(std::uint64_t dimension, ReadStateWord(in));
  if (dimension != static_cast<std::uint64_t>(impl_->dimension)) {
    return Status::DataLoss("face gallery state: dimension " + std::to_string(dimension) + ", the gallery's is " +
                            std::to_string(impl_->dimension));
  }
  ABIS_ASSIGN_OR_RETURN(std::uint64_t model_size, ReadStateWord(in));
  if (model_size != impl_->model_id.size()) return Status::DataLoss("face gallery state: another model");
  std::vector<char> model_bytes;
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, model_bytes, model_size));
  const std::string model(model_bytes.begin(), model_bytes.end());
  if (model != impl_->model_id)
    return Status::DataLoss("face gallery state: model '" + model + "', not '" + impl_->model_id + "'");
  ABIS_ASSIGN_OR_RETURN(std::uint64_t count, ReadStateWord(in));
  if (count > (std::uint64_t{1} << 34)) return Status::DataLoss("face gallery state: row count out of range");
  std::vector<std::int64_t> ids;
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, ids, count));
  ABIS_ASSIGN_OR_RETURN(std::uint64_t sign_words, ReadStateWord(in));
  if (sign_words != SignWords(dimension)) return Status::DataLoss("face gallery state: sign codes of another size");
  std::vector<std::uint64_t> sign_codes;
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, sign_codes, count * sign_words));
  // The float rows stay in the file (read per search: the shortlist's rows) only where a search
  // needs few of them: the sign scan of a gallery above exact_search_max. Exact search reads every
  // row and an HNSW graph is built over them, so those load whole.
  const bool may_defer =
      count > impl_->options.exact_search_max && impl_->options.large_gallery_method == LargeGalleryMethod::kSignScan;
  auto loaded = std::make_unique<Impl>(impl_->model_id, impl_->dimension, impl_->options, impl_->calibration);
  Status rows_loaded = loaded->rows.Load(std::move(ids), std::move(sign_codes), in, may_defer);
  if (!rows_loaded.ok()) return Status::DataLoss("face gallery state: " + rows_loaded.message());
  loaded->Rebalance();
  impl_ = std::move(loaded);
  return Status::Ok();
}

std::size_t FaissFaceGallery::MemoryBytes() const {
  const FaissGalleryMemory memory = MemoryUse();
  return memory.float_rows + memory.sign_codes + memory.hnsw_codes + memory.hnsw_graph +
         impl_->rows.size() * (sizeof(std::int64_t) + 32);  // ids and the id -> row map
}

FaissGalleryMemory FaissFaceGallery::MemoryUse() const {
  FaissGalleryMemory memory;
  memory.float_rows = impl_->rows.float_bytes();
  memory.sign_codes = impl_->rows.sign_code_bytes();
  if (impl_->hnsw) {
    memory.hnsw_codes = impl_->hnsw->code_bytes();
    memory.hnsw_graph = impl_->hnsw->link_bytes();
  }
  return memory;
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVectorExact(std::span<const float> query,
                                                                                std::size_t k) const {
  return FoundOrNone(impl_->Search(query, impl_->Parameters(FaceSearchMethod::kExact, k)));
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVectorSignScan(std::span<const float> query,
                                                                                   std::size_t k,
                                                                                   std::size_t candidates,
                                                                                   int threads) const {
  FaceSearchParameters parameters = impl_->Parameters(FaceSearchMethod::kSignScan, k);
  parameters.sign_scan_candidates = candidates;
  if (threads > 0) parameters.sign_scan_slices = static_cast<std::size_t>(threads);
  return FoundOrNone(impl_->Search(query, parameters));
}

std::vector<std::pair<std::int64_t, float>> FaissFaceGallery::SearchVector(std::span<const float> query, std::size_t k,
                                                                           int ef_search) const {
  FaceSearchParameters parameters = impl_->Parameters(impl_->Method(), k);
  if (ef_search > 0) parameters.hnsw_ef_search = static_cast<std::size_t>(ef_search);
  return FoundOrNone(impl_->Search(query, parameters));
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
  ABIS_ASSIGN_OR_RETURN(const ScoredIds found,
                        impl_->Search(embedding.values, impl_->Parameters(impl_->Method(), max_candidates)));
  std::vector<Candidate> candidates;
  for (const auto& [id, score] : found) {
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
  if (!impl_->hnsw->BuiltOver(impl_->rows.ids())) {
    return Status::FailedPrecondition("face gallery: the HNSW graph has changed since it was built; not saved");
  }
  return impl_->hnsw->Save(path, impl_->rows.ids(), impl_->rows.Rows());
}

Status FaissFaceGallery::AddVectorsWithSavedHnswGraph(std::span<const std::int64_t> reference_ids,
                                                      std::span<const float> vectors, const std::string& path) {
  if (impl_->rows.size() != 0) {
    return Status::FailedPrecondition("face gallery: a saved graph loads only into an empty gallery");
  }
  if (impl_->options.large_gallery_method != LargeGalleryMethod::kHnsw) {
    return Status::FailedPrecondition("face gallery: the large-gallery method is not HNSW; no graph to load");
  }
  if (reference_ids.size() <= impl_->options.exact_search_max) {
    return Status::FailedPrecondition("face gallery: " + std::to_string(reference_ids.size()) +
                                      " references use exact search (exact_search_max " +
                                      std::to_string(impl_->options.exact_search_max) + "); no graph to load");
  }
  ABIS_RETURN_IF_ERROR(impl_->CheckBulk(reference_ids, vectors));
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<HnswCandidateSelector> graph,
                        HnswCandidateSelector::Load(impl_->options, impl_->dimension, reference_ids, vectors, path));
  impl_->rows.Append(reference_ids, vectors);
  impl_->hnsw = std::move(graph);
  return Status::Ok();
}

}  // namespace abis::face
