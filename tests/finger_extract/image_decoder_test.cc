#include <sys/resource.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "abis/core/paths.h"
#include "abis/finger_extract/image.h"
#include "test_files.h"

namespace abis::finger {
namespace {

std::vector<std::uint8_t> Encode(const cv::Mat& image, const std::string& extension, const std::vector<int>& params = {}) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params));
  return bytes;
}

cv::Mat Stripes(int width, int height) {
  cv::Mat image(height, width, CV_8UC1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(((x / 4) % 2) ? 200 : 40);
  }
  return image;
}

TEST(ImageDecoderTest, DecodesPngTiffBmpAndPgmToTheSamePixels) {
  cv::Mat source = Stripes(120, 90);
  for (const char* extension : {".png", ".tiff", ".bmp", ".pgm"}) {
    Result<GrayImage> decoded = DecodeFingerprintImage(Encode(source, extension), std::string("stripes") + extension);
    ASSERT_TRUE(decoded.ok()) << extension << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->width, 120);
    EXPECT_EQ(decoded->height, 90);
    EXPECT_TRUE(std::equal(decoded->pixels.begin(), decoded->pixels.end(), source.data)) << extension;
  }
}

TEST(ImageDecoderTest, ConvertsColourToGrey) {
  cv::Mat colour(80, 80, CV_8UC3, cv::Scalar(10, 20, 30));
  Result<GrayImage> decoded = DecodeFingerprintImage(Encode(colour, ".png"), "colour.png");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->pixels.size(), 80u * 80u);
}

TEST(ImageDecoderTest, RejectsTextFileEmptyInputAndTinyImage) {
  std::string text = "this is not an image, just a note\n";
  Result<GrayImage> decoded = DecodeFingerprintImage({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, "note.txt");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("note.txt"), std::string::npos);
  EXPECT_FALSE(DecodeFingerprintImage({}, "empty.png").ok());
  Result<GrayImage> tiny = DecodeFingerprintImage(Encode(cv::Mat(1, 1, CV_8UC1, cv::Scalar(0)), ".png"), "dot.png");
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("1x1"), std::string::npos) << tiny.status().message();
}

TEST(ImageDecoderTest, RejectsCorruptAndTruncatedTiff) {
  std::vector<std::uint8_t> tiff = Encode(Stripes(100, 100), ".tiff");
  std::vector<std::uint8_t> truncated(tiff.begin(), tiff.begin() + static_cast<std::ptrdiff_t>(tiff.size() / 2));
  EXPECT_FALSE(DecodeFingerprintImage(truncated, "half.tif").ok());
  std::vector<std::uint8_t> bad_directory = tiff;
  bad_directory[4] = bad_directory[5] = bad_directory[6] = bad_directory[7] = 0xFF;  // IFD offset past the end
  Result<GrayImage> decoded = DecodeFingerprintImage(bad_directory, "badifd.tif");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("badifd.tif"), std::string::npos);
  std::vector<std::uint8_t> header_only(tiff.begin(), tiff.begin() + 8);
  EXPECT_FALSE(DecodeFingerprintImage(header_only, "header.tif").ok());
}

TEST(ImageDecoderTest, RefusesAbsurdSizeFromThePngHeader) {
  std::vector<std::uint8_t> png = Encode(Stripes(100, 100), ".png");
  png[16] = 0x00; png[17] = 0x01; png[18] = 0x86; png[19] = 0xA0;  // width 100000
  Result<GrayImage> decoded = DecodeFingerprintImage(png, "wide.png");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("100000"), std::string::npos) << decoded.status().message();
}

TEST(ImageDecoderTest, ResamplesTo500PpiWhenTheTiffGivesItsResolution) {
  std::vector<int> params = {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, 1000, cv::IMWRITE_TIFF_YDPI, 1000};
  Result<GrayImage> decoded = DecodeFingerprintImage(Encode(Stripes(400, 300), ".tiff", params), "1000ppi.tif");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 200);
  EXPECT_EQ(decoded->height, 150);
  EXPECT_EQ(decoded->resolution_ppi, 500);
}

TEST(ImageDecoderTest, IgnoresScreenResolutionsThatAreNotScans) {
  std::vector<int> params = {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, 72, cv::IMWRITE_TIFF_YDPI, 72};
  Result<GrayImage> decoded = DecodeFingerprintImage(Encode(Stripes(200, 200), ".tiff", params), "72dpi.tif");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 200);
  EXPECT_EQ(decoded->resolution_ppi, 0);
}

// Peak resident memory of this process so far, in bytes (Linux reports kilobytes).
long PeakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024L;
}

// Offset of the first JPEG frame header (SOF0/SOF1/SOF2 marker) in `jpeg`.
std::size_t FrameHeaderOffset(const std::vector<std::uint8_t>& jpeg) {
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] >= 0xC0 && jpeg[i + 1] <= 0xC2) return i;
  }
  return 0;
}

// Issue 16 item 5: a small JPEG whose frame header claims 30000x30000 was decoded (about 900 MB
// of grey pixels, seconds of work) before its size was checked.
TEST(ImageDecoderTest, RefusesJpegClaiming30000By30000FromItsHeaderBeforeDecoding) {
  std::vector<std::uint8_t> jpeg = Encode(Stripes(256, 256), ".jpg");
  const std::size_t sof = FrameHeaderOffset(jpeg);
  ASSERT_GT(sof, 0u);
  jpeg[sof + 5] = jpeg[sof + 7] = 0x75;  // height and width 0x7530 = 30000
  jpeg[sof + 6] = jpeg[sof + 8] = 0x30;
  const long peak_before = PeakResidentBytes();
  Result<GrayImage> decoded = DecodeFingerprintImage(jpeg, "bomb.jpg");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find("30000x30000"), std::string::npos) << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("bomb.jpg"), std::string::npos) << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("refused before decoding"), std::string::npos);
  EXPECT_LT(PeakResidentBytes() - peak_before, 200L << 20) << "the decoder allocated the claimed size";
}

// Issue 16 item 12: a JPEG cut in half was decoded (the missing rows grey) and enrolled.
TEST(ImageDecoderTest, RefusesTruncatedJpeg) {
  std::vector<std::uint8_t> jpeg = Encode(Stripes(256, 256), ".jpg");
  ASSERT_TRUE(DecodeFingerprintImage(jpeg, "whole.jpg").ok());
  jpeg.resize(jpeg.size() / 2);
  Result<GrayImage> decoded = DecodeFingerprintImage(jpeg, "half.jpg");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("half.jpg"), std::string::npos) << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("truncated JPEG"), std::string::npos) << decoded.status().message();
}

TEST(ImageDecoderTest, RefusesJpegWithCorruptScanDataAndTruncatedPng) {
  std::vector<std::uint8_t> jpeg = Encode(Stripes(256, 256), ".jpg");
  for (std::size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 64; ++i) jpeg[i] = 0xFF;  // markers inside the scan
  EXPECT_FALSE(DecodeFingerprintImage(jpeg, "corrupt.jpg").ok());
  std::vector<std::uint8_t> png = Encode(Stripes(256, 256), ".png");
  png.resize(png.size() / 2);
  Result<GrayImage> decoded = DecodeFingerprintImage(png, "half.png");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("half.png"), std::string::npos) << decoded.status().message();
}

// Issue 16 item 13: libjpeg, libpng and OpenCV wrote their own lines on stderr, breaking the
// CLI's one-line error contract; their diagnostics must only reach the Status message.
TEST(ImageDecoderTest, CorruptImagesLeaveNothingOnStderr) {
  cv::Mat noise(200, 200, CV_8UC1);
  cv::randu(noise, 0, 255);
  std::vector<std::vector<std::uint8_t>> corrupt;
  for (const char* extension : {".jpg", ".png", ".tiff", ".bmp", ".pgm"}) {
    std::vector<std::uint8_t> bytes = Encode(noise, extension);
    std::vector<std::uint8_t> flipped = bytes;
    for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 200; ++i) flipped[i] ^= 0xFF;
    corrupt.push_back(flipped);
    bytes.resize(bytes.size() / 2);
    corrupt.push_back(bytes);
  }
  ::testing::internal::CaptureStderr();
  for (const auto& bytes : corrupt) (void)DecodeFingerprintImage(bytes, "corrupt");
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "");
}

TEST(ImageDecoderTest, DecodesWsqByContentWhateverTheName) {
  auto bytes = testing::ReadBytes(SharedDataDir() / "interop" / "wsq" / "libbiomeval_img.wsq");
  if (bytes.empty()) GTEST_SKIP() << "no WSQ sample under " << SharedDataDir();
  Result<GrayImage> decoded = DecodeFingerprintImage(bytes, "misnamed.png");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 256);
  EXPECT_EQ(decoded->resolution_ppi, 500);
}

}  // namespace
}  // namespace abis::finger
