// Test images for the abis_image tests: OpenCV encodings and hand-made files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace abis::image::testing {

inline std::vector<std::uint8_t> Encode(const cv::Mat& image, const std::string& extension,
                                        const std::vector<int>& params = {}) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params)) << extension;
  return bytes;
}

// Random pixels of the given OpenCV type (8- or 16-bit), the same for the same seed.
inline cv::Mat Noise(int width, int height, int type, std::uint64_t seed = 1) {
  cv::Mat image(height, width, type);
  cv::RNG rng(seed);
  rng.fill(image, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  return image;
}

inline std::vector<std::uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }

inline void PutLe16(std::vector<std::uint8_t>* b, std::uint32_t v) {
  b->push_back(static_cast<std::uint8_t>(v));
  b->push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void PutLe32(std::vector<std::uint8_t>* b, std::uint32_t v) {
  PutLe16(b, v & 0xFFFF);
  PutLe16(b, v >> 16);
}
inline void PutBe16(std::vector<std::uint8_t>* b, std::uint32_t v) {
  b->push_back(static_cast<std::uint8_t>(v >> 8));
  b->push_back(static_cast<std::uint8_t>(v));
}
inline void PutBe32(std::vector<std::uint8_t>* b, std::uint32_t v) {
  PutBe16(b, v >> 16);
  PutBe16(b, v & 0xFFFF);
}

// A BMP with a BITMAPINFOHEADER (40 bytes), the given palette (BGRX entries) or bit masks
// (compression 3), and `rows` as they are stored (bottom row first unless height < 0).
inline std::vector<std::uint8_t> Bmp(int width, int height, int bits, std::uint32_t compression,
                                     const std::vector<std::uint32_t>& palette_or_masks,
                                     const std::vector<std::uint8_t>& rows, std::uint32_t pixels_per_metre = 0) {
  std::vector<std::uint8_t> b = {'B', 'M'};
  const std::uint32_t offset = 14 + 40 + static_cast<std::uint32_t>(palette_or_masks.size()) * 4;
  PutLe32(&b, offset + static_cast<std::uint32_t>(rows.size()));
  PutLe32(&b, 0);
  PutLe32(&b, offset);
  PutLe32(&b, 40);
  PutLe32(&b, static_cast<std::uint32_t>(width));
  PutLe32(&b, static_cast<std::uint32_t>(height));
  PutLe16(&b, 1);
  PutLe16(&b, static_cast<std::uint32_t>(bits));
  PutLe32(&b, compression);
  PutLe32(&b, static_cast<std::uint32_t>(rows.size()));
  PutLe32(&b, pixels_per_metre);
  PutLe32(&b, pixels_per_metre);
  PutLe32(&b, compression == 3 ? 0 : static_cast<std::uint32_t>(palette_or_masks.size()));
  PutLe32(&b, 0);
  for (std::uint32_t entry : palette_or_masks) PutLe32(&b, entry);
  b.insert(b.end(), rows.begin(), rows.end());
  return b;
}

// Offset of the first JPEG frame header marker (SOF0-SOF2) in `jpeg`, 0 when absent.
inline std::size_t FrameHeaderOffset(const std::vector<std::uint8_t>& jpeg) {
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] >= 0xC0 && jpeg[i + 1] <= 0xC2) return i;
  }
  return 0;
}

// `jpeg` with an APP1/EXIF segment giving `orientation` inserted after SOI.
inline std::vector<std::uint8_t> WithExifOrientation(std::vector<std::uint8_t> jpeg, int orientation) {
  const std::vector<std::uint8_t> exif = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
                                          'I', 'I', 42, 0, 8, 0, 0, 0,  // TIFF header, IFD at 8
                                          1, 0,                           // one entry
                                          0x12, 0x01, 3, 0, 1, 0, 0, 0, static_cast<std::uint8_t>(orientation), 0, 0, 0,
                                          0, 0, 0, 0};                    // no next IFD
  jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());
  return jpeg;
}

}  // namespace abis::image::testing
