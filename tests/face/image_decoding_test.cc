#include "abis/face/image_decoding.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "abis/image/image_header.h"

namespace abis::face {
namespace {

using image::ImageHeader;
using image::ReadImageHeader;

std::vector<std::uint8_t> Encode(const cv::Mat& image, const std::string& extension) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes));
  return bytes;
}

cv::Mat Gradient(int width, int height, int type) {
  cv::Mat image(height, width, type);
  cv::randu(image, 0, type == CV_16UC3 ? 65535 : 255);
  return image;
}

TEST(ImageDecodingTest, ReadsDimensionsFromEveryFormatHeader) {
  const cv::Mat image = Gradient(64, 48, CV_8UC3);
  for (const std::string extension : {".jpg", ".png", ".webp", ".bmp", ".tiff", ".ppm"}) {
    const auto bytes = Encode(image, extension);
    const Result<ImageHeader> header = ReadImageHeader(bytes, extension);
    ASSERT_TRUE(header.ok()) << extension << ": " << header.status().ToString();
    EXPECT_EQ(header->width, 64) << extension;
    EXPECT_EQ(header->height, 48) << extension;
  }
}

TEST(ImageDecodingTest, DecodesByContentNotByName) {
  const auto webp = Encode(Gradient(40, 30, CV_8UC3), ".webp");
  const Result<cv::Mat> decoded = DecodeFaceImage(webp, "photo.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->cols, 40);
  EXPECT_EQ(decoded->type(), CV_8UC3);
}

TEST(ImageDecodingTest, AcceptsSixteenBitGreyAndAlpha) {
  cv::Mat grey16(32, 32, CV_16UC1, cv::Scalar(65535));
  const Result<cv::Mat> grey = DecodeFaceImage(Encode(grey16, ".png"), "grey16.png");
  ASSERT_TRUE(grey.ok()) << grey.status().ToString();
  EXPECT_EQ(grey->type(), CV_8UC3);
  EXPECT_EQ(grey->at<cv::Vec3b>(0, 0)[0], 255);

  cv::Mat rgba(32, 32, CV_8UC4, cv::Scalar(0, 0, 255, 0));  // fully transparent red
  const Result<cv::Mat> composited = DecodeFaceImage(Encode(rgba, ".png"), "alpha.png");
  ASSERT_TRUE(composited.ok()) << composited.status().ToString();
  const cv::Vec3b pixel = composited->at<cv::Vec3b>(5, 5);
  EXPECT_NEAR(pixel[2], 128, 1);  // transparent -> mid-grey background, not red
}

TEST(ImageDecodingTest, AppliesExifOrientation) {
  // A 40x20 JPEG carrying an APP1/EXIF block with orientation 6 (rotate 90 degrees clockwise).
  auto jpeg = Encode(Gradient(40, 20, CV_8UC3), ".jpg");
  const std::vector<std::uint8_t> exif = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
                                          'I', 'I', 42, 0, 8, 0, 0, 0,  // TIFF header, IFD at 8
                                          1, 0,                           // one entry
                                          0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,  // orientation = 6
                                          0, 0, 0, 0};                    // no next IFD
  jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());
  const Result<ImageHeader> header = ReadImageHeader(jpeg, "rotated.jpg");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->exif_orientation, 6);
  const Result<cv::Mat> decoded = DecodeFaceImage(jpeg, "rotated.jpg");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->cols, 20);
  EXPECT_EQ(decoded->rows, 40);
}

TEST(ImageDecodingTest, RefusesHeaderClaimingHugeSizeBeforeDecoding) {
  // A PNG whose IHDR claims 30000x30000 followed by no real image data.
  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                   0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0, 0, 0, 0, 0};
  const Result<cv::Mat> decoded = DecodeFaceImage(png, "huge.png");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(decoded.status().message().find("30000x30000"), std::string::npos) << decoded.status().message();
}

TEST(ImageDecodingTest, RejectsCorruptJpegTinyImageAndText) {
  auto jpeg = Encode(Gradient(64, 64, CV_8UC3), ".jpg");
  ASSERT_TRUE(DecodeFaceImage(jpeg, "whole.jpg").ok());
  jpeg.resize(jpeg.size() * 2 / 3);  // header intact, scan data cut off
  const Result<cv::Mat> truncated = DecodeFaceImage(jpeg, "truncated.jpg");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("truncated JPEG"), std::string::npos) << truncated.status().message();

  auto no_frame = Encode(Gradient(64, 64, CV_8UC3), ".jpg");
  no_frame.resize(40);
  const Result<cv::Mat> broken = DecodeFaceImage(no_frame, "broken.jpg");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broken.status().message().find("broken.jpg"), std::string::npos);

  const Result<cv::Mat> tiny = DecodeFaceImage(Encode(cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)), ".png"), "1x1.png");
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("1x1"), std::string::npos) << tiny.status().message();

  const std::string text = "this is not an image\n";
  const Result<cv::Mat> not_image =
      DecodeFaceImage(std::vector<std::uint8_t>(text.begin(), text.end()), "notes.jpg");
  ASSERT_FALSE(not_image.ok());
  EXPECT_NE(not_image.status().message().find("not a supported image"), std::string::npos);
}

// Issue 16 item 12: the fingerprint path and the face path share one strict decoder; corrupt scan
// data (markers where entropy-coded data should be) is refused, not painted over.
TEST(ImageDecodingTest, RejectsJpegWithCorruptScanData) {
  auto jpeg = Encode(Gradient(128, 128, CV_8UC3), ".jpg");
  for (std::size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 64; ++i) jpeg[i] = 0xFF;
  const Result<cv::Mat> decoded = DecodeFaceImage(jpeg, "corrupt.jpg");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("corrupt.jpg"), std::string::npos) << decoded.status().message();
}

// Issue 16 item 13: the image libraries' own diagnostics never reach stderr; they become the
// Status message.
TEST(ImageDecodingTest, CorruptImagesLeaveNothingOnStderr) {
  std::vector<std::vector<std::uint8_t>> corrupt;
  for (const std::string extension : {".jpg", ".png", ".webp", ".bmp", ".tiff", ".ppm"}) {
    std::vector<std::uint8_t> bytes = Encode(Gradient(120, 100, CV_8UC3), extension);
    std::vector<std::uint8_t> flipped = bytes;
    for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 200; ++i) flipped[i] ^= 0xFF;
    corrupt.push_back(flipped);
    bytes.resize(bytes.size() / 2);
    corrupt.push_back(bytes);
  }
  testing::internal::CaptureStderr();
  for (const auto& bytes : corrupt) (void)DecodeFaceImage(bytes, "corrupt");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace abis::face
