#include "abis/image_codec/image_decoder.h"

#include <string>

#include "exif_orientation.h"
#include "format_decoders.h"

namespace abis::image {
namespace {

// ITU-R BT.601 luma, rounded; alpha is dropped.
void ConvertToGrey(DecodedImage* image) {
  if (image->channels == 1) return;
  const std::size_t count = static_cast<std::size_t>(image->width) * static_cast<std::size_t>(image->height);
  const std::size_t c = static_cast<std::size_t>(image->channels);
  std::vector<std::uint8_t> grey(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = &image->pixels[i * c];
    grey[i] = static_cast<std::uint8_t>((299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u);
  }
  image->pixels = std::move(grey);
  image->channels = 1;
}

}  // namespace

Result<DecodedImage> DecodeImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                 const ImageSizeLimits& limits, PixelLayout layout) {
  ABIS_ASSIGN_OR_RETURN(const ImageHeader header, ReadImageHeader(bytes, source));
  ABIS_RETURN_IF_ERROR(CheckImageSize(header, limits, source));
  DecodedImage image;
  image.header = header;
  const bool grey = layout == PixelLayout::kGrey;
  Status decoded;
  switch (header.format) {
    case ImageFormat::kJpeg: decoded = internal::DecodeJpeg(bytes, header, grey, source, &image); break;
    case ImageFormat::kPng: decoded = internal::DecodePng(bytes, header, source, &image); break;
    case ImageFormat::kTiff: decoded = internal::DecodeTiff(bytes, header, source, &image); break;
    case ImageFormat::kBmp: decoded = internal::DecodeBmp(bytes, header, source, &image); break;
    case ImageFormat::kPnm: decoded = internal::DecodePnm(bytes, header, source, &image); break;
    case ImageFormat::kWebp: decoded = internal::DecodeWebp(bytes, header, source, &image); break;
    case ImageFormat::kJpeg2000:
    case ImageFormat::kWsq:
      return Status::Unimplemented(std::string(source) + ": " + std::string(ImageFormatName(header.format)) +
                                   " images are not accepted here (JPEG, PNG, TIFF, BMP, PGM/PPM or WebP are)");
  }
  ABIS_RETURN_IF_ERROR(decoded);
  if (image.width != header.width || image.height != header.height ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) *
                                 static_cast<std::size_t>(image.channels)) {
    return internal::SizeMismatch(source, header, image.width, image.height);
  }
  if (grey) ConvertToGrey(&image);
  internal::ApplyExifOrientation(header.exif_orientation, &image);
  return image;
}

}  // namespace abis::image
