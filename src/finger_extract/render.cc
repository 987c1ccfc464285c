// Minutiae drawings as SVG (vector overlay on the embedded PNG) and PNG (OpenCV drawing).
#include "abis/finger_extract/render.h"

#include <cmath>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace abis::finger {
namespace {

constexpr double kCircleRadius = 5;
constexpr double kTickLength = 12;

Status CheckImage(const GrayImage& image, const char* which) {
  if (image.width <= 0 || image.height <= 0 || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    return Status::InvalidArgument(std::string(which) + " image is empty or its pixel count is not width*height");
  }
  return Status::Ok();
}

Status CheckPairs(std::span<const MinutiaPair> pairs, const MinutiaeTemplate& first, const MinutiaeTemplate& second) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    auto [a, b] = pairs[i];
    if (a < 0 || b < 0 || a >= static_cast<int>(first.minutiae.size()) || b >= static_cast<int>(second.minutiae.size())) {
      return Status::InvalidArgument("matched pair " + std::to_string(i) + " (" + std::to_string(a) + ", " +
                                     std::to_string(b) + ") refers to a minutia that does not exist (templates hold " +
                                     std::to_string(first.minutiae.size()) + " and " +
                                     std::to_string(second.minutiae.size()) + ")");
    }
  }
  return Status::Ok();
}

// A minutia's position and tick end in image pixels.
struct Placed {
  double x, y, tip_x, tip_y;
};

Placed Place(const Minutia& m, const MinutiaeTemplate& t, const GrayImage& image, double offset_x) {
  double sx = t.width > 0 ? static_cast<double>(image.width) / t.width : 1.0;
  double sy = t.height > 0 ? static_cast<double>(image.height) / t.height : 1.0;
  double x = m.x * sx + offset_x, y = m.y * sy;
  return {x, y, x + kTickLength * std::cos(m.angle), y - kTickLength * std::sin(m.angle)};
}

const char* SvgColour(MinutiaType type) {
  return type == MinutiaType::kEnding ? "#e00000" : type == MinutiaType::kBifurcation ? "#0060ff" : "#808080";
}

cv::Scalar CvColour(MinutiaType type) {
  return type == MinutiaType::kEnding ? cv::Scalar(0, 0, 224) : type == MinutiaType::kBifurcation ? cv::Scalar(255, 96, 0)
                                                                                                 : cv::Scalar(128, 128, 128);
}

std::string Base64(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= bytes[i + 2];
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

cv::Mat AsMat(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
}

std::string SvgImage(const GrayImage& image, double offset_x) {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", AsMat(image), png);
  char header[160];
  std::snprintf(header, sizeof header, "<image x=\"%.0f\" y=\"0\" width=\"%d\" height=\"%d\" href=\"data:image/png;base64,", offset_x,
                image.width, image.height);
  return std::string(header) + Base64(png) + "\"/>\n";
}

std::string SvgMinutiae(const GrayImage& image, const MinutiaeTemplate& t, double offset_x) {
  std::string out;
  char line[320];
  for (std::size_t i = 0; i < t.minutiae.size(); ++i) {
    const Minutia& m = t.minutiae[i];
    Placed p = Place(m, t, image, offset_x);
    std::snprintf(line, sizeof line,
                  "<g stroke=\"%s\" fill=\"none\" stroke-width=\"1.5\"><title>#%zu (%d, %d) %.0f deg q%d</title>"
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.0f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
                  SvgColour(m.type), i, m.x, m.y, m.angle * 180 / M_PI, m.quality, p.x, p.y, kCircleRadius, p.x, p.y,
                  p.tip_x, p.tip_y);
    out += line;
  }
  return out;
}

void DrawMinutiae(cv::Mat& canvas, const GrayImage& image, const MinutiaeTemplate& t, double offset_x) {
  for (const Minutia& m : t.minutiae) {
    Placed p = Place(m, t, image, offset_x);
    cv::circle(canvas, cv::Point2d(p.x, p.y), static_cast<int>(kCircleRadius), CvColour(m.type), 1, cv::LINE_AA);
    cv::line(canvas, cv::Point2d(p.x, p.y), cv::Point2d(p.tip_x, p.tip_y), CvColour(m.type), 1, cv::LINE_AA);
  }
}

Status WriteColourPng(const cv::Mat& canvas, const std::string& path) {
  try {
    if (!cv::imwrite(path, canvas)) return Status::IoError(path + ": cannot write PNG");
  } catch (const cv::Exception& e) {
    return Status::IoError(path + ": cannot write PNG: " + e.what());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> RenderMinutiaeSvg(const GrayImage& image, const MinutiaeTemplate& minutiae) {
  ABIS_RETURN_IF_ERROR(CheckImage(image, "the"));
  char header[200];
  std::snprintf(header, sizeof header,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", image.width,
                image.height, image.width, image.height);
  return std::string(header) + SvgImage(image, 0) + SvgMinutiae(image, minutiae, 0) + "</svg>\n";
}

Result<std::string> RenderMatchSvg(const GrayImage& first, const MinutiaeTemplate& first_minutiae, const GrayImage& second,
                                   const MinutiaeTemplate& second_minutiae, std::span<const MinutiaPair> pairs) {
  ABIS_RETURN_IF_ERROR(CheckImage(first, "the first"));
  ABIS_RETURN_IF_ERROR(CheckImage(second, "the second"));
  ABIS_RETURN_IF_ERROR(CheckPairs(pairs, first_minutiae, second_minutiae));
  int width = first.width + second.width, height = std::max(first.height, second.height);
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height,
                width, height);
  std::string svg = buffer;
  svg += SvgImage(first, 0) + SvgImage(second, first.width);
  svg += SvgMinutiae(first, first_minutiae, 0) + SvgMinutiae(second, second_minutiae, first.width);
  for (auto [a, b] : pairs) {
    Placed p = Place(first_minutiae.minutiae[static_cast<std::size_t>(a)], first_minutiae, first, 0);
    Placed q = Place(second_minutiae.minutiae[static_cast<std::size_t>(b)], second_minutiae, second, first.width);
    std::snprintf(buffer, sizeof buffer,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#00b000\" stroke-width=\"1\"/>\n", p.x, p.y,
                  q.x, q.y);
    svg += buffer;
  }
  return svg + "</svg>\n";
}

Status RenderMinutiaePng(const GrayImage& image, const MinutiaeTemplate& minutiae, const std::string& path) {
  ABIS_RETURN_IF_ERROR(CheckImage(image, "the"));
  cv::Mat canvas;
  cv::cvtColor(AsMat(image), canvas, cv::COLOR_GRAY2BGR);
  DrawMinutiae(canvas, image, minutiae, 0);
  return WriteColourPng(canvas, path);
}

Status RenderMatchPng(const GrayImage& first, const MinutiaeTemplate& first_minutiae, const GrayImage& second,
                      const MinutiaeTemplate& second_minutiae, std::span<const MinutiaPair> pairs, const std::string& path) {
  ABIS_RETURN_IF_ERROR(CheckImage(first, "the first"));
  ABIS_RETURN_IF_ERROR(CheckImage(second, "the second"));
  ABIS_RETURN_IF_ERROR(CheckPairs(pairs, first_minutiae, second_minutiae));
  cv::Mat canvas(std::max(first.height, second.height), first.width + second.width, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat left, right;
  cv::cvtColor(AsMat(first), left, cv::COLOR_GRAY2BGR);
  cv::cvtColor(AsMat(second), right, cv::COLOR_GRAY2BGR);
  left.copyTo(canvas(cv::Rect(0, 0, first.width, first.height)));
  right.copyTo(canvas(cv::Rect(first.width, 0, second.width, second.height)));
  DrawMinutiae(canvas, first, first_minutiae, 0);
  DrawMinutiae(canvas, second, second_minutiae, first.width);
  for (auto [a, b] : pairs) {
    Placed p = Place(first_minutiae.minutiae[static_cast<std::size_t>(a)], first_minutiae, first, 0);
    Placed q = Place(second_minutiae.minutiae[static_cast<std::size_t>(b)], second_minutiae, second, first.width);
    cv::line(canvas, cv::Point2d(p.x, p.y), cv::Point2d(q.x, q.y), cv::Scalar(0, 176, 0), 1, cv::LINE_AA);
  }
  return WriteColourPng(canvas, path);
}

}  // namespace abis::finger
