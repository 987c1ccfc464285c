// TIFF with libtiff, read from memory through client procedures. Error and warning handlers are
// given per open (libtiff 4.5 TIFFOpenOptions), so nothing reaches libtiff's process-wide
// handlers or stderr; the first error becomes the message and any error refuses the image. The
// first image is read through TIFFReadRGBAImage, which handles every photometric interpretation,
// bit depth, strip/tile layout and compression libtiff supports.
#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <tiffio.h>

#include "format_decoders.h"

namespace abis::image::internal {
namespace {

struct MemoryFile {
  std::span<const std::uint8_t> bytes;
  std::uint64_t position = 0;
};

tmsize_t Read(thandle_t handle, void* buffer, tmsize_t size) {
  auto* file = static_cast<MemoryFile*>(handle);
  if (size <= 0 || file->position >= file->bytes.size()) return 0;
  const std::uint64_t count = std::min<std::uint64_t>(static_cast<std::uint64_t>(size), file->bytes.size() - file->position);
  std::memcpy(buffer, file->bytes.data() + file->position, count);
  file->position += count;
  return static_cast<tmsize_t>(count);
}

tmsize_t RefuseWrite(thandle_t, void*, tmsize_t) { return -1; }

toff_t Seek(thandle_t handle, toff_t offset, int whence) {
  auto* file = static_cast<MemoryFile*>(handle);
  std::uint64_t base = 0;
  if (whence == SEEK_CUR) base = file->position;
  if (whence == SEEK_END) base = file->bytes.size();
  if (offset > UINT64_MAX - base) return static_cast<toff_t>(-1);
  file->position = base + offset;  // past the end is allowed; reads there return nothing
  return file->position;
}

int Close(thandle_t) { return 0; }
toff_t Size(thandle_t handle) { return static_cast<MemoryFile*>(handle)->bytes.size(); }
int NoMap(thandle_t, void**, toff_t*) { return 0; }
void NoUnmap(thandle_t, void*, toff_t) {}

struct Messages {
  char error[256] = {};
};

// Returning 1 tells libtiff the message is handled: the process-wide handlers are not called.
int KeepFirstError(TIFF*, void* user, const char* module, const char* format, va_list arguments) {
  auto* messages = static_cast<Messages*>(user);
  if (messages->error[0] == '\0') {
    char text[200];
    std::vsnprintf(text, sizeof text, format, arguments);
    std::snprintf(messages->error, sizeof messages->error, "%s%s%s", module != nullptr ? module : "",
                  module != nullptr ? ": " : "", text);
  }
  return 1;
}

int IgnoreWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct OptionsDeleter {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};
struct TiffDeleter {
  void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};

}  // namespace

Status DecodeTiff(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                  DecodedImage* out) {
  constexpr ImageFormat kFormat = ImageFormat::kTiff;
  Messages messages;
  std::unique_ptr<TIFFOpenOptions, OptionsDeleter> options(TIFFOpenOptionsAlloc());
  if (!options) return Status::Internal(std::string(source) + ": libtiff could not start a decoder");
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), KeepFirstError, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), IgnoreWarning, nullptr);
  // No single buffer beyond what the (checked) image needs at 4 samples of 16 bits, and 16 MiB.
  const std::uint64_t most = std::max<std::uint64_t>(static_cast<std::uint64_t>(header.width * header.height) * 8,
                                                     std::uint64_t{16} << 20);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), static_cast<tmsize_t>(most));

  MemoryFile file{bytes, 0};
  // "r": read; "m": do not map the "file" (it is our memory already).
  std::unique_ptr<TIFF, TiffDeleter> tiff(TIFFClientOpenExt("image", "rm", &file, Read, RefuseWrite, Seek, Close,
                                                            Size, NoMap, NoUnmap, options.get()));
  if (!tiff) return CorruptData(source, kFormat, messages.error[0] ? messages.error : "not readable by libtiff");
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  if (!TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height)) {
    return CorruptData(source, kFormat, "no image width/length");
  }
  if (width != header.width || height != header.height) return SizeMismatch(source, header, width, height);
  char reason[1024] = {};
  if (!TIFFRGBAImageOK(tiff.get(), reason)) {
    return Status::InvalidArgument(std::string(source) + ": TIFF layout not supported: " + reason);
  }
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  std::uint16_t samples_per_pixel = 1;
  std::uint16_t extra_samples = 0;
  std::uint16_t* extra_types = nullptr;
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_PHOTOMETRIC, &photometric);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &samples_per_pixel);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_EXTRASAMPLES, &extra_samples, &extra_types);
  const bool grey = (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE) &&
                    samples_per_pixel == extra_samples + 1;
  const bool alpha = extra_samples > 0;

  const std::size_t count = std::size_t{width} * height;
  std::vector<std::uint32_t> raster(count);
  if (!TIFFReadRGBAImageOriented(tiff.get(), width, height, raster.data(), ORIENTATION_TOPLEFT, /*stop=*/1) ||
      messages.error[0] != '\0') {
    return CorruptData(source, kFormat, messages.error[0] ? messages.error : "image data not readable");
  }
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  out->channels = alpha ? 4 : (grey ? 1 : 3);
  out->pixels.resize(count * static_cast<std::size_t>(out->channels));
  std::uint8_t* p = out->pixels.data();
  for (const std::uint32_t pixel : raster) {
    if (out->channels == 1) {
      *p++ = static_cast<std::uint8_t>(TIFFGetR(pixel));
      continue;
    }
    *p++ = static_cast<std::uint8_t>(TIFFGetR(pixel));
    *p++ = static_cast<std::uint8_t>(TIFFGetG(pixel));
    *p++ = static_cast<std::uint8_t>(TIFFGetB(pixel));
    if (out->channels == 4) *p++ = static_cast<std::uint8_t>(TIFFGetA(pixel));
  }
  return Status::Ok();
}

}  // namespace abis::image::internal
