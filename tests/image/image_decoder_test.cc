#include "abis/image_codec/image_decoder.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include "test_images.h"

namespace abis::image {
namespace {

using testing::Bytes;
using testing::Encode;
using testing::Noise;

constexpr ImageSizeLimits kLimits{};

Result<DecodedImage> Decode(const std::vector<std::uint8_t>& bytes, PixelLayout layout = PixelLayout::kStored,
                            const std::string& source = "test") {
  return DecodeImage(bytes, source, kLimits, layout);
}

// The pixels of a decoded image as an OpenCV matrix in OpenCV's channel order (BGR, BGRA).
cv::Mat AsBgr(const DecodedImage& image) {
  cv::Mat stored(image.height, image.width, CV_8UC(image.channels), const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  if (image.channels == 3) {
    cv::cvtColor(stored, bgr, cv::COLOR_RGB2BGR);
  } else if (image.channels == 4) {
    cv::cvtColor(stored, bgr, cv::COLOR_RGBA2BGRA);
  } else {
    bgr = stored.clone();
  }
  return bgr;
}

bool SamePixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

long PeakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024L;
}

TEST(DecodeImageTest, DecodesLosslessFormatsToTheSamePixels) {
  const cv::Mat grey = Noise(61, 47, CV_8UC1);
  const cv::Mat colour = Noise(61, 47, CV_8UC3);
  const cv::Mat alpha = Noise(61, 47, CV_8UC4);
  const std::vector<int> lossless_webp = {cv::IMWRITE_WEBP_QUALITY, 101};
  const struct {
    const char* extension;
    const cv::Mat* image;
    std::vector<int> params;
  } cases[] = {{".png", &grey, {}},   {".png", &colour, {}},  {".png", &alpha, {}},
               {".tiff", &grey, {}},  {".tiff", &colour, {}}, {".bmp", &grey, {}},
               {".bmp", &colour, {}}, {".pgm", &grey, {}},    {".ppm", &colour, {}},
               {".webp", &colour, lossless_webp}};
  for (const auto& c : cases) {
    const Result<DecodedImage> decoded = Decode(Encode(*c.image, c.extension, c.params));
    ASSERT_TRUE(decoded.ok()) << c.extension << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->channels, c.image->channels()) << c.extension;
    EXPECT_TRUE(SamePixels(AsBgr(*decoded), *c.image)) << c.extension << " with " << c.image->channels() << " channels";
  }
}

TEST(DecodeImageTest, DecodesJpegCloseToTheSourceAndGreyOnRequest) {
  cv::Mat colour(64, 64, CV_8UC3, cv::Scalar(30, 120, 210));  // BGR
  const std::vector<std::uint8_t> jpeg = Encode(colour, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  const Result<DecodedImage> decoded = Decode(jpeg);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->channels, 3);
  EXPECT_LE(cv::norm(AsBgr(*decoded), colour, cv::NORM_INF), 3);
  const Result<DecodedImage> grey = Decode(jpeg, PixelLayout::kGrey);
  ASSERT_TRUE(grey.ok()) << grey.status().ToString();
  EXPECT_EQ(grey->channels, 1);
  EXPECT_NEAR(grey->pixels[100], 0.299 * 210 + 0.587 * 120 + 0.114 * 30, 3);

  const Result<DecodedImage> png_grey = Decode(Encode(colour, ".png"), PixelLayout::kGrey);
  ASSERT_TRUE(png_grey.ok()) << png_grey.status().ToString();
  EXPECT_EQ(png_grey->pixels[100], 137);  // round(0.299*210 + 0.587*120 + 0.114*30) = 137
}

TEST(DecodeImageTest, ScalesSixteenBitSamplesToEightBits) {
  cv::Mat grey16(20, 20, CV_16UC1, cv::Scalar(65535));
  grey16.at<std::uint16_t>(0, 0) = 0;
  grey16.at<std::uint16_t>(0, 1) = 32896;  // 128 * 257
  for (const char* extension : {".png", ".pgm", ".tiff"}) {
    const Result<DecodedImage> decoded = Decode(Encode(grey16, extension));
    ASSERT_TRUE(decoded.ok()) << extension << ": " << decoded.status().ToString();
    ASSERT_EQ(decoded->channels, 1) << extension;
    EXPECT_EQ(decoded->pixels[0], 0) << extension;
    EXPECT_EQ(decoded->pixels[1], 128) << extension;
    EXPECT_EQ(decoded->pixels[2], 255) << extension;
  }
}

TEST(DecodeImageTest, DecodesPaletteAndBitmaskBmpsBothRowOrders) {
  // 1 bit per pixel, 3x2, black/white palette, bottom row first: bottom row 1 0 1, top row 0 1 0.
  const std::vector<std::uint8_t> one_bit = testing::Bmp(3, 2, 1, 0, {0x000000, 0xFFFFFF},
                                                         {0b10100000, 0, 0, 0, 0b01000000, 0, 0, 0});
  const Result<DecodedImage> bitmap = Decode(one_bit);
  ASSERT_TRUE(bitmap.ok()) << bitmap.status().ToString();
  ASSERT_EQ(bitmap->channels, 1);
  EXPECT_EQ(bitmap->pixels, (std::vector<std::uint8_t>{0, 255, 0, 255, 0, 255}));

  // 4 bits per pixel, colour palette, top-down (negative height): red green / blue red.
  const std::vector<std::uint8_t> four_bit = testing::Bmp(2, -2, 4, 0, {0x0000FF, 0x00FF00, 0xFF0000},
                                                          {0x21, 0, 0, 0, 0x02, 0, 0, 0});
  const Result<DecodedImage> colour = Decode(four_bit);
  ASSERT_TRUE(colour.ok()) << colour.status().ToString();
  ASSERT_EQ(colour->channels, 3);
  EXPECT_EQ(colour->pixels, (std::vector<std::uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0}));

  // 16 bits per pixel, 5-6-5 masks: one pure green pixel (row padded to 4 bytes).
  const std::vector<std::uint8_t> bitfields = testing::Bmp(1, 1, 16, 3, {0xF800, 0x07E0, 0x001F}, {0xE0, 0x07, 0, 0});
  const Result<DecodedImage> masked = Decode(bitfields);
  ASSERT_TRUE(masked.ok()) << masked.status().ToString();
  EXPECT_EQ(masked->pixels, (std::vector<std::uint8_t>{0, 255, 0}));
}

TEST(DecodeImageTest, RefusesBadBmps) {
  const std::vector<std::uint8_t> index_beyond = testing::Bmp(1, 1, 8, 0, {0, 0xFFFFFF}, {7, 0, 0, 0});
  const Result<DecodedImage> beyond = Decode(index_beyond, PixelLayout::kStored, "palette.bmp");
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.status().message().find("palette.bmp: corrupt or truncated BMP data: palette index 7"),
            std::string::npos)
      << beyond.status().message();
  const std::vector<std::uint8_t> rle = testing::Bmp(2, 2, 8, 1, {0, 0xFFFFFF}, {2, 1, 0, 1});
  EXPECT_EQ(Decode(rle).status().code(), StatusCode::kUnimplemented);
  std::vector<std::uint8_t> cut = Encode(Noise(64, 64, CV_8UC3), ".bmp");
  cut.resize(cut.size() - 1);
  const Result<DecodedImage> truncated = Decode(cut, PixelLayout::kStored, "cut.bmp");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("cut.bmp: corrupt or truncated BMP"), std::string::npos);
}

TEST(DecodeImageTest, DecodesAsciiAndBinaryNetpbm) {
  const Result<DecodedImage> p1 = Decode(Bytes("P1\n# a comment\n3 2\n010\n1 0 1\n"));
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->pixels, (std::vector<std::uint8_t>{255, 0, 255, 0, 255, 0}));
  const Result<DecodedImage> p2 = Decode(Bytes("P2 2 2 1000\n0 500\n1000 250\n"));
  ASSERT_TRUE(p2.ok()) << p2.status().ToString();
  EXPECT_EQ(p2->pixels, (std::vector<std::uint8_t>{0, 128, 255, 64}));
  const Result<DecodedImage> p3 = Decode(Bytes("P3 1 1 255 10 20 30"));
  ASSERT_TRUE(p3.ok()) << p3.status().ToString();
  EXPECT_EQ(p3->pixels, (std::vector<std::uint8_t>{10, 20, 30}));
  std::vector<std::uint8_t> p4 = Bytes("P4 10 1\n");
  p4.insert(p4.end(), {0b10000000, 0b01000000});
  const Result<DecodedImage> bitmap = Decode(p4);
  ASSERT_TRUE(bitmap.ok()) << bitmap.status().ToString();
  EXPECT_EQ(bitmap->pixels, (std::vector<std::uint8_t>{0, 255, 255, 255, 255, 255, 255, 255, 255, 0}));

  EXPECT_FALSE(Decode(Bytes("P2 2 1 100\n50 101\n")).ok());  // above the maximum value
  EXPECT_FALSE(Decode(Bytes("P2 2 2 255\n1 2 3\n")).ok());   // a sample missing
  std::vector<std::uint8_t> p5 = Encode(Noise(30, 30, CV_8UC1), ".pgm");
  p5.pop_back();
  const Result<DecodedImage> short_p5 = Decode(p5, PixelLayout::kStored, "short.pgm");
  ASSERT_FALSE(short_p5.ok());
  EXPECT_NE(short_p5.status().message().find("short.pgm: corrupt or truncated PNM data"), std::string::npos);
}

// Issue 16 item 12: truncated images were decoded with the missing part filled in.
TEST(DecodeImageTest, RefusesTruncatedImagesOfEveryFormat) {
  const cv::Mat image = Noise(96, 80, CV_8UC3);
  for (const char* extension : {".jpg", ".png", ".tiff", ".webp", ".bmp", ".ppm"}) {
    std::vector<std::uint8_t> bytes = Encode(image, extension);
    bytes.resize(bytes.size() * 2 / 3);
    const Result<DecodedImage> decoded = Decode(bytes, PixelLayout::kStored, std::string("cut") + extension);
    ASSERT_FALSE(decoded.ok()) << extension;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << extension;
    // TIFF writers put the image directory last: a cut TIFF has a malformed header instead.
    const std::string expected = std::string("cut") + extension +
                                 (std::string(extension) == ".tiff" ? ": malformed TIFF header" : ": corrupt or truncated");
    EXPECT_NE(decoded.status().message().find(expected), std::string::npos) << decoded.status().message();
  }
}

TEST(DecodeImageTest, RefusesJpegAndPngCutJustBeforeTheirEnd) {
  std::vector<std::uint8_t> jpeg = Encode(Noise(64, 64, CV_8UC1), ".jpg");
  jpeg.resize(jpeg.size() - 2);  // all rows, no EOI
  const Result<DecodedImage> no_eoi = Decode(jpeg);
  ASSERT_FALSE(no_eoi.ok());
  EXPECT_NE(no_eoi.status().message().find("truncated JPEG"), std::string::npos) << no_eoi.status().message();
  std::vector<std::uint8_t> png = Encode(Noise(64, 64, CV_8UC1), ".png");
  png.resize(png.size() - 12);  // all image data, no IEND
  EXPECT_FALSE(Decode(png).ok());
}

TEST(DecodeImageTest, RefusesCorruptJpegScanAndPngChecksum) {
  std::vector<std::uint8_t> jpeg = Encode(Noise(128, 128, CV_8UC1), ".jpg");
  for (std::size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 32; ++i) jpeg[i] = 0xFF;
  const Result<DecodedImage> scan = Decode(jpeg, PixelLayout::kStored, "scan.jpg");
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.status().message().find("scan.jpg: corrupt or truncated JPEG data: "), std::string::npos)
      << scan.status().message();
  std::vector<std::uint8_t> png = Encode(Noise(64, 64, CV_8UC1), ".png");
  png[png.size() / 2] ^= 0x01;  // inside IDAT: its CRC no longer matches
  const Result<DecodedImage> crc = Decode(png, PixelLayout::kStored, "crc.png");
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.status().message().find("crc.png: corrupt or truncated PNG data: "), std::string::npos)
      << crc.status().message();
}

// Issue 16 item 5: the size is refused from the header, before the decoder allocates.
TEST(DecodeImageTest, RefusesAJpegClaiming30000By30000WithoutAllocatingIt) {
  std::vector<std::uint8_t> jpeg = Encode(Noise(256, 256, CV_8UC1), ".jpg");
  const std::size_t sof = testing::FrameHeaderOffset(jpeg);
  ASSERT_GT(sof, 0u);
  jpeg[sof + 5] = jpeg[sof + 7] = 0x75;  // 0x7530 = 30000
  jpeg[sof + 6] = jpeg[sof + 8] = 0x30;
  const long peak_before = PeakResidentBytes();
  const Result<DecodedImage> decoded = Decode(jpeg, PixelLayout::kGrey, "bomb.jpg");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(decoded.status().message().find("bomb.jpg: JPEG header claims 30000x30000"), std::string::npos)
      << decoded.status().message();
  EXPECT_LT(PeakResidentBytes() - peak_before, 200L << 20);
}

TEST(DecodeImageTest, AppliesExifOrientation) {
  cv::Mat halves(16, 32, CV_8UC1, cv::Scalar(0));
  halves(cv::Rect(16, 0, 16, 16)).setTo(255);  // left half black, right half white
  const std::vector<std::uint8_t> jpeg = Encode(halves, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100});
  // The upright image's first pixel (top left) and last pixel (bottom right) for each orientation.
  const struct {
    int orientation, width, first, last;
  } cases[] = {{1, 32, 0, 255}, {2, 32, 255, 0}, {3, 32, 255, 0}, {4, 32, 0, 255},
               {5, 16, 0, 255}, {6, 16, 0, 255}, {7, 16, 255, 0}, {8, 16, 255, 0}};
  for (const auto& c : cases) {
    const Result<DecodedImage> decoded = Decode(testing::WithExifOrientation(jpeg, c.orientation), PixelLayout::kGrey);
    ASSERT_TRUE(decoded.ok()) << c.orientation << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->width, c.width) << c.orientation;
    EXPECT_EQ(decoded->height, 48 - c.width) << c.orientation;
    EXPECT_NEAR(decoded->pixels.front(), c.first, 8) << c.orientation;
    EXPECT_NEAR(decoded->pixels.back(), c.last, 8) << c.orientation;
  }
}

TEST(DecodeImageTest, LeavesJpeg2000AndWsqToTheirOwnDecoders) {
  const Result<DecodedImage> jp2 = Decode(Encode(Noise(32, 32, CV_8UC1), ".jp2"));
  EXPECT_EQ(jp2.status().code(), StatusCode::kUnimplemented);
  const std::vector<std::uint8_t> wsq = {0xFF, 0xA0, 0xFF, 0xA2, 0x00, 0x11, 0, 255, 0x01, 0x90, 0x01, 0xF4};
  EXPECT_EQ(Decode(wsq).status().code(), StatusCode::kUnimplemented);
}

// Issue 16 item 13: libjpeg, libpng, libtiff (and OpenCV) printed lines on stderr.
TEST(DecodeImageTest, CorruptImagesLeaveNothingOnStderr) {
  std::vector<std::vector<std::uint8_t>> corrupt;
  for (const char* extension : {".jpg", ".png", ".tiff", ".webp", ".bmp", ".pgm", ".ppm"}) {
    const cv::Mat image = Noise(120, 100, std::string(extension) == ".pgm" ? CV_8UC1 : CV_8UC3);
    std::vector<std::uint8_t> bytes = Encode(image, extension);
    for (const std::size_t at : {bytes.size() / 4, bytes.size() / 2}) {
      std::vector<std::uint8_t> flipped = bytes;
      for (std::size_t i = at; i < std::min(bytes.size(), at + 100); ++i) flipped[i] ^= 0x5A;
      corrupt.push_back(flipped);
    }
    bytes.resize(bytes.size() / 2);
    corrupt.push_back(bytes);
  }
  ::testing::internal::CaptureStderr();
  for (const auto& bytes : corrupt) {
    (void)Decode(bytes, PixelLayout::kStored);
    (void)Decode(bytes, PixelLayout::kGrey);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

// Every prefix of every format decodes or is refused, never read out of bounds (ASan in `make test`).
TEST(DecodeImageTest, EveryPrefixDecodesOrIsRefusedCleanly) {
  for (const char* extension : {".jpg", ".png", ".tiff", ".webp", ".bmp", ".ppm"}) {
    const std::vector<std::uint8_t> bytes = Encode(Noise(23, 19, CV_8UC3), extension);
    for (std::size_t length = 0; length < bytes.size(); length += 1 + length / 16) {
      const Result<DecodedImage> decoded =
          DecodeImage(std::span<const std::uint8_t>(bytes.data(), length), extension, kLimits, PixelLayout::kStored);
      EXPECT_FALSE(decoded.ok() && length < bytes.size() / 2) << extension << " cut at " << length;
    }
  }
}

}  // namespace
}  // namespace abis::image
