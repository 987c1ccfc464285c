// ComposeSlap: prints placed as the fingers of a slap with known boxes (slap_composer.h).
#include "abis/finger_extract/slap_composer.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"
#include "synth/random.h"

namespace abis::finger {

namespace {
constexpr double kPi = 3.14159265358979323846;
// Tip drop below the middle finger, in pixels, per slot of a right slap (index, middle, ring,
// little); a left slap mirrors it.
constexpr double kRightTipDrop[4] = {110, 0, 70, 280};
// Lean of each finger (degrees, counter-clockwise) per unit of fan, right slap image order.
constexpr double kRightFan[4] = {0.8, 0.0, -0.6, -1.5};
constexpr double kCreaseGap = 18;  // pixels of white between the distal and the middle phalanx

// Affine map from print coordinates to slap coordinates: `centre` is where the print point
// `origin` lands, turned counter-clockwise by `degrees`.
cv::Mat Placement(cv::Point2d origin, cv::Point2d centre, double degrees) {
  const double a = degrees * kPi / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  // Counter-clockwise on screen (y down): (x, y) -> (x c + y s, -x s + y c).
  cv::Mat m(2, 3, CV_64F);
  m.at<double>(0, 0) = c;
  m.at<double>(0, 1) = s;
  m.at<double>(1, 0) = -s;
  m.at<double>(1, 1) = c;
  m.at<double>(0, 2) = centre.x - (c * origin.x + s * origin.y);
  m.at<double>(1, 2) = centre.y - (-s * origin.x + c * origin.y);
  return m;
}

// Darkens `canvas` with `patch` (grey, light background) where `weight` (0-1) says.
void Stamp(cv::Mat& canvas, const cv::Mat& patch, const cv::Mat& weight) {
  for (int y = 0; y < canvas.rows; ++y) {
    auto* row = canvas.ptr<float>(y);
    const auto* p = patch.ptr<float>(y);
    const auto* w = weight.ptr<float>(y);
    for (int x = 0; x < canvas.cols; ++x) {
      if (w[x] <= 0) continue;
      const float value = w[x] * p[x] + (1 - w[x]) * 255.0F;
      row[x] = std::min(row[x], value);
    }
  }
}

}  // namespace

Result<ComposedSlap> ComposeSlap(const std::vector<GrayImage>& prints, const SlapComposition& composition) {
  const std::vector<int> positions = SlapPositions(composition.kind);
  if (prints.size() != positions.size()) {
    return Status::InvalidArgument("a " + std::string(SlapKindName(composition.kind)) + " slap takes " +
                                   std::to_string(positions.size()) + " prints, got " + std::to_string(prints.size()));
  }
  if (composition.width < 256 || composition.height < 256 || composition.width > 4096 || composition.height > 4096) {
    return Status::InvalidArgument("slap size " + std::to_string(composition.width) + "x" +
                                   std::to_string(composition.height) + " outside 256-4096 pixels per side");
  }
  for (int missing : composition.missing_positions) {
    if (std::find(positions.begin(), positions.end(), missing) == positions.end()) {
      return Status::InvalidArgument("missing position " + std::to_string(missing) + " is not a finger of a " +
                                     std::string(SlapKindName(composition.kind)) + " slap");
    }
  }
  synth::Random random(composition.seed, 0x51A9);
  const int slots = static_cast<int>(positions.size());
  const bool four = slots == 4;
  const bool right = composition.kind == SlapKind::kRightFour;
  cv::Mat canvas(composition.height, composition.width, CV_32F, cv::Scalar(255));
  const double pitch = four ? 330 + random.Uniform(-15, 25) : 640 + random.Uniform(-40, 40);
  const cv::Point2d hand(composition.width / 2.0 + random.Uniform(-40, 40),
                         composition.height / 2.0 + random.Uniform(-20, 20));
  const double top = composition.height * 0.12 + random.Uniform(0, 30);
  ComposedSlap out;
  for (int slot = 0; slot < slots; ++slot) {
    const int position = positions[static_cast<std::size_t>(slot)];
    // Draw the jitter for every slot, so a missing finger does not move the others.
    const double drop_jitter = random.Uniform(-25, 25), lean_jitter = random.Uniform(-3, 3),
                 across_jitter = random.Uniform(-15, 15);
    if (std::find(composition.missing_positions.begin(), composition.missing_positions.end(), position) !=
        composition.missing_positions.end()) {
      continue;
    }
    const GrayImage& print = prints[static_cast<std::size_t>(slot)];
    if (print.width <= 0 || print.height <= 0 ||
        print.pixels.size() != static_cast<std::size_t>(print.width) * static_cast<std::size_t>(print.height)) {
      return Status::InvalidArgument("print " + std::to_string(slot + 1) + " is empty or inconsistent");
    }
    const cv::Mat gray(print.height, print.width, CV_8UC1, const_cast<std::uint8_t*>(print.pixels.data()));
    const cv::Mat ridge = extractor::SegmentFingerprint(gray);
    const cv::Rect area = cv::boundingRect(ridge);
    if (area.area() == 0) return Status::InvalidArgument("print " + std::to_string(slot + 1) + " holds no ridge area");
    cv::Mat source, weight;
    gray.convertTo(source, CV_32F);
    ridge.convertTo(weight, CV_32F, 1.0 / 255);
    cv::GaussianBlur(weight, weight, cv::Size(0, 0), 3.0);

    const int mirrored = right || !four ? slot : slots - 1 - slot;
    const double drop = four ? kRightTipDrop[mirrored] + drop_jitter : drop_jitter;
    double lean = four ? kRightFan[mirrored] * composition.fan_degrees : (slot == 0 ? -1 : 1) * composition.fan_degrees;
    if (four && !right) lean = -lean;
    lean += lean_jitter;
    const double angle = composition.hand_angle_degrees + lean;
    // Upright hand frame: the print's ridge area centre sits at (across, tip + half its height).
    const cv::Point2d local(hand.x + (slot - (slots - 1) / 2.0) * pitch + across_jitter,
                            top + drop + area.height / 2.0);
    const double h = composition.hand_angle_degrees * kPi / 180.0;
    const cv::Point2d offset = local - hand;
    const cv::Point2d centre(hand.x + offset.x * std::cos(h) + offset.y * std::sin(h),
                             hand.y - offset.x * std::sin(h) + offset.y * std::cos(h));
    const cv::Point2d origin(area.x + area.width / 2.0, area.y + area.height / 2.0);
    const cv::Mat place = Placement(origin, centre, angle);
    if (composition.middle_phalanges) {
      // The print's upper part, fainter, as a middle phalanx below a white crease.
      const int length = static_cast<int>(area.height * 0.7);
      const cv::Rect part(area.x, area.y, area.width, std::max(1, length));
      const cv::Point2d phalanx_origin(area.x + area.width / 2.0, area.y - area.height / 2.0 - kCreaseGap);
      const cv::Mat phalanx_place = Placement(phalanx_origin, centre, angle);
      cv::Mat faded = 255 - (255 - source) * 0.75;
      cv::Mat phalanx_weight = cv::Mat::zeros(weight.size(), CV_32F);
      weight(part).copyTo(phalanx_weight(part));
      cv::Mat patch, patch_weight;
      cv::warpAffine(faded, patch, phalanx_place, canvas.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 255);
      cv::warpAffine(phalanx_weight, patch_weight, phalanx_place, canvas.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                     0);
      Stamp(canvas, patch, patch_weight);
    }
    cv::Mat patch, patch_weight;
    cv::warpAffine(source, patch, place, canvas.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 255);
    cv::warpAffine(weight, patch_weight, place, canvas.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    Stamp(canvas, patch, patch_weight);
    ComposedFinger finger;
    finger.position = position;
    finger.box = {centre.x, centre.y, static_cast<double>(area.width), static_cast<double>(area.height), angle};
    out.fingers.push_back(finger);
  }
  // Sensor noise.
  for (int y = 0; y < canvas.rows; ++y) {
    auto* row = canvas.ptr<float>(y);
    for (int x = 0; x < canvas.cols; ++x) row[x] += static_cast<float>(2.0 * random.Normal());
  }
  cv::Mat bytes;
  canvas.convertTo(bytes, CV_8U);
  out.image.width = bytes.cols;
  out.image.height = bytes.rows;
  out.image.resolution_ppi = kStandardResolutionPpi;
  out.image.pixels.assign(bytes.datastart, bytes.dataend);
  out.missing_positions = composition.missing_positions;
  std::sort(out.missing_positions.begin(), out.missing_positions.end());
  return out;
}

}  // namespace abis::finger
