// Contextual enhancement in the frequency domain by short-time Fourier analysis (after
// Chikkerur, Cartwright & Govindaraju, "Fingerprint enhancement using STFT analysis", Pattern
// Recognition 40(1), 2007). The image is cut into overlapping raised-cosine windows; each
// window's spectrum is multiplied by a filter that keeps the local ridge frequency (radial
// Butterworth band-pass) around the local ridge normal (raised-cosine angular band), and the
// filtered windows are transformed back and added up. A whole window votes for one ridge
// frequency and direction, so ridges broken into dots and pores come out continuous where a
// per-pixel filter with a short envelope would leave the gaps.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kWindow = 2 * kBlockSize;  // analysis window, pixels, one every kBlockSize (half overlap)
constexpr int kTile = 2 * kWindow;       // transform size: the zero padding keeps wrap-around to a few percent
// Radial pass band: periods from lambda / kPeriodSpread to lambda * kPeriodSpread at half gain,
// Butterworth of order 2 (gain 1 / (1 + ratio^4)).
constexpr double kPeriodSpread = 1.4;
// Angular half-width of the pass band around the ridge normal: narrow where the window's flow is
// coherent, wide where it is not (cores, deltas, noise), so that curved ridges are not straightened.
constexpr double kNarrowAngularBand = kPi / 6;
constexpr double kWideAngularBand = kPi / 3;
// Each window's ridge frequency is the power-weighted mean of its neighbours' (Gaussian, sigma in
// windows): one smudged window does not retune the filter on its own.
constexpr double kFrequencySmoothing = 2.0;

// Frequency-plane coordinates of the unshifted kTile x kTile spectrum: radius (cycles per pixel)
// and direction of each bin.
struct SpectrumGeometry {
  std::array<float, kTile * kTile> radius{};
  std::array<float, kTile * kTile> direction{};
  SpectrumGeometry() {
    for (int ky = 0; ky < kTile; ++ky) {
      const double v = (ky < kTile / 2 ? ky : ky - kTile) / static_cast<double>(kTile);
      for (int kx = 0; kx < kTile; ++kx) {
        const double u = (kx < kTile / 2 ? kx : kx - kTile) / static_cast<double>(kTile);
        radius[static_cast<std::size_t>(ky * kTile + kx)] = static_cast<float>(std::hypot(u, v));
        direction[static_cast<std::size_t>(ky * kTile + kx)] = static_cast<float>(std::atan2(v, u));
      }
    }
  }
};

const SpectrumGeometry& Geometry() {
  static const SpectrumGeometry geometry;
  return geometry;
}

// Raised-cosine (periodic Hann) weights; two windows kBlockSize apart sum to one.
std::array<float, kWindow> RaisedCosine() {
  std::array<float, kWindow> weights{};
  for (int i = 0; i < kWindow; ++i) {
    weights[static_cast<std::size_t>(i)] = static_cast<float>(0.5 - 0.5 * std::cos(2 * kPi * (i + 0.5) / kWindow));
  }
  return weights;
}

// One window's local ridge structure.
struct WindowFlow {
  bool valid = false;
  double ridge_angle = 0;  // radians, [0, pi)
  double coherence = 0;    // [0, 1]
  double frequency = 0;    // cycles per pixel
  double energy = 0;       // spectral power in the pass band (weight of the frequency vote)
};

// Half-width of the angular pass band for a window of this coherence.
double AngularBand(double coherence) {
  return kWideAngularBand - std::clamp(coherence, 0.0, 1.0) * (kWideAngularBand - kNarrowAngularBand);
}

// Angle of a spectrum bin from the ridge normal, in [-pi/2, pi/2].
double AngleFromNormal(double bin_direction, double normal) {
  const double off = bin_direction - normal;
  return off - kPi * std::nearbyint(off / kPi);
}

// Real, point-symmetric gain over the spectrum (unshifted layout), 0 outside the band.
void BuildFilter(double ridge_angle, double wavelength, double coherence, cv::Mat& gain) {
  const SpectrumGeometry& geometry = Geometry();
  const double centre = 1.0 / wavelength;
  const double bandwidth = centre * (kPeriodSpread - 1.0 / kPeriodSpread);
  const double band = AngularBand(coherence);
  const double normal = ridge_angle + kPi / 2;
  auto* out = gain.ptr<float>();
  for (std::size_t i = 0; i < geometry.radius.size(); ++i) {
    const double r = geometry.radius[i];
    const double off = AngleFromNormal(geometry.direction[i], normal);
    if (r == 0 || std::abs(off) >= band) {
      out[i] = 0;
      continue;
    }
    const double angular = std::cos(kPi * off / (2 * band));
    const double ratio = (r * r - centre * centre) / (r * bandwidth);
    const double ratio_sq = ratio * ratio;
    out[i] = static_cast<float>(angular * angular / (1.0 + ratio_sq * ratio_sq));
  }
}

// The image around the window at `origin` (canvas coordinates), weighted by the raised cosine,
// centred in a zero tile and transformed.
void TransformWindow(const cv::Mat& canvas, cv::Point origin, const std::array<float, kWindow>& weights, cv::Mat& tile,
                     cv::Mat& spectrum) {
  tile.setTo(0);
  constexpr int kOffset = (kTile - kWindow) / 2;
  for (int y = 0; y < kWindow; ++y) {
    const float* source = canvas.ptr<float>(origin.y + y) + origin.x;
    float* target = tile.ptr<float>(y + kOffset) + kOffset;
    for (int x = 0; x < kWindow; ++x) {
      target[x] = source[x] * weights[static_cast<std::size_t>(x)] * weights[static_cast<std::size_t>(y)];
    }
  }
  cv::dft(tile, spectrum, cv::DFT_COMPLEX_OUTPUT);
}

// Wavelength in pixels from a block map or a window estimate, within the accepted range
// (a non-finite value falls back to the typical period).
double UsableWavelength(double wavelength) {
  return std::isfinite(wavelength) ? std::clamp(wavelength, kMinWavelength, kMaxWavelength) : kDefaultWavelength;
}

}  // namespace

cv::Mat EnhanceRidges(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& wavelength_blocks,
                      const cv::Mat& mask) {
  CV_Assert(normalized.type() == CV_32F && mask.type() == CV_8U && normalized.size() == mask.size());
  CV_Assert(orientation.angle.type() == CV_32F && orientation.angle.size() == normalized.size());
  CV_Assert(orientation.coherence.type() == CV_32F && orientation.coherence.size() == normalized.size());
  const int blocks_x = (normalized.cols + kBlockSize - 1) / kBlockSize;
  const int blocks_y = (normalized.rows + kBlockSize - 1) / kBlockSize;
  CV_Assert(wavelength_blocks.type() == CV_32F && wavelength_blocks.cols == blocks_x &&
            wavelength_blocks.rows == blocks_y);
  // Windows are centred on every block and on a ring of blocks around the image, so that the
  // weights sum to one over the whole image. The canvas holds the negated image (ridges are dark;
  // enhanced ridges come out positive) with a margin of one tile on every side.
  const int pad = kTile;
  cv::Mat canvas(normalized.rows + 2 * pad, normalized.cols + 2 * pad, CV_32F, cv::Scalar(0));
  cv::Mat inside = canvas(cv::Rect(pad, pad, normalized.cols, normalized.rows));
  normalized.convertTo(inside, CV_32F, -1.0);
  const std::array<float, kWindow> weights = RaisedCosine();
  const int grid_x = blocks_x + 2, grid_y = blocks_y + 2;
  auto window_origin = [&](int gx, int gy) {  // canvas coordinates of window (gx, gy)'s top-left pixel
    return cv::Point(pad + (gx - 1) * kBlockSize + kBlockSize / 2 - kWindow / 2,
                     pad + (gy - 1) * kBlockSize + kBlockSize / 2 - kWindow / 2);
  };

  // Pass 1: each window's direction and coherence (window-weighted mean of the coherence-weighted
  // doubled-angle vectors of the orientation field, and its length), and its ridge frequency: the
  // power-weighted mean radius of its spectrum over the bins inside its angular band and the
  // accepted period range (the block map's wavelength only when the window has no power there).
  std::vector<WindowFlow> flow(static_cast<std::size_t>(grid_x) * grid_y);
  {
    // The orientation field as coherence-weighted doubled-angle vectors, 0 outside the mask.
    cv::Mat flow_cos(normalized.size(), CV_32F, cv::Scalar(0)), flow_sin(normalized.size(), CV_32F, cv::Scalar(0));
    for (int y = 0; y < normalized.rows; ++y) {
      for (int x = 0; x < normalized.cols; ++x) {
        if (mask.at<std::uint8_t>(y, x) == 0) continue;
        const double c = orientation.coherence.at<float>(y, x);
        const double doubled = 2.0 * orientation.angle.at<float>(y, x);
        flow_cos.at<float>(y, x) = static_cast<float>(c * std::cos(doubled));
        flow_sin.at<float>(y, x) = static_cast<float>(c * std::sin(doubled));
      }
    }
    cv::parallel_for_(cv::Range(0, grid_y), [&](const cv::Range& rows) {
      cv::Mat tile(kTile, kTile, CV_32F), spectrum;
      const SpectrumGeometry& geometry = Geometry();
      for (int gy = rows.start; gy < rows.end; ++gy) {
        for (int gx = 0; gx < grid_x; ++gx) {
          const cv::Point origin = window_origin(gx, gy);
          double sum_cos = 0, sum_sin = 0, sum_weight = 0;
          for (int y = 0; y < kWindow; ++y) {
            const int iy = origin.y - pad + y;
            if (iy < 0 || iy >= normalized.rows) continue;
            for (int x = 0; x < kWindow; ++x) {
              const int ix = origin.x - pad + x;
              if (ix < 0 || ix >= normalized.cols || mask.at<std::uint8_t>(iy, ix) == 0) continue;
              const double w = weights[static_cast<std::size_t>(x)] * weights[static_cast<std::size_t>(y)];
              sum_cos += w * flow_cos.at<float>(iy, ix);
              sum_sin += w * flow_sin.at<float>(iy, ix);
              sum_weight += w;
            }
          }
          if (sum_weight <= 0) continue;
          WindowFlow& window = flow[static_cast<std::size_t>(gy * grid_x + gx)];
          window.valid = true;
          window.ridge_angle = 0.5 * std::atan2(sum_sin, sum_cos);
          if (window.ridge_angle < 0) window.ridge_angle += kPi;
          window.coherence = std::hypot(sum_cos, sum_sin) / sum_weight;
          TransformWindow(canvas, origin, weights, tile, spectrum);
          const double band = AngularBand(window.coherence), normal = window.ridge_angle + kPi / 2;
          double power_sum = 0, radius_sum = 0;
          const auto* bins = spectrum.ptr<cv::Vec2f>();
          for (std::size_t i = 0; i < geometry.radius.size(); ++i) {
            const double r = geometry.radius[i];
            if (r < 1 / kMaxWavelength || r > 1 / kMinWavelength) continue;
            if (std::abs(AngleFromNormal(geometry.direction[i], normal)) >= band) continue;
            const double power =
                static_cast<double>(bins[i][0]) * bins[i][0] + static_cast<double>(bins[i][1]) * bins[i][1];
            power_sum += power;
            radius_sum += power * r;
          }
          window.energy = power_sum;
          if (power_sum > 0) {
            window.frequency = radius_sum / power_sum;
          } else {
            const int block_x = std::clamp(gx - 1, 0, blocks_x - 1), block_y = std::clamp(gy - 1, 0, blocks_y - 1);
            window.frequency = 1 / UsableWavelength(wavelength_blocks.at<float>(block_y, block_x));
          }
        }
      }
    });
  }

  // The frequency of each window, smoothed over its neighbours weighted by their band energy.
  cv::Mat weighted_frequency(grid_y, grid_x, CV_64F, cv::Scalar(0)), energy(grid_y, grid_x, CV_64F, cv::Scalar(0));
  for (int gy = 0; gy < grid_y; ++gy) {
    for (int gx = 0; gx < grid_x; ++gx) {
      const WindowFlow& window = flow[static_cast<std::size_t>(gy * grid_x + gx)];
      if (!window.valid) continue;
      weighted_frequency.at<double>(gy, gx) = window.frequency * window.energy;
      energy.at<double>(gy, gx) = window.energy;
    }
  }
  cv::GaussianBlur(weighted_frequency, weighted_frequency, {0, 0}, kFrequencySmoothing, kFrequencySmoothing,
                   cv::BORDER_CONSTANT);
  cv::GaussianBlur(energy, energy, {0, 0}, kFrequencySmoothing, kFrequencySmoothing, cv::BORDER_CONSTANT);
  for (int gy = 0; gy < grid_y; ++gy) {
    for (int gx = 0; gx < grid_x; ++gx) {
      WindowFlow& window = flow[static_cast<std::size_t>(gy * grid_x + gx)];
      if (window.valid && energy.at<double>(gy, gx) > 0) {
        window.frequency = weighted_frequency.at<double>(gy, gx) / energy.at<double>(gy, gx);
      }
    }
  }

  // Pass 2: filter each window and add it back. A filtered tile spans kTile / kBlockSize window
  // rows, so window rows that far apart never overlap: each phase filters such rows in parallel.
  cv::Mat output(canvas.size(), CV_32F, cv::Scalar(0));
  constexpr int kPhases = kTile / kBlockSize;
  for (int phase = 0; phase < kPhases; ++phase) {
    const int rows_in_phase = (grid_y - phase + kPhases - 1) / kPhases;
    cv::parallel_for_(cv::Range(0, std::max(0, rows_in_phase)), [&](const cv::Range& range) {
      cv::Mat tile(kTile, kTile, CV_32F), spectrum, gain(kTile, kTile, CV_32F), filtered;
      for (int k = range.start; k < range.end; ++k) {
        const int gy = phase + k * kPhases;
        for (int gx = 0; gx < grid_x; ++gx) {
          const WindowFlow& window = flow[static_cast<std::size_t>(gy * grid_x + gx)];
          if (!window.valid) continue;
          const cv::Point origin = window_origin(gx, gy);
          const double wavelength = UsableWavelength(1 / window.frequency);
          BuildFilter(window.ridge_angle, wavelength, window.coherence, gain);
          TransformWindow(canvas, origin, weights, tile, spectrum);
          auto* bins = spectrum.ptr<cv::Vec2f>();
          const auto* g = gain.ptr<float>();
          for (int i = 0; i < kTile * kTile; ++i) bins[i] *= g[i];
          cv::dft(spectrum, filtered, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
          constexpr int kOffset = (kTile - kWindow) / 2;
          output(cv::Rect(origin.x - kOffset, origin.y - kOffset, kTile, kTile)) += filtered;
        }
      }
    });
  }
  cv::Mat enhanced = output(cv::Rect(pad, pad, normalized.cols, normalized.rows)).clone();
  enhanced.setTo(0, mask == 0);
  return enhanced;
}

}  // namespace abis::finger::extractor
