#include "abis/image/image_size_limits.h"

#include <string>

namespace abis::image {

Status CheckImageSize(const ImageHeader& header, const ImageSizeLimits& limits, std::string_view source) {
  const std::string size = std::to_string(header.width) + "x" + std::to_string(header.height);
  // Sides first: width * height cannot overflow once both are within max_side.
  if (header.width > limits.max_side || header.height > limits.max_side ||
      header.width * header.height > limits.max_pixels) {
    return Status::ResourceExhausted(std::string(source) + ": " + std::string(ImageFormatName(header.format)) +
                                     " header claims " + size + " pixels, beyond the limit of " +
                                     std::to_string(limits.max_side) + " per side and " +
                                     std::to_string(limits.max_pixels) + " in total; refused before decoding");
  }
  if (header.width < limits.min_side || header.height < limits.min_side) {
    return Status::InvalidArgument(std::string(source) + ": image is " + size + " pixels, below the minimum of " +
                                   std::to_string(limits.min_side) + " per side");
  }
  return Status::Ok();
}

}  // namespace abis::image
