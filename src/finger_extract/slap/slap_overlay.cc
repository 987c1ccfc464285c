// WriteSlapOverlayPng: the segmentation drawn on the slap for an examiner.
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/finger_extract/slap_segmentation.h"

namespace abis::finger {

Status WriteSlapOverlayPng(const GrayImage& image, const SlapSegmentation& segmentation, const std::string& path) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
    return Status::InvalidArgument(path + ": the slap image is empty or inconsistent");
  }
  const cv::Mat gray(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat canvas;
  cv::cvtColor(gray, canvas, cv::COLOR_GRAY2BGR);
  for (const SlapSegment& segment : segmentation.segments) {
    const cv::Scalar colour = segment.quality_problem.empty() ? cv::Scalar(0, 170, 0) : cv::Scalar(0, 0, 220);
    const auto corners = segment.box.Corners();
    std::vector<cv::Point> polygon;
    for (const auto& corner : corners) {
      polygon.emplace_back(static_cast<int>(std::lround(corner[0])), static_cast<int>(std::lround(corner[1])));
    }
    cv::polylines(canvas, polygon, true, colour, 4);
    std::string label = std::to_string(segment.position);
    if (segment.quality >= 0) label += " q" + std::to_string(segment.quality);
    cv::putText(canvas, label, polygon[0] + cv::Point(6, 40), cv::FONT_HERSHEY_SIMPLEX, 1.3, colour, 3);
  }
  std::string missing;
  for (int position : segmentation.missing_positions) missing += " " + std::to_string(position);
  if (!missing.empty()) {
    cv::putText(canvas, "missing:" + missing, cv::Point(20, canvas.rows - 30), cv::FONT_HERSHEY_SIMPLEX, 1.3,
                cv::Scalar(0, 0, 220), 3);
  }
  try {
    if (!cv::imwrite(path, canvas)) return Status::IoError(path + ": cannot write PNG");
  } catch (const cv::Exception& error) {
    return Status::IoError(path + ": cannot write PNG: " + error.what());
  }
  return Status::Ok();
}

}  // namespace abis::finger
