// One decoder per format behind DecodeImage (internal to abis_image_codec). Each decodes the
// whole image into out->width/height/channels/pixels (channels 1, 3 or 4 as stored; a decoder
// may give grey directly when `grey` is set), refusing data that its library reports as
// truncated or corrupt, and keeps the library silent.
// REQUIRES for each: `header` was read from `bytes` and passed CheckImageSize.
// Returns kInvalidArgument (or kUnimplemented for an unsupported layout) naming `source`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "abis/core/status.h"
#include "abis/image_codec/image_decoder.h"

namespace abis::image::internal {

Status DecodeJpeg(std::span<const std::uint8_t> bytes, const ImageHeader& header, bool grey,
                  std::string_view source, DecodedImage* out);
Status DecodePng(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out);
Status DecodeTiff(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                  DecodedImage* out);
Status DecodeBmp(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out);
Status DecodePnm(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out);
Status DecodeWebp(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                  DecodedImage* out);

// "<source>: corrupt or truncated <format> data: <reason>".
inline Status CorruptData(std::string_view source, ImageFormat format, std::string_view reason) {
  return Status::InvalidArgument(std::string(source) + ": corrupt or truncated " +
                                 std::string(ImageFormatName(format)) + " data: " + std::string(reason));
}

// "<source>: <format> header says WxH but the decoder found wxh".
inline Status SizeMismatch(std::string_view source, const ImageHeader& header, std::int64_t width,
                           std::int64_t height) {
  return Status::InvalidArgument(std::string(source) + ": " + std::string(ImageFormatName(header.format)) +
                                 " header says " + std::to_string(header.width) + "x" +
                                 std::to_string(header.height) + " but the decoder found " +
                                 std::to_string(width) + "x" + std::to_string(height));
}

}  // namespace abis::image::internal
