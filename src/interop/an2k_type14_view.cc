#include "abis/interop/an2k_fingerprint_image_view.h"
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
constexpr int kMaxDimension = 99999;
constexpr int kMaxImpressionType = 99;
constexpr int kMaxFingerPosition = 19;
}  // namespace

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
  return view;
}

}  // namespace abis::interop
