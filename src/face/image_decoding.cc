#include "abis/face/image_decoding.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace abis::face {
namespace {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool Has(std::size_t offset, std::size_t count) const {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  std::uint32_t Be16(std::size_t o) const { return (bytes_[o] << 8) | bytes_[o + 1]; }
  std::uint32_t Le16(std::size_t o) const { return bytes_[o] | (bytes_[o + 1] << 8); }
  std::uint32_t Be32(std::size_t o) const {
    return (std::uint32_t{bytes_[o]} << 24) | (bytes_[o + 1] << 16) | (bytes_[o + 2] << 8) | bytes_[o + 3];
  }
  std::uint32_t Le32(std::size_t o) const {
    return bytes_[o] | (bytes_[o + 1] << 8) | (bytes_[o + 2] << 16) | (std::uint32_t{bytes_[o + 3]} << 24);
  }
  std::uint32_t U16(std::size_t o, bool little) const { return little ? Le16(o) : Be16(o); }
  std::uint32_t U32(std::size_t o, bool little) const { return little ? Le32(o) : Be32(o); }
  std::uint8_t At(std::size_t o) const { return bytes_[o]; }
  std::size_t size() const { return bytes_.size(); }
  std::span<const std::uint8_t> Sub(std::size_t offset, std::size_t count) const {
    return bytes_.subspan(offset, count);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

Status Malformed(std::string_view source, std::string_view format, std::string_view what) {
  return Status::InvalidArgument(std::string(source) + ": malformed " + std::string(format) +
                                 " header: " + std::string(what));
}

// A TIFF structure (a TIFF file or an EXIF block); returns the values of `tags` in IFD0.
// Returns false when the structure is malformed.
bool ReadTiffTags(const ByteReader& r, std::uint32_t wanted_a, std::uint32_t wanted_b,
                  std::int64_t* value_a, std::int64_t* value_b) {
  if (!r.Has(0, 8)) return false;
  bool little;
  if (r.At(0) == 'I' && r.At(1) == 'I') {
    little = true;
  } else if (r.At(0) == 'M' && r.At(1) == 'M') {
    little = false;
  } else {
    return false;
  }
  if (r.U16(2, little) != 42) return false;
  const std::uint32_t ifd = r.U32(4, little);
  if (!r.Has(ifd, 2)) return false;
  const std::uint32_t entries = r.U16(ifd, little);
  if (!r.Has(ifd + 2, std::size_t{entries} * 12)) return false;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t e = ifd + 2 + std::size_t{i} * 12;
    const std::uint32_t tag = r.U16(e, little);
    const std::uint32_t type = r.U16(e + 2, little);
    std::int64_t value;
    if (type == 3) {
      value = r.U16(e + 8, little);
    } else if (type == 4) {
      value = r.U32(e + 8, little);
    } else {
      continue;
    }
    if (tag == wanted_a) *value_a = value;
    if (tag == wanted_b) *value_b = value;
  }
  return true;
}

Result<ImageHeader> ReadJpegHeader(const ByteReader& r, std::string_view source) {
  ImageHeader header{ImageFormat::kJpeg, 0, 0, 1};
  std::size_t pos = 2;
  while (true) {
    while (r.Has(pos, 1) && r.At(pos) != 0xFF) ++pos;  // tolerate fill bytes
    while (r.Has(pos, 1) && r.At(pos) == 0xFF) ++pos;
    if (!r.Has(pos, 1)) return Malformed(source, "JPEG", "no frame header (SOF) before end of data");
    const std::uint8_t marker = r.At(pos++);
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9 || marker == 0xDA) {
      return Malformed(source, "JPEG", "no frame header (SOF) before image data");
    }
    if (!r.Has(pos, 2)) return Malformed(source, "JPEG", "truncated segment length");
    const std::uint32_t length = r.Be16(pos);
    if (length < 2 || !r.Has(pos, length)) {
      return Malformed(source, "JPEG", "segment with marker " + std::to_string(marker) + " runs past the end");
    }
    const bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof) {
      if (length < 7) return Malformed(source, "JPEG", "frame header too short");
      header.height = r.Be16(pos + 3);
      header.width = r.Be16(pos + 5);
      return header;
    }
    if (marker == 0xE1 && length >= 16) {
      const auto app = r.Sub(pos + 2, length - 2);
      if (app.size() > 6 && std::equal(app.begin(), app.begin() + 6, std::string_view("Exif\0\0", 6).begin(),
                                      [](std::uint8_t a, char b) { return a == static_cast<unsigned char>(b); })) {
        std::int64_t orientation = 1;
        std::int64_t unused = 0;
        if (ReadTiffTags(ByteReader(app.subspan(6)), 0x0112, 0xFFFF, &orientation, &unused) &&
            orientation >= 1 && orientation <= 8) {
          header.exif_orientation = static_cast<int>(orientation);
        }
      }
    }
    pos += length;
  }
}

// Reads the next unsigned decimal integer of a PNM header, skipping whitespace and comments.
bool NextPnmNumber(const ByteReader& r, std::size_t* pos, std::int64_t* value) {
  while (r.Has(*pos, 1)) {
    const char c = static_cast<char>(r.At(*pos));
    if (c == '#') {
      while (r.Has(*pos, 1) && r.At(*pos) != '\n') ++*pos;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++*pos;
    } else {
      break;
    }
  }
  std::int64_t v = 0;
  int digits = 0;
  while (r.Has(*pos, 1) && std::isdigit(r.At(*pos)) && digits < 10) {
    v = v * 10 + (r.At(*pos) - '0');
    ++*pos;
    ++digits;
  }
  *value = v;
  return digits > 0;
}

// True when a JPEG's entropy-coded data is followed by an end-of-image marker. Segments are
// walked by their lengths up to the first start-of-scan, so markers inside EXIF thumbnails do
// not count; inside scan data 0xFF is byte-stuffed, so FF D9 there is the real marker.
bool JpegHasEndOfImage(const ByteReader& r) {
  std::size_t pos = 2;
  while (r.Has(pos, 4)) {
    if (r.At(pos) != 0xFF) return false;
    const std::uint8_t marker = r.At(pos + 1);
    if (marker == 0xFF) {
      ++pos;
      continue;
    }
    if (marker == 0xDA) break;
    pos += 2 + r.Be16(pos + 2);
  }
  for (std::size_t i = pos; r.Has(i, 2); ++i) {
    if (r.At(i) == 0xFF && r.At(i + 1) == 0xD9) return true;
  }
  return false;
}

cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(image, out); cv::rotate(out, out, cv::ROTATE_180); return out;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
  }
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "jpeg";
    case ImageFormat::kPng: return "png";
    case ImageFormat::kWebp: return "webp";
    case ImageFormat::kBmp: return "bmp";
    case ImageFormat::kTiff: return "tiff";
    case ImageFormat::kPnm: return "pnm";
  }
  return "unknown";
}

Result<ImageHeader> ReadImageHeader(std::span<const std::uint8_t> bytes, std::string_view source) {
  const ByteReader r(bytes);
  auto starts_with = [&](std::string_view magic, std::size_t offset = 0) {
    if (!r.Has(offset, magic.size())) return false;
    for (std::size_t i = 0; i < magic.size(); ++i) {
      if (r.At(offset + i) != static_cast<unsigned char>(magic[i])) return false;
    }
    return true;
  };
  if (r.Has(0, 3) && r.At(0) == 0xFF && r.At(1) == 0xD8 && r.At(2) == 0xFF) return ReadJpegHeader(r, source);
  if (starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8))) {
    if (!r.Has(8, 25) || !starts_with("IHDR", 12)) return Malformed(source, "PNG", "missing IHDR chunk");
    return ImageHeader{ImageFormat::kPng, r.Be32(16), r.Be32(20), 1};
  }
  if (starts_with("RIFF") && starts_with("WEBP", 8)) {
    if (starts_with("VP8 ", 12) && r.Has(26, 4)) {
      return ImageHeader{ImageFormat::kWebp, r.Le16(26) & 0x3FFF, r.Le16(28) & 0x3FFF, 1};
    }
    if (starts_with("VP8L", 12) && r.Has(21, 4)) {
      const std::uint32_t bits = r.Le32(21);
      return ImageHeader{ImageFormat::kWebp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1};
    }
    if (starts_with("VP8X", 12) && r.Has(24, 6)) {
      const std::int64_t w = (r.At(24) | (r.At(25) << 8) | (r.At(26) << 16)) + 1;
      const std::int64_t h = (r.At(27) | (r.At(28) << 8) | (r.At(29) << 16)) + 1;
      return ImageHeader{ImageFormat::kWebp, w, h, 1};
    }
    return Malformed(source, "WebP", "unknown or truncated VP8 chunk");
  }
  if (starts_with("BM")) {
    if (!r.Has(14, 12)) return Malformed(source, "BMP", "truncated info header");
    const std::uint32_t info_size = r.Le32(14);
    if (info_size == 12) return ImageHeader{ImageFormat::kBmp, r.Le16(18), r.Le16(20), 1};
    const auto w = static_cast<std::int32_t>(r.Le32(18));
    const auto h = static_cast<std::int32_t>(r.Le32(22));
    return ImageHeader{ImageFormat::kBmp, std::abs(static_cast<std::int64_t>(w)),
                       std::abs(static_cast<std::int64_t>(h)), 1};
  }
  if (starts_with(std::string_view("II*\0", 4)) || starts_with(std::string_view("MM\0*", 4))) {
    std::int64_t w = 0;
    std::int64_t h = 0;
    if (!ReadTiffTags(r, 256, 257, &w, &h) || w <= 0 || h <= 0) {
      return Malformed(source, "TIFF", "no readable ImageWidth/ImageLength in the first IFD");
    }
    return ImageHeader{ImageFormat::kTiff, w, h, 1};
  }
  if (r.Has(0, 2) && r.At(0) == 'P' && r.At(1) >= '1' && r.At(1) <= '6') {
    std::size_t pos = 2;
    std::int64_t w = 0;
    std::int64_t h = 0;
    if (!NextPnmNumber(r, &pos, &w) || !NextPnmNumber(r, &pos, &h)) {
      return Malformed(source, "PNM", "missing width/height");
    }
    return ImageHeader{ImageFormat::kPnm, w, h, 1};
  }
  return Status::InvalidArgument(std::string(source) +
                                 ": not a supported image (expected JPEG, PNG, WebP, BMP, TIFF or "
                                 "PGM/PPM content; the file name is not used)");
}

Result<cv::Mat> DecodeFaceImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                const ImageLimits& limits) {
  ABIS_ASSIGN_OR_RETURN(const ImageHeader header, ReadImageHeader(bytes, source));
  const std::string where(source);
  const std::string format(ImageFormatName(header.format));
  if (header.width > limits.max_side || header.height > limits.max_side ||
      header.width * header.height > limits.max_pixels) {
    return Status::ResourceExhausted(where + ": " + format + " header claims " +
                                     std::to_string(header.width) + "x" + std::to_string(header.height) +
                                     " pixels, beyond the limit of " + std::to_string(limits.max_side) +
                                     " per side and " + std::to_string(limits.max_pixels) +
                                     " in total; refused before decoding");
  }
  if (header.width < limits.min_side || header.height < limits.min_side) {
    return Status::InvalidArgument(where + ": image is " + std::to_string(header.width) + "x" +
                                   std::to_string(header.height) + " pixels, smaller than the minimum " +
                                   std::to_string(limits.min_side) + "x" + std::to_string(limits.min_side) +
                                   " that can hold a face");
  }
  if (header.format == ImageFormat::kJpeg && !JpegHasEndOfImage(ByteReader(bytes))) {
    return Status::InvalidArgument(where + ": corrupt or truncated JPEG: no end-of-image marker after the scan data");
  }
  cv::Mat decoded;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
    decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument(where + ": corrupt " + format + " data (decoder: " + e.what() + ")");
  }
  if (decoded.empty()) {
    return Status::InvalidArgument(where + ": corrupt or truncated " + format +
                                   " data: the decoder produced no image");
  }
  if (decoded.cols != header.width || decoded.rows != header.height) {
    return Status::InvalidArgument(where + ": decoded size " + std::to_string(decoded.cols) + "x" +
                                   std::to_string(decoded.rows) + " differs from the header's " +
                                   std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  cv::Mat eight_bit;
  switch (decoded.depth()) {
    case CV_8U: eight_bit = decoded; break;
    case CV_16U: decoded.convertTo(eight_bit, CV_8U, 1.0 / 257.0); break;
    default:
      return Status::InvalidArgument(where + ": unsupported sample depth (OpenCV depth " +
                                     std::to_string(decoded.depth()) + "); 8 and 16 bit are accepted");
  }
  cv::Mat bgr;
  switch (eight_bit.channels()) {
    case 1: cv::cvtColor(eight_bit, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: bgr = eight_bit; break;
    case 4: {
      // Composite over mid-grey so transparent regions neither vanish nor become black edges.
      cv::Mat float_image;
      eight_bit.convertTo(float_image, CV_32F, 1.0 / 255.0);
      std::vector<cv::Mat> planes;
      cv::split(float_image, planes);
      cv::Mat composite;
      std::vector<cv::Mat> colour(3);
      for (int c = 0; c < 3; ++c) colour[c] = planes[c].mul(planes[3]) + (1.0 - planes[3]) * 0.5;
      cv::merge(colour, composite);
      composite.convertTo(bgr, CV_8U, 255.0);
      break;
    }
    default:
      return Status::InvalidArgument(where + ": unsupported channel count " +
                                     std::to_string(eight_bit.channels()));
  }
  return ApplyExifOrientation(bgr, header.exif_orientation);
}

}  // namespace abis::face
