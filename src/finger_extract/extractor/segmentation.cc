// Segmentation: which blocks hold ridges. A block is foreground when the deviation of its
// ridge-band grey levels is a fair share of the image's strong blocks and its gradients agree on
// a direction; the block mask is then closed, opened, hole-filled and reduced to its largest
// connected region.
//
// The deviation is measured on a band-pass (difference of Gaussians) image that keeps ridge
// periods of about 5-25 pixels at 500 ppi: segmentation by the energy of the ridge-frequency
// band, not of all grey-level variation, as in Gabor-based segmentation (Shen, Kot & Koo,
// "Quality measures of fingerprint images", AVBPA 2001) and Bazen & Gerez's pixel features
// (ProRISC 2001). The plain deviation also counts sensor noise (fine grain) and uneven
// illumination or a smudged background (slow variation); on capacitive images such as FVC2002
// DB3 the background then reached the 0.3 share and the mask took in a rim of noise around the
// finger, full of false minutiae. On the band-pass image the background/ridge deviation ratio
// there went from about 1:4 to about 1:8.
//
// Normalisation: global, then local (adaptive normalisation by the local mean and variance, as
// in Kim, Kim & Park, "New enhancement algorithm for fingerprint images", ICPR 2002, with a
// smooth window instead of blocks). The enhanced image's sign is unchanged by a local gain, but the
// stages before it are not: the structure tensor averages gradient energy, so a faint region
// beside a dark one is pulled towards the dark one's orientation, and the ridge-frequency
// signature's fixed contrast test can reject faint blocks, which then take their neighbours'
// wavelength (FVC2002 B: pooled EER 4.01 -> 3.75 %, see docs/EXTRACTOR.md).
#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr double kDeviationShareOfStrongBlocks = 0.3;  // of the 90th-percentile block deviation
constexpr double kMinDeviation = 1.5;                   // grey levels of the band-pass image
// Difference of Gaussians: the fine blur removes pixel noise (periods under ~5 px), the coarse
// one the background and illumination (periods over ~25 px); ridges at 500 ppi repeat every
// 5-16 px (kMinWavelength-kMaxWavelength).
constexpr double kBandFineSigma = 1.0;    // pixels
constexpr double kBandCoarseSigma = 4.0;  // pixels
constexpr double kMinCoherence = 0.15;
// Local contrast normalisation: Gaussian window (pixels; about 3.5 ridge periods at 500 ppi) and
// the floor of the local deviation, in units of the global one, so that flat patches (a fifth of
// the finger's contrast or less) are not amplified into noise.
constexpr double kLocalNormalizationSigma = 32.0;
constexpr double kMinLocalDeviation = 0.2;
constexpr int kLocalStatisticsStep = 4;  // local statistics computed at 1/4 resolution

}  // namespace

cv::Mat SegmentFingerprint(const cv::Mat& gray) {
  const int blocks_x = (gray.cols + kBlockSize - 1) / kBlockSize;
  const int blocks_y = (gray.rows + kBlockSize - 1) / kBlockSize;
  cv::Mat gray_float, gx, gy, fine, coarse;
  gray.convertTo(gray_float, CV_32F);
  cv::GaussianBlur(gray_float, fine, {0, 0}, kBandFineSigma);
  cv::GaussianBlur(gray_float, coarse, {0, 0}, kBandCoarseSigma);
  const cv::Mat ridge_band = fine - coarse;
  cv::Sobel(gray_float, gx, CV_32F, 1, 0, 3);
  cv::Sobel(gray_float, gy, CV_32F, 0, 1, 3);

  cv::Mat deviation(blocks_y, blocks_x, CV_32F), coherence(blocks_y, blocks_x, CV_32F);
  for (int by = 0; by < blocks_y; ++by) {
    for (int bx = 0; bx < blocks_x; ++bx) {
      cv::Rect block(bx * kBlockSize, by * kBlockSize, kBlockSize, kBlockSize);
      block &= cv::Rect(0, 0, gray.cols, gray.rows);
      cv::Scalar mean, stddev;
      cv::meanStdDev(ridge_band(block), mean, stddev);
      deviation.at<float>(by, bx) = static_cast<float>(stddev[0]);
      double gxx = cv::sum(gx(block).mul(gx(block)))[0];
      double gyy = cv::sum(gy(block).mul(gy(block)))[0];
      double gxy = cv::sum(gx(block).mul(gy(block)))[0];
      double total = gxx + gyy;
      coherence.at<float>(by, bx) =
          total > 0 ? static_cast<float>(std::sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy) / total) : 0.0f;
    }
  }
  std::vector<float> sorted(deviation.begin<float>(), deviation.end<float>());
  std::sort(sorted.begin(), sorted.end());
  double strong = sorted[static_cast<std::size_t>(0.9 * static_cast<double>(sorted.size() - 1))];
  double threshold = std::max(kMinDeviation, kDeviationShareOfStrongBlocks * strong);

  cv::Mat blocks(blocks_y, blocks_x, CV_8U);
  for (int by = 0; by < blocks_y; ++by) {
    for (int bx = 0; bx < blocks_x; ++bx) {
      bool ridge_like = deviation.at<float>(by, bx) > threshold && coherence.at<float>(by, bx) > kMinCoherence;
      blocks.at<std::uint8_t>(by, bx) = ridge_like ? 255 : 0;
    }
  }
  cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, {3, 3});
  cv::morphologyEx(blocks, blocks, cv::MORPH_CLOSE, cross);
  cv::morphologyEx(blocks, blocks, cv::MORPH_OPEN, cross);

  // Largest connected region, with its holes filled.
  cv::Mat labels, stats, centroids;
  int count = cv::connectedComponentsWithStats(blocks, labels, stats, centroids, 4);
  int largest = 0;
  for (int label = 1; label < count; ++label) {
    if (largest == 0 || stats.at<int>(label, cv::CC_STAT_AREA) > stats.at<int>(largest, cv::CC_STAT_AREA)) largest = label;
  }
  cv::Mat region = (labels == largest) & (largest > 0 ? 255 : 0);
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(region.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  cv::Mat filled = cv::Mat::zeros(region.size(), CV_8U);
  cv::drawContours(filled, contours, -1, cv::Scalar(255), cv::FILLED);

  // Back to pixels with smooth borders.
  cv::Mat mask;
  cv::resize(filled, mask, {blocks_x * kBlockSize, blocks_y * kBlockSize}, 0, 0, cv::INTER_LINEAR);
  mask = mask(cv::Rect(0, 0, gray.cols, gray.rows)).clone();
  cv::GaussianBlur(mask, mask, {0, 0}, kBlockSize / 2.0);
  cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
  return mask;
}

cv::Mat DistanceToMaskBorder(const cv::Mat& mask) {
  cv::Mat bordered = mask.clone();
  cv::rectangle(bordered, cv::Rect(0, 0, bordered.cols, bordered.rows), cv::Scalar(0), 1);
  cv::Mat distance;
  cv::distanceTransform(bordered, distance, cv::DIST_L2, 3);
  return distance;
}

cv::Mat NormalizeContrast(const cv::Mat& gray, const cv::Mat& mask) {
  cv::Mat result;
  gray.convertTo(result, CV_32F);
  cv::Scalar mean, stddev;
  cv::meanStdDev(result, mean, stddev, mask);
  result = (result - mean[0]) / std::max(1.0, stddev[0]);
  result.setTo(0, mask == 0);

  // Local mean and deviation: Gaussian-weighted over the mask only (normalised convolution), at a
  // quarter of the resolution (the window spans several ridge periods, so nothing is lost).
  const cv::Size reduced((gray.cols + kLocalStatisticsStep - 1) / kLocalStatisticsStep,
                         (gray.rows + kLocalStatisticsStep - 1) / kLocalStatisticsStep);
  cv::Mat inside, values, squares;
  mask.convertTo(inside, CV_32F, 1.0 / 255);
  cv::resize(inside, inside, reduced, 0, 0, cv::INTER_AREA);
  cv::resize(result, values, reduced, 0, 0, cv::INTER_AREA);
  cv::resize(result.mul(result), squares, reduced, 0, 0, cv::INTER_AREA);
  const double reduced_sigma = kLocalNormalizationSigma / kLocalStatisticsStep;
  for (cv::Mat* image : {&inside, &values, &squares}) {
    cv::GaussianBlur(*image, *image, {0, 0}, reduced_sigma);
    cv::resize(*image, *image, gray.size(), 0, 0, cv::INTER_LINEAR);
  }
  inside = cv::max(inside, 1e-3);
  const cv::Mat local_mean = values / inside;
  const cv::Mat local_variance = cv::max(squares / inside - local_mean.mul(local_mean), 0.0);
  cv::Mat local_deviation;
  cv::sqrt(local_variance, local_deviation);
  result = (result - local_mean) / cv::max(local_deviation, kMinLocalDeviation);
  result.setTo(0, mask == 0);
  return result;
}

}  // namespace abis::finger::extractor
