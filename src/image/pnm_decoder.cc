// Netpbm P1-P6, decoded here: bitmaps (1 is black), grey and RGB, ASCII or binary, maximum values
// 1-65535 (two big-endian bytes per binary sample above 255) scaled to 0-255. Every sample must
// be present and within the maximum value.
#include <string>

#include "format_decoders.h"
#include "pnm_header.h"

namespace abis::image::internal {
namespace {

constexpr ImageFormat kFormat = ImageFormat::kPnm;

std::uint8_t Scale(std::uint32_t value, std::uint32_t max_value) {
  return static_cast<std::uint8_t>((std::uint64_t{value} * 255 + max_value / 2) / max_value);
}

// REQUIRES: the file holds row_bytes * height bytes from data_offset.
Status ReadBinary(const ByteReader& r, const PnmHeader& pnm, std::size_t samples_per_row, std::uint64_t row_bytes,
                  std::string_view source, DecodedImage* out) {
  const std::size_t height = static_cast<std::size_t>(pnm.height);
  const bool bitmap = pnm.kind == '4';
  const std::size_t sample_bytes = pnm.max_value > 255 ? 2 : 1;
  std::uint8_t* target = out->pixels.data();
  for (std::size_t y = 0; y < height; ++y) {
    const std::size_t row = pnm.data_offset + y * row_bytes;
    for (std::size_t i = 0; i < samples_per_row; ++i) {
      if (bitmap) {
        *target++ = (r.U8(row + i / 8) >> (7 - i % 8)) & 1 ? 0 : 255;
        continue;
      }
      const std::uint32_t value = sample_bytes == 2 ? r.Be16(row + 2 * i) : r.U8(row + i);
      if (value > pnm.max_value) {
        return CorruptData(source, kFormat,
                           "sample " + std::to_string(value) + " above the maximum value " + std::to_string(pnm.max_value));
      }
      *target++ = Scale(value, pnm.max_value);
    }
  }
  return Status::Ok();
}

Status ReadAscii(const ByteReader& r, const PnmHeader& pnm, std::size_t samples, std::string_view source,
                 DecodedImage* out) {
  std::size_t pos = pnm.data_offset;
  for (std::size_t i = 0; i < samples; ++i) {
    std::uint64_t value = 0;
    if (pnm.kind == '1') {
      // Bitmap samples are single digits and need no separator ("0110" is four samples).
      while (r.Has(pos, 1) && (IsPnmSpace(r.U8(pos)) || r.U8(pos) == '#')) {
        if (r.U8(pos) == '#') {
          while (r.Has(pos, 1) && r.U8(pos) != '\n' && r.U8(pos) != '\r') ++pos;
        } else {
          ++pos;
        }
      }
      if (!r.Has(pos, 1) || (r.U8(pos) != '0' && r.U8(pos) != '1')) {
        return CorruptData(source, kFormat,
                           "sample " + std::to_string(i + 1) + " of " + std::to_string(samples) + " missing or not 0/1");
      }
      out->pixels[i] = r.U8(pos) == '1' ? 0 : 255;
      ++pos;
      continue;
    }
    if (!ReadPnmNumber(r, &pos, &value)) {
      return CorruptData(source, kFormat,
                         "sample " + std::to_string(i + 1) + " of " + std::to_string(samples) + " missing or not a number");
    }
    if (value > pnm.max_value) {
      return CorruptData(source, kFormat,
                         "sample " + std::to_string(value) + " above the maximum value " + std::to_string(pnm.max_value));
    }
    out->pixels[i] = Scale(static_cast<std::uint32_t>(value), pnm.max_value);
  }
  return Status::Ok();
}

}  // namespace

Status DecodePnm(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out) {
  const ByteReader r(bytes);
  ABIS_ASSIGN_OR_RETURN(const PnmHeader pnm, ReadPnmHeader(r, source));
  if (pnm.width != header.width || pnm.height != header.height) return SizeMismatch(source, header, pnm.width, pnm.height);
  const int channels = (pnm.kind == '3' || pnm.kind == '6') ? 3 : 1;
  const std::size_t samples_per_row = static_cast<std::size_t>(pnm.width) * static_cast<std::size_t>(channels);
  const std::size_t samples = samples_per_row * static_cast<std::size_t>(pnm.height);
  // Refuse a file too short for its samples before allocating for them: an ASCII sample takes at
  // least one byte (bitmaps) or two (a digit and a separator, but the last).
  const std::size_t available = r.size() - pnm.data_offset;
  if (IsAsciiPnm(pnm) && available < (pnm.kind == '1' ? samples : 2 * samples - 1)) {
    return CorruptData(source, kFormat,
                       std::to_string(samples) + " samples cannot fit in the " + std::to_string(available) +
                           " bytes after the header");
  }
  out->width = static_cast<int>(pnm.width);
  out->height = static_cast<int>(pnm.height);
  out->channels = channels;
  if (!IsAsciiPnm(pnm)) {
    const std::uint64_t row_bytes = pnm.kind == '4' ? (samples_per_row + 7) / 8
                                                    : samples_per_row * (pnm.max_value > 255 ? 2 : 1);
    if (!r.Has(pnm.data_offset, row_bytes * static_cast<std::uint64_t>(pnm.height))) {
      return CorruptData(source, kFormat,
                         "the samples need " + std::to_string(row_bytes * static_cast<std::uint64_t>(pnm.height)) +
                             " bytes after the header, the file has " + std::to_string(available));
    }
    out->pixels.resize(samples);
    return ReadBinary(r, pnm, samples_per_row, row_bytes, source, out);
  }
  out->pixels.resize(samples);
  return ReadAscii(r, pnm, samples, source, out);
}

}  // namespace abis::image::internal
