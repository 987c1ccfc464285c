// WebP with libwebp (which prints nothing); the decoder's status code becomes the message.
#include <string>

#include <webp/decode.h>

#include "format_decoders.h"

namespace abis::image::internal {
namespace {

std::string_view StatusText(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OK: return "no error";
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "decoding suspended";
    case VP8_STATUS_USER_ABORT: return "decoding aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends before the image does";
  }
  return "unknown decoder status";
}

}  // namespace

Status DecodeWebp(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                  DecodedImage* out) {
  constexpr ImageFormat kFormat = ImageFormat::kWebp;
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return Status::Internal(std::string(source) + ": libwebp version mismatch");
  VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &config.input);
  if (status != VP8_STATUS_OK) return CorruptData(source, kFormat, StatusText(status));
  if (config.input.has_animation) {
    return Status::Unimplemented(std::string(source) + ": animated WebP is not supported (a still image is needed)");
  }
  if (config.input.width != header.width || config.input.height != header.height) {
    return SizeMismatch(source, header, config.input.width, config.input.height);
  }
  out->width = config.input.width;
  out->height = config.input.height;
  out->channels = config.input.has_alpha ? 4 : 3;
  out->pixels.resize(static_cast<std::size_t>(out->width) * out->height * out->channels);
  config.output.colorspace = config.input.has_alpha ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out->pixels.data();
  config.output.u.RGBA.stride = out->width * out->channels;
  config.output.u.RGBA.size = out->pixels.size();
  status = WebPDecode(bytes.data(), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK) return CorruptData(source, kFormat, StatusText(status));
  return Status::Ok();
}

}  // namespace abis::image::internal
