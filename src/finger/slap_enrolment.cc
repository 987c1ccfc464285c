#include "abis/finger/slap_enrolment.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "abis/finger/score_calibration.h"
#include "abis/finger/slap_sequence_check.h"
#include "abis/finger_extract/extractor.h"

namespace abis::finger {

namespace {

std::string FingerName(int position) {
  return std::to_string(position) + " (" + std::string(FingerPositionName(static_cast<FingerPosition>(position))) + ")";
}

std::string Score(double value) { return std::to_string(value).substr(0, 5); }

// A likelihood ratio as a whole number, or "more than 1e9".
std::string Likelihood(double ratio) {
  return ratio > 1e9 ? std::string("more than 1e9") : std::to_string(static_cast<long long>(std::llround(ratio)));
}

ExtractorOptions Lenient() {
  ExtractorOptions options;
  options.apply_quality_gate = false;
  return options;
}

}  // namespace

Result<GrayImage> DecodeRecordFingerImage(const std::vector<std::uint8_t>& bytes, const std::string& compression,
                                          int width, int height, double pixels_per_inch, const std::string& where) {
  GrayImage image;
  if (compression == "NONE" || compression == "none") {
    if (width <= 0 || height <= 0 ||
        bytes.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height)) {
      return Status::InvalidArgument(where + ": uncompressed image of " + std::to_string(bytes.size()) +
                                     " bytes is not " + std::to_string(width) + "x" + std::to_string(height));
    }
    image.width = width;
    image.height = height;
    image.pixels = bytes;
  } else {
    ABIS_ASSIGN_OR_RETURN(image, DecodeFingerprintImageAsStored(bytes, where));
  }
  if (pixels_per_inch > 0) {
    // The record's own resolution is the sender's word: refused outside what a fingerprint scanner
    // gives, and the image it would resample to must stay within the decoder's limits.
    if (!(pixels_per_inch >= kMinPlausiblePpi && pixels_per_inch <= kMaxPlausiblePpi)) {
      return Status::InvalidArgument(where + ": a resolution of " + std::to_string(pixels_per_inch) + " ppi, outside " +
                                     std::to_string(static_cast<int>(kMinPlausiblePpi)) + "-" +
                                     std::to_string(static_cast<int>(kMaxPlausiblePpi)));
    }
    const double scale = kStandardResolutionPpi / pixels_per_inch;
    if (static_cast<double>(image.width) * scale * static_cast<double>(image.height) * scale >
        static_cast<double>(kMaxFingerprintPixels)) {
      return Status::InvalidArgument(where + ": " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                     " pixels at " + std::to_string(pixels_per_inch) +
                                     " ppi would pass the image size limit at 500 ppi");
    }
    image.resolution_ppi = pixels_per_inch;
  }
  return ResampleToStandardResolution(image);
}

void AddSequenceReference(std::map<int, MinutiaeTemplate>& references, int position, const GrayImage& image) {
  if (position < 1 || position > 10 || references.contains(position)) return;
  auto minutiae = ExtractMinutiae(image, Lenient());
  if (minutiae.ok()) references.emplace(position, std::move(minutiae).value());
}

Result<SlapCut> CutSlapForEnrolment(const GrayImage& slap, int slap_position, int idc, const std::string& where,
                                    int min_quality, const std::map<int, MinutiaeTemplate>& references,
                                    const std::map<int, std::string>& declared_missing) {
  Result<SlapKind> parsed = SlapKindFromFingerPosition(slap_position);
  if (!parsed.ok()) return parsed.status().WithContext(where);
  const SlapKind kind = *parsed;
  SlapSegmenterOptions options;
  options.min_quality = min_quality;
  SlapCut out;
  const GrayImage standard = ResampleToStandardResolution(slap);  // the boxes are in its pixels
  ABIS_ASSIGN_OR_RETURN(out.segmentation, SegmentSlap(standard, kind, where, options));
  const int slots = static_cast<int>(SlapPositions(kind).size());
  // Four finger-shaped regions where a single plain thumb is declared, or two beyond a slap's fingers,
  // cannot be one print with stray marks: plain thumbs of inked cards show up to three regions (the
  // thumb, its lower phalanx, card text), so a single thumb needs four.
  const int contradiction = slots == 1 ? 4 : slots + 2;
  if (out.segmentation.fingers_found >= contradiction) {
    return Status::InvalidArgument(where + ": the record says a " + std::string(SlapKindName(kind)) + " slap (FGP " +
                                   std::to_string(slap_position) + ", " + std::to_string(slots) +
                                   (slots == 1 ? " finger" : " fingers") + ") but its image holds " +
                                   std::to_string(out.segmentation.fingers_found) + " finger prints");
  }
  out.report = SlapSegmentationJson(out.segmentation);
  out.report["source"] = where;
  // The slap's fingers not in its image, as 14.018 AMP will say on export: declared by the record,
  // or not found ("UP": unable to print; the segmentation cannot tell an amputation).
  nlohmann::json missing = nlohmann::json::array();
  for (int position : out.segmentation.missing_positions) {
    const auto declared = declared_missing.find(position);
    if (declared != declared_missing.end()) {
      out.declared_missing_positions.push_back(position);
      missing.push_back(nlohmann::json::array({position, declared->second}));
    } else {
      out.missing_positions.push_back(position);
      missing.push_back(nlohmann::json::array({position, "UP"}));
    }
  }
  for (const auto& [position, code] : declared_missing) {
    const auto& found = out.segmentation.missing_positions;
    if (std::find(found.begin(), found.end(), position) != found.end()) continue;
    const std::vector<int> fingers_of_slap = SlapPositions(kind);
    if (std::find(fingers_of_slap.begin(), fingers_of_slap.end(), position) == fingers_of_slap.end()) continue;
    out.skipped.push_back(where + ": finger " + FingerName(position) + " is declared " +
                          (code == "XX" ? "amputated" : "unable to print") + " (14.018 AMP " + code +
                          ") but a finger was found there: the positions from hand geometry may be shifted");
  }
  out.report["missing_positions"] = out.missing_positions;
  out.report["declared_missing_positions"] = out.declared_missing_positions;

  // The sequence check against the single-finger prints of the same capture.
  std::map<int, SegmentSequenceCheck> checks;
  double threshold = 0;
  double swap_likelihood = 1;  // how much likelier the swapped assignment is
  if (!references.empty()) {
    ABIS_ASSIGN_OR_RETURN(threshold, FingerThresholdForFalseMatchRate(kSlapSequenceFalseMatchRate));
    std::map<int, MinutiaeTemplate> slap_fingers;
    for (const SlapSegment& segment : out.segmentation.segments) {
      auto minutiae = ExtractMinutiae(segment.crop, Lenient());
      if (minutiae.ok()) slap_fingers.emplace(segment.position, std::move(minutiae).value());
    }
    const SlapSequenceDecision decision = CheckSlapSequence(slap_fingers, references, threshold);
    for (const SegmentSequenceCheck& check : decision.checks) checks[check.position] = check;
    swap_likelihood = std::exp(std::min(decision.log_likelihood_gain, 50.0));
    out.report["sequence_check"] = {{"swap", decision.swap},
                                    {"references", references.size()},
                                    {"log_likelihood_gain", std::round(decision.log_likelihood_gain * 100) / 100}};
  }

  for (std::size_t i = 0; i < out.segmentation.segments.size(); ++i) {
    const SlapSegment& segment = out.segmentation.segments[i];
    const std::string finger_where = where + " finger " + FingerName(segment.position);
    if (auto found = checks.find(segment.position); found != checks.end()) {
      const SegmentSequenceCheck& check = found->second;
      out.report["segments"][i]["sequence_check"] = {{"verdict", SequenceVerdictName(check.verdict)},
                                                     {"own_score", std::round(check.own_score * 1000) / 1000},
                                                     {"rolled_present", check.rolled_present},
                                                     {"best_position", check.best_position},
                                                     {"best_score", std::round(check.best_score * 1000) / 1000},
                                                     {"assigned_position", check.assigned_position}};
      if (IsSequenceSwap(check.verdict)) {
        ++out.sequence_errors;
        out.refused_positions.push_back(segment.position);
        out.skipped.push_back(finger_where + ": not enrolled: sequence check: " + SequenceVerdictName(check.verdict) +
                              ": matches the rolled print of finger " + std::to_string(check.assigned_position) +
                              " (score " + Score(check.assigned_score) + ") better than its own (" +
                              (check.rolled_present ? "score " + Score(check.own_score) : std::string("absent")) +
                              "); the slap's swapped assignment explains the scores " + Likelihood(swap_likelihood) +
                              " times better than its declared one (a swap needs " +
                              Likelihood(kSequenceSwapMinLikelihoodRatio) + ")");
        continue;
      }
    }
    if (!segment.quality_problem.empty()) {
      out.refused_positions.push_back(segment.position);
      out.skipped.push_back(finger_where + ": not enrolled: " + segment.quality_problem);
      continue;
    }
    auto png = EncodePng(segment.crop);
    if (!png.ok()) {
      out.refused_positions.push_back(segment.position);
      out.skipped.push_back(finger_where + ": not enrolled: " + png.status().message());
      continue;
    }
    const nlohmann::json geometry = {{"position", slap_position},
                                     {"idc", idc},
                                     {"width", standard.width},
                                     {"height", standard.height},
                                     {"box",
                                      {segment.box.centre_x, segment.box.centre_y, segment.box.width,
                                       segment.box.height, segment.box.angle_degrees}},
                                     {"missing", missing}};
    out.fingers.push_back({segment.position, std::move(png).value(), finger_where, geometry});
  }
  for (int position : out.missing_positions) {
    out.skipped.push_back(where + ": finger " + FingerName(position) +
                          " not found in the slap (amputated or not printed?)");
  }
  for (int position : out.declared_missing_positions) {
    const std::string& code = declared_missing.at(position);
    out.skipped.push_back(where + ": finger " + FingerName(position) + " not in the slap, as declared: " +
                          (code == "XX" ? "amputated" : "unable to print") + " (14.018 AMP " + code + ")");
  }
  return out;
}

Status RequireCompleteSlap(const SlapCut& cut, const std::string& where) {
  if (cut.complete()) return Status::Ok();
  std::string missing, refused;
  for (int position : cut.missing_positions) missing += (missing.empty() ? "" : ", ") + FingerName(position);
  for (int position : cut.refused_positions) refused += (refused.empty() ? "" : ", ") + FingerName(position);
  std::string message =
      where + ": the slap declares " + std::to_string(SlapPositions(cut.segmentation.kind).size()) + " fingers but ";
  if (!missing.empty()) message += "finger " + missing + " not found";
  if (!missing.empty() && !refused.empty()) message += " and ";
  if (!refused.empty()) message += "finger " + refused + " refused (quality or sequence check)";
  return Status::FailedPrecondition(message + "; nothing enrolled (accept a partial slap to enrol the others)");
}

SampleInput SlapFingerSample(SlapFingerForEnrolment finger, int min_quality) {
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = std::move(finger.png);
  sample.position = static_cast<FingerPosition>(finger.position);
  sample.source_name = std::move(finger.source);
  sample.options = {{"min_quality", min_quality}, {"slap", std::move(finger.slap)}};
  return sample;
}

}  // namespace abis::finger
