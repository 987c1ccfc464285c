#include "abis/image/image_header.h"

#include <gtest/gtest.h>

#include "test_images.h"

namespace abis::image {
namespace {

using testing::Bytes;
using testing::Encode;
using testing::Noise;

TEST(ImageHeaderTest, ReadsTheSizeOfEveryFormat) {
  const cv::Mat colour = Noise(64, 48, CV_8UC3);
  const cv::Mat grey = Noise(64, 48, CV_8UC1);
  const struct {
    const char* extension;
    const cv::Mat* image;
    ImageFormat format;
  } cases[] = {{".jpg", &colour, ImageFormat::kJpeg},  {".png", &colour, ImageFormat::kPng},
               {".tiff", &colour, ImageFormat::kTiff}, {".bmp", &colour, ImageFormat::kBmp},
               {".pgm", &grey, ImageFormat::kPnm},     {".ppm", &colour, ImageFormat::kPnm},
               {".webp", &colour, ImageFormat::kWebp}, {".jp2", &colour, ImageFormat::kJpeg2000}};
  for (const auto& c : cases) {
    const Result<ImageHeader> header = ReadImageHeader(Encode(*c.image, c.extension), c.extension);
    ASSERT_TRUE(header.ok()) << c.extension << ": " << header.status().ToString();
    EXPECT_EQ(header->format, c.format) << c.extension;
    EXPECT_EQ(header->width, 64) << c.extension;
    EXPECT_EQ(header->height, 48) << c.extension;
    EXPECT_EQ(header->exif_orientation, 1) << c.extension;
  }
}

TEST(ImageHeaderTest, ReadsJ2kCodestreamAndWsqFrameHeaders) {
  std::vector<std::uint8_t> j2k = {0xFF, 0x4F, 0xFF, 0x51};
  testing::PutBe16(&j2k, 41);  // Lsiz
  testing::PutBe16(&j2k, 0);   // Rsiz
  for (std::uint32_t value : {1000u, 800u, 10u, 20u, 1000u, 800u, 0u, 0u}) testing::PutBe32(&j2k, value);
  const Result<ImageHeader> codestream = ReadImageHeader(j2k, "raw.j2k");
  ASSERT_TRUE(codestream.ok()) << codestream.status().ToString();
  EXPECT_EQ(codestream->format, ImageFormat::kJpeg2000);
  EXPECT_EQ(codestream->width, 990);  // Xsiz - XOsiz
  EXPECT_EQ(codestream->height, 780);

  // SOI, a comment, then the frame header: Lf A B Y X ...
  const std::vector<std::uint8_t> wsq = {0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x05, 'a', 'b', 'c',
                                         0xFF, 0xA2, 0x00, 0x11, 0, 255, 0x01, 0x90, 0x01, 0xF4};
  const Result<ImageHeader> frame = ReadImageHeader(wsq, "print.wsq");
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->format, ImageFormat::kWsq);
  EXPECT_EQ(frame->width, 500);
  EXPECT_EQ(frame->height, 400);
}

TEST(ImageHeaderTest, ReadsResolutionAndExifOrientation) {
  const std::vector<int> dpi = {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, 1000, cv::IMWRITE_TIFF_YDPI, 1000};
  const Result<ImageHeader> tiff = ReadImageHeader(Encode(Noise(40, 30, CV_8UC1), ".tiff", dpi), "scan.tif");
  ASSERT_TRUE(tiff.ok()) << tiff.status().ToString();
  EXPECT_DOUBLE_EQ(tiff->resolution_ppi, 1000);

  const std::vector<std::uint8_t> rows(4 * 2, 0);
  const Result<ImageHeader> bmp =
      ReadImageHeader(testing::Bmp(4, 2, 8, 0, {0, 0xFFFFFF}, rows, /*pixels_per_metre=*/19685), "scan.bmp");
  ASSERT_TRUE(bmp.ok()) << bmp.status().ToString();
  EXPECT_NEAR(bmp->resolution_ppi, 500, 0.1);

  std::vector<std::uint8_t> png = Encode(Noise(40, 30, CV_8UC1), ".png");
  // A pHYs chunk (19685 pixels per metre in x and y, unit metre) after IHDR; the CRC is not read.
  std::vector<std::uint8_t> phys = {0, 0, 0, 9, 'p', 'H', 'Y', 's'};
  testing::PutBe32(&phys, 19685);
  testing::PutBe32(&phys, 19685);
  phys.insert(phys.end(), {1, 0, 0, 0, 0});
  png.insert(png.begin() + 33, phys.begin(), phys.end());
  const Result<ImageHeader> png_header = ReadImageHeader(png, "scan.png");
  ASSERT_TRUE(png_header.ok()) << png_header.status().ToString();
  EXPECT_NEAR(png_header->resolution_ppi, 500, 0.1);

  const Result<ImageHeader> jpeg =
      ReadImageHeader(testing::WithExifOrientation(Encode(Noise(40, 20, CV_8UC3), ".jpg"), 6), "rotated.jpg");
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  EXPECT_EQ(jpeg->exif_orientation, 6);
  EXPECT_EQ(jpeg->width, 40);  // the stored size: orientation is applied by the decoder
}

TEST(ImageHeaderTest, RefusesUnknownContentAndCutShortOrEmptyHeaders) {
  const Result<ImageHeader> text = ReadImageHeader(Bytes("Pictures of a person\n"), "notes.jpg");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(text.status().message().find("notes.jpg: not a supported image"), std::string::npos);

  const std::vector<std::uint8_t> jpeg = Encode(Noise(64, 64, CV_8UC3), ".jpg");
  const std::vector<std::uint8_t> zero_width_png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                                                    'I',  'H', 'D', 'R', 0,    0,    0,    0,    0, 0, 0, 9};
  const std::vector<std::pair<std::vector<std::uint8_t>, std::string>> broken = {
      {std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + 30), "JPEG"},
      {zero_width_png, "PNG"},
      {{'I', 'I', 42, 0, 0xFF, 0xFF, 0, 0}, "TIFF"},
      {{'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0}, "BMP"},
      {Bytes("P5 12\n"), "PNM"},
      {Bytes(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "WebP"},
      {{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', '\r', '\n', 0x87, '\n'}, "JPEG 2000"},
      {{0xFF, 0xA0, 0xFF, 0xA3, 0, 4, 0, 0}, "WSQ"},
  };
  for (const auto& [bytes, format] : broken) {
    const Result<ImageHeader> header = ReadImageHeader(bytes, "broken");
    ASSERT_FALSE(header.ok()) << format;
    EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument) << format;
    EXPECT_NE(header.status().message().find("broken: malformed " + format + " header"), std::string::npos)
        << header.status().message();
  }
}

// Every prefix of every format is read or refused, never read out of bounds (ASan in `make test`).
TEST(ImageHeaderTest, EveryPrefixIsReadOrRefusedCleanly) {
  for (const char* extension : {".jpg", ".png", ".tiff", ".bmp", ".ppm", ".webp", ".jp2"}) {
    const std::vector<std::uint8_t> bytes = Encode(Noise(67, 35, CV_8UC3), extension);  // JPEG 2000: 32+ a side
    const std::size_t end = std::min<std::size_t>(bytes.size(), 512);
    for (std::size_t length = 0; length <= end; ++length) {
      const Result<ImageHeader> header =
          ReadImageHeader(std::span<const std::uint8_t>(bytes.data(), length), extension);
      if (header.ok()) {
        EXPECT_EQ(header->width, 67) << extension << " cut at " << length;
        EXPECT_EQ(header->height, 35) << extension << " cut at " << length;
      }
    }
  }
}

}  // namespace
}  // namespace abis::image
