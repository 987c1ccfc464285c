#include "image_probe.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <optional>

namespace abis::finger {
namespace {

constexpr double kMetresPerInch = 0.0254;
constexpr double kCentimetresPerInch = 2.54;

std::optional<std::uint32_t> ReadUnsigned(std::span<const std::uint8_t> b, std::size_t at, int size, bool little) {
  if (at + static_cast<std::size_t>(size) > b.size() || at + static_cast<std::size_t>(size) < at) return std::nullopt;
  std::uint32_t value = 0;
  for (int i = 0; i < size; ++i) {
    std::uint32_t byte = b[at + (little ? static_cast<std::size_t>(i) : static_cast<std::size_t>(size - 1 - i))];
    value |= byte << (8 * i);
  }
  return value;
}

Result<ImageHeader> ProbePng(std::span<const std::uint8_t> b, const std::string& source) {
  ImageHeader header{ImageFormat::kPng};
  auto width = ReadUnsigned(b, 16, 4, false), height = ReadUnsigned(b, 20, 4, false);
  if (!width || !height) return Status::InvalidArgument(source + ": PNG header truncated");
  header.width = static_cast<int>(std::min<std::uint32_t>(*width, 1u << 30));
  header.height = static_cast<int>(std::min<std::uint32_t>(*height, 1u << 30));
  // Walk the chunks before the image data for pHYs (pixels per unit, unit 1 = metre).
  std::size_t at = 8;
  for (int chunks = 0; chunks < 64; ++chunks) {
    auto length = ReadUnsigned(b, at, 4, false);
    if (!length || at + 12 + static_cast<std::size_t>(*length) > b.size()) break;
    std::string_view type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (type == "IDAT") break;
    if (type == "pHYs" && *length == 9) {
      auto ppu = ReadUnsigned(b, at + 8, 4, false);
      if (ppu && b[at + 16] == 1) header.resolution_ppi = *ppu * kMetresPerInch;
    }
    at += 12 + *length;
  }
  return header;
}

Result<ImageHeader> ProbeBmp(std::span<const std::uint8_t> b, const std::string& source) {
  ImageHeader header{ImageFormat::kBmp};
  auto width = ReadUnsigned(b, 18, 4, true), height = ReadUnsigned(b, 22, 4, true);
  if (!width || !height) return Status::InvalidArgument(source + ": BMP header truncated");
  auto signed_value = [](std::uint32_t v) { return static_cast<std::int64_t>(static_cast<std::int32_t>(v)); };
  header.width = static_cast<int>(std::min<std::int64_t>(std::llabs(signed_value(*width)), 1 << 30));
  header.height = static_cast<int>(std::min<std::int64_t>(std::llabs(signed_value(*height)), 1 << 30));
  auto ppm = ReadUnsigned(b, 38, 4, true);
  if (ppm && *ppm > 0) header.resolution_ppi = *ppm * kMetresPerInch;
  return header;
}

Result<ImageHeader> ProbeTiff(std::span<const std::uint8_t> b, const std::string& source) {
  ImageHeader header{ImageFormat::kTiff};
  bool little = b[0] == 'I';
  auto ifd = ReadUnsigned(b, 4, 4, little);
  auto count = ifd ? ReadUnsigned(b, *ifd, 2, little) : std::nullopt;
  if (!count) return Status::InvalidArgument(source + ": TIFF directory offset outside the file");
  double x_resolution = 0;
  int unit = 2;  // TIFF default: inch
  for (std::uint32_t i = 0; i < *count; ++i) {
    std::size_t entry = *ifd + 2 + 12 * static_cast<std::size_t>(i);
    auto tag = ReadUnsigned(b, entry, 2, little), type = ReadUnsigned(b, entry + 2, 2, little);
    if (!tag || !type) return Status::InvalidArgument(source + ": TIFF directory truncated");
    auto value = (*type == 3) ? ReadUnsigned(b, entry + 8, 2, little) : ReadUnsigned(b, entry + 8, 4, little);
    if (!value) return Status::InvalidArgument(source + ": TIFF directory truncated");
    if (*tag == 256) header.width = static_cast<int>(std::min<std::uint32_t>(*value, 1u << 30));
    if (*tag == 257) header.height = static_cast<int>(std::min<std::uint32_t>(*value, 1u << 30));
    if (*tag == 296) unit = static_cast<int>(*value);
    if (*tag == 282 && *type == 5) {  // RATIONAL at an offset
      auto numerator = ReadUnsigned(b, *value, 4, little), denominator = ReadUnsigned(b, *value + 4, 4, little);
      if (numerator && denominator && *denominator != 0) x_resolution = static_cast<double>(*numerator) / *denominator;
    }
  }
  if (header.width == 0 || header.height == 0) {
    return Status::InvalidArgument(source + ": TIFF directory has no image width/length");
  }
  if (unit == 2) header.resolution_ppi = x_resolution;
  if (unit == 3) header.resolution_ppi = x_resolution * kCentimetresPerInch;
  return header;
}

Result<ImageHeader> ProbePnm(std::span<const std::uint8_t> b, const std::string& source) {
  ImageHeader header{ImageFormat::kPnm};
  // "P5" whitespace width whitespace height ... (comments start with '#').
  std::size_t at = 2;
  int numbers[2] = {0, 0};
  for (int& number : numbers) {
    while (at < b.size() && (std::isspace(b[at]) || b[at] == '#')) {
      if (b[at] == '#') {
        while (at < b.size() && b[at] != '\n') ++at;
      } else {
        ++at;
      }
    }
    if (at >= b.size() || !std::isdigit(b[at])) return Status::InvalidArgument(source + ": PNM header malformed");
    while (at < b.size() && std::isdigit(b[at])) {
      number = std::min(number * 10 + (b[at] - '0'), 1 << 30);
      ++at;
    }
  }
  header.width = numbers[0];
  header.height = numbers[1];
  return header;
}

}  // namespace

Result<ImageHeader> ProbeImageHeader(std::span<const std::uint8_t> b, const std::string& source) {
  static constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 8 && std::memcmp(b.data(), kPngSignature, 8) == 0) return ProbePng(b, source);
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return ProbeBmp(b, source);
  if (b.size() >= 8 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
                        (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
    return ProbeTiff(b, source);
  }
  if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return ProbePnm(b, source);
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ImageHeader{ImageFormat::kJpeg};
  return Status::InvalidArgument(source + ": not a recognised image format (WSQ, PNG, BMP, TIFF, PGM, JPEG)");
}

}  // namespace abis::finger
