// A gallery state kept in memory (ModalityGallery::SaveState / LoadState without a file).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "abis/modality/engine.h"

namespace abis::testing {

class MemoryStateWriter final : public GalleryStateWriter {
 public:
  Status Write(std::span<const std::uint8_t> bytes) override {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return Status::Ok();
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// The bytes of a state as a source of deferred arrays; fail() makes every later read kDataLoss
// (a snapshot file damaged after it was loaded).
class MemoryStateSource final : public GalleryStateSource {
 public:
  explicit MemoryStateSource(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  Status ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    reads_.fetch_add(1);
    if (failing_.load()) return Status::DataLoss("the state's source is damaged");
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset) return Status::DataLoss("read past the end");
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
    return Status::Ok();
  }
  void fail() { failing_ = true; }
  std::size_t reads() const { return reads_.load(); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::atomic<bool> failing_{false};
  mutable std::atomic<std::size_t> reads_{0};
};

class MemoryStateReader final : public GalleryStateReader {
 public:
  // With `defer`, arrays the gallery offers to defer are left in a MemoryStateSource (source()).
  explicit MemoryStateReader(std::span<const std::uint8_t> bytes, bool defer = false) : bytes_(bytes) {
    if (defer) source_ = std::make_shared<MemoryStateSource>(bytes);
  }
  Status Read(std::span<std::uint8_t> out) override {
    if (out.size() > bytes_.size() - position_) return Status::DataLoss("state ends early");
    if (out.empty()) return Status::Ok();  // memcpy must not see a null pointer, even for 0 bytes
    std::memcpy(out.data(), bytes_.data() + position_, out.size());
    position_ += out.size();
    return Status::Ok();
  }
  Result<DeferredStateBytes> Defer(std::uint64_t bytes) override {
    if (!source_) return DeferredStateBytes{};
    if (bytes > bytes_.size() - position_) return Status::DataLoss("state ends early");
    DeferredStateBytes where{source_, position_};
    position_ += bytes;
    return where;
  }
  std::optional<std::uint64_t> RemainingBytes() const override { return bytes_.size() - position_; }
  bool at_end() const { return position_ == bytes_.size(); }
  const std::shared_ptr<MemoryStateSource>& source() const { return source_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  std::shared_ptr<MemoryStateSource> source_;
};

}  // namespace abis::testing
