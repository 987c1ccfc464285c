// Ridge wavelength per block from the oriented x-signature: grey levels averaged along the
// ridges and sampled across them; the distance between the signature's peaks is the local
// ridge period (Hong, Wan & Jain, IEEE PAMI 20(8), 1998).
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kSignatureLength = 40;  // samples across the ridges
constexpr int kSignatureWidth = 16;   // samples along the ridges, averaged

// The period of `signature` from its peaks, or 0 when there is no clear periodic pattern.
double PeriodOfSignature(const std::vector<float>& signature) {
  std::vector<float> smooth(signature.size());
  for (std::size_t i = 0; i < signature.size(); ++i) {
    float left = signature[i > 0 ? i - 1 : i], right = signature[i + 1 < signature.size() ? i + 1 : i];
    smooth[i] = 0.25f * left + 0.5f * signature[i] + 0.25f * right;
  }
  auto [low, high] = std::minmax_element(smooth.begin(), smooth.end());
  if (*high - *low < 0.3f) return 0;  // contrast in units of the normalised grey level
  std::vector<int> peaks;
  for (std::size_t i = 1; i + 1 < smooth.size(); ++i) {
    if (smooth[i] > smooth[i - 1] && smooth[i] >= smooth[i + 1]) peaks.push_back(static_cast<int>(i));
  }
  if (peaks.size() < 2) return 0;
  return static_cast<double>(peaks.back() - peaks.front()) / static_cast<double>(peaks.size() - 1);
}

}  // namespace

cv::Mat EstimateRidgeWavelength(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& mask) {
  const int blocks_x = (normalized.cols + kBlockSize - 1) / kBlockSize;
  const int blocks_y = (normalized.rows + kBlockSize - 1) / kBlockSize;
  cv::Mat wavelength(blocks_y, blocks_x, CV_32F, cv::Scalar(0));
  cv::Mat weight(blocks_y, blocks_x, CV_32F, cv::Scalar(0));
  std::vector<float> signature(kSignatureLength);
  for (int by = 0; by < blocks_y; ++by) {
    for (int bx = 0; bx < blocks_x; ++bx) {
      int cx = std::min(bx * kBlockSize + kBlockSize / 2, normalized.cols - 1);
      int cy = std::min(by * kBlockSize + kBlockSize / 2, normalized.rows - 1);
      if (mask.at<std::uint8_t>(cy, cx) == 0) continue;
      double ridge = orientation.angle.at<float>(cy, cx);
      double along_x = std::cos(ridge), along_y = std::sin(ridge);
      double across_x = -along_y, across_y = along_x;
      bool inside = true;
      for (int k = 0; k < kSignatureLength && inside; ++k) {
        double sum = 0;
        for (int w = 0; w < kSignatureWidth; ++w) {
          double u = k - kSignatureLength / 2.0, v = w - kSignatureWidth / 2.0;
          int x = static_cast<int>(std::lround(cx + u * across_x + v * along_x));
          int y = static_cast<int>(std::lround(cy + u * across_y + v * along_y));
          if (x < 0 || y < 0 || x >= normalized.cols || y >= normalized.rows) {
            inside = false;
            break;
          }
          sum += normalized.at<float>(y, x);
        }
        signature[k] = static_cast<float>(sum / kSignatureWidth);
      }
      if (!inside) continue;
      double period = PeriodOfSignature(signature);
      if (period >= kMinWavelength && period <= kMaxWavelength) {
        wavelength.at<float>(by, bx) = static_cast<float>(period);
        weight.at<float>(by, bx) = 1;
      }
    }
  }
  // Normalised convolution fills blocks without a valid period from their neighbours, and
  // smooths the valid ones.
  double valid = cv::sum(weight)[0];
  double fallback = valid > 0 ? cv::sum(wavelength)[0] / valid : kDefaultWavelength;
  cv::Mat smoothed_values, smoothed_weights;
  cv::GaussianBlur(wavelength, smoothed_values, {0, 0}, 1.5);
  cv::GaussianBlur(weight, smoothed_weights, {0, 0}, 1.5);
  for (int by = 0; by < blocks_y; ++by) {
    for (int bx = 0; bx < blocks_x; ++bx) {
      float w = smoothed_weights.at<float>(by, bx);
      wavelength.at<float>(by, bx) =
          w > 0.05f ? smoothed_values.at<float>(by, bx) / w : static_cast<float>(fallback);
    }
  }
  return wavelength;
}

}  // namespace abis::finger::extractor
