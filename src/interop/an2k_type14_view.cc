#include "abis/interop/an2k_fingerprint_image_view.h"
#include "an2k_text.h"
#include "an2k_view_fields.h"

namespace abis::interop {

namespace {
constexpr int kImpressionField = 3;
constexpr int kWidthField = 6;
constexpr int kHeightField = 7;
constexpr int kScaleField = 8;
constexpr int kHorizontalPixelScaleField = 9;
constexpr int kCompressionField = 11;
constexpr int kFingerPositionField = 13;
constexpr int kAmputationField = 18;         // 14.018 AMP
constexpr int kSegmentField = 21;            // 14.021 SEG
constexpr int kAlternateSegmentField = 25;   // 14.025 ASEG
constexpr int kMinPolygonPoints = 3;
constexpr int kMaxPolygonPoints = 99;
constexpr int kMaxDimension = 99999;
constexpr int kMaxImpressionType = 99;
constexpr int kMaxFingerPosition = 19;
}  // namespace

namespace {

Result<int> ItemInteger(const std::string& item, int min, int max, const std::string& where) {
  if (item.empty() || item.size() > 5 || item.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument(where + ": \"" + item + "\" is not a whole number");
  }
  const int value = std::stoi(item);
  if (value < min || value > max) {
    return Status::InvalidArgument(where + ": " + item + " outside " + std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

FingerSegmentPosition& SegmentFor(FingerprintImageView& view, int position) {
  for (FingerSegmentPosition& segment : view.segments) {
    if (segment.position == position) return segment;
  }
  view.segments.push_back({});
  view.segments.back().position = position;
  return view.segments.back();
}

Status ReadSegments(const TaggedRecord& record, FingerprintImageView& view) {
  const std::string label = internal::ViewLabel(record);
  if (const An2kField* seg = record.Find(kSegmentField); seg != nullptr) {
    for (std::size_t i = 0; i < seg->subfields.size(); ++i) {
      const auto& items = seg->subfields[i];
      const std::string where = label + ": 14.021 SEG subfield " + std::to_string(i + 1);
      if (items.size() != 5) {
        return Status::InvalidArgument(where + ": " + std::to_string(items.size()) +
                                       " items, expected 5 (FGP, LHC, RHC, TVC, BVC)");
      }
      ABIS_ASSIGN_OR_RETURN(int position, ItemInteger(items[0], 1, 10, where + " FGP"));
      ABIS_ASSIGN_OR_RETURN(int left, ItemInteger(items[1], 0, view.width - 1, where + " LHC"));
      ABIS_ASSIGN_OR_RETURN(int right, ItemInteger(items[2], left + 1, view.width, where + " RHC"));
      ABIS_ASSIGN_OR_RETURN(int top, ItemInteger(items[3], 0, view.height - 1, where + " TVC"));
      ABIS_ASSIGN_OR_RETURN(int bottom, ItemInteger(items[4], top + 1, view.height, where + " BVC"));
      FingerSegmentPosition& segment = SegmentFor(view, position);
      if (segment.has_box) return Status::InvalidArgument(where + ": finger " + items[0] + " given twice");
      segment.has_box = true;
      segment.left = left;
      segment.right = right;
      segment.top = top;
      segment.bottom = bottom;
    }
  }
  if (const An2kField* aseg = record.Find(kAlternateSegmentField); aseg != nullptr) {
    for (std::size_t i = 0; i < aseg->subfields.size(); ++i) {
      const auto& items = aseg->subfields[i];
      const std::string where = label + ": 14.025 ASEG subfield " + std::to_string(i + 1);
      if (items.size() < 2) return Status::InvalidArgument(where + ": no FGP and NOP");
      ABIS_ASSIGN_OR_RETURN(int position, ItemInteger(items[0], 1, 10, where + " FGP"));
      ABIS_ASSIGN_OR_RETURN(int points, ItemInteger(items[1], kMinPolygonPoints, kMaxPolygonPoints, where + " NOP"));
      if (items.size() != 2 + 2 * static_cast<std::size_t>(points)) {
        return Status::InvalidArgument(where + ": NOP " + items[1] + " needs " + std::to_string(2 + 2 * points) +
                                       " items, found " + std::to_string(items.size()));
      }
      FingerSegmentPosition& segment = SegmentFor(view, position);
      if (!segment.polygon.empty()) return Status::InvalidArgument(where + ": finger " + items[0] + " given twice");
      for (int k = 0; k < points; ++k) {
        const std::string point = where + " point " + std::to_string(k + 1);
        ABIS_ASSIGN_OR_RETURN(int x, ItemInteger(items[2 + 2 * static_cast<std::size_t>(k)], 0, view.width - 1,
                                                 point + " HPO"));
        ABIS_ASSIGN_OR_RETURN(int y, ItemInteger(items[3 + 2 * static_cast<std::size_t>(k)], 0, view.height - 1,
                                                 point + " VPO"));
        segment.polygon.push_back({x, y});
      }
    }
  }
  return Status::Ok();
}

Status ReadAmputations(const TaggedRecord& record, FingerprintImageView& view) {
  const An2kField* amp = record.Find(kAmputationField);
  if (amp == nullptr) return Status::Ok();
  constexpr std::size_t kMaxFingers = 10;
  if (amp->subfields.size() > kMaxFingers) {
    return Status::InvalidArgument(internal::ViewLabel(record) + ": 14.018 AMP: " +
                                   std::to_string(amp->subfields.size()) + " subfields, at most 10 fingers");
  }
  for (std::size_t i = 0; i < amp->subfields.size(); ++i) {
    const auto& items = amp->subfields[i];
    const std::string where = internal::ViewLabel(record) + ": 14.018 AMP subfield " + std::to_string(i + 1);
    if (items.size() != 2) {
      return Status::InvalidArgument(where + ": " + std::to_string(items.size()) + " items, expected 2 (FGP, AMPCD)");
    }
    ABIS_ASSIGN_OR_RETURN(int position, ItemInteger(items[0], 1, 10, where + " FGP"));
    if (!IsAmputationCode(items[1])) {
      return Status::InvalidArgument(where + " AMPCD: \"" + internal::Printable(items[1]) +
                                     "\" is not XX (amputated) or UP (unable to print)");
    }
    for (const FingerAmputation& earlier : view.amputations) {
      if (earlier.position == position) return Status::InvalidArgument(where + ": finger " + items[0] + " given twice");
    }
    view.amputations.push_back({position, items[1]});
  }
  return Status::Ok();
}

}  // namespace

bool IsAmputationCode(const std::string& code) { return code == "XX" || code == "UP"; }

Result<FingerprintImageView> ReadType14FingerprintImage(const TaggedRecord& record) {
  if (record.type != 14) return Status::InvalidArgument(internal::ViewLabel(record) + ": not a Type-14 record");
  FingerprintImageView view;
  view.record_type = 14;
  ABIS_ASSIGN_OR_RETURN(view.idc, internal::RequiredInteger(record, kIdcField, 0, 255));
  ABIS_ASSIGN_OR_RETURN(view.impression_type, internal::RequiredInteger(record, kImpressionField, 0, kMaxImpressionType));
  ABIS_ASSIGN_OR_RETURN(view.width, internal::RequiredInteger(record, kWidthField, 1, kMaxDimension));
  ABIS_ASSIGN_OR_RETURN(view.height, internal::RequiredInteger(record, kHeightField, 1, kMaxDimension));
  ABIS_ASSIGN_OR_RETURN(view.pixels_per_mm, internal::PixelsPerMillimetre(record, kScaleField, kHorizontalPixelScaleField));
  ABIS_ASSIGN_OR_RETURN(view.compression, internal::RequiredText(record, kCompressionField));
  ABIS_ASSIGN_OR_RETURN(view.finger_positions,
                        internal::RequiredIntegerList(record, kFingerPositionField, 0, kMaxFingerPosition));
  ABIS_ASSIGN_OR_RETURN(view.image, internal::RequiredImageData(record));
  // Segment positions are advisory (abis segments slaps itself): malformed ones are dropped and
  // said, never a reason to refuse the image (NIST's own nbis_valid1.16.an2 has empty boxes).
  if (Status segments = ReadSegments(record, view); !segments.ok()) {
    view.segments.clear();
    view.segment_problem = segments.message();
  }
  if (Status amputations = ReadAmputations(record, view); !amputations.ok()) {
    view.amputations.clear();
    view.amputation_problem = amputations.message();
  }
  return view;
}

}  // namespace abis::interop
