// Thinning: Zhang & Suen's two-subiteration parallel algorithm (CACM 27(3), 1984), followed by
// removal of the corner pixels it leaves on diagonal steps, so that every skeleton pixel on a
// plain ridge has exactly two 8-neighbours (the crossing-number test relies on it).
#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

// Neighbours P2..P9 clockwise from north, as in the paper.
inline void Neighbours(const cv::Mat& image, int y, int x, int p[8]) {
  auto at = [&](int yy, int xx) { return image.at<std::uint8_t>(yy, xx) != 0 ? 1 : 0; };
  p[0] = at(y - 1, x);
  p[1] = at(y - 1, x + 1);
  p[2] = at(y, x + 1);
  p[3] = at(y + 1, x + 1);
  p[4] = at(y + 1, x);
  p[5] = at(y + 1, x - 1);
  p[6] = at(y, x - 1);
  p[7] = at(y - 1, x - 1);
}

int Transitions(const int p[8]) {
  int count = 0;
  for (int i = 0; i < 8; ++i) count += (p[i] == 0 && p[(i + 1) % 8] == 1) ? 1 : 0;
  return count;
}

}  // namespace

cv::Mat ThinRidges(const cv::Mat& binary) {
  cv::Mat image;
  cv::copyMakeBorder(binary, image, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  std::vector<cv::Point> to_clear;
  bool changed = true;
  while (changed) {
    changed = false;
    for (int pass = 0; pass < 2; ++pass) {
      to_clear.clear();
      for (int y = 1; y < image.rows - 1; ++y) {
        for (int x = 1; x < image.cols - 1; ++x) {
          if (image.at<std::uint8_t>(y, x) == 0) continue;
          int p[8];
          Neighbours(image, y, x, p);
          int set = p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + p[7];
          if (set < 2 || set > 6 || Transitions(p) != 1) continue;
          bool clear = pass == 0 ? (p[0] * p[2] * p[4] == 0 && p[2] * p[4] * p[6] == 0)
                                 : (p[0] * p[2] * p[6] == 0 && p[0] * p[4] * p[6] == 0);
          if (clear) to_clear.emplace_back(x, y);
        }
      }
      for (const cv::Point& point : to_clear) image.at<std::uint8_t>(point) = 0;
      changed = changed || !to_clear.empty();
    }
  }
  // Staircase corners: a pixel with two 4-neighbours at a right angle whose removal keeps the
  // skeleton connected (one 0->1 transition around it) is redundant.
  for (int y = 1; y < image.rows - 1; ++y) {
    for (int x = 1; x < image.cols - 1; ++x) {
      if (image.at<std::uint8_t>(y, x) == 0) continue;
      int p[8];
      Neighbours(image, y, x, p);
      bool corner = (p[0] && p[2] && !p[5]) || (p[2] && p[4] && !p[7]) || (p[4] && p[6] && !p[1]) ||
                    (p[6] && p[0] && !p[3]);
      if (corner && Transitions(p) == 1) image.at<std::uint8_t>(y, x) = 0;
    }
  }
  return image(cv::Rect(1, 1, binary.cols, binary.rows)).clone();
}

}  // namespace abis::finger::extractor
