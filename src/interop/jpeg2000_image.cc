#include "abis/interop/jpeg2000_image.h"

#include <openjpeg.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "abis/image/image_size_limits.h"

namespace abis::interop {

namespace {

constexpr std::array<std::uint8_t, 12> kJp2Signature = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                                        0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
constexpr std::array<std::uint8_t, 4> kJ2kStart = {0xFF, 0x4F, 0xFF, 0x51};  // SOC then SIZ

// A read-only OpenJPEG stream over caller memory.
struct MemorySource {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t position = 0;
};

OPJ_SIZE_T ReadFromMemory(void* buffer, OPJ_SIZE_T count, void* user) {
  auto* source = static_cast<MemorySource*>(user);
  if (source->position >= source->size) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t n = std::min<std::size_t>(count, source->size - source->position);
  std::memcpy(buffer, source->data + source->position, n);
  source->position += n;
  return n;
}

OPJ_OFF_T SkipInMemory(OPJ_OFF_T count, void* user) {
  auto* source = static_cast<MemorySource*>(user);
  if (count < 0) {
    const auto back = std::min<std::size_t>(static_cast<std::size_t>(-count), source->position);
    source->position -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const std::size_t forward = std::min<std::size_t>(static_cast<std::size_t>(count), source->size - source->position);
  source->position += forward;
  return static_cast<OPJ_OFF_T>(forward);
}

OPJ_BOOL SeekInMemory(OPJ_OFF_T offset, void* user) {
  auto* source = static_cast<MemorySource*>(user);
  if (offset < 0 || static_cast<std::uint64_t>(offset) > source->size) return OPJ_FALSE;
  source->position = static_cast<std::size_t>(offset);
  return OPJ_TRUE;
}

// Collects OpenJPEG's first error message.
void KeepFirstError(const char* message, void* user) {
  auto* error = static_cast<std::string*>(user);
  if (error->empty() && message != nullptr) {
    *error = message;
    while (!error->empty() && (error->back() == '\n' || error->back() == ' ')) error->pop_back();
  }
}
void Ignore(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct ImageDeleter {
  void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};

std::uint8_t ClampToByte(double value) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L));
}

constexpr image::ImageSizeLimits kJpeg2000Limits{.min_side = 1,
                                                  .max_side = kMaxJpeg2000Dimension,
                                                  .max_pixels = static_cast<std::int64_t>(kMaxJpeg2000Pixels)};

Status DecodeError(const std::string& what, const std::string& openjpeg_message) {
  return Status::InvalidArgument("JPEG 2000: " + what + (openjpeg_message.empty() ? "" : " (" + openjpeg_message + ")"));
}

}  // namespace

bool LooksLikeJpeg2000(std::span<const std::uint8_t> bytes) {
  if (bytes.size() >= kJp2Signature.size() && std::equal(kJp2Signature.begin(), kJp2Signature.end(), bytes.begin())) {
    return true;
  }
  return bytes.size() >= kJ2kStart.size() && std::equal(kJ2kStart.begin(), kJ2kStart.end(), bytes.begin());
}

Result<DecodedImage> DecodeJpeg2000(std::span<const std::uint8_t> bytes) {
  if (!LooksLikeJpeg2000(bytes)) return DecodeError("data starts with neither a JP2 signature nor a J2K SOC marker", "");
  // The size the codestream's SIZ claims is checked before OpenJPEG is given the data.
  ABIS_ASSIGN_OR_RETURN(const image::ImageHeader header, image::ReadImageHeader(bytes, "JPEG 2000"));
  ABIS_RETURN_IF_ERROR(image::CheckImageSize(header, kJpeg2000Limits, "JPEG 2000"));
  // OpenJPEG fills tiles a codestream leaves out with blank pixels, so a few bytes can declare a
  // large image cut into tens of thousands of tiles (found by jpeg2000_fuzzer: 117 bytes decoded
  // to 12379x26 in 55,710 tiles, 544 MB). Real images compress at most a few hundred to one.
  const std::uint64_t pixels = static_cast<std::uint64_t>(header.width) * static_cast<std::uint64_t>(header.height);
  if (pixels > kJpeg2000FreePixels + kMaxJpeg2000PixelsPerByte * bytes.size()) {
    return Status::ResourceExhausted("JPEG 2000 of " + std::to_string(bytes.size()) + " bytes claims " +
                                     std::to_string(header.width) + "x" + std::to_string(header.height) +
                                     " pixels: more than " + std::to_string(kMaxJpeg2000PixelsPerByte) +
                                     " per byte, refused before decoding");
  }
  const bool is_jp2 = bytes.size() >= kJp2Signature.size() &&
                      std::equal(kJp2Signature.begin(), kJp2Signature.end(), bytes.begin());
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(is_jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) return Status::Internal("JPEG 2000: OpenJPEG could not create a decoder");
  std::string openjpeg_error;
  opj_set_error_handler(codec.get(), KeepFirstError, &openjpeg_error);
  opj_set_warning_handler(codec.get(), Ignore, nullptr);
  opj_set_info_handler(codec.get(), Ignore, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) return DecodeError("decoder setup failed", openjpeg_error);
  opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE);

  MemorySource source{bytes.data(), bytes.size(), 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE));
  if (!stream) return Status::Internal("JPEG 2000: OpenJPEG could not create a stream");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), ReadFromMemory);
  opj_stream_set_skip_function(stream.get(), SkipInMemory);
  opj_stream_set_seek_function(stream.get(), SeekInMemory);

  opj_image_t* raw_image = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw_image)) {
    opj_image_destroy(raw_image);
    return DecodeError("header could not be read", openjpeg_error);
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw_image);
  if (opj_codestream_info_v2_t* info = opj_get_cstr_info(codec.get()); info != nullptr) {
    const std::uint64_t tiles = static_cast<std::uint64_t>(info->tw) * info->th;
    opj_destroy_cstr_info(&info);
    if (tiles > kMaxJpeg2000Tiles) {
      return Status::ResourceExhausted("JPEG 2000 codestream of " + std::to_string(tiles) + " tiles (at most " +
                                       std::to_string(kMaxJpeg2000Tiles) + "), refused before decoding");
    }
  }
  if (image->x1 <= image->x0 || image->y1 <= image->y0) return DecodeError("image has an empty canvas", "");
  const std::uint64_t width = image->x1 - image->x0;
  const std::uint64_t height = image->y1 - image->y0;
  if (width != static_cast<std::uint64_t>(header.width) || height != static_cast<std::uint64_t>(header.height)) {
    return DecodeError("OpenJPEG reads " + std::to_string(width) + "x" + std::to_string(height) + " where the SIZ says " +
                           std::to_string(header.width) + "x" + std::to_string(header.height),
                       "");
  }
  if (image->numcomps < 1 || image->numcomps > 4) {
    return DecodeError(std::to_string(image->numcomps) + " components (1-4 supported)", "");
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get())) {
    return DecodeError("codestream could not be decoded (truncated or corrupt)", openjpeg_error);
  }

  const int channels = static_cast<int>(image->numcomps);
  for (int c = 0; c < channels; ++c) {
    const opj_image_comp_t& component = image->comps[c];
    if (component.data == nullptr || component.w == 0 || component.h == 0 || component.dx == 0 || component.dy == 0) {
      return DecodeError("component " + std::to_string(c) + " holds no samples", openjpeg_error);
    }
    if (component.prec < 1 || component.prec > 31) {
      return DecodeError("component " + std::to_string(c) + " has a precision of " + std::to_string(component.prec) +
                             " bits",
                         "");
    }
  }

  DecodedImage decoded;
  decoded.width = static_cast<int>(width);
  decoded.height = static_cast<int>(height);
  decoded.channels = channels;
  decoded.pixels.resize(static_cast<std::size_t>(width * height) * static_cast<std::size_t>(channels));
  // Sample of component c covering canvas pixel (x, y), scaled to 0-255.
  auto sample = [&](int c, std::uint64_t x, std::uint64_t y) -> double {
    const opj_image_comp_t& component = image->comps[c];
    std::uint64_t cx = (image->x0 + x) / component.dx;
    std::uint64_t cy = (image->y0 + y) / component.dy;
    cx = cx > component.x0 ? cx - component.x0 : 0;
    cy = cy > component.y0 ? cy - component.y0 : 0;
    cx = std::min<std::uint64_t>(cx, component.w - 1);
    cy = std::min<std::uint64_t>(cy, component.h - 1);
    std::int64_t value = component.data[cy * component.w + cx];
    if (component.sgnd) value += std::int64_t{1} << (component.prec - 1);
    const double max_value = static_cast<double>((std::int64_t{1} << component.prec) - 1);
    return static_cast<double>(std::clamp<std::int64_t>(value, 0, (std::int64_t{1} << component.prec) - 1)) * 255.0 /
           max_value;
  };
  const bool sycc = image->color_space == OPJ_CLRSPC_SYCC && channels >= 3;
  std::size_t out = 0;
  for (std::uint64_t y = 0; y < height; ++y) {
    for (std::uint64_t x = 0; x < width; ++x) {
      if (sycc) {
        const double luma = sample(0, x, y);
        const double cb = sample(1, x, y) - 128.0;
        const double cr = sample(2, x, y) - 128.0;
        decoded.pixels[out++] = ClampToByte(luma + 1.402 * cr);
        decoded.pixels[out++] = ClampToByte(luma - 0.344136 * cb - 0.714136 * cr);
        decoded.pixels[out++] = ClampToByte(luma + 1.772 * cb);
        if (channels == 4) decoded.pixels[out++] = ClampToByte(sample(3, x, y));
      } else {
        for (int c = 0; c < channels; ++c) decoded.pixels[out++] = ClampToByte(sample(c, x, y));
      }
    }
  }
  return decoded;
}

GreyImage ToGrey(const DecodedImage& image, int pixels_per_inch) {
  GreyImage grey;
  grey.width = image.width;
  grey.height = image.height;
  grey.pixels_per_inch = pixels_per_inch;
  const std::size_t count = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  if (image.channels <= 0 || image.pixels.size() < count * static_cast<std::size_t>(image.channels)) return grey;
  grey.pixels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = &image.pixels[i * static_cast<std::size_t>(image.channels)];
    grey.pixels[i] = image.channels < 3 ? p[0] : ClampToByte(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
  }
  return grey;
}

std::vector<std::uint8_t> EncodePgm(const GreyImage& image) {
  const std::string header = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> file(header.begin(), header.end());
  file.insert(file.end(), image.pixels.begin(), image.pixels.end());
  return file;
}

}  // namespace abis::interop
