// Face quality measures and the typed rejections derived from them. Every accepted face
// carries its measures in the template's quality JSON; a rejected face returns a Status whose
// message starts with "face rejected (<reason>): " followed by the measured value and the limit.
// Thread-safety: free functions without shared state.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "abis/core/status.h"
#include "abis/face/alignment.h"

namespace abis::face {

enum class FaceRejection { kNoFace, kMultipleFaces, kTooSmall, kTooBlurred, kOffPose };

// "no_face", "multiple_faces", "too_small", "too_blurred", "off_pose".
std::string_view FaceRejectionName(FaceRejection rejection);

// A kInvalidArgument Status "face rejected (<name>): <detail>" naming the source.
Status FaceRejected(FaceRejection rejection, std::string_view source, std::string_view detail);

// The rejection carried by `status`, if it was made by FaceRejected().
std::optional<FaceRejection> RejectionOf(const Status& status);

struct FaceQuality {
  double inter_eye_distance_px = 0.0;  // between eye centres, in the decoded image
  double sharpness = 0.0;              // variance of the Laplacian of the aligned grey face
  double yaw_degrees = 0.0;            // estimated from the landmarks; + = nose to image right
  double pitch_degrees = 0.0;          // + = nose lower than in a frontal face
  double roll_degrees = 0.0;           // eye line angle; corrected by alignment
  double exposure_mean = 0.0;          // mean grey level of the aligned face, 0-255
  double exposure_clipped = 0.0;       // fraction of aligned face pixels <= 5 or >= 250
  double detector_confidence = 0.0;

  nlohmann::json ToJson() const;
};

// Limits for rejection. Defaults accept the ORL crops and ordinary photographs.
struct QualityLimits {
  double min_inter_eye_distance_px = 16.0;
  double min_sharpness = 8.0;
  double max_abs_yaw_degrees = 45.0;
  double max_abs_pitch_degrees = 40.0;
};

// Measures quality from the five points (decoded image coordinates) and the aligned crop.
FaceQuality MeasureFaceQuality(const FivePoints& points, const cv::Mat& aligned_bgr,
                               double detector_confidence);

// OK, or the first violated limit as a FaceRejected() status.
Status CheckFaceQuality(const FaceQuality& quality, const QualityLimits& limits,
                        std::string_view source);

}  // namespace abis::face
