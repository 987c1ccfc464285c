// Master fingerprint generation:
//  1. pattern class drawn with roughly natural frequencies (Wilson, Candela & Watson 1993:
//     loops ~65%, whorls ~28%, arches and tented arches ~7%);
//  2. orientation field from the zero-pole model of Sherlock & Monro (1993):
//     theta(z) = 1/2 [ sum_cores arg(z - c) - sum_deltas arg(z - d) ] (a core turns the ridge
//     direction by +pi around it, a delta by -pi), arches from a smooth
//     bump function;
//  3. ridges grown from white noise by repeatedly applying the Gabor filter tuned to the local
//     orientation and saturating (Cappelli, Maio & Maltoni, SFinGe), at half resolution for
//     speed, then resampled;
//  4. minutiae read off the clean pattern with the extractor's own thinning and crossing number.
#include "synth/master_fingerprint.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::synth {
namespace {

constexpr int kGrowthIterations = 12;
constexpr int kOrientationBins = 16;
constexpr int kGrowthScale = 2;  // ridges grow at 1/2 resolution

struct SingularPoints {
  std::vector<cv::Point2d> cores;
  std::vector<cv::Point2d> deltas;
};

PatternClass DrawPattern(Random& random) {
  double u = random.Uniform();
  if (u < 0.04) return PatternClass::kArch;
  if (u < 0.08) return PatternClass::kTentedArch;
  if (u < 0.40) return PatternClass::kLeftLoop;
  if (u < 0.72) return PatternClass::kRightLoop;
  return PatternClass::kWhorl;
}

SingularPoints PlaceSingularPoints(Random& random, PatternClass pattern, cv::Size canvas) {
  SingularPoints points;
  double w = canvas.width - 2.0 * kMasterMargin, h = canvas.height - 2.0 * kMasterMargin;
  cv::Point2d centre(canvas.width / 2.0 + random.Normal() * 0.04 * w, canvas.height / 2.0 - 0.08 * h + random.Normal() * 0.04 * h);
  switch (pattern) {
    case PatternClass::kArch:
      break;
    case PatternClass::kTentedArch:
      points.cores.push_back(centre);
      points.deltas.push_back(centre + cv::Point2d(random.Normal() * 4, random.Uniform(0.16, 0.24) * h));
      break;
    case PatternClass::kLeftLoop:
    case PatternClass::kRightLoop: {
      double side = pattern == PatternClass::kLeftLoop ? 1.0 : -1.0;
      points.cores.push_back(centre);
      points.deltas.push_back(centre + cv::Point2d(side * random.Uniform(0.22, 0.34) * w, random.Uniform(0.30, 0.40) * h));
      break;
    }
    case PatternClass::kWhorl: {
      double spread = random.Uniform(0.03, 0.07) * h;
      double tilt = random.Normal() * 0.03 * w;
      points.cores.push_back(centre + cv::Point2d(-tilt, -spread));
      points.cores.push_back(centre + cv::Point2d(tilt, spread));
      double below = random.Uniform(0.32, 0.42) * h;
      points.deltas.push_back(centre + cv::Point2d(-random.Uniform(0.30, 0.40) * w, below));
      points.deltas.push_back(centre + cv::Point2d(random.Uniform(0.30, 0.40) * w, below + random.Normal() * 0.03 * h));
      break;
    }
  }
  return points;
}

// Ridge direction (radians, image coordinates, in [0, pi)) at every pixel of `size`, computed
// for canvas coordinates scaled by `scale`.
cv::Mat OrientationField(Random& random, PatternClass pattern, const SingularPoints& points, cv::Size size, double scale,
                         cv::Size canvas) {
  cv::Mat angle(size, CV_32F);
  double arch_height = random.Uniform(0.25, 0.40) * canvas.height;
  double arch_width = random.Uniform(0.22, 0.30) * canvas.width;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      double cx = x * scale, cy = y * scale;
      double theta = 0;
      if (pattern == PatternClass::kArch) {
        // Ridges follow y = -bump(x): slope of a Gaussian bump centred on the canvas, flatter lower down.
        double dx = cx - canvas.width / 2.0;
        double fade = 1.0 / (1.0 + std::exp((cy - 0.65 * canvas.height) / (0.1 * canvas.height)));
        double slope = arch_height * 2 * dx / (arch_width * arch_width) * std::exp(-dx * dx / (arch_width * arch_width)) * fade;
        theta = std::atan(slope);
      } else {
        // Zero-pole model in a y-up frame, then back to image coordinates.
        double sum = 0;
        for (const auto& c : points.cores) sum += std::atan2(-(cy - c.y), cx - c.x);
        for (const auto& d : points.deltas) sum -= std::atan2(-(cy - d.y), cx - d.x);
        theta = -0.5 * sum;
      }
      theta = std::fmod(theta, M_PI);
      if (theta < 0) theta += M_PI;
      angle.at<float>(y, x) = static_cast<float>(theta);
    }
  }
  return angle;
}

cv::Mat GaborKernel(double ridge_angle, double wavelength) {
  int radius = static_cast<int>(std::ceil(1.0 * wavelength));
  double sigma_across = 0.38 * wavelength, sigma_along = 0.75 * wavelength;
  cv::Mat kernel(2 * radius + 1, 2 * radius + 1, CV_32F);
  double ax = std::cos(ridge_angle), ay = std::sin(ridge_angle);
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      double along = dx * ax + dy * ay, across = -dx * ay + dy * ax;
      double g = std::exp(-0.5 * (across * across / (sigma_across * sigma_across) + along * along / (sigma_along * sigma_along)));
      kernel.at<float>(dy + radius, dx + radius) = static_cast<float>(g * std::cos(2 * M_PI * across / wavelength));
    }
  }
  kernel -= cv::mean(kernel)[0];
  return kernel;
}

cv::Mat GrowRidges(Random& random, const cv::Mat& angle, double wavelength) {
  cv::Mat pattern(angle.size(), CV_32F);
  for (int y = 0; y < pattern.rows; ++y) {
    for (int x = 0; x < pattern.cols; ++x) pattern.at<float>(y, x) = static_cast<float>(random.Normal());
  }
  cv::Mat bins(angle.size(), CV_8U);
  for (int y = 0; y < angle.rows; ++y) {
    for (int x = 0; x < angle.cols; ++x) {
      bins.at<std::uint8_t>(y, x) =
          static_cast<std::uint8_t>(static_cast<int>(std::lround(angle.at<float>(y, x) / M_PI * kOrientationBins)) % kOrientationBins);
    }
  }
  std::vector<cv::Mat> kernels;
  for (int b = 0; b < kOrientationBins; ++b) kernels.push_back(GaborKernel(b * M_PI / kOrientationBins, wavelength));
  const int radius = kernels[0].rows / 2;
  cv::Mat padded, next(pattern.size(), CV_32F);
  for (int iteration = 0; iteration < kGrowthIterations; ++iteration) {
    cv::copyMakeBorder(pattern, padded, radius, radius, radius, radius, cv::BORDER_REFLECT101);
    for (int y = 0; y < pattern.rows; ++y) {
      for (int x = 0; x < pattern.cols; ++x) {
        const cv::Mat& kernel = kernels[bins.at<std::uint8_t>(y, x)];
        float sum = 0;
        for (int dy = 0; dy < kernel.rows; ++dy) {
          const float* row = padded.ptr<float>(y + dy) + x;
          const float* taps = kernel.ptr<float>(dy);
          for (int dx = 0; dx < kernel.cols; ++dx) sum += row[dx] * taps[dx];
        }
        next.at<float>(y, x) = sum;
      }
    }
    cv::Scalar mean, stddev;
    cv::meanStdDev(next, mean, stddev);
    double gain = 2.5 / std::max(1e-6, stddev[0]);
    for (int y = 0; y < pattern.rows; ++y) {
      for (int x = 0; x < pattern.cols; ++x) {
        pattern.at<float>(y, x) = static_cast<float>(std::tanh(gain * (next.at<float>(y, x) - mean[0])));
      }
    }
  }
  return pattern;
}

}  // namespace

MasterFingerprint GenerateMaster(Random& random, SynthImageSize size) {
  MasterFingerprint master;
  cv::Size canvas(size.width + 2 * kMasterMargin, size.height + 2 * kMasterMargin);
  master.pattern = DrawPattern(random);
  master.wavelength = random.Uniform(8.0, 10.5);
  SingularPoints points = PlaceSingularPoints(random, master.pattern, canvas);

  cv::Size small(canvas.width / kGrowthScale, canvas.height / kGrowthScale);
  cv::Mat small_angle = OrientationField(random, master.pattern, points, small, kGrowthScale, canvas);
  cv::Mat small_ridges = GrowRidges(random, small_angle, master.wavelength / kGrowthScale);
  cv::resize(small_ridges, master.ridges, canvas, 0, 0, cv::INTER_CUBIC);
  cv::Mat full_angle = OrientationField(random, master.pattern, points, canvas, 1.0, canvas);

  // Fingertip outline: an ellipse a little larger than an impression, wider at the top.
  master.finger_area = cv::Mat::zeros(canvas, CV_8U);
  cv::ellipse(master.finger_area, cv::Point(canvas.width / 2, canvas.height / 2),
              cv::Size(static_cast<int>(canvas.width * 0.46), static_cast<int>(canvas.height * 0.47)), 0, 0, 360,
              cv::Scalar(255), cv::FILLED);

  cv::Mat binary = (master.ridges > 0) & master.finger_area;
  cv::Mat skeleton = extractor::ThinRidges(binary);
  extractor::OrientationField field{full_angle, cv::Mat(canvas, CV_32F, cv::Scalar(1.0f))};
  std::vector<extractor::Candidate> candidates = extractor::DetectMinutiae(skeleton, field, master.finger_area);
  // Clean ridges: the filter's limits at the default wavelength, as the ground truth was defined.
  extractor::RemoveFalseMinutiae(candidates, skeleton, master.finger_area, cv::Mat());
  for (const auto& c : candidates) {
    if (!c.removed) master.minutiae.push_back({c.x, c.y, c.angle, c.type, 100});
  }
  return master;
}

}  // namespace abis::finger::synth
