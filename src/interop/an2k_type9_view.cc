#include "abis/interop/an2k_type9_view.h"

#include <algorithm>
#include <cstdint>

#include "an2k_text.h"
#include "an2k_view_fields.h"

namespace abis::interop {

namespace {
constexpr int kFormatField = 4;              // 9.004 FMT: S standard, U user-defined
constexpr int kLegacyFingerPositionField = 6;
constexpr int kMinutiaCountField = 10;
constexpr int kMinutiaeField = 12;
constexpr int kEfsFingerPositionField = 302;
constexpr int kEfsMinutiaeField = 331;
constexpr int kMaxFingerPosition = 40;       // fingers and palms share 9.006 / 9.302
constexpr std::size_t kLocationDigits = 11;  // XXXXYYYYTTT
constexpr int kMaxLegacyQuality = 63;
constexpr int kFullCircle = 360;
constexpr int kMaxEfsCoordinate = 99999;
// INCITS 378 block of Type-9 (items as in the field-definition table for ANSI/NIST-ITL 1-2011,
// AN2011-FieldDefinition.xml: 9.137-A index, -B X, -C Y, -D angle 0-179, -E type, -F quality).
constexpr int kIncitsWidthField = 128;
constexpr int kIncitsHeightField = 129;
constexpr int kIncitsScaleUnitsField = 130;
constexpr int kIncitsHorizontalScaleField = 131;
constexpr int kIncitsVerticalScaleField = 132;
constexpr int kIncitsFingerPositionField = 134;
constexpr int kIncitsMinutiaCountField = 136;
constexpr int kIncitsMinutiaeField = 137;
constexpr int kIncitsMaxImageSide = 99999;
constexpr int kIncitsMaxFingerPosition = 10;
constexpr int kIncitsAngleUnitDegrees = 2;  // INCITS 378 angles are in units of 2 degrees
constexpr int kIncitsMaxAngle = 179;
constexpr int kIncitsMaxQuality = 100;
constexpr int kIncitsMaxMinutiae = 9999;
constexpr int kScalePixelsPerInch = 1;
constexpr int kScalePixelsPerCentimetre = 2;
constexpr std::int64_t kHundredthsOfMmPerInch = 2540;
constexpr std::int64_t kHundredthsOfMmPerCentimetre = 1000;

std::string Subfield(const TaggedRecord& record, int field, std::size_t index) {
  const std::string number = std::to_string(field);
  return internal::ViewLabel(record) + ": field 9." + std::string(3 - std::min<std::size_t>(3, number.size()), '0') +
         number + " subfield " + std::to_string(index + 1);
}

Result<An2kMinutiaType> LegacyType(const std::string& code, const std::string& where) {
  if (code == "A") return An2kMinutiaType::kRidgeEnding;
  if (code == "B") return An2kMinutiaType::kBifurcation;
  if (code == "C") return An2kMinutiaType::kCompound;
  if (code == "D") return An2kMinutiaType::kUndetermined;
  return Status::InvalidArgument(where + ": minutia type \"" + internal::Printable(code) + "\" is not A, B, C or D");
}

Result<MinutiaeView> ReadLegacy(const TaggedRecord& record, const An2kField& minutiae) {
  MinutiaeView view;
  view.block = An2kMinutiaeBlock::kLegacyStandard;
  ABIS_ASSIGN_OR_RETURN(int count, internal::RequiredInteger(record, kMinutiaCountField, 0, 9999));
  if (static_cast<std::size_t>(count) != minutiae.subfields.size()) {
    return Status::InvalidArgument(internal::ViewLabel(record) + ": 9.010 MIN says " + std::to_string(count) +
                                   " minutiae but 9.012 holds " + std::to_string(minutiae.subfields.size()));
  }
  ABIS_ASSIGN_OR_RETURN(view.finger_positions,
                        internal::RequiredIntegerList(record, kLegacyFingerPositionField, 0, kMaxFingerPosition));
  for (std::size_t i = 0; i < minutiae.subfields.size(); ++i) {
    const auto& items = minutiae.subfields[i];
    const std::string where = Subfield(record, kMinutiaeField, i);
    if (items.size() < 2) return Status::InvalidArgument(where + ": no location item");
    const std::string& location = items[1];
    if (location.size() != kLocationDigits || !internal::ParseUnsignedDecimal(location, kLocationDigits)) {
      return Status::InvalidArgument(where + ": location \"" + internal::Printable(location) +
                                     "\" is not 11 digits XXXXYYYYTTT");
    }
    An2kMinutia minutia;
    minutia.x = static_cast<int>(*internal::ParseUnsignedDecimal(location.substr(0, 4)));
    minutia.y = static_cast<int>(*internal::ParseUnsignedDecimal(location.substr(4, 4)));
    minutia.theta_degrees = static_cast<int>(*internal::ParseUnsignedDecimal(location.substr(8, 3)));
    if (minutia.theta_degrees >= kFullCircle) {
      return Status::InvalidArgument(where + ": direction " + std::to_string(minutia.theta_degrees) +
                                     " is not 0-359 degrees");
    }
    if (items.size() > 2 && !items[2].empty()) {
      const auto quality = internal::ParseUnsignedDecimal(items[2], 2);
      if (!quality || *quality > kMaxLegacyQuality) {
        return Status::InvalidArgument(where + ": quality \"" + internal::Printable(items[2]) + "\" is not 0-63");
      }
      minutia.quality = static_cast<int>(*quality);
    }
    if (items.size() > 3 && !items[3].empty()) {
      ABIS_ASSIGN_OR_RETURN(minutia.type, LegacyType(items[3], where));
    }
    view.minutiae.push_back(minutia);
  }
  return view;
}

Result<MinutiaeView> ReadExtendedFeatureSet(const TaggedRecord& record, const An2kField& minutiae) {
  MinutiaeView view;
  view.block = An2kMinutiaeBlock::kExtendedFeatureSet;
  if (const An2kField* position = record.Find(kEfsFingerPositionField)) {
    for (std::size_t i = 0; i < position->subfields.size(); ++i) {
      const std::string code = position->subfields[i].empty() ? "" : position->subfields[i].front();
      const auto value = internal::ParseUnsignedDecimal(code, 2);
      if (!value || *value > static_cast<std::uint64_t>(kMaxFingerPosition)) {
        return Status::InvalidArgument(Subfield(record, kEfsFingerPositionField, i) + ": friction ridge position \"" +
                                       internal::Printable(code) + "\" is not 0-40");
      }
      view.finger_positions.push_back(static_cast<int>(*value));
    }
  }
  for (std::size_t i = 0; i < minutiae.subfields.size(); ++i) {
    const auto& items = minutiae.subfields[i];
    const std::string where = Subfield(record, kEfsMinutiaeField, i);
    if (items.size() < 4) {
      return Status::InvalidArgument(where + ": " + std::to_string(items.size()) +
                                     " items, expected at least X, Y, theta and type");
    }
    const auto x = internal::ParseUnsignedDecimal(items[0], 5);
    const auto y = internal::ParseUnsignedDecimal(items[1], 5);
    const auto theta = internal::ParseUnsignedDecimal(items[2], 3);
    if (!x || !y || *x > kMaxEfsCoordinate || *y > kMaxEfsCoordinate) {
      return Status::InvalidArgument(where + ": location \"" + internal::Printable(items[0]) + "," +
                                     internal::Printable(items[1]) + "\" is not two coordinates in 0.01 mm");
    }
    // 360 occurs in NIST's own EFS samples; it is the same direction as 0.
    if (!theta || *theta > static_cast<std::uint64_t>(kFullCircle)) {
      return Status::InvalidArgument(where + ": direction \"" + internal::Printable(items[2]) + "\" is not 0-360");
    }
    An2kMinutia minutia;
    minutia.x = static_cast<int>(*x);
    minutia.y = static_cast<int>(*y);
    minutia.theta_degrees = static_cast<int>(*theta) % kFullCircle;
    if (items[3] == "E") {
      minutia.type = An2kMinutiaType::kRidgeEnding;
    } else if (items[3] == "B") {
      minutia.type = An2kMinutiaType::kBifurcation;
    } else if (items[3] == "X") {
      minutia.type = An2kMinutiaType::kUndetermined;
    } else {
      return Status::InvalidArgument(where + ": minutia type \"" + internal::Printable(items[3]) +
                                     "\" is not E, B or X");
    }
    view.minutiae.push_back(minutia);
  }
  return view;
}

Result<MinutiaeView> ReadIncits378(const TaggedRecord& record, const An2kField& minutiae) {
  MinutiaeView view;
  view.block = An2kMinutiaeBlock::kIncits378;
  const std::string label = internal::ViewLabel(record);
  ABIS_ASSIGN_OR_RETURN(int width, internal::RequiredInteger(record, kIncitsWidthField, 10, kIncitsMaxImageSide));
  ABIS_ASSIGN_OR_RETURN(int height, internal::RequiredInteger(record, kIncitsHeightField, 10, kIncitsMaxImageSide));
  ABIS_ASSIGN_OR_RETURN(int scale_units, internal::RequiredInteger(record, kIncitsScaleUnitsField, 0, 2));
  ABIS_ASSIGN_OR_RETURN(int horizontal, internal::RequiredInteger(record, kIncitsHorizontalScaleField, 1, 99999));
  ABIS_ASSIGN_OR_RETURN(int vertical, internal::RequiredInteger(record, kIncitsVerticalScaleField, 1, 99999));
  if (scale_units != kScalePixelsPerInch && scale_units != kScalePixelsPerCentimetre) {
    return Status::InvalidArgument(label + ": 9.130 SLC " + std::to_string(scale_units) +
                                   " gives no physical scale, so the INCITS minutiae cannot be placed in millimetres");
  }
  if (horizontal != vertical) {
    return Status::InvalidArgument(label + ": 9.131 THPS " + std::to_string(horizontal) + " differs from 9.132 TVPS " +
                                   std::to_string(vertical) + " (they must be equal when SLC is 1 or 2)");
  }
  if (record.Find(kIncitsFingerPositionField) != nullptr) {
    ABIS_ASSIGN_OR_RETURN(int position, internal::RequiredInteger(record, kIncitsFingerPositionField, 0,
                                                                  kIncitsMaxFingerPosition));
    view.finger_positions.push_back(position);
  }
  ABIS_ASSIGN_OR_RETURN(int count, internal::RequiredInteger(record, kIncitsMinutiaCountField, 0, kIncitsMaxMinutiae));
  if (static_cast<std::size_t>(count) != minutiae.subfields.size()) {
    return Status::InvalidArgument(label + ": 9.136 NOM says " + std::to_string(count) + " minutiae but 9.137 holds " +
                                   std::to_string(minutiae.subfields.size()));
  }
  const std::int64_t per_unit =
      scale_units == kScalePixelsPerInch ? kHundredthsOfMmPerInch : kHundredthsOfMmPerCentimetre;
  view.image_width = width;
  view.image_height = height;
  view.pixels_per_mm = static_cast<double>(horizontal) * 100.0 / static_cast<double>(per_unit);
  const auto to_hundredths_of_mm = [&](std::uint64_t pixels) {
    return static_cast<int>((static_cast<std::int64_t>(pixels) * per_unit + horizontal / 2) / horizontal);
  };
  for (std::size_t i = 0; i < minutiae.subfields.size(); ++i) {
    const auto& items = minutiae.subfields[i];
    const std::string where = Subfield(record, kIncitsMinutiaeField, i);
    if (items.size() < 6) {
      return Status::InvalidArgument(where + ": " + std::to_string(items.size()) +
                                     " items, expected index, X, Y, angle, type and quality");
    }
    const auto x = internal::ParseUnsignedDecimal(items[1], 5);
    const auto y = internal::ParseUnsignedDecimal(items[2], 5);
    if (!x || !y || *x >= static_cast<std::uint64_t>(width) || *y >= static_cast<std::uint64_t>(height)) {
      return Status::InvalidArgument(where + ": location \"" + internal::Printable(items[1]) + "," +
                                     internal::Printable(items[2]) + "\" is not a pixel inside the " +
                                     std::to_string(width) + "x" + std::to_string(height) + " image");
    }
    const auto angle = internal::ParseUnsignedDecimal(items[3], 3);
    if (!angle || *angle > static_cast<std::uint64_t>(kIncitsMaxAngle)) {
      return Status::InvalidArgument(where + ": angle \"" + internal::Printable(items[3]) +
                                     "\" is not 0-179 (units of 2 degrees)");
    }
    const auto type = internal::ParseUnsignedDecimal(items[4], 1);
    if (!type || *type > 2) {
      return Status::InvalidArgument(where + ": minutia type \"" + internal::Printable(items[4]) +
                                     "\" is not 0 (other), 1 (ridge ending) or 2 (bifurcation)");
    }
    const auto quality = internal::ParseUnsignedDecimal(items[5], 3);
    if (!quality || *quality > static_cast<std::uint64_t>(kIncitsMaxQuality)) {
      return Status::InvalidArgument(where + ": quality \"" + internal::Printable(items[5]) + "\" is not 0-100");
    }
    An2kMinutia minutia;
    minutia.x = to_hundredths_of_mm(*x);
    minutia.y = to_hundredths_of_mm(*y);
    minutia.theta_degrees = static_cast<int>(*angle) * kIncitsAngleUnitDegrees;
    minutia.type = *type == 1   ? An2kMinutiaType::kRidgeEnding
                   : *type == 2 ? An2kMinutiaType::kBifurcation
                                : An2kMinutiaType::kUndetermined;
    minutia.quality = static_cast<int>(*quality);
    view.minutiae.push_back(minutia);
  }
  return view;
}
}  // namespace

std::string_view An2kMinutiaTypeName(An2kMinutiaType type) {
  switch (type) {
    case An2kMinutiaType::kRidgeEnding: return "ridge_ending";
    case An2kMinutiaType::kBifurcation: return "bifurcation";
    case An2kMinutiaType::kCompound: return "compound";
    case An2kMinutiaType::kUndetermined: return "undetermined";
  }
  return "undetermined";
}

Result<std::optional<MinutiaeView>> ReadType9Minutiae(const TaggedRecord& record) {
  if (record.type != 9) return Status::InvalidArgument(internal::ViewLabel(record) + ": not a Type-9 record");
  ABIS_ASSIGN_OR_RETURN(int idc, internal::RequiredInteger(record, kIdcField, 0, 255));
  const An2kField* legacy = record.Find(kMinutiaeField);
  if (legacy != nullptr && !legacy->is_binary && record.Item(kFormatField).value_or("") == "S") {
    ABIS_ASSIGN_OR_RETURN(MinutiaeView view, ReadLegacy(record, *legacy));
    view.idc = idc;
    return std::optional<MinutiaeView>(std::move(view));
  }
  const An2kField* efs = record.Find(kEfsMinutiaeField);
  if (efs != nullptr && !efs->is_binary) {
    ABIS_ASSIGN_OR_RETURN(MinutiaeView view, ReadExtendedFeatureSet(record, *efs));
    view.idc = idc;
    return std::optional<MinutiaeView>(std::move(view));
  }
  const An2kField* incits = record.Find(kIncitsMinutiaeField);
  if (incits != nullptr && !incits->is_binary) {
    ABIS_ASSIGN_OR_RETURN(MinutiaeView view, ReadIncits378(record, *incits));
    view.idc = idc;
    return std::optional<MinutiaeView>(std::move(view));
  }
  return std::optional<MinutiaeView>();
}

}  // namespace abis::interop
