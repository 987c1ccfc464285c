// Five-point face alignment: eye centres, nose tip and mouth corners taken from the 68
// landmarks, mapped by a least-squares similarity transform (rotation, uniform scale,
// translation; Umeyama 1991) onto the embedding model's reference points.
// Thread-safety: free functions without shared state.
#pragma once

#include <array>

#include <opencv2/core.hpp>

#include "abis/core/status.h"

namespace abis::face {

// Indices follow the reference order: [0] eye on the image's left (the subject's right eye),
// [1] eye on the image's right, [2] nose tip, [3] mouth corner on the image's left, [4] the other.
using FivePoints = std::array<cv::Point2f, 5>;

// Eye centres (mean of points 36-41 and 42-47), nose tip (30), mouth corners (48, 54).
FivePoints FivePointsFromLandmarks68(const std::array<cv::Point2f, 68>& landmarks);

// The 2x3 similarity transform (CV_64F) minimising the squared distance from `from` mapped to
// `to`. kInvalidArgument when the source points are degenerate (all coincident).
Result<cv::Mat> EstimateSimilarityTransform(const FivePoints& from, const FivePoints& to);

// Warps `bgr` so that `points` land on `reference`; returns a width x height 8-bit BGR crop.
Result<cv::Mat> AlignFace(const cv::Mat& bgr, const FivePoints& points, const FivePoints& reference,
                          int width, int height);

}  // namespace abis::face
