#include "nist_slaps.h"

#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>

#include "abis/finger_extract/image.h"

namespace abis::cli {

namespace {

constexpr double kMillimetresPerInch = 25.4;

double PixelsPerInch(double pixels_per_mm) { return pixels_per_mm > 0 ? pixels_per_mm * kMillimetresPerInch : 0; }

}  // namespace

Result<TransactionSlaps> SegmentTransactionSlaps(const interop::NistEnrolmentBundle& bundle, const std::string& file,
                                                 int min_quality) {
  TransactionSlaps out;
  if (bundle.slaps.empty()) return out;
  // Reference prints: the single-finger images of the transaction, by position.
  std::map<int, finger::MinutiaeTemplate> rolled;
  for (const interop::NistFingerImage& image : bundle.fingers) {
    const int position = static_cast<int>(image.position);
    if (position < 1 || position > 10 || rolled.contains(position)) continue;
    const std::string where =
        file + " (Type-" + std::to_string(image.source_record_type) + " IDC " + std::to_string(image.source_idc) + ")";
    auto decoded = finger::DecodeRecordFingerImage(image.bytes, image.compression, image.width, image.height,
                                                   PixelsPerInch(image.pixels_per_mm), where);
    if (decoded.ok()) finger::AddSequenceReference(rolled, position, *decoded);
  }

  for (const interop::NistSlapImage& slap : bundle.slaps) {
    const std::string where = file + " (Type-" + std::to_string(slap.source_record_type) + " IDC " +
                              std::to_string(slap.source_idc) + ", FGP " + std::to_string(slap.slap_position) + ")";
    auto image = finger::DecodeRecordFingerImage(slap.bytes, slap.compression, slap.width, slap.height,
                                                 PixelsPerInch(slap.pixels_per_mm), where);
    if (!image.ok()) {
      out.skipped.push_back(where + ": slap not segmented: " + image.status().message());
      continue;
    }
    std::map<int, std::string> declared_missing;  // 14.018 AMP
    for (const interop::FingerAmputation& amputation : slap.amputations) {
      declared_missing[amputation.position] = amputation.code;
    }
    auto cut = finger::CutSlapForEnrolment(*image, slap.slap_position, slap.source_idc, where, min_quality, rolled,
                                           declared_missing);
    if (!cut.ok()) {
      out.skipped.push_back("slap not segmented: " + cut.status().message());
      continue;
    }
    // The boxes in the record's own pixels (segmentation works at 500 ppi).
    SlapSegmentsOfRecord record_segments;
    record_segments.record_type = slap.source_record_type;
    record_segments.idc = slap.source_idc;
    const double scale = slap.pixels_per_mm > 0 ? slap.pixels_per_mm * kMillimetresPerInch / 500.0 : 1.0;
    const int record_width = slap.width > 0 ? slap.width : static_cast<int>(std::lround(image->width * scale));
    const int record_height = slap.height > 0 ? slap.height : static_cast<int>(std::lround(image->height * scale));
    for (const finger::SlapSegment& segment : cut->segmentation.segments) {
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
    out.sequence_errors += cut->sequence_errors;
    for (finger::SlapFingerForEnrolment& finger : cut->fingers) out.fingers.push_back(std::move(finger));
    out.skipped.insert(out.skipped.end(), cut->skipped.begin(), cut->skipped.end());
    out.report.push_back(std::move(cut->report));
  }
  return out;
}

namespace {

// The slap geometry kept with a crop (SlapFingerForEnrolment::slap), checked.
struct CropPlace {
  int slap_position = 0, width = 0, height = 0;
  finger::RotatedBox box;
};

Result<CropPlace> ReadCropPlace(const nlohmann::json& slap, const std::string& where) {
  const auto bad = [&](const std::string& what) {
    return Status::InvalidArgument(where + ": the kept slap geometry " + what);
  };
  if (!slap.is_object() || !slap.contains("position") || !slap["position"].is_number_integer() ||
      !slap.contains("width") || !slap["width"].is_number_integer() || !slap.contains("height") ||
      !slap["height"].is_number_integer() || !slap.contains("box") || !slap["box"].is_array() ||
      slap["box"].size() != 5) {
    return bad("lacks position, width, height or a box of five numbers");
  }
  CropPlace place;
  place.slap_position = slap["position"].get<int>();
  place.width = slap["width"].get<int>();
  place.height = slap["height"].get<int>();
  if (place.slap_position < 11 || place.slap_position > 15) return bad("names no slap position (11-15)");
  constexpr int kMaxSide = 20000;
  if (place.width < 1 || place.height < 1 || place.width > kMaxSide || place.height > kMaxSide) {
    return bad("has a slap size outside 1-20000 pixels");
  }
  std::array<double, 5> values{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!slap["box"][i].is_number() || !std::isfinite(slap["box"][i].get<double>())) return bad("box is not numbers");
    values[i] = slap["box"][i].get<double>();
  }
  place.box.centre_x = values[0];
  place.box.centre_y = values[1];
  place.box.width = values[2];
  place.box.height = values[3];
  place.box.angle_degrees = values[4];
  if (!(place.box.width >= 1 && place.box.height >= 1 && place.box.width <= kMaxSide && place.box.height <= kMaxSide)) {
    return bad("box has no plausible size");
  }
  return place;
}

}  // namespace

Result<interop::NistSlapImage> ReassembleSlap(const std::vector<SlapCropForExport>& crops) {
  if (crops.empty()) return Status::InvalidArgument("a slap needs at least one crop");
  finger::GrayImage canvas;
  interop::NistSlapImage out;
  for (std::size_t i = 0; i < crops.size(); ++i) {
    const std::string where = "slap finger " + std::to_string(crops[i].finger_position);
    ABIS_ASSIGN_OR_RETURN(const CropPlace place, ReadCropPlace(crops[i].slap, where));
    if (i == 0) {
      canvas.width = place.width;
      canvas.height = place.height;
      canvas.resolution_ppi = 500;
      canvas.pixels.assign(static_cast<std::size_t>(place.width) * static_cast<std::size_t>(place.height), 255);
      out.slap_position = place.slap_position;
    } else if (place.slap_position != out.slap_position || place.width != canvas.width ||
               place.height != canvas.height) {
      return Status::InvalidArgument(where + ": its kept slap geometry names another slap than the first crop's");
    }
    ABIS_ASSIGN_OR_RETURN(const finger::GrayImage crop, finger::DecodeFingerprintImageAsStored(crops[i].png, where));
    // Each canvas pixel of the box from the crop (bilinear), the inverse of the segmenter's upright
    // warp: u = w/2 + d.n, v = h/2 - d.t with d the offset from the box centre, n across the finger
    // and t towards its tip. Where boxes overlap the darker pixel wins (ridges are dark).
    const finger::RotatedBox& box = place.box;
    const double a = box.angle_degrees * std::numbers::pi / 180.0;
    const double tx = -std::sin(a), ty = -std::cos(a), nx = std::cos(a), ny = -std::sin(a);
    const auto bounds = box.Bounds(canvas.width - 1, canvas.height - 1);
    for (int y = bounds[1]; y <= bounds[3]; ++y) {
      for (int x = bounds[0]; x <= bounds[2]; ++x) {
        const double dx = x - box.centre_x, dy = y - box.centre_y;
        const double u = box.width / 2 + dx * nx + dy * ny;
        const double v = box.height / 2 - (dx * tx + dy * ty);
        if (u < 0 || v < 0 || u > crop.width - 1 || v > crop.height - 1) continue;
        const int u0 = static_cast<int>(u), v0 = static_cast<int>(v);
        const int u1 = std::min(u0 + 1, crop.width - 1), v1 = std::min(v0 + 1, crop.height - 1);
        const double fu = u - u0, fv = v - v0;
        const auto at = [&](int cu, int cv) {
          return static_cast<double>(crop.pixels[static_cast<std::size_t>(cv) * static_cast<std::size_t>(crop.width) +
                                                 static_cast<std::size_t>(cu)]);
        };
        const double value =
            (at(u0, v0) * (1 - fu) + at(u1, v0) * fu) * (1 - fv) + (at(u0, v1) * (1 - fu) + at(u1, v1) * fu) * fv;
        std::uint8_t& pixel = canvas.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(canvas.width) +
                                            static_cast<std::size_t>(x)];
        pixel = std::min(pixel, static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L)));
      }
    }
    interop::FingerSegmentPosition segment;
    segment.position = crops[i].finger_position;
    const auto box_bounds = box.Bounds(canvas.width, canvas.height);
    if (box_bounds[0] < box_bounds[2] && box_bounds[1] < box_bounds[3]) {
      segment.has_box = true;
      segment.left = box_bounds[0];
      segment.top = box_bounds[1];
      segment.right = box_bounds[2];
      segment.bottom = box_bounds[3];
    }
    for (const auto& corner : box.Corners()) {
      segment.polygon.push_back({static_cast<int>(std::clamp(std::lround(corner[0]), 0L, canvas.width - 1L)),
                                 static_cast<int>(std::clamp(std::lround(corner[1]), 0L, canvas.height - 1L))});
    }
    out.segments.push_back(std::move(segment));
    // The slap's missing fingers (14.018 AMP), as kept with every crop of it.
    if (crops[i].slap.contains("missing") && crops[i].slap["missing"].is_array()) {
      for (const nlohmann::json& entry : crops[i].slap["missing"]) {
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_number_integer() || !entry[1].is_string()) {
          return Status::InvalidArgument(where +
                                         ": the kept slap geometry's missing fingers are not [FGP, code] pairs");
        }
        const interop::FingerAmputation amputation{entry[0].get<int>(), entry[1].get<std::string>()};
        if (amputation.position < 1 || amputation.position > 10 || !interop::IsAmputationCode(amputation.code)) {
          return Status::InvalidArgument(where +
                                         ": the kept slap geometry names a missing finger outside 1-10 or "
                                         "a code other than XX / UP");
        }
        if (std::none_of(out.amputations.begin(), out.amputations.end(),
                         [&](const auto& known) { return known.position == amputation.position; })) {
          out.amputations.push_back(amputation);
        }
      }
    }
  }
  ABIS_ASSIGN_OR_RETURN(out.bytes, finger::EncodePng(canvas));
  out.compression = "PNG";
  out.width = canvas.width;
  out.height = canvas.height;
  out.pixels_per_mm = 500 / kMillimetresPerInch;
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
