#include "abis/face/face_quality.h"

#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/imgproc.hpp>

namespace abis::face {
namespace {

constexpr std::string_view kRejectedPrefix = "face rejected (";
constexpr double kDegreesPerRadian = 180.0 / 3.14159265358979323846;
// In the ArcFace reference points the nose tip sits at 0.494 of the way from the eye line to
// the mouth line; frontal faces in the ORL set measure close to it.
constexpr double kFrontalNoseRatio = 0.494;

std::string Format(const char* format, double a, double b) {
  char text[160];
  std::snprintf(text, sizeof text, format, a, b);
  return text;
}

}  // namespace

std::string_view FaceRejectionName(FaceRejection rejection) {
  switch (rejection) {
    case FaceRejection::kNoFace: return "no_face";
    case FaceRejection::kMultipleFaces: return "multiple_faces";
    case FaceRejection::kTooSmall: return "too_small";
    case FaceRejection::kTooBlurred: return "too_blurred";
    case FaceRejection::kOffPose: return "off_pose";
  }
  return "unknown";
}

Status FaceRejected(FaceRejection rejection, std::string_view source, std::string_view detail) {
  return Status::InvalidArgument(std::string(kRejectedPrefix) + std::string(FaceRejectionName(rejection)) +
                                 "): " + std::string(detail) + " in " + std::string(source));
}

std::optional<FaceRejection> RejectionOf(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument) return std::nullopt;
  const std::string& message = status.message();
  const std::size_t at = message.find(kRejectedPrefix);
  if (at == std::string::npos) return std::nullopt;
  for (FaceRejection r : {FaceRejection::kNoFace, FaceRejection::kMultipleFaces, FaceRejection::kTooSmall,
                          FaceRejection::kTooBlurred, FaceRejection::kOffPose}) {
    const std::string tag = std::string(FaceRejectionName(r)) + ")";
    if (message.compare(at + kRejectedPrefix.size(), tag.size(), tag) == 0) return r;
  }
  return std::nullopt;
}

nlohmann::json FaceQuality::ToJson() const {
  auto round = [](double v, double unit) {
    const double inverse = std::round(1.0 / unit);
    return std::round(v * inverse) / inverse;
  };
  return {{"inter_eye_distance_px", round(inter_eye_distance_px, 0.01)},
          {"sharpness", round(sharpness, 0.01)},
          {"yaw_degrees", round(yaw_degrees, 0.1)},
          {"pitch_degrees", round(pitch_degrees, 0.1)},
          {"roll_degrees", round(roll_degrees, 0.1)},
          {"exposure_mean", round(exposure_mean, 0.1)},
          {"exposure_clipped", round(exposure_clipped, 0.0001)},
          {"detector_confidence", round(detector_confidence, 0.001)}};
}

FaceQuality MeasureFaceQuality(const FivePoints& points, const cv::Mat& aligned_bgr, double detector_confidence) {
  FaceQuality quality;
  quality.detector_confidence = detector_confidence;
  const cv::Point2d left_eye(points[0]);
  const cv::Point2d right_eye(points[1]);
  const cv::Point2d nose(points[2]);
  const cv::Point2d mouth = (cv::Point2d(points[3]) + cv::Point2d(points[4])) * 0.5;
  const cv::Point2d eye_axis = right_eye - left_eye;
  const double eye_distance = std::hypot(eye_axis.x, eye_axis.y);
  quality.inter_eye_distance_px = eye_distance;
  quality.roll_degrees = std::atan2(eye_axis.y, eye_axis.x) * kDegreesPerRadian;
  if (eye_distance > 1e-6) {
    // Express the nose in a face frame: u along the eye line, v perpendicular (downwards).
    const cv::Point2d u = eye_axis * (1.0 / eye_distance);
    const cv::Point2d v(-u.y, u.x);
    const cv::Point2d eye_mid = (left_eye + right_eye) * 0.5;
    const cv::Point2d nose_offset = nose - eye_mid;
    const cv::Point2d mouth_offset = mouth - eye_mid;
    // Nose tip depth in front of the eye plane ~ half the eye distance: a horizontal nose shift
    // of dx eye-distances means tan(yaw) ~ 2 dx (the eye distance shrinks by cos(yaw) too).
    const double dx = (nose_offset.x * u.x + nose_offset.y * u.y) / eye_distance;
    quality.yaw_degrees = std::atan(2.0 * dx) * kDegreesPerRadian;
    const double eye_to_mouth = mouth_offset.x * v.x + mouth_offset.y * v.y;
    if (eye_to_mouth > 1e-6) {
      const double ratio = (nose_offset.x * v.x + nose_offset.y * v.y) / eye_to_mouth;
      quality.pitch_degrees = std::atan(2.0 * (ratio - kFrontalNoseRatio)) * kDegreesPerRadian;
    }
  }
  if (!aligned_bgr.empty()) {
    cv::Mat grey;
    cv::cvtColor(aligned_bgr, grey, cv::COLOR_BGR2GRAY);
    // Inner region only: the warped border (constant black) would dominate the Laplacian.
    const cv::Rect inner(grey.cols / 8, grey.rows / 8, grey.cols * 3 / 4, grey.rows * 3 / 4);
    const cv::Mat face = grey(inner);
    cv::Mat laplacian;
    cv::Laplacian(face, laplacian, CV_64F);
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(laplacian, mean, deviation);
    quality.sharpness = deviation[0] * deviation[0];
    quality.exposure_mean = cv::mean(face)[0];
    const int clipped = cv::countNonZero(face <= 5) + cv::countNonZero(face >= 250);
    quality.exposure_clipped = static_cast<double>(clipped) / static_cast<double>(face.total());
  }
  return quality;
}

Status CheckFaceQuality(const FaceQuality& quality, const QualityLimits& limits, std::string_view source) {
  if (quality.inter_eye_distance_px < limits.min_inter_eye_distance_px) {
    return FaceRejected(FaceRejection::kTooSmall, source,
                        Format("inter-eye distance %.1f px is below the minimum %.1f px",
                               quality.inter_eye_distance_px, limits.min_inter_eye_distance_px));
  }
  if (std::abs(quality.yaw_degrees) > limits.max_abs_yaw_degrees) {
    return FaceRejected(FaceRejection::kOffPose, source,
                        Format("estimated yaw %.1f degrees exceeds +/-%.1f", quality.yaw_degrees,
                               limits.max_abs_yaw_degrees));
  }
  if (std::abs(quality.pitch_degrees) > limits.max_abs_pitch_degrees) {
    return FaceRejected(FaceRejection::kOffPose, source,
                        Format("estimated pitch %.1f degrees exceeds +/-%.1f", quality.pitch_degrees,
                               limits.max_abs_pitch_degrees));
  }
  if (quality.sharpness < limits.min_sharpness) {
    return FaceRejected(FaceRejection::kTooBlurred, source,
                        Format("sharpness (Laplacian variance) %.1f is below the minimum %.1f",
                               quality.sharpness, limits.min_sharpness));
  }
  return Status::Ok();
}

}  // namespace abis::face
