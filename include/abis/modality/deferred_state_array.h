// An array of plain values of a gallery whose leading elements may still lie in the snapshot it
// was loaded from (GalleryStateReader::Defer), read only when needed, while elements added since
// are in memory. A short-lived process that searches once reads a few hundred templates' cylinders
// instead of the whole gallery's (issue 20: the CLI search on a large store).
// Element i is deferred when i < deferred(), else memory()[i - deferred()].
// Thread-safety: const methods may be called concurrently; the others need exclusive access.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "abis/modality/engine.h"

namespace abis {

template <typename T>
class DeferredStateArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  std::size_t size() const { return deferred_ + memory_.size(); }
  bool empty() const { return size() == 0; }
  std::size_t deferred() const { return deferred_; }
  std::vector<T>& memory() { return memory_; }
  const std::vector<T>& memory() const { return memory_; }
  void push_back(const T& value) { memory_.push_back(value); }
  // Room for `count` elements in all.
  void reserve(std::size_t count) { memory_.reserve(count > deferred_ ? count - deferred_ : 0); }

  // `count` elements of a state: deferred when the reader offers it, else read now.
  Status Load(GalleryStateReader& in, std::uint64_t count) {
    memory_.clear();
    deferred_ = 0;
    if (count > 0) {
      ABIS_ASSIGN_OR_RETURN(DeferredStateBytes where, in.Defer(count * sizeof(T)));
      if (where.source) {
        where_ = std::move(where);
        deferred_ = static_cast<std::size_t>(count);
        return Status::Ok();
      }
    }
    return ReadStateArray(in, memory_, count);
  }
  // Writes every element (the deferred ones read in pieces on the way).
  Status Save(GalleryStateWriter& out) const {
    std::vector<T> piece;
    for (std::size_t begin = 0; begin < deferred_; begin += kPieceElements) {
      piece.resize(std::min(kPieceElements, deferred_ - begin));
      ABIS_RETURN_IF_ERROR(ReadDeferred(begin, piece.size(), piece.data()));
      ABIS_RETURN_IF_ERROR(WriteStateArray(out, piece));
    }
    return WriteStateArray(out, memory_);
  }
  // Elements [begin, begin + count): a pointer into memory when they are all there, else into
  // `scratch`, read from the source. REQUIRES: begin + count <= size().
  Result<const T*> View(std::size_t begin, std::size_t count, std::vector<T>& scratch) const {
    if (begin >= deferred_) return memory_.data() + (begin - deferred_);
    scratch.resize(count);
    const std::size_t from_source = std::min(count, deferred_ - begin);
    ABIS_RETURN_IF_ERROR(ReadDeferred(begin, from_source, scratch.data()));
    std::copy(memory_.begin(), memory_.begin() + static_cast<std::ptrdiff_t>(count - from_source),
              scratch.begin() + static_cast<std::ptrdiff_t>(from_source));
    return static_cast<const T*>(scratch.data());
  }
  // Reads the deferred elements into memory (memory() is then the whole array). On failure nothing
  // changes.
  Status Materialize() {
    if (deferred_ == 0) return Status::Ok();
    std::vector<T> all(size());
    ABIS_RETURN_IF_ERROR(ReadDeferred(0, deferred_, all.data()));
    std::copy(memory_.begin(), memory_.end(), all.begin() + static_cast<std::ptrdiff_t>(deferred_));
    memory_ = std::move(all);
    deferred_ = 0;
    where_ = {};
    return Status::Ok();
  }

 private:
  static constexpr std::size_t kPieceElements = std::max<std::size_t>(1, (std::size_t{1} << 20) / sizeof(T));

  Status ReadDeferred(std::size_t begin, std::size_t count, T* out) const {
    if (count == 0) return Status::Ok();
    return where_.source->ReadAt(where_.offset + begin * sizeof(T),
                                 {reinterpret_cast<std::uint8_t*>(out), count * sizeof(T)});
  }

  DeferredStateBytes where_;
  std::size_t deferred_ = 0;
  std::vector<T> memory_;
};

}  // namespace abis
