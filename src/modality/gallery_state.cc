#include <string>

#include "abis/modality/engine.h"

namespace abis {

Status WriteStateWord(GalleryStateWriter& out, std::uint64_t word) {
  return out.Write({reinterpret_cast<const std::uint8_t*>(&word), sizeof word});
}

Status WriteStateWords(GalleryStateWriter& out, std::initializer_list<std::uint64_t> words) {
  for (const std::uint64_t word : words) ABIS_RETURN_IF_ERROR(WriteStateWord(out, word));
  return Status::Ok();
}

Result<std::uint64_t> ReadStateWord(GalleryStateReader& in) {
  std::uint64_t word = 0;
  ABIS_RETURN_IF_ERROR(in.Read({reinterpret_cast<std::uint8_t*>(&word), sizeof word}));
  return word;
}

Status CheckStateCount(const GalleryStateReader& in, std::uint64_t count, std::uint64_t bytes_each,
                       std::string_view what) {
  const std::optional<std::uint64_t> left = in.RemainingBytes();
  if (!left || bytes_each == 0) return Status::Ok();
  if (count > *left / bytes_each) {
    return Status::DataLoss("gallery state: " + std::to_string(count) + " " + std::string(what) + " of " +
                            std::to_string(bytes_each) + " bytes cannot follow in the " + std::to_string(*left) +
                            " bytes left");
  }
  return Status::Ok();
}

Status ModalityGallery::SaveState(GalleryStateWriter& /*out*/) const {
  return Status::Unimplemented("this gallery keeps no snapshot state");
}

Status ModalityGallery::LoadState(GalleryStateReader& /*in*/) {
  return Status::Unimplemented("this gallery keeps no snapshot state");
}

}  // namespace abis
