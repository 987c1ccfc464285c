// What one in-memory gallery index holds (abis/system/gallery_index_cache.h): the templates of
// `algorithm` and `modality` of the members of a gallery, restricted to one finger position
// (kUnknown: every position).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "abis/core/modality.h"

namespace abis {

struct GalleryIndexKey {
  std::int64_t gallery_id = 0;
  Modality modality = Modality::kFace;
  FingerPosition position = FingerPosition::kUnknown;
  std::string algorithm;
  auto operator<=>(const GalleryIndexKey&) const = default;
};

}  // namespace abis
