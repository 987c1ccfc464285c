#include "abis/service/display_image.h"

#include <zlib.h>

#include <string_view>
#include <vector>

#include "abis/image_codec/image_decoder.h"

namespace abis::service {
namespace {

bool StartsWith(std::span<const std::uint8_t> bytes, std::string_view magic, std::size_t offset = 0) {
  if (bytes.size() < offset + magic.size()) return false;
  for (std::size_t i = 0; i < magic.size(); ++i) {
    if (bytes[offset + i] != static_cast<std::uint8_t>(magic[i])) return false;
  }
  return true;
}

void AppendBigEndian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void AppendChunk(std::string& out, const char* type, std::string_view data) {
  AppendBigEndian(out, static_cast<std::uint32_t>(data.size()));
  std::string typed = std::string(type, 4) + std::string(data);
  out += typed;
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()));
  AppendBigEndian(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

Result<std::string> EncodePng(int width, int height, int channels, std::span<const std::uint8_t> pixels) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4) ||
      pixels.size() != static_cast<std::size_t>(width) * height * channels) {
    return Status::InvalidArgument("PNG encoding needs width*height*channels pixels (1, 3 or 4 channels)");
  }
  const std::size_t row = static_cast<std::size_t>(width) * channels;
  std::vector<std::uint8_t> raw;
  raw.reserve((row + 1) * height);
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), pixels.begin() + static_cast<std::ptrdiff_t>(row * y),
               pixels.begin() + static_cast<std::ptrdiff_t>(row * (y + 1)));
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 6) !=
      Z_OK) {
    return Status::Internal("PNG compression failed");
  }
  packed.resize(packed_size);
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string header;
  AppendBigEndian(header, static_cast<std::uint32_t>(width));
  AppendBigEndian(header, static_cast<std::uint32_t>(height));
  header.push_back(8);                                                             // bit depth
  header.push_back(static_cast<char>(channels == 1 ? 0 : channels == 3 ? 2 : 6));  // colour type
  header.append(3, '\0');                                                          // compression, filter, interlace
  AppendChunk(out, "IHDR", header);
  AppendChunk(out, "IDAT", packed);
  AppendChunk(out, "IEND", "");
  return out;
}

Result<DisplayImage> ToDisplayImage(std::span<const std::uint8_t> bytes) {
  std::string body(bytes.begin(), bytes.end());
  if (StartsWith(bytes, "\xff\xd8\xff")) return DisplayImage{"image/jpeg", std::move(body)};
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return DisplayImage{"image/png", std::move(body)};
  if (StartsWith(bytes, "RIFF") && StartsWith(bytes, "WEBP", 8)) return DisplayImage{"image/webp", std::move(body)};
  if (StartsWith(bytes, "\xff\xa0")) return Status::Unimplemented("a WSQ fingerprint is not shown in the browser");
  auto decoded = image::DecodeImage(bytes, "sample", image::ImageSizeLimits{}, image::PixelLayout::kStored);
  if (!decoded.ok()) return decoded.status();
  ABIS_ASSIGN_OR_RETURN(std::string png,
                        EncodePng(decoded->width, decoded->height, decoded->channels, decoded->pixels));
  return DisplayImage{"image/png", std::move(png)};
}

}  // namespace abis::service
