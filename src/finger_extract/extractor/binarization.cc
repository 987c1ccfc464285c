// Binarisation of the enhanced image: the band-passed response's sign separates ridges from valleys;
// specks (ridge islands and valley holes smaller than a few ridge widths) are removed.
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kMinComponentArea = 25;  // pixels

// Clears the 8-connected components of `image` (255 = set) smaller than `min_area`.
void RemoveSmallComponents(cv::Mat& image, int min_area) {
  cv::Mat labels, stats, centroids;
  int count = cv::connectedComponentsWithStats(image, labels, stats, centroids, 8);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      int label = labels.at<int>(y, x);
      if (label > 0 && label < count && stats.at<int>(label, cv::CC_STAT_AREA) < min_area) image.at<std::uint8_t>(y, x) = 0;
    }
  }
}

}  // namespace

cv::Mat Binarize(const cv::Mat& enhanced, const cv::Mat& mask) {
  cv::Mat ridges = (enhanced > 0) & mask;
  RemoveSmallComponents(ridges, kMinComponentArea);
  cv::Mat valleys = (ridges == 0) & mask;
  RemoveSmallComponents(valleys, kMinComponentArea);
  cv::Mat result = (valleys == 0) & mask;
  return result;
}

}  // namespace abis::finger::extractor
