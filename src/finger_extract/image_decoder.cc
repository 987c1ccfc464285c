// DecodeFingerprintImage: WSQ with our decoder, the rest with OpenCV after a header probe.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/finger/image.h"
#include "abis/finger/wsq.h"
#include "image_probe.h"

namespace abis::finger {
namespace {

constexpr std::uintmax_t kMaxImageFileBytes = 256ull * 1024 * 1024;

Status CheckSize(int width, int height, const std::string& source) {
  if (width < kMinFingerprintSide || height < kMinFingerprintSide || width > kMaxFingerprintSide ||
      height > kMaxFingerprintSide) {
    return Status::InvalidArgument(source + ": image size " + std::to_string(width) + "x" + std::to_string(height) +
                                   " outside the accepted " + std::to_string(kMinFingerprintSide) + "-" +
                                   std::to_string(kMaxFingerprintSide) + " pixels per side");
  }
  return Status::Ok();
}

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
  if (bytes.empty()) return Status::InvalidArgument(source_name + ": empty image");
  GrayImage image;
  if (LooksLikeWsq(bytes)) {
    ABIS_ASSIGN_OR_RETURN(image, DecodeWsq(bytes, source_name));
  } else {
    ABIS_ASSIGN_OR_RETURN(ImageHeader header, ProbeImageHeader(bytes, source_name));
    if (header.format != ImageFormat::kJpeg) ABIS_RETURN_IF_ERROR(CheckSize(header.width, header.height, source_name));
    cv::Mat decoded;
    try {
      cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data()));
      decoded = cv::imdecode(buffer, cv::IMREAD_GRAYSCALE);
    } catch (const cv::Exception& e) {
      return Status::InvalidArgument(source_name + ": image decoder failed: " + e.what());
    }
    if (decoded.empty()) return Status::InvalidArgument(source_name + ": image data corrupt or truncated");
    if (decoded.type() != CV_8UC1) return Status::InvalidArgument(source_name + ": not an 8-bit image");
    image.width = decoded.cols;
    image.height = decoded.rows;
    image.resolution_ppi = header.resolution_ppi;
    image.pixels.resize(decoded.total());
    for (int y = 0; y < decoded.rows; ++y) {
      std::memcpy(image.pixels.data() + static_cast<std::size_t>(y) * decoded.cols, decoded.ptr(y), decoded.cols);
    }
  }
  ABIS_RETURN_IF_ERROR(CheckSize(image.width, image.height, source_name));
  image.resolution_ppi = PlausibleResolution(image.resolution_ppi);
  return ResampleToStandardResolution(image);
}

Result<GrayImage> ReadFingerprintImage(const std::string& path) {
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
  return DecodeFingerprintImage(bytes, path);
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

}  // namespace abis::finger
