#include "extractor/skeleton_trace.h"

#include <algorithm>

namespace abis::finger::extractor {
namespace {

constexpr int kOffsets[8][2] = {{0, -1}, {1, -1}, {1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}};

bool IsSet(const cv::Mat& skeleton, int x, int y) {
  return x >= 0 && y >= 0 && x < skeleton.cols && y < skeleton.rows && skeleton.at<std::uint8_t>(y, x) != 0;
}

}  // namespace

int CrossingNumber(const cv::Mat& skeleton, int x, int y) {
  int transitions = 0;
  for (int i = 0; i < 8; ++i) {
    bool here = IsSet(skeleton, x + kOffsets[i][0], y + kOffsets[i][1]);
    bool next = IsSet(skeleton, x + kOffsets[(i + 1) % 8][0], y + kOffsets[(i + 1) % 8][1]);
    if (!here && next) ++transitions;
  }
  return transitions;
}

std::vector<cv::Point> SkeletonNeighbours(const cv::Mat& skeleton, cv::Point point) {
  std::vector<cv::Point> neighbours;
  for (const auto& offset : kOffsets) {
    if (IsSet(skeleton, point.x + offset[0], point.y + offset[1])) neighbours.emplace_back(point.x + offset[0], point.y + offset[1]);
  }
  return neighbours;
}

Trace TraceRidge(const cv::Mat& skeleton, cv::Point start, cv::Point first, int max_steps) {
  Trace trace;
  std::vector<cv::Point> recent = {start};
  cv::Point current = first;
  for (int step = 0; step < max_steps; ++step) {
    trace.path.push_back(current);
    int crossing = CrossingNumber(skeleton, current.x, current.y);
    if (crossing == 1) {
      trace.end = TraceEnd::kEnding;
      return trace;
    }
    if (crossing >= 3) {
      trace.end = TraceEnd::kBifurcation;
      return trace;
    }
    recent.push_back(current);
    if (recent.size() > 4) recent.erase(recent.begin());
    // Next pixel: a neighbour not visited recently and not adjacent to the previous pixel
    // (which would be a shortcut across a corner); prefer 4-neighbours.
    cv::Point next(-1, -1);
    for (const cv::Point& candidate : SkeletonNeighbours(skeleton, current)) {
      if (std::find(recent.begin(), recent.end(), candidate) != recent.end()) continue;
      const cv::Point& previous = recent[recent.size() - 2];
      if (std::abs(candidate.x - previous.x) <= 1 && std::abs(candidate.y - previous.y) <= 1) continue;
      bool four_connected = candidate.x == current.x || candidate.y == current.y;
      if (next.x < 0 || four_connected) next = candidate;
      if (four_connected) break;
    }
    if (next.x < 0) {
      trace.end = TraceEnd::kLost;
      return trace;
    }
    current = next;
  }
  trace.end = TraceEnd::kLength;
  return trace;
}

}  // namespace abis::finger::extractor
