// Orientation field: per-pixel gradients, their structure tensor averaged as doubled-angle
// vectors (so opposite gradients reinforce instead of cancelling), ridge direction
// perpendicular to the dominant gradient.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr double kTensorSigma = 7.0;   // pixels: averaging window of the structure tensor
constexpr double kVectorSigma = 5.0;   // second smoothing of the doubled-angle unit vectors

}  // namespace

OrientationField EstimateOrientation(const cv::Mat& normalized, const cv::Mat& mask) {
  (void)mask;
  cv::Mat gx, gy;
  cv::Sobel(normalized, gx, CV_32F, 1, 0, 3);
  cv::Sobel(normalized, gy, CV_32F, 0, 1, 3);
  cv::Mat gxx = gx.mul(gx), gyy = gy.mul(gy), gxy = gx.mul(gy);
  cv::Mat doubled_x = gxx - gyy, doubled_y = 2 * gxy, energy = gxx + gyy;
  cv::GaussianBlur(doubled_x, doubled_x, {0, 0}, kTensorSigma);
  cv::GaussianBlur(doubled_y, doubled_y, {0, 0}, kTensorSigma);
  cv::GaussianBlur(energy, energy, {0, 0}, kTensorSigma);

  OrientationField field;
  field.coherence.create(normalized.size(), CV_32F);
  cv::Mat unit_x(normalized.size(), CV_32F), unit_y(normalized.size(), CV_32F);
  for (int y = 0; y < normalized.rows; ++y) {
    for (int x = 0; x < normalized.cols; ++x) {
      float vx = doubled_x.at<float>(y, x), vy = doubled_y.at<float>(y, x), e = energy.at<float>(y, x);
      float magnitude = std::sqrt(vx * vx + vy * vy);
      field.coherence.at<float>(y, x) = e > 1e-6f ? std::min(1.0f, magnitude / e) : 0.0f;
      unit_x.at<float>(y, x) = magnitude > 1e-9f ? vx / magnitude * field.coherence.at<float>(y, x) : 0.0f;
      unit_y.at<float>(y, x) = magnitude > 1e-9f ? vy / magnitude * field.coherence.at<float>(y, x) : 0.0f;
    }
  }
  cv::GaussianBlur(unit_x, unit_x, {0, 0}, kVectorSigma);
  cv::GaussianBlur(unit_y, unit_y, {0, 0}, kVectorSigma);
  field.angle.create(normalized.size(), CV_32F);
  for (int y = 0; y < normalized.rows; ++y) {
    for (int x = 0; x < normalized.cols; ++x) {
      // Gradient direction = half the doubled angle; ridges run perpendicular to it.
      double gradient = 0.5 * std::atan2(unit_y.at<float>(y, x), unit_x.at<float>(y, x));
      double ridge = gradient + M_PI / 2;
      if (ridge >= M_PI) ridge -= M_PI;
      if (ridge < 0) ridge += M_PI;
      field.angle.at<float>(y, x) = static_cast<float>(ridge);
    }
  }
  return field;
}

}  // namespace abis::finger::extractor
