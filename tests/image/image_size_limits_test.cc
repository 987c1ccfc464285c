#include "abis/image/image_size_limits.h"

#include <gtest/gtest.h>

namespace abis::image {
namespace {

constexpr ImageSizeLimits kLimits{.min_side = 64, .max_side = 1000, .max_pixels = 500'000};

ImageHeader Header(std::int64_t width, std::int64_t height) { return ImageHeader{ImageFormat::kJpeg, width, height}; }

TEST(ImageSizeLimitsTest, AcceptsSizesWithinTheLimits) {
  EXPECT_TRUE(CheckImageSize(Header(64, 64), kLimits, "a").ok());
  EXPECT_TRUE(CheckImageSize(Header(1000, 500), kLimits, "a").ok());  // exactly max_pixels
}

TEST(ImageSizeLimitsTest, RefusesSidesAndPixelCountsBeyondTheLimitsAsResourceExhausted) {
  for (const ImageHeader& header : {Header(1001, 100), Header(100, 1001), Header(1000, 501)}) {
    const Status status = CheckImageSize(header, kLimits, "bomb.jpg");
    EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();
    EXPECT_NE(status.message().find("bomb.jpg: JPEG header claims " + std::to_string(header.width) + "x" +
                                    std::to_string(header.height)),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("refused before decoding"), std::string::npos);
  }
}

TEST(ImageSizeLimitsTest, RefusesSidesBelowTheMinimumAsInvalidArgument) {
  const Status status = CheckImageSize(Header(63, 500), kLimits, "dot.png");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("dot.png: image is 63x500 pixels"), std::string::npos) << status.message();
}

TEST(ImageSizeLimitsTest, HugeClaimsDoNotOverflow) {
  // JPEG 2000 sizes are 32-bit: their product would overflow if it were computed first.
  const Status status = CheckImageSize(Header(4'000'000'000, 4'000'000'000), ImageSizeLimits{}, "huge.jp2");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace abis::image
