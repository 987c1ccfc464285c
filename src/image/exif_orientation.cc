#include "exif_orientation.h"

#include <cstring>
#include <vector>

namespace abis::image::internal {

void ApplyExifOrientation(int orientation, DecodedImage* image) {
  if (orientation < 2 || orientation > 8) return;
  const std::size_t w = static_cast<std::size_t>(image->width);
  const std::size_t h = static_cast<std::size_t>(image->height);
  const std::size_t c = static_cast<std::size_t>(image->channels);
  const bool swaps = orientation >= 5;
  const std::size_t out_w = swaps ? h : w;
  const std::size_t out_h = swaps ? w : h;
  std::vector<std::uint8_t> upright(image->pixels.size());
  for (std::size_t oy = 0; oy < out_h; ++oy) {
    for (std::size_t ox = 0; ox < out_w; ++ox) {
      std::size_t sx = ox;  // the stored pixel that lands at (ox, oy)
      std::size_t sy = oy;
      switch (orientation) {
        case 2: sx = w - 1 - ox; break;
        case 3: sx = w - 1 - ox; sy = h - 1 - oy; break;
        case 4: sy = h - 1 - oy; break;
        case 5: sx = oy; sy = ox; break;
        case 6: sx = oy; sy = h - 1 - ox; break;
        case 7: sx = w - 1 - oy; sy = h - 1 - ox; break;
        case 8: sx = w - 1 - oy; sy = ox; break;
        default: break;
      }
      std::memcpy(&upright[(oy * out_w + ox) * c], &image->pixels[(sy * w + sx) * c], c);
    }
  }
  image->pixels = std::move(upright);
  image->width = static_cast<int>(out_w);
  image->height = static_cast<int>(out_h);
}

}  // namespace abis::image::internal
