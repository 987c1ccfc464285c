#include "nist_slaps.h"

#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "abis/finger/score_calibration.h"
#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract_cli/image_commands.h"

namespace abis::cli {

namespace {

constexpr double kMillimetresPerInch = 25.4;
constexpr double kSequenceFalseMatchRate = 1e-3;

// The record's image at the record's own scale (WSQ files often state a wrong "PPI 255").
Result<finger::GrayImage> DecodeRecordImage(const std::vector<std::uint8_t>& bytes, const std::string& compression,
                                            int width, int height, double pixels_per_mm, const std::string& where) {
  finger::GrayImage image;
  if (compression == "NONE") {
    if (width <= 0 || height <= 0 ||
        bytes.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height)) {
      return Status::InvalidArgument(where + ": uncompressed image of " + std::to_string(bytes.size()) +
                                     " bytes is not " + std::to_string(width) + "x" + std::to_string(height));
    }
    image.width = width;
    image.height = height;
    image.pixels = bytes;
  } else {
    ABIS_ASSIGN_OR_RETURN(image, finger::DecodeFingerprintImageAsStored(bytes, where));
  }
  if (pixels_per_mm > 0) image.resolution_ppi = pixels_per_mm * kMillimetresPerInch;
  return finger::ResampleToStandardResolution(image);
}

}  // namespace

Result<TransactionSlaps> SegmentTransactionSlaps(const interop::NistEnrolmentBundle& bundle, const std::string& file,
                                                 int min_quality) {
  TransactionSlaps out;
  if (bundle.slaps.empty()) return out;
  // Reference prints: the single-finger images of the transaction, by position.
  std::map<int, finger::MinutiaeTemplate> rolled;
  finger::ExtractorOptions lenient;
  lenient.apply_quality_gate = false;
  for (const interop::NistFingerImage& image : bundle.fingers) {
    const int position = static_cast<int>(image.position);
    if (position < 1 || position > 10 || rolled.contains(position)) continue;
    const std::string where =
        file + " (Type-" + std::to_string(image.source_record_type) + " IDC " + std::to_string(image.source_idc) + ")";
    auto decoded =
        DecodeRecordImage(image.bytes, image.compression, image.width, image.height, image.pixels_per_mm, where);
    if (!decoded.ok()) continue;
    auto minutiae = finger::ExtractMinutiae(*decoded, lenient);
    if (minutiae.ok()) rolled.emplace(position, std::move(minutiae).value());
  }
  ABIS_ASSIGN_OR_RETURN(const double threshold, finger::FingerThresholdForFalseMatchRate(kSequenceFalseMatchRate));

  for (const interop::NistSlapImage& slap : bundle.slaps) {
    const std::string where = file + " (Type-" + std::to_string(slap.source_record_type) + " IDC " +
                              std::to_string(slap.source_idc) + ", FGP " + std::to_string(slap.slap_position) + ")";
    auto kind = finger::SlapKindFromFingerPosition(slap.slap_position);
    if (!kind.ok()) {
      out.skipped.push_back(where + ": " + kind.status().message());
      continue;
    }
    auto image = DecodeRecordImage(slap.bytes, slap.compression, slap.width, slap.height, slap.pixels_per_mm, where);
    if (!image.ok()) {
      out.skipped.push_back(where + ": slap not segmented: " + image.status().message());
      continue;
    }
    finger::SlapSegmenterOptions options;
    options.min_quality = min_quality;
    auto segmentation = finger::SegmentSlap(*image, *kind, where, options);
    if (!segmentation.ok()) {
      out.skipped.push_back("slap not segmented: " + segmentation.status().message());
      continue;
    }
    nlohmann::json report = finger::SlapSegmentationJson(*segmentation);
    // The boxes in the record's own pixels (segmentation works at 500 ppi).
    SlapSegmentsOfRecord record_segments;
    record_segments.record_type = slap.source_record_type;
    record_segments.idc = slap.source_idc;
    const double scale = slap.pixels_per_mm > 0 ? slap.pixels_per_mm * kMillimetresPerInch / 500.0 : 1.0;
    const int record_width = slap.width > 0 ? slap.width : static_cast<int>(std::lround(image->width * scale));
    const int record_height = slap.height > 0 ? slap.height : static_cast<int>(std::lround(image->height * scale));
    for (const finger::SlapSegment& segment : segmentation->segments) {
      finger::RotatedBox box = segment.box;
      box.centre_x *= scale;
      box.centre_y *= scale;
      box.width *= scale;
      box.height *= scale;
      interop::FingerSegmentPosition position;
      position.position = segment.position;
      const auto bounds = box.Bounds(record_width, record_height);
      if (bounds[0] < bounds[2] && bounds[1] < bounds[3]) {
        position.has_box = true;
        position.left = bounds[0];
        position.top = bounds[1];
        position.right = bounds[2];
        position.bottom = bounds[3];
      }
      for (const auto& corner : box.Corners()) {
        position.polygon.push_back({static_cast<int>(std::clamp(std::lround(corner[0]), 0L, record_width - 1L)),
                                    static_cast<int>(std::clamp(std::lround(corner[1]), 0L, record_height - 1L))});
      }
      record_segments.segments.push_back(std::move(position));
    }
    out.segments.push_back(std::move(record_segments));
    report["source"] = where;
    // Sequence check against the rolled prints.
    std::map<int, finger::MinutiaeTemplate> slap_fingers;
    for (const finger::SlapSegment& segment : segmentation->segments) {
      auto minutiae = finger::ExtractMinutiae(segment.crop, lenient);
      if (minutiae.ok()) slap_fingers.emplace(segment.position, std::move(minutiae).value());
    }
    std::map<int, finger::SegmentSequenceCheck> checks;
    if (!rolled.empty()) {
      for (const auto& check : finger::CheckSlapSequence(slap_fingers, rolled, threshold))
        checks[check.position] = check;
    }
    for (std::size_t i = 0; i < segmentation->segments.size(); ++i) {
      const finger::SlapSegment& segment = segmentation->segments[i];
      const std::string finger_where = where + " finger " + std::to_string(segment.position) + " (" +
                                       std::string(FingerPositionName(static_cast<FingerPosition>(segment.position))) +
                                       ")";
      bool swapped = false;
      if (auto found = checks.find(segment.position); found != checks.end()) {
        const finger::SegmentSequenceCheck& check = found->second;
        report["segments"][i]["sequence_check"] = {{"verdict", finger::SequenceVerdictName(check.verdict)},
                                                   {"own_score", std::round(check.own_score * 1000) / 1000},
                                                   {"rolled_present", check.rolled_present},
                                                   {"best_position", check.best_position},
                                                   {"best_score", std::round(check.best_score * 1000) / 1000}};
        swapped = check.verdict == finger::SequenceVerdict::kFingerSwap ||
                  check.verdict == finger::SequenceVerdict::kHandSwap ||
                  check.verdict == finger::SequenceVerdict::kOtherSwap;
        if (swapped) {
          ++out.sequence_errors;
          out.skipped.push_back(
              finger_where + ": not enrolled: sequence check: " + finger::SequenceVerdictName(check.verdict) +
              ": matches the rolled print of finger " + std::to_string(check.best_position) + " (score " +
              std::to_string(check.best_score).substr(0, 5) + ") better than its own (" +
              (check.rolled_present ? "score " + std::to_string(check.own_score).substr(0, 5) : std::string("absent")) +
              "; threshold " + std::to_string(threshold).substr(0, 5) + " at FMR 1e-3)");
        }
      }
      if (swapped) continue;
      if (!segment.quality_problem.empty()) {
        out.skipped.push_back(finger_where + ": not enrolled: " + segment.quality_problem);
        continue;
      }
      auto png = finger::EncodePng(segment.crop);
      if (!png.ok()) {
        out.skipped.push_back(finger_where + ": not enrolled: " + png.status().message());
        continue;
      }
      out.fingers.push_back({segment.position, std::move(png).value(), finger_where});
    }
    for (int position : segmentation->missing_positions) {
      out.skipped.push_back(where + ": finger " + std::to_string(position) + " (" +
                            std::string(FingerPositionName(static_cast<FingerPosition>(position))) +
                            ") not found in the slap (amputated or not printed?)");
    }
    out.report.push_back(std::move(report));
  }
  return out;
}

std::pair<int, int> AnnotateSlapSegments(interop::An2kTransaction& transaction,
                                         const std::vector<SlapSegmentsOfRecord>& segments) {
  constexpr int kSegmentField = 21;
  constexpr int kAlternateSegmentField = 25;
  int annotated = 0, refused = 0;
  for (const SlapSegmentsOfRecord& slap : segments) {
    if (slap.record_type != 14) {
      ++refused;
      continue;
    }
    for (interop::An2kRecord& record : transaction.records) {
      auto* tagged = std::get_if<interop::TaggedRecord>(&record);
      if (tagged == nullptr || tagged->type != 14) continue;
      const interop::An2kField* idc = tagged->Find(interop::kIdcField);
      if (idc == nullptr || std::atoi(idc->FirstItem().c_str()) != slap.idc) continue;
      std::vector<std::vector<std::string>> boxes, polygons;
      for (const interop::FingerSegmentPosition& segment : slap.segments) {
        if (segment.has_box) {
          boxes.push_back({std::to_string(segment.position), std::to_string(segment.left),
                           std::to_string(segment.right), std::to_string(segment.top), std::to_string(segment.bottom)});
        }
        std::vector<std::string> items = {std::to_string(segment.position), std::to_string(segment.polygon.size())};
        for (const auto& point : segment.polygon) {
          items.push_back(std::to_string(point[0]));
          items.push_back(std::to_string(point[1]));
        }
        polygons.push_back(std::move(items));
      }
      std::vector<interop::An2kField> fields;
      for (interop::An2kField& field : tagged->fields) {
        if (field.number == kSegmentField || field.number == kAlternateSegmentField) continue;
        if (field.number > kSegmentField && !boxes.empty()) {
          fields.push_back(interop::An2kField::Items(kSegmentField, std::move(boxes)));
          boxes.clear();
        }
        if (field.number > kAlternateSegmentField && !polygons.empty()) {
          fields.push_back(interop::An2kField::Items(kAlternateSegmentField, std::move(polygons)));
          polygons.clear();
        }
        fields.push_back(std::move(field));
      }
      tagged->fields = std::move(fields);
      ++annotated;
      break;
    }
  }
  return {annotated, refused};
}

}  // namespace abis::cli
#endif
