// Print quality: NFIQ 2's block features (ISO/IEC 29794-4; Lim, Jiang & Yau, "Fingerprint quality
// and validity analysis", ICIP 2002; Tabassi et al., NIST IR 8382) measured on the extractor's own
// intermediate results: blocks of the segmentation mask, the orientation field (its coherence
// gives the orientation certainty, its direction the rotation of each block), the contrast-
// normalised image (each block's ridge signature: grey levels averaged along the ridges, sampled
// across them), and the minutiae that survived the filters. Written from the published feature
// definitions; no code of NFIQ 2 is used, and nothing is fitted to data.
//
// Per block (32 x 32 pixels at 500 ppi, NFIQ 2's size, at least 3/4 inside the mask):
//   OCL = 1 - lambda_min / lambda_max of the gradient tensor = 2c / (1 + c) for the coherence c;
//   FDA = (A(F) + 0.3 (A(F-1) + A(F+1))) / sum_k A(k): the share of the signature's DFT
//         amplitude (k = 1..16) at its dominant frequency F;
//   LCS = 1 - (alpha + beta) / 2: alpha, beta the shares of the valley (ridge) columns' pixels on
//         the wrong side of the signature's regression line; 0 when the ridge or valley width is
//         outside 2-12 pixels;
//   ridge/valley width ratio (RVU is its deviation over the blocks).
// A block is a ridge block when OCL >= 0.5, LCS >= 0.6, FDA >= 0.3 and the dominant period lies
// in kMinWavelength-kMaxWavelength. Its quality is the mean of OCL, LCS and FDA each mapped
// linearly from a poor to a good value (0.3-0.9, 0.5-0.9, 0.2-0.6) onto 0-1, FDA counting 0 when
// the period is outside the ridge band.
//
// Score = 100 x (0.5 x clarity + 0.25 x min(1, ridge area / 80 mm^2)
//                + 0.25 x min(1, reliable minutiae / 25)),
// clarity the mean block quality: half how clear the ridges are, a quarter how much of a finger
// there is (80 mm^2 is a plain impression's central 9 x 9 mm), a quarter how many trustworthy
// minutiae (25 leave MCC enough cylinders). The constants are round values chosen a priori and
// checked on synthetic prints and synthetic non-prints (tests/finger_extract/print_quality_test.cc);
// FVC2002 and the face photos are held out for validation (docs/notes/print_quality.md).
#include "abis/finger_extract/print_quality.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <sstream>

#include "extractor/stages.h"

namespace abis::finger {
namespace {

constexpr int kQualityBlock = 32;  // pixels at 500 ppi
constexpr double kMinBlockMaskShare = 0.75;
constexpr int kSignatureLength = 32;  // samples across the ridges
constexpr int kSignatureWidth = 16;   // samples along the ridges, averaged
constexpr int kSpectrumBins = kSignatureLength / 2;
constexpr double kFdaNeighbourWeight = 0.3;
constexpr double kMinStripeWidth = 2.0;  // pixels, ridge or valley
constexpr double kMaxStripeWidth = 12.0;
constexpr double kPixelsPerMm = 500.0 / 25.4;

// Ridge block.
constexpr double kRidgeBlockOcl = 0.5;
constexpr double kRidgeBlockLcs = 0.6;
constexpr double kRidgeBlockFda = 0.3;
// Block quality ramps (poor, good).
constexpr double kOclPoor = 0.3, kOclGood = 0.9;
constexpr double kLcsPoor = 0.5, kLcsGood = 0.9;
constexpr double kFdaPoor = 0.2, kFdaGood = 0.6;
// Score.
constexpr double kFullRidgeAreaMm2 = 80.0;
constexpr double kFullReliableMinutiae = 25.0;
// Non-print tests.
constexpr double kMinPrintRidgeAreaMm2 = 15.0;
constexpr double kMinPrintRidgeBlockShare = 0.25;

double Ramp(double value, double poor, double good) { return std::clamp((value - poor) / (good - poor), 0.0, 1.0); }

struct BlockFeatures {
  double ocl = 0;
  double lcs = 0;
  double fda = 0;
  double period = 0;        // pixels, of the dominant frequency
  double width_ratio = -1;  // ridge / valley width; < 0 when not measurable
};

// REQUIRES: `image` CV_32F, at least 2 x 2 (the extractor's images are at least kMinFingerprintSide).
float Bilinear(const cv::Mat& image, double x, double y) {
  x = std::clamp(x, 0.0, image.cols - 1.0);
  y = std::clamp(y, 0.0, image.rows - 1.0);
  const int x0 = std::min(static_cast<int>(x), image.cols - 2), y0 = std::min(static_cast<int>(y), image.rows - 2);
  const int x1 = x0 + 1, y1 = y0 + 1;
  const double fx = x - x0, fy = y - y0;
  const double top = (1 - fx) * image.at<float>(y0, x0) + fx * image.at<float>(y0, x1);
  const double bottom = (1 - fx) * image.at<float>(y1, x0) + fx * image.at<float>(y1, x1);
  return static_cast<float>((1 - fy) * top + fy * bottom);
}

// Mean length of the runs of `is_ridge == want` that do not touch either end; 0 when none.
double MeanInnerRunLength(const std::array<bool, kSignatureLength>& is_ridge, bool want) {
  int runs = 0, total = 0;
  int start = 0;
  for (int u = 1; u <= kSignatureLength; ++u) {
    if (u < kSignatureLength && is_ridge[u] == is_ridge[start]) continue;
    if (is_ridge[start] == want && start > 0 && u < kSignatureLength) {
      ++runs;
      total += u - start;
    }
    start = u;
  }
  return runs > 0 ? static_cast<double>(total) / runs : 0.0;
}

BlockFeatures MeasureBlock(const cv::Mat& normalized, const extractor::OrientationField& orientation, cv::Rect block) {
  BlockFeatures features;
  // Orientation certainty and direction from the orientation field, averaged over the block.
  double coherence = 0, doubled_x = 0, doubled_y = 0;
  for (int y = block.y; y < block.y + block.height; ++y) {
    for (int x = block.x; x < block.x + block.width; ++x) {
      const double c = orientation.coherence.at<float>(y, x), angle = 2.0 * orientation.angle.at<float>(y, x);
      coherence += c;
      doubled_x += c * std::cos(angle);
      doubled_y += c * std::sin(angle);
    }
  }
  coherence /= static_cast<double>(block.area());
  features.ocl = 2 * coherence / (1 + coherence);
  const double ridge = 0.5 * std::atan2(doubled_y, doubled_x);
  const double along_x = std::cos(ridge), along_y = std::sin(ridge);
  const double across_x = -along_y, across_y = along_x;
  const double cx = block.x + block.width / 2.0 - 0.5, cy = block.y + block.height / 2.0 - 0.5;

  // The block rotated so that ridges run along v; its signature across them (u).
  std::array<std::array<float, kSignatureWidth>, kSignatureLength> samples;
  std::array<double, kSignatureLength> signature{};
  for (int u = 0; u < kSignatureLength; ++u) {
    const double du = u - (kSignatureLength - 1) / 2.0;
    for (int v = 0; v < kSignatureWidth; ++v) {
      const double dv = v - (kSignatureWidth - 1) / 2.0;
      samples[u][v] = Bilinear(normalized, cx + du * across_x + dv * along_x, cy + du * across_y + dv * along_y);
      signature[u] += samples[u][v];
    }
    signature[u] /= kSignatureWidth;
  }

  // FDA: the dominant frequency's share of the amplitude spectrum (DC excluded).
  std::array<double, kSpectrumBins + 2> amplitude{};
  double amplitude_sum = 0;
  int dominant = 1;
  for (int k = 1; k <= kSpectrumBins; ++k) {
    double re = 0, im = 0;
    for (int u = 0; u < kSignatureLength; ++u) {
      const double phase = 2 * std::numbers::pi * k * u / kSignatureLength;
      re += signature[u] * std::cos(phase);
      im -= signature[u] * std::sin(phase);
    }
    amplitude[k] = std::hypot(re, im);
    amplitude_sum += amplitude[k];
    if (amplitude[k] > amplitude[dominant]) dominant = k;
  }
  if (amplitude_sum > 1e-9) {
    features.fda = (amplitude[dominant] + kFdaNeighbourWeight * (amplitude[dominant - 1] + amplitude[dominant + 1])) /
                   amplitude_sum;
    features.fda = std::min(1.0, features.fda);
  }
  features.period = static_cast<double>(kSignatureLength) / dominant;

  // LCS: ridge (dark) and valley columns split by the signature's regression line; the share of
  // pixels on the wrong side within each.
  const double mean_u = (kSignatureLength - 1) / 2.0;
  double mean_s = 0;
  for (double s : signature) mean_s += s;
  mean_s /= kSignatureLength;
  double covariance = 0, variance = 0;
  for (int u = 0; u < kSignatureLength; ++u) {
    covariance += (u - mean_u) * (signature[u] - mean_s);
    variance += (u - mean_u) * (u - mean_u);
  }
  const double slope = covariance / variance;
  std::array<bool, kSignatureLength> is_ridge{};
  for (int u = 0; u < kSignatureLength; ++u) is_ridge[u] = signature[u] < mean_s + slope * (u - mean_u);
  const double ridge_width = MeanInnerRunLength(is_ridge, true);
  const double valley_width = MeanInnerRunLength(is_ridge, false);
  if (ridge_width >= kMinStripeWidth && ridge_width <= kMaxStripeWidth && valley_width >= kMinStripeWidth &&
      valley_width <= kMaxStripeWidth) {
    int ridge_pixels = 0, valley_pixels = 0, ridge_wrong = 0, valley_wrong = 0;
    for (int u = 0; u < kSignatureLength; ++u) {
      const double threshold = mean_s + slope * (u - mean_u);
      for (int v = 0; v < kSignatureWidth; ++v) {
        const bool dark = samples[u][v] < threshold;
        if (is_ridge[u]) {
          ++ridge_pixels;
          ridge_wrong += !dark;
        } else {
          ++valley_pixels;
          valley_wrong += dark;
        }
      }
    }
    const double alpha = static_cast<double>(valley_wrong) / std::max(1, valley_pixels);
    const double beta = static_cast<double>(ridge_wrong) / std::max(1, ridge_pixels);
    features.lcs = 1 - (alpha + beta) / 2;
    features.width_ratio = ridge_width / valley_width;
  }
  return features;
}

bool InRidgeBand(double period) { return period >= extractor::kMinWavelength && period <= extractor::kMaxWavelength; }

std::string Fixed(double value, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

}  // namespace

namespace extractor {

PrintQuality MeasurePrintQuality(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& mask,
                                 const std::vector<Minutia>& minutiae) {
  PrintQuality quality;
  PrintQualityFeatures& f = quality.features;
  f.foreground_mm2 = cv::countNonZero(mask) / (kPixelsPerMm * kPixelsPerMm);
  const double block_mm2 = kQualityBlock * kQualityBlock / (kPixelsPerMm * kPixelsPerMm);
  double ocl = 0, lcs = 0, fda = 0, clarity = 0, ratio_sum = 0, ratio_squares = 0;
  int ridge_blocks = 0, ratios = 0;
  for (int y = 0; y + kQualityBlock <= mask.rows; y += kQualityBlock) {
    for (int x = 0; x + kQualityBlock <= mask.cols; x += kQualityBlock) {
      const cv::Rect block(x, y, kQualityBlock, kQualityBlock);
      if (cv::countNonZero(mask(block)) < kMinBlockMaskShare * block.area()) continue;
      const BlockFeatures b = MeasureBlock(normalized, orientation, block);
      ++f.blocks;
      ocl += b.ocl;
      lcs += b.lcs;
      fda += b.fda;
      const bool in_band = InRidgeBand(b.period);
      if (in_band && b.ocl >= kRidgeBlockOcl && b.lcs >= kRidgeBlockLcs && b.fda >= kRidgeBlockFda) ++ridge_blocks;
      clarity += (Ramp(b.ocl, kOclPoor, kOclGood) + Ramp(b.lcs, kLcsPoor, kLcsGood) +
                  (in_band ? Ramp(b.fda, kFdaPoor, kFdaGood) : 0.0)) /
                 3;
      if (b.width_ratio > 0) {
        ratio_sum += b.width_ratio;
        ratio_squares += b.width_ratio * b.width_ratio;
        ++ratios;
      }
    }
  }
  if (f.blocks > 0) {
    f.ocl = ocl / f.blocks;
    f.lcs = lcs / f.blocks;
    f.fda = fda / f.blocks;
    f.clarity = clarity / f.blocks;
    f.ridge_block_share = static_cast<double>(ridge_blocks) / f.blocks;
  }
  if (ratios > 1) {
    const double mean = ratio_sum / ratios;
    f.rvu = std::sqrt(std::max(0.0, ratio_squares / ratios - mean * mean));
  }
  f.ridge_area_mm2 = ridge_blocks * block_mm2;
  f.minutiae = static_cast<int>(minutiae.size());
  f.reliable_minutiae = static_cast<int>(std::count_if(
      minutiae.begin(), minutiae.end(), [](const Minutia& m) { return m.quality >= kReliableMinutiaQuality; }));
  const double score = 0.5 * f.clarity + 0.25 * std::min(1.0, f.ridge_area_mm2 / kFullRidgeAreaMm2) +
                       0.25 * std::min(1.0, f.reliable_minutiae / kFullReliableMinutiae);
  quality.score = std::clamp(static_cast<int>(std::lround(100 * score)), 0, 100);
  return quality;
}

}  // namespace extractor

std::vector<std::string> NonPrintFindings(const PrintQualityFeatures& features) {
  std::vector<std::string> findings;
  if (features.ridge_area_mm2 < kMinPrintRidgeAreaMm2) {
    findings.push_back("ridge area " + Fixed(features.ridge_area_mm2, 1) + " mm2 below " +
                       Fixed(kMinPrintRidgeAreaMm2, 0) + " mm2");
  }
  // The share of ridge blocks refuses textures with a print-sized ridge area (hair, fabric), only
  // when the ridges are not as clear on average as a ridge block's must be (LCS): wet and dry
  // prints lose their blocks' orientation certainty first (smeared or broken ridges), not the
  // separation of ridges and valleys, which such textures lack.
  if (features.ridge_block_share < kMinPrintRidgeBlockShare && features.lcs < kRidgeBlockLcs) {
    findings.push_back("ridge block share " + Fixed(features.ridge_block_share, 2) + " below " +
                       Fixed(kMinPrintRidgeBlockShare, 2) + " (of " + std::to_string(features.blocks) +
                       " blocks; OCL " + Fixed(features.ocl, 2) + ", LCS " + Fixed(features.lcs, 2) + ", FDA " +
                       Fixed(features.fda, 2) + ")");
  }
  return findings;
}

Status CheckPrintQuality(const PrintQuality& quality, int min_quality) {
  const std::vector<std::string> findings = NonPrintFindings(quality.features);
  if (!findings.empty()) {
    std::string message = "not a fingerprint: ";
    for (std::size_t i = 0; i < findings.size(); ++i) message += (i > 0 ? "; " : "") + findings[i];
    return Status::InvalidArgument(message);
  }
  if (min_quality > 0 && quality.score < min_quality) {
    const PrintQualityFeatures& f = quality.features;
    return Status::InvalidArgument("unusable print: quality " + std::to_string(quality.score) + " below the floor " +
                                   std::to_string(min_quality) + " (clarity " + Fixed(f.clarity, 2) + ", ridge area " +
                                   Fixed(f.ridge_area_mm2, 1) + " mm2, " + std::to_string(f.reliable_minutiae) +
                                   " reliable minutiae of " + std::to_string(f.minutiae) +
                                   "; the sample option min_quality=0 accepts it knowingly)");
  }
  return Status::Ok();
}

nlohmann::json PrintQualityJson(const PrintQuality& quality) {
  const PrintQualityFeatures& f = quality.features;
  auto round = [](double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
  };
  return {{"score", quality.score},
          {"foreground_mm2", round(f.foreground_mm2, 1)},
          {"blocks", f.blocks},
          {"ocl", round(f.ocl, 3)},
          {"lcs", round(f.lcs, 3)},
          {"fda", round(f.fda, 3)},
          {"rvu", round(f.rvu, 3)},
          {"ridge_block_share", round(f.ridge_block_share, 3)},
          {"ridge_area_mm2", round(f.ridge_area_mm2, 1)},
          {"clarity", round(f.clarity, 3)},
          {"minutiae", f.minutiae},
          {"reliable_minutiae", f.reliable_minutiae}};
}

}  // namespace abis::finger
