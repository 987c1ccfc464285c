// Measures the extractor on an FVC-style folder (<finger>_<impression>.tif with an ISO/IEC
// 19794-2:2005 template beside each image): extraction time per image, minutiae counts, and
// agreement with the supplied templates (share of their minutiae with one of ours within
// 10 px and 30 degrees, and the converse). Prints one JSON line per folder.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"

namespace fs = std::filesystem;
using abis::finger::Minutia;

namespace {

// Minimal ISO/IEC 19794-2:2005 reader for this measurement only (first view): the project's
// template reader lives in src/finger. The supplied FVC2002 templates all declare a 300x400
// image whatever the real size: their coordinates are the image's scaled to 300x400 (measured:
// a search over scale and shift per database lands on x*W/300, y*H/400 with no shift), so they
// are scaled back here, directions included.
std::vector<Minutia> ReadIsoMinutiae(const fs::path& path, int image_width, int image_height) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<Minutia> minutiae;
  if (b.size() < 28 + 6) return minutiae;
  int record_width = (b[14] << 8) | b[15], record_height = (b[16] << 8) | b[17];
  if (record_width == 0 || record_height == 0) return minutiae;
  double scale_x = static_cast<double>(image_width) / record_width;
  double scale_y = static_cast<double>(image_height) / record_height;
  std::size_t count = b[27];
  for (std::size_t i = 0; i < count && 28 + 6 * (i + 1) <= b.size(); ++i) {
    const std::uint8_t* m = b.data() + 28 + 6 * i;
    Minutia minutia;
    minutia.type = static_cast<abis::finger::MinutiaType>(m[0] >> 6);
    minutia.x = ((m[0] & 0x3F) << 8) | m[1];
    minutia.y = ((m[2] & 0x3F) << 8) | m[3];
    minutia.x = static_cast<int>(std::lround(minutia.x * scale_x));
    minutia.y = static_cast<int>(std::lround(minutia.y * scale_y));
    double angle = m[4] * 2 * M_PI / 256.0;
    angle = std::atan2(std::sin(angle) * scale_y, std::cos(angle) * scale_x);
    minutia.angle = angle < 0 ? angle + 2 * M_PI : angle;
    minutiae.push_back(minutia);
  }
  return minutiae;
}

double ShareMatched(const std::vector<Minutia>& from, const std::vector<Minutia>& to) {
  if (from.empty()) return 0;
  int matched = 0;
  for (const Minutia& a : from) {
    for (const Minutia& b : to) {
      double d = std::fmod(std::abs(a.angle - b.angle), 2 * M_PI);
      d = std::min(d, 2 * M_PI - d);
      if (std::hypot(a.x - b.x, a.y - b.y) <= 10 && d <= M_PI / 6) {
        ++matched;
        break;
      }
    }
  }
  return static_cast<double>(matched) / static_cast<double>(from.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <fvc folder> [debug dir for the first image]\n", argv[0]);
    return 2;
  }
  fs::path folder = argv[1];
  if (fs::is_regular_file(folder)) {  // one image: print its minutiae, "x y angle_degrees type" per line
    auto image = abis::finger::ReadFingerprintImage(folder.string());
    if (!image.ok()) return 2;
    auto extracted = abis::finger::ExtractMinutiae(*image);
    if (!extracted.ok()) return 1;
    for (const Minutia& m : extracted->minutiae) {
      std::printf("%d %d %.1f %d\n", m.x, m.y, m.angle * 180 / M_PI, static_cast<int>(m.type));
    }
    return 0;
  }
  std::vector<fs::path> images;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() == ".tif" || entry.path().extension() == ".png") images.push_back(entry.path());
  }
  std::sort(images.begin(), images.end());
  double total_ms = 0, iso_recall = 0, our_precision = 0;
  long ours = 0, theirs = 0;
  int done = 0, failed = 0, compared = 0;
  for (const fs::path& path : images) {
    auto image = abis::finger::ReadFingerprintImage(path.string());
    if (!image.ok()) {
      std::fprintf(stderr, "%s\n", image.status().ToString().c_str());
      ++failed;
      continue;
    }
    abis::finger::ExtractorOptions options;
    if (done == 0 && argc > 2) options.debug_dir = argv[2];
    auto start = std::chrono::steady_clock::now();
    auto extracted = abis::finger::ExtractMinutiae(*image, options);
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ++done;
    if (!extracted.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), extracted.status().ToString().c_str());
      ++failed;
      continue;
    }
    ours += static_cast<long>(extracted->minutiae.size());
    fs::path iso = fs::path(path).replace_extension(".iso");
    if (fs::exists(iso)) {
      std::vector<Minutia> reference = ReadIsoMinutiae(iso, image->width, image->height);
      theirs += static_cast<long>(reference.size());
      iso_recall += ShareMatched(reference, extracted->minutiae);
      our_precision += ShareMatched(extracted->minutiae, reference);
      ++compared;
    }
  }
  std::printf(
      "{\"folder\":\"%s\",\"images\":%d,\"failures\":%d,\"ms_per_image\":%.1f,\"mean_minutiae_ours\":%.1f,"
      "\"mean_minutiae_iso\":%.1f,\"iso_minutiae_found\":%.3f,\"our_minutiae_in_iso\":%.3f}\n",
      folder.c_str(), done, failed, done ? total_ms / done : 0.0, done ? static_cast<double>(ours) / done : 0.0,
      compared ? static_cast<double>(theirs) / compared : 0.0, compared ? iso_recall / compared : 0.0,
      compared ? our_precision / compared : 0.0);
  return failed == 0 ? 0 : 1;
}
