#include "abis/face/alignment.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace abis::face {

FivePoints FivePointsFromLandmarks68(const std::array<cv::Point2f, 68>& landmarks) {
  auto mean = [&](int first, int last) {
    cv::Point2f sum(0, 0);
    for (int i = first; i <= last; ++i) sum += landmarks[i];
    return sum * (1.0f / static_cast<float>(last - first + 1));
  };
  return {mean(36, 41), mean(42, 47), landmarks[30], landmarks[48], landmarks[54]};
}

Result<cv::Mat> EstimateSimilarityTransform(const FivePoints& from, const FivePoints& to) {
  // Closed-form least squares for x' = a*x - b*y + tx, y' = b*x + a*y + ty (Umeyama 1991,
  // 2-D case without reflection).
  cv::Point2d mean_from(0, 0);
  cv::Point2d mean_to(0, 0);
  for (std::size_t i = 0; i < from.size(); ++i) {
    mean_from += cv::Point2d(from[i]);
    mean_to += cv::Point2d(to[i]);
  }
  mean_from *= 1.0 / from.size();
  mean_to *= 1.0 / to.size();
  double dot = 0.0;
  double cross = 0.0;
  double spread = 0.0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const cv::Point2d p = cv::Point2d(from[i]) - mean_from;
    const cv::Point2d q = cv::Point2d(to[i]) - mean_to;
    dot += p.x * q.x + p.y * q.y;
    cross += p.x * q.y - p.y * q.x;
    spread += p.x * p.x + p.y * p.y;
  }
  if (!(spread > 1e-9)) return Status::InvalidArgument("alignment points are degenerate (all coincide)");
  const double a = dot / spread;
  const double b = cross / spread;
  cv::Mat transform = (cv::Mat_<double>(2, 3) << a, -b, mean_to.x - (a * mean_from.x - b * mean_from.y),
                       b, a, mean_to.y - (b * mean_from.x + a * mean_from.y));
  return transform;
}

Result<cv::Mat> AlignFace(const cv::Mat& bgr, const FivePoints& points, const FivePoints& reference,
                          int width, int height) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return Status::InvalidArgument("alignment needs an 8-bit BGR image");
  if (width <= 0 || height <= 0) return Status::InvalidArgument("alignment output size must be positive");
  ABIS_ASSIGN_OR_RETURN(const cv::Mat transform, EstimateSimilarityTransform(points, reference));
  cv::Mat aligned;
  cv::warpAffine(bgr, aligned, transform, cv::Size(width, height), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(0, 0, 0));
  return aligned;
}

}  // namespace abis::face
