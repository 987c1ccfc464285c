#include "abis/interop/an2k_type10_view.h"

#include "an2k_view_fields.h"

namespace abis::interop {

namespace {
constexpr int kImageTypeField = 3;
constexpr int kWidthField = 6;
constexpr int kHeightField = 7;
constexpr int kScaleField = 8;
constexpr int kHorizontalPixelScaleField = 9;
constexpr int kCompressionField = 11;
constexpr int kColorSpaceField = 12;
constexpr int kSubjectPoseField = 20;
constexpr int kMaxDimension = 99999;
}  // namespace

Result<PhotoImageView> ReadType10PhotoImage(const TaggedRecord& record) {
  if (record.type != 10) return Status::InvalidArgument(internal::ViewLabel(record) + ": not a Type-10 record");
  PhotoImageView view;
  ABIS_ASSIGN_OR_RETURN(view.idc, internal::RequiredInteger(record, kIdcField, 0, 255));
  ABIS_ASSIGN_OR_RETURN(view.image_type, internal::RequiredText(record, kImageTypeField));
  ABIS_ASSIGN_OR_RETURN(view.width, internal::RequiredInteger(record, kWidthField, 1, kMaxDimension));
  ABIS_ASSIGN_OR_RETURN(view.height, internal::RequiredInteger(record, kHeightField, 1, kMaxDimension));
  ABIS_ASSIGN_OR_RETURN(view.pixels_per_mm, internal::PixelsPerMillimetre(record, kScaleField, kHorizontalPixelScaleField));
  ABIS_ASSIGN_OR_RETURN(view.compression, internal::RequiredText(record, kCompressionField));
  view.color_space = record.Item(kColorSpaceField).value_or("");
  view.subject_pose = record.Item(kSubjectPoseField).value_or("");
  ABIS_ASSIGN_OR_RETURN(view.image, internal::RequiredImageData(record));
  return view;
}

}  // namespace abis::interop
