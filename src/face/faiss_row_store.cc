#include "faiss_row_store.h"

#include <algorithm>
#include <numeric>

#include "inner_product_kernel.h"

namespace abis::face {
namespace {

// Rows read from the snapshot file at once while saving or materialising (2 MB at 512-d).
constexpr std::size_t kRowsPerRead = 1024;

}  // namespace

FaceRowStore::FaceRowStore(int dimension)
    : dimension_(static_cast<std::size_t>(dimension)), sign_words_(SignWords(dimension_)) {}

void FaceRowStore::Append(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  if (slotted_) {
    const std::size_t first_slot = vectors_.size() / dimension_;
    for (std::size_t v = 0; v < ids.size(); ++v) slot_of_row_.push_back(first_slot + v);
  }
  std::vector<float>& memory = vectors_.memory();
  memory.insert(memory.end(), vectors.begin(), vectors.end());
  const std::size_t first = sign_codes_.size();
  sign_codes_.resize(first + ids.size() * sign_words_);
  for (std::size_t v = 0; v < ids.size(); ++v) {
    EncodeSigns(vectors.data() + v * dimension_, dimension_, sign_codes_.data() + first + v * sign_words_);
  }
  for (std::int64_t id : ids) {
    row_of_[id] = ids_.size();
    ids_.push_back(id);
  }
}

bool FaceRowStore::Remove(std::int64_t id) {
  const auto found = row_of_.find(id);
  if (found == row_of_.end()) return false;
  const std::size_t row = found->second;
  const std::size_t last = ids_.size() - 1;
  if (row != last) {
    if (slotted_) {
      slot_of_row_[row] = slot_of_row_[last];
    } else {
      float* vectors = vectors_.memory().data();
      std::copy_n(vectors + last * dimension_, dimension_, vectors + row * dimension_);
    }
    std::copy_n(sign_codes_.data() + last * sign_words_, sign_words_, sign_codes_.data() + row * sign_words_);
    ids_[row] = ids_[last];
    row_of_[ids_[row]] = row;
  }
  ids_.pop_back();
  row_of_.erase(found);
  sign_codes_.resize(last * sign_words_);
  if (slotted_) {
    slot_of_row_.pop_back();
    // The freed slot stays as garbage; read everything in once the garbage outgrows the rows (put
    // off, garbage kept, when the file cannot be read).
    if (vectors_.size() / dimension_ > 2 * ids_.size() + kRowsPerRead) (void)Materialize();
  } else {
    vectors_.memory().resize(last * dimension_);
  }
  return true;
}

Status FaceRowStore::CopyRows(std::span<const std::size_t> rows, float* out) const {
  std::vector<float> scratch;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t slot = slotted_ ? slot_of_row_[rows[i]] : rows[i];
    ABIS_ASSIGN_OR_RETURN(const float* vector, vectors_.View(slot * dimension_, dimension_, scratch));
    std::copy_n(vector, dimension_, out + i * dimension_);
  }
  return Status::Ok();
}

Status FaceRowStore::CopyRowRange(std::size_t begin, std::size_t count, float* out) const {
  if (!slotted_) {
    std::copy_n(Row(begin), count * dimension_, out);
    return Status::Ok();
  }
  // Runs of consecutive slots are read at once (a loaded store is one run until rows move).
  std::vector<float> scratch;
  std::size_t row = begin;
  while (row < begin + count) {
    std::size_t run = 1;
    while (row + run < begin + count && slot_of_row_[row + run] == slot_of_row_[row] + run) ++run;
    ABIS_ASSIGN_OR_RETURN(const float* vectors,
                          vectors_.View(slot_of_row_[row] * dimension_, run * dimension_, scratch));
    std::copy_n(vectors, run * dimension_, out + (row - begin) * dimension_);
    row += run;
  }
  return Status::Ok();
}

Status FaceRowStore::Load(std::vector<std::int64_t> ids, std::vector<std::uint64_t> sign_codes, GalleryStateReader& in,
                          bool may_defer) {
  if (!ids_.empty() || vectors_.size() != 0) return Status::FailedPrecondition("face rows: loaded into a used store");
  if (sign_codes.size() != ids.size() * sign_words_) return Status::DataLoss("face rows: sign codes do not add up");
  std::unordered_map<std::int64_t, std::size_t> row_of;
  row_of.reserve(ids.size());
  for (std::size_t row = 0; row < ids.size(); ++row) {
    if (!row_of.emplace(ids[row], row).second) return Status::DataLoss("face rows: a reference id appears twice");
  }
  DeferredStateArray<float> vectors;
  const std::uint64_t floats = std::uint64_t{ids.size()} * dimension_;
  if (may_defer) {
    ABIS_RETURN_IF_ERROR(vectors.Load(in, floats));
  } else {
    ABIS_RETURN_IF_ERROR(ReadStateArray(in, vectors.memory(), floats));
  }
  slotted_ = vectors.deferred() > 0;
  slot_of_row_.clear();
  if (slotted_) {
    slot_of_row_.resize(ids.size());
    std::iota(slot_of_row_.begin(), slot_of_row_.end(), std::size_t{0});
  }
  vectors_ = std::move(vectors);
  ids_ = std::move(ids);
  row_of_ = std::move(row_of);
  sign_codes_ = std::move(sign_codes);
  return Status::Ok();
}

Status FaceRowStore::SaveRows(GalleryStateWriter& out) const {
  if (!slotted_) return WriteStateArray(out, vectors_.memory());
  std::vector<float> piece;
  for (std::size_t begin = 0; begin < size(); begin += kRowsPerRead) {
    const std::size_t count = std::min(kRowsPerRead, size() - begin);
    piece.resize(count * dimension_);
    ABIS_RETURN_IF_ERROR(CopyRowRange(begin, count, piece.data()));
    ABIS_RETURN_IF_ERROR(WriteStateArray(out, piece));
  }
  return Status::Ok();
}

Status FaceRowStore::Materialize() {
  if (!slotted_) return Status::Ok();
  if (!materialize_failure_.ok()) return materialize_failure_;
  std::vector<float> all(size() * dimension_);
  for (std::size_t begin = 0; begin < size(); begin += kRowsPerRead) {
    const std::size_t count = std::min(kRowsPerRead, size() - begin);
    Status read = CopyRowRange(begin, count, all.data() + begin * dimension_);
    if (!read.ok()) {
      materialize_failure_ = read;
      return read;
    }
  }
  vectors_ = DeferredStateArray<float>();
  vectors_.memory() = std::move(all);
  slotted_ = false;
  slot_of_row_.clear();
  return Status::Ok();
}

}  // namespace abis::face
