// The extractor's "transparency" images: one PNG per stage for a person to inspect.
#include <cmath>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {

Status WriteDebugImage(const std::string& dir, const std::string& name, const cv::Mat& image) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IoError(dir + ": cannot create debug directory: " + error.message());
  std::string path = (std::filesystem::path(dir) / (name + ".png")).string();
  cv::Mat out = image;
  if (image.depth() != CV_8U) cv::normalize(image, out, 0, 255, cv::NORM_MINMAX, CV_8U);
  try {
    if (!cv::imwrite(path, out)) return Status::IoError(path + ": cannot write");
  } catch (const cv::Exception& e) {
    return Status::IoError(path + ": cannot write: " + e.what());
  }
  return Status::Ok();
}

cv::Mat DrawOrientation(const cv::Mat& gray, const OrientationField& orientation, const cv::Mat& mask) {
  cv::Mat canvas;
  cv::cvtColor(gray, canvas, cv::COLOR_GRAY2BGR);
  for (int y = kBlockSize / 2; y < gray.rows; y += kBlockSize) {
    for (int x = kBlockSize / 2; x < gray.cols; x += kBlockSize) {
      if (mask.at<std::uint8_t>(y, x) == 0) continue;
      double a = orientation.angle.at<float>(y, x);
      double half = kBlockSize * 0.45 * (0.3 + 0.7 * orientation.coherence.at<float>(y, x));
      cv::Point2d d(std::cos(a) * half, std::sin(a) * half);
      cv::line(canvas, cv::Point2d(x, y) - d, cv::Point2d(x, y) + d, cv::Scalar(0, 0, 255), 1, cv::LINE_AA);
    }
  }
  return canvas;
}

cv::Mat DrawOrientationMap(const cv::Mat& gray, const RidgeOrientationMap& map) {
  cv::Mat canvas;
  cv::cvtColor(gray, canvas, cv::COLOR_GRAY2BGR);
  for (int row = 0; row < map.rows; ++row) {
    for (int column = 0; column < map.columns; ++column) {
      const std::uint8_t cell = map.cells[static_cast<std::size_t>(row) * map.columns + column];
      const cv::Point2d centre((column + 0.5) * map.block_size, (row + 0.5) * map.block_size);
      if (cell == RidgeOrientationMap::kNoDirection) {
        cv::circle(canvas, centre, 1, cv::Scalar(160, 160, 160), cv::FILLED);
        continue;
      }
      const double angle = cell * CV_PI / 180;  // image convention: y down
      const cv::Point2d half(std::cos(angle) * map.block_size * 0.45, std::sin(angle) * map.block_size * 0.45);
      cv::line(canvas, centre - half, centre + half, cv::Scalar(0, 160, 0), 2, cv::LINE_AA);
    }
  }
  return canvas;
}

cv::Mat DrawCandidates(const cv::Mat& gray, const std::vector<Candidate>& candidates) {
  cv::Mat canvas;
  cv::cvtColor(gray, canvas, cv::COLOR_GRAY2BGR);
  for (const Candidate& c : candidates) {
    cv::Scalar colour = c.removed ? cv::Scalar(160, 160, 160)
                                  : (c.type == MinutiaType::kEnding ? cv::Scalar(0, 0, 255) : cv::Scalar(255, 128, 0));
    cv::circle(canvas, {c.x, c.y}, 4, colour, 1, cv::LINE_AA);
    cv::Point2d tip(c.x + 9 * std::cos(c.angle), c.y - 9 * std::sin(c.angle));
    cv::line(canvas, {c.x, c.y}, tip, colour, 1, cv::LINE_AA);
  }
  return canvas;
}

}  // namespace abis::finger::extractor
