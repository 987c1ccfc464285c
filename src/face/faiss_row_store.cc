#include "faiss_row_store.h"

#include <algorithm>

#include "inner_product_kernel.h"

namespace abis::face {

FaceRowStore::FaceRowStore(int dimension)
    : dimension_(static_cast<std::size_t>(dimension)), sign_words_(SignWords(dimension_)) {}

void FaceRowStore::Append(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  vectors_.insert(vectors_.end(), vectors.begin(), vectors.end());
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
    std::copy_n(vectors_.data() + last * dimension_, dimension_, vectors_.data() + row * dimension_);
    std::copy_n(sign_codes_.data() + last * sign_words_, sign_words_, sign_codes_.data() + row * sign_words_);
    ids_[row] = ids_[last];
    row_of_[ids_[row]] = row;
  }
  ids_.pop_back();
  row_of_.erase(found);
  vectors_.resize(last * dimension_);
  sign_codes_.resize(last * sign_words_);
  return true;
}

}  // namespace abis::face
