#include "abis/image/image_header.h"

#include <cstdio>
#include <string>

#include "bmp_header.h"
#include "byte_reader.h"
#include "pnm_header.h"

namespace abis::image {
namespace {

using internal::ByteReader;

constexpr double kMetresPerInch = 0.0254;
constexpr double kCentimetresPerInch = 2.54;

Status Malformed(std::string_view source, ImageFormat format, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ": malformed " + std::string(ImageFormatName(format)) +
                                 " header: " + what);
}

// "0xFFD9" for marker 0xD9.
std::string MarkerName(std::uint8_t marker) {
  char text[8];
  std::snprintf(text, sizeof text, "0xFF%02X", marker);
  return text;
}

// The fields of a TIFF structure's first IFD that a header needs (a TIFF file, or the EXIF block
// of a JPEG).
struct TiffFields {
  std::int64_t width = 0;
  std::int64_t height = 0;
  double x_resolution = 0;
  int resolution_unit = 2;  // TIFF default: inch
  int orientation = 1;
};

// Reads the first IFD of the TIFF structure `r` holds. Returns false when it is malformed
// (byte order, magic number, IFD or an entry outside the bytes).
bool ReadFirstIfd(const ByteReader& r, TiffFields* fields) {
  if (!r.Has(0, 8)) return false;
  bool little;
  if (r.Matches(0, "II")) {
    little = true;
  } else if (r.Matches(0, "MM")) {
    little = false;
  } else {
    return false;
  }
  if (r.U16(2, little) != 42) return false;
  const std::uint32_t ifd = r.U32(4, little);
  if (!r.Has(ifd, 2)) return false;
  const std::uint32_t entries = r.U16(ifd, little);
  if (!r.Has(std::uint64_t{ifd} + 2, std::uint64_t{entries} * 12)) return false;
  constexpr std::uint32_t kShort = 3, kLong = 4, kRational = 5;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t e = ifd + 2 + std::size_t{i} * 12;
    const std::uint32_t tag = r.U16(e, little);
    const std::uint32_t type = r.U16(e + 2, little);
    if (type == kRational) {
      const std::uint32_t at = r.U32(e + 8, little);
      if (tag == 282 && r.Has(at, 8) && r.U32(at + 4, little) != 0) {
        fields->x_resolution = static_cast<double>(r.U32(at, little)) / r.U32(at + 4, little);
      }
      continue;
    }
    if (type != kShort && type != kLong) continue;
    const std::int64_t value = type == kShort ? r.U16(e + 8, little) : r.U32(e + 8, little);
    if (tag == 256) fields->width = value;
    if (tag == 257) fields->height = value;
    if (tag == 296) fields->resolution_unit = static_cast<int>(value);
    if (tag == 0x0112) fields->orientation = static_cast<int>(value);
  }
  return true;
}

Result<ImageHeader> ReadJpeg(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kJpeg;
  ImageHeader header{kFormat};
  std::size_t pos = 2;
  while (true) {
    while (r.Has(pos, 1) && r.U8(pos) != 0xFF) ++pos;  // tolerate garbage between segments
    while (r.Has(pos, 1) && r.U8(pos) == 0xFF) ++pos;  // fill bytes
    if (!r.Has(pos, 1)) return Malformed(source, kFormat, "no frame header (SOF) before the end of the data");
    const std::uint8_t marker = r.U8(pos++);
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0xD9 || marker == 0xDA) return Malformed(source, kFormat, "no frame header (SOF) before the image data");
    if (!r.Has(pos, 2)) return Malformed(source, kFormat, "segment length cut short");
    const std::uint32_t length = r.Be16(pos);
    if (length < 2 || !r.Has(pos, length)) {
      return Malformed(source, kFormat, "segment of marker " + MarkerName(marker) + " runs past the end");
    }
    // SOF0-SOF15 are frame headers, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (length < 8) return Malformed(source, kFormat, "frame header too short");
      header.height = r.Be16(pos + 3);
      header.width = r.Be16(pos + 5);
      return header;
    }
    if (marker == 0xE1 && length > 8 && r.Matches(pos + 2, std::string_view("Exif\0\0", 6))) {
      TiffFields exif;
      if (ReadFirstIfd(ByteReader(r.Sub(pos + 8, length - 8)), &exif) && exif.orientation >= 1 &&
          exif.orientation <= 8) {
        header.exif_orientation = exif.orientation;
      }
    }
    pos += length;
  }
}

Result<ImageHeader> ReadPng(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kPng;
  if (!r.Has(8, 16) || !r.Matches(12, "IHDR")) return Malformed(source, kFormat, "no IHDR chunk");
  ImageHeader header{kFormat, r.Be32(16), r.Be32(20)};
  // Chunks before the image data may hold pHYs (pixels per unit; unit 1 = metre).
  std::uint64_t at = 8;
  for (int chunks = 0; chunks < 64 && r.Has(at, 12); ++chunks) {
    const std::uint64_t length = r.Be32(at);
    if (!r.Has(at, 12 + length) || r.Matches(at + 4, "IDAT")) break;
    if (r.Matches(at + 4, "pHYs") && length == 9 && r.U8(at + 16) == 1) {
      header.resolution_ppi = r.Be32(at + 8) * kMetresPerInch;
    }
    at += 12 + length;
  }
  return header;
}

Result<ImageHeader> ReadTiff(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kTiff;
  TiffFields fields;
  if (!ReadFirstIfd(r, &fields)) return Malformed(source, kFormat, "first image directory outside the file");
  if (fields.width <= 0 || fields.height <= 0) {
    return Malformed(source, kFormat, "no ImageWidth/ImageLength in the first image directory");
  }
  ImageHeader header{kFormat, fields.width, fields.height};
  if (fields.resolution_unit == 2) header.resolution_ppi = fields.x_resolution;
  if (fields.resolution_unit == 3) header.resolution_ppi = fields.x_resolution * kCentimetresPerInch;
  return header;
}

Result<ImageHeader> ReadWebp(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kWebp;
  if (r.Matches(12, "VP8 ") && r.Has(26, 4)) {
    return ImageHeader{kFormat, r.Le16(26) & 0x3FFF, r.Le16(28) & 0x3FFF};
  }
  if (r.Matches(12, "VP8L") && r.Has(21, 4)) {
    const std::uint32_t bits = r.Le32(21);
    return ImageHeader{kFormat, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (r.Matches(12, "VP8X") && r.Has(24, 6)) {
    const std::int64_t width = (r.U8(24) | (r.U8(25) << 8) | (r.U8(26) << 16)) + 1;
    const std::int64_t height = (r.U8(27) | (r.U8(28) << 8) | (r.U8(29) << 16)) + 1;
    return ImageHeader{kFormat, width, height};
  }
  return Malformed(source, kFormat, "unknown or cut-short VP8 chunk");
}

// A J2K codestream: SOC, then SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz ... (the canvas is
// Xsiz - XOsiz by Ysiz - YOsiz; this is the size OpenJPEG decodes).
Result<ImageHeader> ReadJ2kCodestream(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kJpeg2000;
  if (!r.Matches(0, "\xFF\x4F\xFF\x51")) return Malformed(source, kFormat, "codestream does not start with SOC, SIZ");
  if (!r.Has(0, 24)) return Malformed(source, kFormat, "SIZ marker segment cut short");
  const std::uint32_t x_size = r.Be32(8), y_size = r.Be32(12), x_offset = r.Be32(16), y_offset = r.Be32(20);
  if (x_offset >= x_size || y_offset >= y_size) {
    return Malformed(source, kFormat, "image offset beyond the reference grid in SIZ");
  }
  return ImageHeader{kFormat, x_size - x_offset, y_size - y_offset};
}

// A JP2 file: boxes (length, type[, extended length]); the contiguous codestream box 'jp2c'
// holds the SIZ. The codestream box may be cut short: its SIZ is still the header.
Result<ImageHeader> ReadJp2(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kJpeg2000;
  std::uint64_t pos = 0;
  while (r.Has(pos, 8)) {
    std::uint64_t length = r.Be32(pos);
    std::uint64_t content = 8;
    if (length == 1) {
      if (!r.Has(pos, 16)) return Malformed(source, kFormat, "box length cut short");
      length = r.Be64(pos + 8);
      content = 16;
    } else if (length == 0) {
      length = r.size() - pos;  // the last box runs to the end
    }
    if (r.Matches(pos + 4, "jp2c")) {
      const std::uint64_t start = pos + content;
      if (!r.Has(start, 0)) return Malformed(source, kFormat, "codestream box cut short");
      return ReadJ2kCodestream(ByteReader(r.Sub(start, r.size() - start)), source);
    }
    if (length < content || !r.Has(pos, length)) return Malformed(source, kFormat, "box runs past the end");
    pos += length;
  }
  return Malformed(source, kFormat, "no codestream box (jp2c)");
}

// WSQ: markers FFA0-FFA8, each but SOI/EOI followed by a 2-byte length; the frame header FFA2
// is Lf(2) A(1) B(1) Y(2) X(2).
Result<ImageHeader> ReadWsq(const ByteReader& r, std::string_view source) {
  constexpr ImageFormat kFormat = ImageFormat::kWsq;
  std::uint64_t pos = 2;
  while (r.Has(pos, 4)) {
    if (r.U8(pos) != 0xFF) return Malformed(source, kFormat, "no marker at byte " + std::to_string(pos));
    const std::uint8_t marker = r.U8(pos + 1);
    if (marker == 0xA2) {
      if (!r.Has(pos, 10)) break;
      return ImageHeader{kFormat, r.Be16(pos + 8), r.Be16(pos + 6)};
    }
    if (marker < 0xA4 || marker > 0xA8) {  // only tables and comments may precede the frame header
      return Malformed(source, kFormat, "marker " + MarkerName(marker) + " before the frame header");
    }
    const std::uint32_t length = r.Be16(pos + 2);
    if (length < 2) return Malformed(source, kFormat, "segment length " + std::to_string(length));
    pos += 2 + length;
  }
  return Malformed(source, kFormat, "no frame header before the end of the data");
}

bool IsPnmSignature(const ByteReader& r) {
  if (!r.Has(0, 3) || r.U8(0) != 'P' || r.U8(1) < '1' || r.U8(1) > '6') return false;
  const std::uint8_t next = r.U8(2);
  return next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '#';
}

Result<ImageHeader> ReadBySignature(const ByteReader& r, std::string_view source) {
  if (r.Matches(0, "\xFF\xD8\xFF")) return ReadJpeg(r, source);
  if (r.Matches(0, "\x89PNG\r\n\x1A\n")) return ReadPng(r, source);
  if (r.Matches(0, std::string_view("II*\0", 4)) || r.Matches(0, std::string_view("MM\0*", 4))) {
    return ReadTiff(r, source);
  }
  if (r.Matches(0, "BM")) {
    ABIS_ASSIGN_OR_RETURN(const internal::BmpHeader bmp, internal::ReadBmpHeader(r, source));
    return ImageHeader{ImageFormat::kBmp, bmp.width, bmp.height, bmp.resolution_ppi};
  }
  if (IsPnmSignature(r)) {
    ABIS_ASSIGN_OR_RETURN(const internal::PnmHeader pnm, internal::ReadPnmHeader(r, source));
    return ImageHeader{ImageFormat::kPnm, pnm.width, pnm.height};
  }
  if (r.Matches(0, "RIFF") && r.Matches(8, "WEBP")) return ReadWebp(r, source);
  if (r.Matches(0, std::string_view("\x00\x00\x00\x0CjP  \r\n\x87\n", 12))) return ReadJp2(r, source);
  if (r.Matches(0, "\xFF\x4F\xFF\x51")) return ReadJ2kCodestream(r, source);
  if (r.Matches(0, "\xFF\xA0")) return ReadWsq(r, source);
  return Status::InvalidArgument(std::string(source) +
                                 ": not a supported image (expected JPEG, PNG, TIFF, BMP, PGM/PPM, WebP, JPEG 2000 "
                                 "or WSQ content; the file name is not used)");
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kTiff: return "TIFF";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kPnm: return "PNM";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kJpeg2000: return "JPEG 2000";
    case ImageFormat::kWsq: return "WSQ";
  }
  return "unknown";
}

Result<ImageHeader> ReadImageHeader(std::span<const std::uint8_t> bytes, std::string_view source) {
  ABIS_ASSIGN_OR_RETURN(const ImageHeader header, ReadBySignature(ByteReader(bytes), source));
  if (header.width <= 0 || header.height <= 0) {
    return Malformed(source, header.format,
                     "size " + std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  return header;
}

}  // namespace abis::image
