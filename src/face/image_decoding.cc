#include "abis/face/image_decoding.h"

#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/image_codec/image_decoder.h"

namespace abis::face {
namespace {

// RGBA composited over mid-grey, so transparent regions neither vanish nor become black edges.
cv::Mat CompositeOverGrey(const cv::Mat& rgba) {
  cv::Mat float_image;
  rgba.convertTo(float_image, CV_32F, 1.0 / 255.0);
  std::vector<cv::Mat> planes;
  cv::split(float_image, planes);
  std::vector<cv::Mat> colour(3);
  for (int c = 0; c < 3; ++c) colour[2 - c] = planes[c].mul(planes[3]) + (1.0 - planes[3]) * 0.5;  // RGB -> BGR
  cv::Mat composite;
  cv::merge(colour, composite);
  cv::Mat bgr;
  composite.convertTo(bgr, CV_8U, 255.0);
  return bgr;
}

}  // namespace

Result<cv::Mat> DecodeFaceImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                const ImageLimits& limits) {
  ABIS_ASSIGN_OR_RETURN(image::DecodedImage decoded,
                        image::DecodeImage(bytes, source, limits, image::PixelLayout::kStored));
  const cv::Mat stored(decoded.height, decoded.width, CV_8UC(decoded.channels), decoded.pixels.data());
  cv::Mat bgr;
  switch (decoded.channels) {
    case 1: cv::cvtColor(stored, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: cv::cvtColor(stored, bgr, cv::COLOR_RGB2BGR); break;
    case 4: bgr = CompositeOverGrey(stored); break;
    default:
      return Status::Internal(std::string(source) + ": decoder gave " + std::to_string(decoded.channels) +
                              " channels");
  }
  return bgr;
}

}  // namespace abis::face
