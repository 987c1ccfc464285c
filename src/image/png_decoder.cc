// PNG with libpng: our error function keeps the message and jumps back (libpng's default prints
// "libpng error: ..." on stderr); warnings (about ancillary chunks) are dropped. The whole file
// is read, up to IEND, so a file cut after the image data is refused too.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include <png.h>

#include "format_decoders.h"

namespace abis::image::internal {
namespace {

// Everything the decode touches that outlives a longjmp lives here, outside the frame that calls
// setjmp.
struct PngJob {
  std::span<const std::uint8_t> bytes;
  std::size_t position = 0;
  const ImageHeader* header = nullptr;
  DecodedImage* out = nullptr;
  std::vector<png_bytep> rows;
  char message[256] = {};
};

[[noreturn]] void Fail(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  if (job->message[0] == '\0') std::snprintf(job->message, sizeof job->message, "%s", message);
  png_longjmp(png, 1);
}

void IgnoreWarning(png_structp, png_const_charp) {}

void ReadFromMemory(png_structp png, png_bytep data, std::size_t length) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (length > job->bytes.size() - job->position) png_error(png, "the data ends before the image does");
  std::memcpy(data, job->bytes.data() + job->position, length);
  job->position += length;
}

// Returns false on a libpng error (job->message).
bool Run(png_structp png, png_infop info, PngJob* job) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, job, ReadFromMemory);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (width != job->header->width || height != job->header->height) {
    std::snprintf(job->message, sizeof job->message, "IHDR read as %ux%u", width, height);
    return false;
  }
  const int colour_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  const bool transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  if (colour_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colour_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (transparency) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_scale_16(png);
  if (colour_type == PNG_COLOR_TYPE_GRAY_ALPHA || (colour_type == PNG_COLOR_TYPE_GRAY && transparency)) {
    png_set_gray_to_rgb(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3 && channels != 4) ||
      png_get_rowbytes(png, info) != std::size_t{width} * static_cast<std::size_t>(channels)) {
    std::snprintf(job->message, sizeof job->message, "unexpected layout after expansion (%d channels)", channels);
    return false;
  }
  DecodedImage& out = *job->out;
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.channels = channels;
  out.pixels.resize(std::size_t{width} * height * static_cast<std::size_t>(channels));
  job->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) {
    job->rows[y] = out.pixels.data() + std::size_t{y} * width * static_cast<std::size_t>(channels);
  }
  png_read_image(png, job->rows.data());
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

Status DecodePng(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out) {
  PngJob job;
  job.bytes = bytes;
  job.header = &header;
  job.out = out;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, Fail, IgnoreWarning);
  if (png == nullptr) return Status::Internal(std::string(source) + ": libpng could not start a decoder");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return Status::Internal(std::string(source) + ": libpng could not start a decoder");
  }
  const bool ok = Run(png, info, &job);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) return CorruptData(source, ImageFormat::kPng, job.message);
  return Status::Ok();
}

}  // namespace abis::image::internal
