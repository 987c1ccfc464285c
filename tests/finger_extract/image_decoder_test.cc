#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "abis/core/paths.h"
#include "abis/finger/image.h"
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
