// ExtractPrint: runs the stages in order, converts the surviving candidates into a template,
// measures the print quality and applies the gate. With options.debug_dir every stage leaves a PNG.
#include "abis/finger_extract/extractor.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "extractor/stages.h"

namespace abis::finger {

using namespace extractor;  // NOLINT(google-build-using-namespace): the stages of this file

namespace {

constexpr double kMinUsableAreaShare = 0.05;  // of the image

}  // namespace

Result<ExtractedPrint> ExtractPrint(const GrayImage& input, const ExtractorOptions& options) {
  if (input.width < kMinFingerprintSide || input.height < kMinFingerprintSide || input.width > kMaxFingerprintSide ||
      input.height > kMaxFingerprintSide) {
    return Status::InvalidArgument("image " + std::to_string(input.width) + "x" + std::to_string(input.height) +
                                   " outside the accepted fingerprint size");
  }
  if (input.pixels.size() != static_cast<std::size_t>(input.width) * input.height) {
    return Status::InvalidArgument("image holds " + std::to_string(input.pixels.size()) +
                                   " pixels, expected width*height");
  }
  const bool resolution_known = input.resolution_ppi != 0;
  if (!std::isfinite(input.resolution_ppi) ||
      (resolution_known && (input.resolution_ppi < kMinPlausiblePpi || input.resolution_ppi > kMaxPlausiblePpi))) {
    return Status::InvalidArgument("image resolution " + std::to_string(input.resolution_ppi) +
                                   " ppi outside the accepted range (0 for unknown, or " +
                                   std::to_string(static_cast<int>(kMinPlausiblePpi)) + "-" +
                                   std::to_string(static_cast<int>(kMaxPlausiblePpi)) + ")");
  }
  GrayImage image = ResampleToStandardResolution(input);
  cv::Mat gray(image.height, image.width, CV_8UC1, image.pixels.data());
  const bool debug = !options.debug_dir.empty();
  auto dump = [&](const std::string& name, const cv::Mat& picture) -> Status {
    return debug ? WriteDebugImage(options.debug_dir, name, picture) : Status::Ok();
  };
  ABIS_RETURN_IF_ERROR(dump("01_input", gray));

  cv::Mat mask = SegmentFingerprint(gray);
  ABIS_RETURN_IF_ERROR(dump("02_segmentation", gray / 2 + mask / 2));
  const double area_share = static_cast<double>(cv::countNonZero(mask)) / static_cast<double>(gray.total());
  if (area_share < kMinUsableAreaShare) {
    return Status::InvalidArgument("not a fingerprint: ridge-like area " +
                                   std::to_string(std::lround(100 * area_share)) + " % of the image below " +
                                   std::to_string(std::lround(100 * kMinUsableAreaShare)) +
                                   " % (blank, smooth or noise)");
  }
  cv::Mat normalized = NormalizeContrast(gray, mask);
  OrientationField orientation = EstimateOrientation(normalized, mask);
  if (debug) ABIS_RETURN_IF_ERROR(dump("03_orientation", DrawOrientation(gray, orientation, mask)));
  cv::Mat wavelength = EstimateRidgeWavelength(normalized, orientation, mask);
  if (debug) {
    cv::Mat picture;
    cv::resize(wavelength, picture, gray.size(), 0, 0, cv::INTER_NEAREST);
    picture.convertTo(picture, CV_8U, 255.0 / kMaxWavelength);
    ABIS_RETURN_IF_ERROR(dump("04_ridge_wavelength", picture & mask));
  }
  cv::Mat enhanced = EnhanceRidges(normalized, orientation, wavelength, mask);
  ABIS_RETURN_IF_ERROR(dump("05_enhanced", enhanced));
  cv::Mat binary = Binarize(enhanced, mask);
  ABIS_RETURN_IF_ERROR(dump("06_binary", 255 - binary));
  cv::Mat skeleton = ThinRidges(binary);
  ABIS_RETURN_IF_ERROR(dump("07_skeleton", 255 - skeleton));
  std::vector<Candidate> candidates = DetectMinutiae(skeleton, orientation, mask);
  if (debug) ABIS_RETURN_IF_ERROR(dump("08_minutiae_detected", DrawCandidates(255 - skeleton, candidates)));
  RemoveFalseMinutiae(candidates, skeleton, mask, wavelength);
  if (debug) ABIS_RETURN_IF_ERROR(dump("09_minutiae_final", DrawCandidates(gray, candidates)));

  ExtractedPrint extracted;
  MinutiaeTemplate& result = extracted.minutiae;
  result.width = image.width;
  result.height = image.height;
  result.resolution_ppi = kStandardResolutionPpi;
  for (const Candidate& c : candidates) {
    if (!c.removed) result.minutiae.push_back({c.x, c.y, c.angle, c.type, c.quality});
  }
  result.orientation = SummarizeOrientation(orientation, mask);
  if (debug) ABIS_RETURN_IF_ERROR(dump("10_orientation_map", DrawOrientationMap(gray, result.orientation)));
  extracted.quality = MeasurePrintQuality(normalized, orientation, mask, result.minutiae);
  result.finger_quality = extracted.quality.score;
  if (options.apply_quality_gate) ABIS_RETURN_IF_ERROR(CheckPrintQuality(extracted.quality, options.min_quality));
  return extracted;
}

Result<MinutiaeTemplate> ExtractMinutiae(const GrayImage& image, const ExtractorOptions& options) {
  ABIS_ASSIGN_OR_RETURN(ExtractedPrint extracted, ExtractPrint(image, options));
  return std::move(extracted.minutiae);
}

}  // namespace abis::finger
