#include <algorithm>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/modality/engine.h"

namespace abis {
namespace {

constexpr std::uint64_t kStateMagic = 0x3153474541534942;  // exhaustive gallery state, format 1
constexpr std::uint64_t kMaxStateString = std::uint64_t{1} << 28;

// A byte string of the state: its length, then its bytes.
template <typename Byte>
Status WriteBytes(GalleryStateWriter& out, std::span<const Byte> bytes) {
  ABIS_RETURN_IF_ERROR(WriteStateWord(out, bytes.size()));
  return WriteStateArray(out, bytes);
}

template <typename Byte>
Result<std::vector<Byte>> ReadBytes(GalleryStateReader& in) {
  ABIS_ASSIGN_OR_RETURN(std::uint64_t size, ReadStateWord(in));
  if (size > kMaxStateString) return Status::DataLoss("gallery state: a string longer than 256 MiB");
  std::vector<Byte> bytes;
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, bytes, size));
  return bytes;
}

Result<std::string> ReadString(GalleryStateReader& in) {
  ABIS_ASSIGN_OR_RETURN(const std::vector<char> bytes, ReadBytes<char>(in));
  return std::string(bytes.begin(), bytes.end());
}

class ExhaustiveGallery final : public ModalityGallery {
 public:
  explicit ExhaustiveGallery(const ModalityEngine& engine) : engine_(engine) {}

  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override {
    if (reference.algorithm != engine_.algorithm()) {
      return Status::InvalidArgument("template of algorithm '" + reference.algorithm + "' cannot join a gallery of '" +
                                     engine_.algorithm() + "'");
    }
    references_.insert_or_assign(reference_id, reference);
    return Status::Ok();
  }

  void Remove(std::int64_t reference_id) override { references_.erase(reference_id); }

  std::size_t size() const override { return references_.size(); }

  // The state: every template as added (id, modality, position, algorithm, data, quality).
  Status SaveState(GalleryStateWriter& out) const override {
    ABIS_RETURN_IF_ERROR(WriteStateWords(out, {kStateMagic, references_.size()}));
    for (const auto& [id, reference] : references_) {
      ABIS_RETURN_IF_ERROR(
          WriteStateWords(out, {static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(reference.modality),
                                static_cast<std::uint64_t>(reference.position)}));
      ABIS_RETURN_IF_ERROR(WriteBytes(out, std::span<const char>(reference.algorithm)));
      ABIS_RETURN_IF_ERROR(WriteBytes(out, std::span<const std::uint8_t>(reference.data)));
      const std::string quality = reference.quality.dump();
      ABIS_RETURN_IF_ERROR(WriteBytes(out, std::span<const char>(quality)));
    }
    return Status::Ok();
  }

  Status LoadState(GalleryStateReader& in) override {
    if (!references_.empty()) return Status::FailedPrecondition("a gallery state loads only into an empty gallery");
    ABIS_ASSIGN_OR_RETURN(std::uint64_t magic, ReadStateWord(in));
    if (magic != kStateMagic) return Status::DataLoss("exhaustive gallery state: another format");
    ABIS_ASSIGN_OR_RETURN(std::uint64_t count, ReadStateWord(in));
    std::map<std::int64_t, BiometricTemplate> loaded;
    for (std::uint64_t i = 0; i < count; ++i) {
      BiometricTemplate reference;
      ABIS_ASSIGN_OR_RETURN(std::uint64_t id, ReadStateWord(in));
      ABIS_ASSIGN_OR_RETURN(std::uint64_t modality, ReadStateWord(in));
      ABIS_ASSIGN_OR_RETURN(std::uint64_t position, ReadStateWord(in));
      if (modality > 16 || position > 255) return Status::DataLoss("exhaustive gallery state: a bad template header");
      reference.modality = static_cast<Modality>(modality);
      reference.position = static_cast<FingerPosition>(position);
      ABIS_ASSIGN_OR_RETURN(reference.algorithm, ReadString(in));
      if (reference.algorithm != engine_.algorithm()) {
        return Status::DataLoss("exhaustive gallery state: a template of '" + reference.algorithm + "'");
      }
      ABIS_ASSIGN_OR_RETURN(reference.data, ReadBytes<std::uint8_t>(in));
      ABIS_ASSIGN_OR_RETURN(std::string quality, ReadString(in));
      reference.quality = nlohmann::json::parse(quality, nullptr, /*allow_exceptions=*/false);
      if (reference.quality.is_discarded()) return Status::DataLoss("exhaustive gallery state: bad quality JSON");
      if (!loaded.emplace(static_cast<std::int64_t>(id), std::move(reference)).second) {
        return Status::DataLoss("exhaustive gallery state: reference " + std::to_string(id) + " appears twice");
      }
    }
    references_ = std::move(loaded);
    return Status::Ok();
  }

  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe, std::size_t max_candidates) const override {
    std::vector<Candidate> candidates;
    candidates.reserve(references_.size());
    for (const auto& [id, reference] : references_) {
      auto comparison = engine_.Compare(probe, reference);
      if (!comparison.ok()) return comparison.status();
      candidates.push_back({id, comparison->score, comparison->log_lr, comparison->details});
    }
    auto by_score = [](const Candidate& a, const Candidate& b) { return a.score > b.score; };
    std::size_t keep = std::min(max_candidates, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                      by_score);
    candidates.resize(keep);
    return candidates;
  }

 private:
  const ModalityEngine& engine_;
  std::map<std::int64_t, BiometricTemplate> references_;
};

}  // namespace

std::unique_ptr<ModalityGallery> NewExhaustiveGallery(const ModalityEngine& engine) {
  return std::make_unique<ExhaustiveGallery>(engine);
}

}  // namespace abis
