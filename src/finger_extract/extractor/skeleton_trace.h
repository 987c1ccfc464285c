// Walking along a one-pixel-wide ridge skeleton (CV_8U, non-zero = ridge).
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace abis::finger::extractor {

// 0->1 transitions around (x, y) in the 8-neighbourhood: 1 at a ridge ending, 2 on a ridge,
// 3 or more at a bifurcation. REQUIRES: (x, y) at least one pixel inside the image.
int CrossingNumber(const cv::Mat& skeleton, int x, int y);

// Set 8-neighbours of (x, y) (pixels outside the image count as unset).
std::vector<cv::Point> SkeletonNeighbours(const cv::Mat& skeleton, cv::Point point);

enum class TraceEnd { kLength, kEnding, kBifurcation, kLost };

struct Trace {
  std::vector<cv::Point> path;  // pixels after the start, in walking order
  TraceEnd end = TraceEnd::kLength;
};

// Walks from `start` through its neighbour `first` for at most `max_steps` pixels, stopping at
// an ending or a bifurcation (the last path point is that pixel).
Trace TraceRidge(const cv::Mat& skeleton, cv::Point start, cv::Point first, int max_steps);

}  // namespace abis::finger::extractor
