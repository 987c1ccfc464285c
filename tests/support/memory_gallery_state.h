// A gallery state kept in memory (ModalityGallery::SaveState / LoadState without a file).
#pragma once

#include <cstdint>
#include <cstring>
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

class MemoryStateReader final : public GalleryStateReader {
 public:
  explicit MemoryStateReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  Status Read(std::span<std::uint8_t> out) override {
    if (out.size() > bytes_.size() - position_) return Status::DataLoss("state ends early");
    if (out.empty()) return Status::Ok();  // memcpy must not see a null pointer, even for 0 bytes
    std::memcpy(out.data(), bytes_.data() + position_, out.size());
    position_ += out.size();
    return Status::Ok();
  }
  bool at_end() const { return position_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace abis::testing
