// DecodeFingerprintImage: the header read and its size checked first (abis_image), then WSQ with
// our decoder and every other format with the shared strict decoder (abis_image_codec).
#include <cmath>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/finger_extract/image.h"
#include "abis/finger_extract/wsq.h"
#include "abis/image_codec/image_decoder.h"

namespace abis::finger {
namespace {

constexpr std::uintmax_t kMaxImageFileBytes = 256ull * 1024 * 1024;

constexpr image::ImageSizeLimits kFingerprintImageLimits{
    .min_side = kMinFingerprintSide, .max_side = kMaxFingerprintSide, .max_pixels = kMaxFingerprintPixels};

double PlausibleResolution(double ppi) {
  return (ppi >= kMinPlausiblePpi && ppi <= kMaxPlausiblePpi) ? ppi : 0.0;
}

}  // namespace

GrayImage ResampleToStandardResolution(const GrayImage& image) {
  if (image.resolution_ppi <= 0 || std::abs(image.resolution_ppi / kStandardResolutionPpi - 1.0) <= 0.01) {
    return image;
  }
  double scale = kStandardResolutionPpi / image.resolution_ppi;
  cv::Mat source(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat resized;
  cv::Size size(std::max(1, static_cast<int>(std::lround(image.width * scale))),
                std::max(1, static_cast<int>(std::lround(image.height * scale))));
  cv::resize(source, resized, size, 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_CUBIC);
  GrayImage result;
  result.width = resized.cols;
  result.height = resized.rows;
  result.resolution_ppi = kStandardResolutionPpi;
  result.pixels.assign(resized.data, resized.data + resized.total());
  return result;
}

Result<GrayImage> DecodeFingerprintImage(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  ABIS_ASSIGN_OR_RETURN(GrayImage gray, DecodeFingerprintImageAsStored(bytes, source_name));
  return ResampleToStandardResolution(gray);
}

Result<GrayImage> DecodeFingerprintImageAsStored(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  if (bytes.empty()) return Status::InvalidArgument(source_name + ": empty image");
  ABIS_ASSIGN_OR_RETURN(const image::ImageHeader header, image::ReadImageHeader(bytes, source_name));
  ABIS_RETURN_IF_ERROR(image::CheckImageSize(header, kFingerprintImageLimits, source_name));
  GrayImage gray;
  if (header.format == image::ImageFormat::kWsq) {
    ABIS_ASSIGN_OR_RETURN(gray, DecodeWsq(bytes, source_name));
  } else {
    ABIS_ASSIGN_OR_RETURN(image::DecodedImage decoded,
                          image::DecodeImage(bytes, source_name, kFingerprintImageLimits, image::PixelLayout::kGrey));
    gray.width = decoded.width;
    gray.height = decoded.height;
    gray.resolution_ppi = header.resolution_ppi;
    gray.pixels = std::move(decoded.pixels);
  }
  gray.resolution_ppi = PlausibleResolution(gray.resolution_ppi);
  return gray;
}

Result<GrayImage> ReadFingerprintImage(const std::string& path) {
  ABIS_ASSIGN_OR_RETURN(GrayImage gray, ReadFingerprintImageAsStored(path));
  return ResampleToStandardResolution(gray);
}

Result<GrayImage> ReadFingerprintImageAsStored(const std::string& path) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError(path + ": cannot read: " + error.message());
  if (size > kMaxImageFileBytes) return Status::InvalidArgument(path + ": file of " + std::to_string(size) + " bytes is too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open");
  std::vector<std::uint8_t> bytes(size);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Status::IoError(path + ": read failed");
  }
  return DecodeFingerprintImageAsStored(bytes, path);
}

Status WritePng(const GrayImage& image, const std::string& path) {
  cv::Mat mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
  try {
    if (!cv::imwrite(path, mat)) return Status::IoError(path + ": cannot write PNG");
  } catch (const cv::Exception& e) {
    return Status::IoError(path + ": cannot write PNG: " + e.what());
  }
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> EncodePng(const GrayImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
    return Status::InvalidArgument("PNG encoding: the image is empty or inconsistent");
  }
  cv::Mat mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
  std::vector<std::uint8_t> bytes;
  try {
    if (!cv::imencode(".png", mat, bytes)) return Status::Internal("PNG encoding failed");
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("PNG encoding failed: ") + e.what());
  }
  return bytes;
}

}  // namespace abis::finger
