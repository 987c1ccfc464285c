// Turning a decoded image upright by its EXIF orientation (internal to abis_image_codec).
#pragma once

#include "abis/image_codec/image_decoder.h"

namespace abis::image::internal {

// Rearranges image->pixels for EXIF orientation `orientation` (1..8: 2 mirror, 3 rotate 180,
// 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 anticlockwise); 5-8
// swap width and height. Other values leave the image as it is.
// REQUIRES: image->pixels.size() == width * height * channels.
void ApplyExifOrientation(int orientation, DecodedImage* image);

}  // namespace abis::image::internal
