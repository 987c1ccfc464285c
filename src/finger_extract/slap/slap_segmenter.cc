// SegmentSlap: ridge-region mask, hand angle, one column band per finger, each finger's own axis
// and width, the cut at the distal crease, upright crops and their print quality. The finger
// positions come from slap_positions.cc. Method: docs/SLAPS.md.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "slap/slap_internal.h"

namespace abis::finger {

namespace {

constexpr int kCell = 8;                        // pixels per mask cell at 500 ppi
constexpr double kMinFingerPitch = 200;         // pixels between two finger centres (about 10 mm)
constexpr double kTipBand = 360;                // pixels below a column's top counted in the hand profile
constexpr double kMinFingerArea = 90.0 * 90.0;  // pixels: smaller blobs are dust or a palm edge
constexpr double kDefaultPhalanxAspect = 1.35;  // distal phalanx length / width when no crease shows
constexpr double kPi = 3.14159265358979323846;
// Variance ratio (major / minor) a blob needs before its axis is taken as a finger's direction.
constexpr double kMinAxisElongation = 1.6;

double Radians(double degrees) { return degrees * kPi / 180.0; }

// Ridge amplitude per pixel: a difference-of-Gaussians band (ridge periods of about 5-25 px),
// squared and smoothed, square root.
cv::Mat RidgeEnergy(const cv::Mat& gray) {
  cv::Mat image, fine, coarse;
  gray.convertTo(image, CV_32F);
  cv::GaussianBlur(image, fine, cv::Size(0, 0), 1.0);
  cv::GaussianBlur(image, coarse, cv::Size(0, 0), 4.0);
  cv::Mat band = fine - coarse;
  cv::Mat energy = band.mul(band);
  cv::GaussianBlur(energy, energy, cv::Size(0, 0), 4.0);
  cv::sqrt(energy, energy);
  return energy;
}

double Percentile(const cv::Mat& values, double share) {
  std::vector<float> all(values.begin<float>(), values.end<float>());
  if (all.empty()) return 0;
  const auto index = static_cast<std::size_t>(share * static_cast<double>(all.size() - 1));
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(index), all.end());
  return all[index];
}

// The ridge region on the cell grid (CV_8U 0/255): cells whose ridge amplitude reaches 30 % of
// the 95th percentile (and a floor above sensor noise), closed, opened, small blobs removed.
cv::Mat RidgeMask(const cv::Mat& energy) {
  cv::Mat grid;
  cv::resize(energy, grid, cv::Size((energy.cols + kCell - 1) / kCell, (energy.rows + kCell - 1) / kCell), 0, 0,
             cv::INTER_AREA);
  const double threshold = std::max(0.3 * Percentile(grid, 0.95), 2.5);
  cv::Mat mask = grid > threshold;
  const cv::Mat round3 = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3));
  cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, round3);
  // Strokes, printed text and card lines are thinner than 88 px; fingers are far wider.
  // (Outside the image counts as background, so a band along the edge goes too.)
  cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(11, 11)),
                   cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  const double min_cells = kMinFingerArea / (kCell * kCell);
  for (int label = 1; label < count; ++label) {
    if (stats.at<int>(label, cv::CC_STAT_AREA) < min_cells) mask.setTo(0, labels == label);
  }
  return mask;
}

// Tip-weighted column profile of `mask` turned by `degrees` (counter-clockwise on screen) about
// `centre`: per column the cells within kTipBand of the column's topmost cell.
std::vector<double> TipProfile(const cv::Mat& mask, cv::Point2f centre, double degrees, cv::Mat* turned_out) {
  const cv::Mat turn = cv::getRotationMatrix2D(centre, degrees, 1.0);
  cv::Mat turned;
  cv::warpAffine(mask, turned, turn, mask.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
  const int band = static_cast<int>(kTipBand / kCell);
  std::vector<double> profile(static_cast<std::size_t>(turned.cols), 0.0);
  for (int x = 0; x < turned.cols; ++x) {
    int top = -1, count = 0;
    for (int y = 0; y < turned.rows; ++y) {
      if (turned.at<std::uint8_t>(y, x) == 0) continue;
      if (top < 0) top = y;
      if (y - top >= band) break;
      ++count;
    }
    profile[static_cast<std::size_t>(x)] = count;
  }
  if (turned_out != nullptr) *turned_out = turned;
  return profile;
}

std::vector<double> Smooth(const std::vector<double>& values, double sigma) {
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> out(values.size(), 0.0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    double sum = 0, weight = 0;
    for (int k = -radius; k <= radius; ++k) {
      const auto j = static_cast<std::ptrdiff_t>(i) + k;
      if (j < 0 || j >= static_cast<std::ptrdiff_t>(values.size())) continue;
      const double w = std::exp(-0.5 * k * k / (sigma * sigma));
      sum += w * values[static_cast<std::size_t>(j)];
      weight += w;
    }
    out[i] = sum / weight;
  }
  return out;
}

// Column bands [begin, end) of the profile, one per finger: the peaks above a fifth of the
// highest, at least kMinFingerPitch apart and with a valley under 3/4 of the lower one between
// them; bands end at the deepest point between two peaks.
std::vector<std::pair<int, int>> FingerBands(const std::vector<double>& profile) {
  const std::vector<double> smooth = Smooth(profile, 1.5);
  const double highest = *std::max_element(smooth.begin(), smooth.end());
  const int n = static_cast<int>(smooth.size());
  std::vector<int> peaks;
  for (int x = 0; x < n; ++x) {
    const double v = smooth[static_cast<std::size_t>(x)];
    if (v < 0.2 * highest) continue;
    if ((x > 0 && smooth[static_cast<std::size_t>(x - 1)] > v) ||
        (x + 1 < n && smooth[static_cast<std::size_t>(x + 1)] >= v))
      continue;
    peaks.push_back(x);
  }
  const int min_pitch = static_cast<int>(kMinFingerPitch / kCell);
  auto valley = [&](int a, int b) {
    int best = a;
    for (int x = a; x <= b; ++x) {
      if (smooth[static_cast<std::size_t>(x)] < smooth[static_cast<std::size_t>(best)]) best = x;
    }
    return best;
  };
  bool merged = true;
  while (merged && peaks.size() > 1) {
    merged = false;
    for (std::size_t i = 0; i + 1 < peaks.size(); ++i) {
      const int a = peaks[i], b = peaks[i + 1];
      const double low = std::min(smooth[static_cast<std::size_t>(a)], smooth[static_cast<std::size_t>(b)]);
      if (b - a < min_pitch || smooth[static_cast<std::size_t>(valley(a, b))] > 0.75 * low) {
        const std::size_t drop = smooth[static_cast<std::size_t>(a)] >= smooth[static_cast<std::size_t>(b)] ? i + 1 : i;
        peaks.erase(peaks.begin() + static_cast<std::ptrdiff_t>(drop));
        merged = true;
        break;
      }
    }
  }
  std::vector<std::pair<int, int>> bands;
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    int begin = 0, end = n;
    if (i > 0) begin = valley(peaks[i - 1], peaks[i]);
    if (i + 1 < peaks.size()) end = valley(peaks[i], peaks[i + 1]);
    bands.emplace_back(begin, end);
  }
  return bands;
}

// Maps upright crop coordinates (u right, v down) of `box` to image coordinates, for
// cv::warpAffine with WARP_INVERSE_MAP.
cv::Mat CropToImage(const RotatedBox& box) {
  const double a = Radians(box.angle_degrees);
  const double tx = -std::sin(a), ty = -std::cos(a);  // the fingertip direction
  const double nx = std::cos(a), ny = -std::sin(a);   // across, to the right of the upright finger
  cv::Mat m(2, 3, CV_64F);
  m.at<double>(0, 0) = nx;
  m.at<double>(0, 1) = -tx;
  m.at<double>(0, 2) = box.centre_x - box.width / 2 * nx + box.height / 2 * tx;
  m.at<double>(1, 0) = ny;
  m.at<double>(1, 1) = -ty;
  m.at<double>(1, 2) = box.centre_y - box.width / 2 * ny + box.height / 2 * ty;
  return m;
}

cv::Mat Upright(const cv::Mat& image, const RotatedBox& box, int border) {
  cv::Mat out;
  cv::warpAffine(image, out, CropToImage(box),
                 cv::Size(std::max(1, static_cast<int>(std::lround(box.width))),
                          std::max(1, static_cast<int>(std::lround(box.height)))),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(border));
  return out;
}

struct Points {
  std::vector<cv::Point2d> at;  // cell centres in pixels
};

// One finger from its cells: its own axis (principal axis of the part within 1.6 widths of the
// tip, when elongated enough, within 30 degrees of the hand), width, tip, and the cut at the
// distal crease (the deepest dip of ridge amplitude 0.75-1.75 widths below the tip).
internal::FingerFound MeasureFinger(const Points& cells, double hand_degrees, std::optional<double> axis_degrees,
                                    const cv::Mat& energy) {
  double angle = axis_degrees.value_or(hand_degrees);
  bool own_axis = axis_degrees.has_value();
  auto along = [&](const cv::Point2d& p, double degrees) {
    const double a = Radians(degrees);
    return -p.x * std::sin(a) - p.y * std::cos(a);
  };
  auto across = [&](const cv::Point2d& p, double degrees) {
    const double a = Radians(degrees);
    return p.x * std::cos(a) - p.y * std::sin(a);
  };
  auto extent = [&](double degrees, double tip, double depth, double* low, double* high) {
    std::vector<double> c;
    for (const auto& p : cells.at) {
      if (along(p, degrees) >= tip - depth) c.push_back(across(p, degrees));
    }
    std::sort(c.begin(), c.end());
    *low = c[static_cast<std::size_t>(0.02 * static_cast<double>(c.size() - 1))];
    *high = c[static_cast<std::size_t>(0.98 * static_cast<double>(c.size() - 1))];
  };
  auto tip_of = [&](double degrees) {
    double tip = -1e18;
    for (const auto& p : cells.at) tip = std::max(tip, along(p, degrees));
    return tip + kCell / 2.0;
  };
  double width = 0;
  for (int round = 0; round < 2; ++round) {
    const double tip = tip_of(angle);
    double low = 0, high = 0;
    extent(angle, tip, width > 0 ? 1.4 * width : kTipBand, &low, &high);
    width = high - low + kCell;
    // Principal axis of the tip region.
    double mx = 0, my = 0;
    int n = 0;
    for (const auto& p : cells.at) {
      if (along(p, angle) < tip - 1.6 * width) continue;
      mx += p.x;
      my += p.y;
      ++n;
    }
    if (n < 8) break;
    mx /= n;
    my /= n;
    double sxx = 0, syy = 0, sxy = 0;
    for (const auto& p : cells.at) {
      if (along(p, angle) < tip - 1.6 * width) continue;
      sxx += (p.x - mx) * (p.x - mx);
      syy += (p.y - my) * (p.y - my);
      sxy += (p.x - mx) * (p.y - my);
    }
    const double half_trace = (sxx + syy) / 2, det = sxx * syy - sxy * sxy;
    const double root = std::sqrt(std::max(0.0, half_trace * half_trace - det));
    const double major = half_trace + root, minor = std::max(1e-9, half_trace - root);
    // Too round to say which way the finger points, or the phalanx below already said it.
    if (major / minor < 1.6 || axis_degrees.has_value()) continue;
    // Major axis direction (ex, ey), turned to point towards the tip.
    double ex = sxy, ey = major - sxx;
    if (std::abs(ex) + std::abs(ey) < 1e-9) {
      ex = sxx >= syy ? 1 : 0;
      ey = sxx >= syy ? 0 : 1;
    }
    const double a = Radians(hand_degrees);
    if (ex * -std::sin(a) + ey * -std::cos(a) < 0) {
      ex = -ex;
      ey = -ey;
    }
    const double candidate = std::atan2(-ex, -ey) * 180.0 / kPi;
    double turn = candidate - hand_degrees;
    while (turn > 180) turn -= 360;
    while (turn < -180) turn += 360;
    angle = hand_degrees + std::clamp(turn, -30.0, 30.0);
    own_axis = true;
  }
  const double tip = tip_of(angle);
  double low = 0, high = 0;
  extent(angle, tip, 1.4 * width, &low, &high);
  width = high - low + kCell;
  double bottom = 1e18;
  for (const auto& p : cells.at) bottom = std::min(bottom, along(p, angle));
  const double region_length = tip - (bottom - kCell / 2.0);

  // Ridge amplitude along the finger's centre line (the central half of its width).
  internal::FingerFound found;
  const double mid = (low + high) / 2;
  const double probe_length = std::min(region_length, 1.9 * width);
  RotatedBox probe;
  probe.width = std::max(8.0, width / 2);
  probe.height = std::max(8.0, probe_length);
  probe.angle_degrees = angle;
  const double a = Radians(angle);
  const double tx = -std::sin(a), ty = -std::cos(a), nx = std::cos(a), ny = -std::sin(a);
  auto point = [&](double s, double c) {
    // along = s, across = c  =>  p = s * t + c * n (t, n orthonormal)
    return cv::Point2d(s * tx + c * nx, s * ty + c * ny);
  };
  const cv::Point2d probe_centre = point(tip - probe.height / 2, mid);
  probe.centre_x = probe_centre.x;
  probe.centre_y = probe_centre.y;
  cv::Mat strip = Upright(energy, probe, 0);
  cv::Mat rows;
  cv::reduce(strip, rows, 1, cv::REDUCE_AVG, CV_64F);
  std::vector<double> profile(static_cast<std::size_t>(rows.rows));
  for (int i = 0; i < rows.rows; ++i) profile[static_cast<std::size_t>(i)] = rows.at<double>(i, 0);
  profile = Smooth(profile, 4.0);
  double length = std::min(region_length, kDefaultPhalanxAspect * width);
  found.cut = internal::CutKind::kRegionEnd;
  if (region_length > kDefaultPhalanxAspect * width) found.cut = internal::CutKind::kDefaultLength;
  if (!profile.empty()) {
    const auto from = static_cast<std::size_t>(std::clamp(0.3 * width, 0.0, static_cast<double>(profile.size() - 1)));
    const auto to = static_cast<std::size_t>(std::clamp(0.7 * width, 0.0, static_cast<double>(profile.size() - 1)));
    std::vector<double> pad(profile.begin() + static_cast<std::ptrdiff_t>(from),
                            profile.begin() + static_cast<std::ptrdiff_t>(to) + 1);
    std::nth_element(pad.begin(), pad.begin() + static_cast<std::ptrdiff_t>(pad.size() / 2), pad.end());
    const double pad_level = pad[pad.size() / 2];
    const auto search_from = static_cast<std::size_t>(0.75 * width);
    const auto search_to = std::min(profile.size(), static_cast<std::size_t>(1.75 * width));
    std::size_t best = 0;
    for (std::size_t i = search_from; i + 8 < search_to; ++i) {
      if (best == 0 || profile[i] < profile[best]) best = i;
    }
    // A crease: ridge amplitude drops below half the pad's, and ridges resume below it.
    bool resumes = false;
    for (std::size_t i = best; i < profile.size() && best != 0; ++i) resumes |= profile[i] > 0.7 * pad_level;
    if (best != 0 && profile[best] < 0.5 * pad_level && resumes) {
      length = static_cast<double>(best);
      found.cut = internal::CutKind::kCrease;
    }
  }
  const cv::Point2d centre = point(tip - length / 2, mid);
  found.box.centre_x = centre.x;
  found.box.centre_y = centre.y;
  found.box.width = width;
  found.box.height = length;
  found.box.angle_degrees = angle;
  found.own_axis = own_axis;
  return found;
}

// The hand angle from the blobs' own axes: the area-weighted median direction (towards the top of
// the image) of the blobs elongated enough to show one (kMinAxisElongation).
// Returns false when no blob does.
bool HandAngleFromBlobs(const cv::Mat& mask, double* degrees) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  std::vector<std::pair<double, double>> angles;  // (degrees, weight)
  double total = 0;
  for (int label = 1; label < count; ++label) {
    const cv::Mat own = labels == label;
    const cv::Moments m = cv::moments(own, true);
    if (m.m00 * kCell * kCell < kMinFingerArea) continue;
    const double mu20 = m.mu20 / m.m00, mu02 = m.mu02 / m.m00, mu11 = m.mu11 / m.m00;
    const double half_trace = (mu20 + mu02) / 2, det = mu20 * mu02 - mu11 * mu11;
    const double root = std::sqrt(std::max(0.0, half_trace * half_trace - det));
    const double major = half_trace + root, minor = std::max(1e-9, half_trace - root);
    if (major / minor < kMinAxisElongation) continue;
    double ex = mu11, ey = major - mu20;
    if (std::abs(ex) + std::abs(ey) < 1e-12) {
      ex = 0;
      ey = 1;
    }
    if (ey > 0) {  // point up the image
      ex = -ex;
      ey = -ey;
    }
    const double angle = std::atan2(-ex, -ey) * 180.0 / kPi;
    if (std::abs(angle) > 50) continue;  // a blob lying across: not a finger's axis
    angles.emplace_back(angle, m.m00);
    total += m.m00;
  }
  if (angles.empty()) return false;
  std::sort(angles.begin(), angles.end());
  double seen = 0;
  for (const auto& [angle, weight] : angles) {
    seen += weight;
    if (seen >= total / 2) {
      *degrees = angle;
      return true;
    }
  }
  *degrees = angles.back().first;
  return true;
}

// A candidate finger on the turned cell grid.
struct Piece {
  int left = 0, right = 0, top = 0, bottom = 0;  // cell bounds, right and bottom exclusive
  std::vector<cv::Point> cells;
  // The direction from the centre of the phalanges printed below this fingertip to its own centre
  // (degrees, as RotatedBox, in the turned frame); absent when nothing is printed below it.
  std::optional<double> axis_degrees;
};

// The candidate fingers of the turned mask (fingers upright): its compact blobs (solidity at
// least 0.5 and both sides at least 96 px: handwriting, printed text and card lines are not),
// blobs wider than a finger (touching fingers) split at their column profile's valleys, and no
// blob that lies below another one over the same columns (a middle or proximal phalanx).
std::vector<Piece> FingerPieces(const cv::Mat& turned, SlapKind kind, std::vector<std::string>* notes) {
  const bool thumbs = kind != SlapKind::kRightFour && kind != SlapKind::kLeftFour;
  const bool single = kind == SlapKind::kRightThumb || kind == SlapKind::kLeftThumb;
  const int widest = static_cast<int>((thumbs ? 600.0 : 440.0) / kCell);
  const int min_side = static_cast<int>(96 / kCell);
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(turned, labels, stats, centroids, 8, CV_32S);
  std::vector<Piece> pieces;
  int marks = 0;
  for (int label = 1; label < count; ++label) {
    const int left = stats.at<int>(label, cv::CC_STAT_LEFT), top = stats.at<int>(label, cv::CC_STAT_TOP);
    const int width = stats.at<int>(label, cv::CC_STAT_WIDTH), height = stats.at<int>(label, cv::CC_STAT_HEIGHT);
    std::vector<cv::Point> cells;
    for (int y = top; y < top + height; ++y) {
      for (int x = left; x < left + width; ++x) {
        if (labels.at<int>(y, x) == label) cells.emplace_back(x, y);
      }
    }
    if (static_cast<double>(cells.size()) * kCell * kCell < kMinFingerArea) continue;
    std::vector<cv::Point> hull;
    cv::convexHull(cells, hull);
    const double solidity = static_cast<double>(cells.size()) /
                            std::max(1.0, cv::contourArea(hull) + 0.5 * static_cast<double>(hull.size()));
    if (solidity < 0.5 || width < min_side || height < min_side) {
      ++marks;
      continue;
    }
    std::vector<std::pair<int, int>> bands = {{left, left + width}};
    if (width > widest && !single) {
      cv::Mat own = labels(cv::Rect(left, 0, width, labels.rows)) == label;
      std::vector<double> profile = TipProfile(own, cv::Point2f(0, 0), 0, nullptr);
      bands = FingerBands(profile);
      for (auto& band : bands) {
        band.first += left;
        band.second += left;
      }
    }
    for (const auto& [begin, end] : bands) {
      Piece piece;
      piece.left = end;
      piece.right = begin;
      piece.top = labels.rows;
      piece.bottom = 0;
      for (const cv::Point& cell : cells) {
        if (cell.x < begin || cell.x >= end) continue;
        piece.cells.push_back(cell);
        piece.left = std::min(piece.left, cell.x);
        piece.right = std::max(piece.right, cell.x + 1);
        piece.top = std::min(piece.top, cell.y);
        piece.bottom = std::max(piece.bottom, cell.y + 1);
      }
      if (static_cast<double>(piece.cells.size()) * kCell * kCell >= kMinFingerArea) pieces.push_back(std::move(piece));
    }
  }
  if (marks > 0) notes->push_back(std::to_string(marks) + " ridge-like marks that are not finger-shaped left out");
  // Lower phalanges: below another piece, over the same columns. They give their fingertip its axis.
  auto lies_below = [](const Piece& p, const Piece& q) {
    const int overlap = std::min(p.right, q.right) - std::max(p.left, q.left);
    const int narrower = std::min(p.right - p.left, q.right - q.left);
    return overlap > 0.4 * narrower && p.top >= q.bottom - 0.25 * (q.bottom - q.top) &&
           static_cast<double>(q.cells.size()) >= 0.35 * static_cast<double>(p.cells.size());
  };
  auto centroid = [](const Piece& p) {
    cv::Point2d sum(0, 0);
    for (const cv::Point& cell : p.cells) sum += cv::Point2d(cell.x, cell.y);
    return sum * (1.0 / static_cast<double>(p.cells.size()));
  };
  std::vector<Piece> tips;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    bool below = false;
    for (std::size_t j = 0; j < pieces.size() && !below; ++j) below = i != j && lies_below(pieces[i], pieces[j]);
    if (below) continue;
    Piece tip = pieces[i];
    // The piece below it sharing most of its columns: its middle phalanx.
    const Piece* lower = nullptr;
    int most = 0;
    for (std::size_t j = 0; j < pieces.size(); ++j) {
      // (A piece much wider than the fingertip is two phalanges run together: no axis from it.)
      if (i == j || !lies_below(pieces[j], pieces[i]) ||
          pieces[j].right - pieces[j].left > 1.3 * (tip.right - tip.left)) {
        continue;
      }
      const int overlap = std::min(pieces[j].right, tip.right) - std::max(pieces[j].left, tip.left);
      if (overlap > most) {
        most = overlap;
        lower = &pieces[j];
      }
    }
    if (lower != nullptr) {
      const cv::Point2d d = centroid(tip) - centroid(*lower);
      if (std::hypot(d.x, d.y) > 0) tip.axis_degrees = std::atan2(-d.x, -d.y) * 180.0 / kPi;
    }
    tips.push_back(std::move(tip));
  }
  return tips;
}

}  // namespace

std::array<std::array<double, 2>, 4> RotatedBox::Corners() const {
  const double a = Radians(angle_degrees);
  const double tx = -std::sin(a), ty = -std::cos(a), nx = std::cos(a), ny = -std::sin(a);
  std::array<std::array<double, 2>, 4> corners{};
  const double signs[4][2] = {{-1, 1}, {1, 1}, {1, -1}, {-1, -1}};  // (across, along) of TL TR BR BL
  for (int i = 0; i < 4; ++i) {
    const double c = signs[i][0] * width / 2, s = signs[i][1] * height / 2;
    corners[static_cast<std::size_t>(i)] = {centre_x + c * nx + s * tx, centre_y + c * ny + s * ty};
  }
  return corners;
}

std::array<int, 4> RotatedBox::Bounds(int image_width, int image_height) const {
  double left = 1e18, top = 1e18, right = -1e18, bottom = -1e18;
  for (const auto& corner : Corners()) {
    left = std::min(left, corner[0]);
    right = std::max(right, corner[0]);
    top = std::min(top, corner[1]);
    bottom = std::max(bottom, corner[1]);
  }
  auto clip = [](double v, int high) {
    return static_cast<int>(std::clamp(std::lround(v), 0L, static_cast<long>(high)));
  };
  return {clip(left, image_width), clip(top, image_height), clip(right, image_width), clip(bottom, image_height)};
}

Result<SlapSegmentation> SegmentSlap(const GrayImage& input, SlapKind kind, const std::string& source,
                                     const SlapSegmenterOptions& options) {
  if (input.width <= 0 || input.height <= 0 || input.pixels.empty()) {
    return Status::InvalidArgument(source + ": empty image: nothing to segment");
  }
  if (input.pixels.size() != static_cast<std::size_t>(input.width) * static_cast<std::size_t>(input.height)) {
    return Status::InvalidArgument(source + ": image holds " + std::to_string(input.pixels.size()) +
                                   " pixels, expected " + std::to_string(input.width) + "x" +
                                   std::to_string(input.height));
  }
  if (input.width < kMinFingerprintSide || input.height < kMinFingerprintSide || input.width > kMaxFingerprintSide ||
      input.height > kMaxFingerprintSide) {
    return Status::InvalidArgument(source + ": image " + std::to_string(input.width) + "x" +
                                   std::to_string(input.height) + " outside the accepted slap size (" +
                                   std::to_string(kMinFingerprintSide) + "-" + std::to_string(kMaxFingerprintSide) +
                                   " pixels per side)");
  }
  GrayImage image = ResampleToStandardResolution(input);
  const cv::Mat gray(image.height, image.width, CV_8UC1, image.pixels.data());
  const cv::Mat energy = RidgeEnergy(gray);
  const cv::Mat ridge_mask = RidgeMask(energy);
  if (cv::countNonZero(ridge_mask) == 0) {
    return Status::InvalidArgument(source + ": no finger found: no ridge area of at least 90x90 pixels");
  }
  // Padded to its diagonal so that no turn below cuts a finger off.
  const int diagonal = static_cast<int>(std::ceil(std::hypot(ridge_mask.cols, ridge_mask.rows))) + 2;
  const cv::Point offset((diagonal - ridge_mask.cols) / 2, (diagonal - ridge_mask.rows) / 2);
  cv::Mat mask = cv::Mat::zeros(diagonal, diagonal, CV_8U);
  ridge_mask.copyTo(mask(cv::Rect(offset, ridge_mask.size())));

  // The hand angle: from the blobs' own axes; when no blob is elongated enough to show one, the
  // turn (within 24 degrees) whose tip-weighted column profile is most concentrated, if clearly
  // more than upright's (projection profiles as NIST's nfseg documents them).
  cv::Moments moments = cv::moments(mask, true);
  const cv::Point2f centre(static_cast<float>(moments.m10 / moments.m00),
                           static_cast<float>(moments.m01 / moments.m00));
  double best_turn = 0;
  double blob_angle = 0;
  if (HandAngleFromBlobs(mask, &blob_angle)) {
    best_turn = -blob_angle;
  } else {
    auto concentration = [&](int turn) {
      double sum = 0, squares = 0;
      for (double v : TipProfile(mask, centre, turn, nullptr)) {
        sum += v;
        squares += v * v;
      }
      return sum > 0 ? squares / (sum * sum) : 0.0;
    };
    const double upright = concentration(0);
    double best_score = upright * 1.05;
    for (int turn = -24; turn <= 24; turn += 3) {
      const double score = concentration(turn);
      if (score > best_score) {
        best_score = score;
        best_turn = turn;
      }
    }
  }
  // Turning the image by best_turn made the fingers upright: the hand is turned by -best_turn.
  SlapSegmentation result;
  result.kind = kind;
  result.hand_angle_degrees = -best_turn;
  cv::Mat turned;
  TipProfile(mask, centre, best_turn, &turned);
  std::vector<std::string> piece_notes;
  std::vector<Piece> pieces = FingerPieces(turned, kind, &piece_notes);
  // Where phalanges printed below the fingertips give at least two fingers their axis, their
  // median is the better hand angle: turn once more.
  std::vector<double> leans;
  for (const Piece& piece : pieces) {
    if (piece.axis_degrees.has_value()) leans.push_back(std::clamp(*piece.axis_degrees, -30.0, 30.0));
  }
  if (leans.size() >= 2) {
    std::nth_element(leans.begin(), leans.begin() + static_cast<std::ptrdiff_t>(leans.size() / 2), leans.end());
    const double lean = leans[leans.size() / 2];
    if (std::abs(lean) >= 3) {
      best_turn -= lean;
      result.hand_angle_degrees = -best_turn;
      TipProfile(mask, centre, best_turn, &turned);
      piece_notes.clear();
      pieces = FingerPieces(turned, kind, &piece_notes);
    }
  }
  result.notes = piece_notes;
  const cv::Mat back = cv::getRotationMatrix2D(centre, -best_turn, 1.0);
  std::vector<internal::FingerFound> fingers;
  std::vector<Points> finger_cells;
  for (const Piece& piece : pieces) {
    Points cells;
    for (const cv::Point& cell : piece.cells) {
      const double x = back.at<double>(0, 0) * cell.x + back.at<double>(0, 1) * cell.y + back.at<double>(0, 2);
      const double y = back.at<double>(1, 0) * cell.x + back.at<double>(1, 1) * cell.y + back.at<double>(1, 2);
      cells.at.emplace_back((x - offset.x + 0.5) * kCell, (y - offset.y + 0.5) * kCell);
    }
    std::optional<double> axis;
    if (piece.axis_degrees.has_value()) {
      double turn = *piece.axis_degrees;  // in the turned frame: the finger's lean from the hand's axis
      axis = result.hand_angle_degrees + std::clamp(turn, -30.0, 30.0);
    }
    internal::FingerFound finger = MeasureFinger(cells, result.hand_angle_degrees, axis, energy);
    finger.mass = static_cast<double>(cells.at.size());
    finger_cells.push_back(cells);
    fingers.push_back(finger);
  }
  if (fingers.empty()) return Status::InvalidArgument(source + ": no finger found in the ridge area");
  result.fingers_found = static_cast<int>(fingers.size());

  ABIS_ASSIGN_OR_RETURN(internal::PositionAssignment assignment,
                        internal::AssignPositions(fingers, kind, result.hand_angle_degrees, image.width, image.height));
  result.notes.insert(result.notes.end(), assignment.notes.begin(), assignment.notes.end());
  result.missing_positions = assignment.missing_positions;
  // A finger whose shape showed no axis of its own leans as its position does in a flat hand.
  for (std::size_t i = 0; i < fingers.size(); ++i) {
    if (fingers[i].own_axis || assignment.positions[i] == 0) continue;
    const double lean = internal::FingerLeanDegrees(assignment.positions[i]);
    if (lean != 0) {
      fingers[i] = MeasureFinger(finger_cells[i], result.hand_angle_degrees, result.hand_angle_degrees + lean, energy);
    }
  }
  for (std::size_t i = 0; i < fingers.size(); ++i) {
    if (assignment.positions[i] == 0) continue;
    SlapSegment segment;
    segment.position = assignment.positions[i];
    segment.box = fingers[i].box;
    const cv::Mat crop = Upright(gray, segment.box, 255);
    segment.crop.width = crop.cols;
    segment.crop.height = crop.rows;
    segment.crop.resolution_ppi = kStandardResolutionPpi;
    segment.crop.pixels.assign(crop.datastart, crop.dataend);
    if (!crop.isContinuous()) segment.crop.pixels.clear();
    if (options.measure_quality) {
      ExtractorOptions extractor;
      extractor.min_quality = options.min_quality;
      extractor.apply_quality_gate = false;
      auto print = ExtractPrint(segment.crop, extractor);
      if (!print.ok()) {
        segment.quality = 0;
        segment.quality_problem = print.status().message();
      } else {
        segment.quality = print->quality.score;
        const Status gate = CheckPrintQuality(print->quality, options.min_quality);
        if (!gate.ok()) segment.quality_problem = gate.message();
      }
    }
    result.segments.push_back(std::move(segment));
  }
  const std::vector<int> order = SlapPositions(kind);
  auto slot = [&](int position) { return std::find(order.begin(), order.end(), position) - order.begin(); };
  std::sort(result.segments.begin(), result.segments.end(),
            [&](const SlapSegment& a, const SlapSegment& b) { return slot(a.position) < slot(b.position); });
  return result;
}

}  // namespace abis::finger
