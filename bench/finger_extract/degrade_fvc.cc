// Stress sets for the held-out accuracy check (issue 22): writes a degraded copy of every image of
// an FVC-style folder (<finger>_<impression>.tif|png|bmp), as PNG with the same stem, so that
// `abis eval finger --fvc OUT` and bench/finger/finger_heldout_eval can score it. Each image gets
// its own random degradation (seeded by the seed and the file name, so runs are reproducible):
//   dry      ridges thinned (3x3 grey dilation), broken in patches by a smooth random fade of about
//            a ridge period, contrast lowered to 55-80 %;
//   wet      ridges thickened (3x3 grey erosion) and blurred so that valleys narrow, dark blotches
//            in places, contrast lowered to 60-85 %;
//   distort  a strong smooth elastic displacement (up to `amplitude` px, growing away from a
//            random pressing centre, as skin stretches most away from where it is pressed) and a
//            random rotation of up to 10 degrees.
// Usage: degrade_fvc IN_DIR OUT_DIR dry|wet|distort [seed] [amplitude_px, default 12]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>
#include <string>

namespace {

// The image's background grey: its 90th percentile (FVC sensors differ: 200-255).
double BackgroundLevel(const cv::Mat& image) {
  int histogram[256] = {};
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) ++histogram[image.at<std::uint8_t>(y, x)];
  }
  const double target = 0.9 * static_cast<double>(image.total());
  double seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += histogram[level];
    if (seen >= target) return level;
  }
  return 255;
}

// A smooth random field in about [-1, 1] with features of about `scale` pixels.
cv::Mat SmoothField(std::mt19937_64& random, cv::Size size, double scale) {
  std::normal_distribution<float> normal(0, 1);
  const int cols = std::max(2, static_cast<int>(size.width / scale) + 2);
  const int rows = std::max(2, static_cast<int>(size.height / scale) + 2);
  cv::Mat coarse(rows, cols, CV_32F);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) coarse.at<float>(y, x) = normal(random);
  }
  cv::Mat field;
  cv::resize(coarse, field, size, 0, 0, cv::INTER_CUBIC);
  return field;
}

// Lowers the contrast towards the background by `factor` (0-1, 1 = unchanged).
cv::Mat LowerContrast(const cv::Mat& grey, double background, double factor) {
  cv::Mat out;
  grey.convertTo(out, CV_32F);
  out = background - (background - out) * factor;
  return out;
}

cv::Mat Dry(const cv::Mat& image, std::mt19937_64& random) {
  std::uniform_real_distribution<double> uniform(0, 1);
  const double background = BackgroundLevel(image);
  cv::Mat thin;
  cv::dilate(image, thin, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  cv::Mat grey = LowerContrast(thin, background, 0.55 + 0.25 * uniform(random));
  // Ridges broken into pieces: a fine random field (about a ridge period) fades them in patches.
  cv::Mat fade = SmoothField(random, image.size(), 7 + 4 * uniform(random));
  cv::Mat coarse = SmoothField(random, image.size(), 60);
  cv::Mat out(image.size(), CV_32F);
  const double level = 0.1 + 0.2 * uniform(random);
  for (int y = 0; y < out.rows; ++y) {
    for (int x = 0; x < out.cols; ++x) {
      const double dryness = 0.5 + 0.5 * coarse.at<float>(y, x);  // drier in some regions
      const double keep = std::clamp(1.0 - dryness * std::max(0.0, fade.at<float>(y, x) + level), 0.0, 1.0);
      // Only ridges fade (pixels darker than the background); the background stays as it was.
      const double depth = std::max(0.0, background - grey.at<float>(y, x));
      out.at<float>(y, x) = static_cast<float>(std::max<double>(grey.at<float>(y, x), background - depth * keep));
    }
  }
  return out;
}

cv::Mat Wet(const cv::Mat& image, std::mt19937_64& random) {
  std::uniform_real_distribution<double> uniform(0, 1);
  const double background = BackgroundLevel(image);
  cv::Mat thick;
  cv::erode(image, thick, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  cv::GaussianBlur(thick, thick, {0, 0}, 0.7 + 0.5 * uniform(random));
  cv::Mat grey = LowerContrast(thick, background, 0.6 + 0.25 * uniform(random));
  // Blotches: where a smooth field is high, the print is darkened towards the ridge level.
  cv::Mat blotch = SmoothField(random, image.size(), 40);
  for (int y = 0; y < grey.rows; ++y) {
    for (int x = 0; x < grey.cols; ++x) {
      const double b = std::clamp(blotch.at<float>(y, x) - 0.5, 0.0, 1.0) * 0.5;
      float& v = grey.at<float>(y, x);
      if (v < background - 10) v = static_cast<float>(v * (1 - b) + 60 * b);
    }
  }
  return grey;
}

cv::Mat Distort(const cv::Mat& image, std::mt19937_64& random, double amplitude) {
  std::uniform_real_distribution<double> uniform(0, 1);
  const cv::Size size = image.size();
  cv::Mat fx = SmoothField(random, size, 200), fy = SmoothField(random, size, 200);
  const double cx = size.width * (0.35 + 0.3 * uniform(random));
  const double cy = size.height * (0.35 + 0.3 * uniform(random));
  const double angle = (uniform(random) * 2 - 1) * 10 * M_PI / 180;
  const double reach = std::hypot(size.width, size.height) / 2;
  cv::Mat map_x(size, CV_32F), map_y(size, CV_32F);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const double dx = x - cx, dy = y - cy;
      const double grow = std::min(1.0, std::hypot(dx, dy) / reach * 1.5);
      map_x.at<float>(y, x) =
          static_cast<float>(cx + std::cos(angle) * dx - std::sin(angle) * dy + amplitude * grow * fx.at<float>(y, x));
      map_y.at<float>(y, x) =
          static_cast<float>(cy + std::sin(angle) * dx + std::cos(angle) * dy + amplitude * grow * fy.at<float>(y, x));
    }
  }
  cv::Mat out;
  cv::remap(image, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: degrade_fvc IN_DIR OUT_DIR dry|wet|distort [seed] [amplitude_px]\n");
    return 2;
  }
  const std::filesystem::path in = argv[1], out = argv[2];
  const std::string mode = argv[3];
  const std::uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;
  const double amplitude = argc > 5 ? std::atof(argv[5]) : 12;
  if (mode != "dry" && mode != "wet" && mode != "distort") {
    std::fprintf(stderr, "mode must be dry, wet or distort, not %s\n", mode.c_str());
    return 2;
  }
  std::filesystem::create_directories(out);
  static const std::regex kName(R"((\d+)_(\d+)\.(tif|tiff|png|bmp))", std::regex::icase);
  int written = 0;
  for (const auto& entry : std::filesystem::directory_iterator(in)) {
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, kName)) continue;
    const cv::Mat image = cv::imread(entry.path().string(), cv::IMREAD_GRAYSCALE);
    if (image.empty()) {
      std::fprintf(stderr, "cannot read %s\n", entry.path().c_str());
      return 1;
    }
    std::mt19937_64 random(seed * 1'000'003ULL + std::hash<std::string>{}(entry.path().stem().string()));
    cv::Mat degraded = mode == "dry"   ? Dry(image, random)
                       : mode == "wet" ? Wet(image, random)
                                       : Distort(image, random, amplitude);
    cv::Mat bytes;
    degraded.convertTo(bytes, CV_8U);
    const std::string target = (out / entry.path().stem()).string() + ".png";
    if (!cv::imwrite(target, bytes)) {
      std::fprintf(stderr, "cannot write %s\n", target.c_str());
      return 1;
    }
    ++written;
  }
  std::printf("%d images written to %s (%s)\n", written, out.c_str(), mode.c_str());
  return 0;
}
