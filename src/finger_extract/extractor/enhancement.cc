// Contextual enhancement: every pixel is filtered with the even-symmetric Gabor kernel tuned to
// its ridge orientation and wavelength (Hong, Wan & Jain 1998). Kernels come from a bank of 16
// orientations x integer wavelengths, built only for the combinations that occur.
#include <array>
#include <cmath>
#include <map>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kOrientationBins = 16;
constexpr double kSigmaAcrossPerWavelength = 0.42;  // Gaussian envelope across the ridges
constexpr double kSigmaAlongPerWavelength = 0.55;   // and along them (longer: follows the ridge)
constexpr int kMaxRadius = 12;

struct Kernel {
  int radius = 0;
  std::vector<float> taps;  // (2r+1)^2, row-major
};

Kernel MakeGaborKernel(double ridge_angle, double wavelength) {
  Kernel kernel;
  double sigma_across = kSigmaAcrossPerWavelength * wavelength, sigma_along = kSigmaAlongPerWavelength * wavelength;
  kernel.radius = std::min(kMaxRadius, static_cast<int>(std::ceil(2.5 * std::max(sigma_across, sigma_along))));
  int size = 2 * kernel.radius + 1;
  kernel.taps.resize(static_cast<std::size_t>(size) * size);
  double along_x = std::cos(ridge_angle), along_y = std::sin(ridge_angle);
  double sum = 0, envelope_sum = 0;
  std::vector<double> envelope(kernel.taps.size());
  for (int dy = -kernel.radius; dy <= kernel.radius; ++dy) {
    for (int dx = -kernel.radius; dx <= kernel.radius; ++dx) {
      double along = dx * along_x + dy * along_y;
      double across = -dx * along_y + dy * along_x;
      double g = std::exp(-0.5 * (across * across / (sigma_across * sigma_across) +
                                  along * along / (sigma_along * sigma_along)));
      std::size_t i = static_cast<std::size_t>((dy + kernel.radius) * size + dx + kernel.radius);
      envelope[i] = g;
      kernel.taps[i] = static_cast<float>(g * std::cos(2 * M_PI * across / wavelength));
      sum += kernel.taps[i];
      envelope_sum += g;
    }
  }
  // Zero DC response: the output depends on ridge structure, not on the local grey level.
  for (std::size_t i = 0; i < kernel.taps.size(); ++i) {
    kernel.taps[i] -= static_cast<float>(sum * envelope[i] / envelope_sum);
  }
  return kernel;
}

}  // namespace

cv::Mat EnhanceRidges(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& wavelength_blocks,
                      const cv::Mat& mask) {
  // Ridges are dark: filter the negated image so that ridges come out positive.
  cv::Mat padded;
  cv::copyMakeBorder(-normalized, padded, kMaxRadius, kMaxRadius, kMaxRadius, kMaxRadius, cv::BORDER_REFLECT101);
  const int min_bin = static_cast<int>(kMinWavelength), max_bin = static_cast<int>(kMaxWavelength);
  const int wavelength_bins = max_bin - min_bin + 1;
  cv::Mat bins(normalized.size(), CV_16S, cv::Scalar(-1));
  std::vector<Kernel> bank(static_cast<std::size_t>(kOrientationBins * wavelength_bins));
  std::vector<bool> needed(bank.size(), false);
  for (int y = 0; y < normalized.rows; ++y) {
    for (int x = 0; x < normalized.cols; ++x) {
      if (mask.at<std::uint8_t>(y, x) == 0) continue;
      int o = static_cast<int>(std::lround(orientation.angle.at<float>(y, x) / M_PI * kOrientationBins)) % kOrientationBins;
      float lambda = wavelength_blocks.at<float>(y / kBlockSize, x / kBlockSize);
      int w = std::clamp(static_cast<int>(std::lround(lambda)), min_bin, max_bin) - min_bin;
      int bin = o * wavelength_bins + w;
      bins.at<std::int16_t>(y, x) = static_cast<std::int16_t>(bin);
      needed[static_cast<std::size_t>(bin)] = true;
    }
  }
  for (std::size_t bin = 0; bin < bank.size(); ++bin) {
    if (!needed[bin]) continue;
    int o = static_cast<int>(bin) / wavelength_bins, w = static_cast<int>(bin) % wavelength_bins;
    bank[bin] = MakeGaborKernel(o * M_PI / kOrientationBins, w + min_bin);
  }

  cv::Mat enhanced(normalized.size(), CV_32F, cv::Scalar(0));
  cv::parallel_for_(cv::Range(0, normalized.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      for (int x = 0; x < normalized.cols; ++x) {
        int bin = bins.at<std::int16_t>(y, x);
        if (bin < 0) continue;
        const Kernel& kernel = bank[static_cast<std::size_t>(bin)];
        int size = 2 * kernel.radius + 1;
        float sum = 0;
        for (int dy = 0; dy < size; ++dy) {
          const float* row = padded.ptr<float>(y + kMaxRadius - kernel.radius + dy) + (x + kMaxRadius - kernel.radius);
          const float* taps = kernel.taps.data() + static_cast<std::ptrdiff_t>(dy) * size;
          for (int dx = 0; dx < size; ++dx) sum += row[dx] * taps[dx];
        }
        enhanced.at<float>(y, x) = sum;
      }
    }
  });
  return enhanced;
}

}  // namespace abis::finger::extractor
