// Impression rendering. Geometry: a master point q maps to the impression point
// p = centre + shift + R(phi) (q - master_centre), then an elastic displacement grows with the
// distance from the contact centre, as skin stretches most away from where it is pressed
// (after Cappelli, Maio & Maltoni's plastic distortion model, simplified to a smooth random
// field). Appearance: pressure shifts the ridge/valley threshold, dry patches break ridges,
// the background is the sensor's light grey, noise and a slight blur come last.
#include "synth/impression.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace abis::finger::synth {
namespace {

constexpr double kBackground = 232;
constexpr double kMinDistanceToContactEdge = 10;  // ground-truth minutiae nearer are dropped

struct Geometry {
  double cos_phi = 1, sin_phi = 0;
  double shift_x = 0, shift_y = 0;
  double image_cx = 0, image_cy = 0, master_cx = 0, master_cy = 0;
  // Elastic field: sum of two low-frequency waves per axis, amplitude rising off-centre.
  double amplitude = 0, fx[2] = {0, 0}, fy[2] = {0, 0}, px[2] = {0, 0}, py[2] = {0, 0};

  cv::Point2d Elastic(double u, double v) const {
    double r = std::hypot(u - image_cx, v - image_cy) / image_cx;
    double a = amplitude * std::min(1.5, r);
    return {a * (std::sin(fx[0] * u + px[0]) + std::sin(fy[0] * v + py[0])) / 2,
            a * (std::sin(fx[1] * u + px[1]) + std::sin(fy[1] * v + py[1])) / 2};
  }
  // Impression pixel -> master pixel.
  cv::Point2d ToMaster(double u, double v) const {
    double du = u - image_cx - shift_x, dv = v - image_cy - shift_y;
    cv::Point2d e = Elastic(u, v);
    return {master_cx + cos_phi * du - sin_phi * dv + e.x, master_cy + sin_phi * du + cos_phi * dv + e.y};
  }
  // Master pixel -> impression pixel (the elastic term inverted by fixed-point iteration).
  cv::Point2d ToImpression(double x, double y) const {
    cv::Point2d p(0, 0);
    cv::Point2d e(0, 0);
    for (int i = 0; i < 4; ++i) {
      double X = x - e.x - master_cx, Y = y - e.y - master_cy;
      p = {image_cx + shift_x + cos_phi * X + sin_phi * Y, image_cy + shift_y - sin_phi * X + cos_phi * Y};
      e = Elastic(p.x, p.y);
    }
    return p;
  }
};

}  // namespace

SyntheticImpression RenderImpression(Random& random, const MasterFingerprint& master, SynthImageSize size, bool first) {
  SyntheticImpression impression;
  double spread = first ? 0.4 : 1.0;
  double phi_degrees = std::clamp(random.Normal() * 9.0 * spread, -25.0, 25.0);
  impression.rotation_degrees = phi_degrees;
  impression.shift_x = std::clamp(random.Normal() * 16.0 * spread, -40.0, 40.0);
  impression.shift_y = std::clamp(random.Normal() * 16.0 * spread, -40.0, 40.0);

  Geometry g;
  double phi = phi_degrees * M_PI / 180;
  g.cos_phi = std::cos(phi);
  g.sin_phi = std::sin(phi);
  g.shift_x = impression.shift_x;
  g.shift_y = impression.shift_y;
  g.image_cx = size.width / 2.0;
  g.image_cy = size.height / 2.0;
  g.master_cx = master.ridges.cols / 2.0;
  g.master_cy = master.ridges.rows / 2.0;
  g.amplitude = random.Uniform(1.0, 5.0);
  for (int i = 0; i < 2; ++i) {
    g.fx[i] = 2 * M_PI / random.Uniform(150, 400);
    g.fy[i] = 2 * M_PI / random.Uniform(150, 400);
    g.px[i] = random.Uniform(0, 2 * M_PI);
    g.py[i] = random.Uniform(0, 2 * M_PI);
  }

  cv::Mat map_x(size.height, size.width, CV_32F), map_y(size.height, size.width, CV_32F);
  for (int v = 0; v < size.height; ++v) {
    for (int u = 0; u < size.width; ++u) {
      cv::Point2d q = g.ToMaster(u, v);
      map_x.at<float>(v, u) = static_cast<float>(q.x);
      map_y.at<float>(v, u) = static_cast<float>(q.y);
    }
  }
  cv::Mat ridges, finger;
  cv::remap(master.ridges, ridges, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(-1));
  cv::remap(master.finger_area, finger, map_x, map_y, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));

  // Contact area: the finger outline cut by an ellipse where it pressed on the sensor.
  cv::Mat contact = cv::Mat::zeros(ridges.size(), CV_8U);
  cv::Point contact_centre(static_cast<int>(g.image_cx + impression.shift_x * 0.5 + random.Normal() * 12 * spread),
                           static_cast<int>(g.image_cy + impression.shift_y * 0.5 + random.Normal() * 12 * spread));
  cv::Size axes(static_cast<int>(size.width * random.Uniform(0.34, 0.46)), static_cast<int>(size.height * random.Uniform(0.36, 0.47)));
  cv::ellipse(contact, contact_centre, axes, random.Uniform(-15, 15), 0, 360, cv::Scalar(255), cv::FILLED);
  contact &= finger;

  // Dry patches: a smooth random field; where it is high, ridges fade.
  cv::Mat dryness(size.height / 16 + 1, size.width / 16 + 1, CV_32F);
  for (int y = 0; y < dryness.rows; ++y) {
    for (int x = 0; x < dryness.cols; ++x) dryness.at<float>(y, x) = static_cast<float>(random.Normal());
  }
  cv::GaussianBlur(dryness, dryness, {0, 0}, 1.2);
  cv::resize(dryness, dryness, ridges.size(), 0, 0, cv::INTER_CUBIC);
  double dry_level = random.Uniform(0.5, 1.2);

  double pressure = random.Uniform(-0.3, 0.25);  // > 0 thick ridges (wet), < 0 thin (dry)
  double contrast = random.Uniform(120, 180);
  double noise = random.Uniform(4, 11);
  cv::Mat soft_contact;
  contact.convertTo(soft_contact, CV_32F, 1.0 / 255);
  cv::GaussianBlur(soft_contact, soft_contact, {0, 0}, 3);

  cv::Mat grey(size.height, size.width, CV_32F);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      double ridge = std::tanh(3.0 * (ridges.at<float>(y, x) + pressure));
      double fade = std::clamp(1.0 - 0.7 * (dryness.at<float>(y, x) - dry_level), 0.25, 1.0);
      double darkness = contrast * (ridge + 1) / 2 * fade * soft_contact.at<float>(y, x);
      grey.at<float>(y, x) = static_cast<float>(kBackground - darkness + noise * random.Normal());
    }
  }
  cv::GaussianBlur(grey, grey, {0, 0}, 0.7);
  cv::Mat pixels;
  grey.convertTo(pixels, CV_8U);
  impression.image.width = size.width;
  impression.image.height = size.height;
  impression.image.resolution_ppi = kStandardResolutionPpi;
  impression.image.pixels.assign(pixels.data, pixels.data + pixels.total());

  cv::Mat edge_distance;
  cv::distanceTransform(contact, edge_distance, cv::DIST_L2, 3);
  for (const Minutia& m : master.minutiae) {
    cv::Point2d p = g.ToImpression(m.x, m.y);
    int x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
    if (x < 0 || y < 0 || x >= size.width || y >= size.height) continue;
    if (edge_distance.at<float>(y, x) < kMinDistanceToContactEdge) continue;
    Minutia moved = m;
    moved.x = x;
    moved.y = y;
    moved.angle = std::fmod(m.angle + phi + 2 * M_PI, 2 * M_PI);
    impression.minutiae.push_back(moved);
  }
  return impression;
}

}  // namespace abis::finger::synth
