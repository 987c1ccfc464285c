#include <array>

#include "abis/interop/an2k_fingerprint_image_view.h"
#include "an2k_text.h"

namespace abis::interop {

namespace {
// ANSI/NIST-ITL 1-2011 Table 15, in code order.
constexpr std::array<const char*, 7> kCompressionNames = {"NONE", "WSQ20", "JPEGB", "JPEGL", "JP2", "JP2L", "PNG"};
constexpr int kUnusedFingerPosition = 255;
constexpr int kMaxFingerPosition = 19;
// ISR 0: the minimum scanning resolution of the standard, 19.69 pixels/mm (500 ppi).
constexpr double kMinimumScanningResolution = 19.69;
}  // namespace

std::string CompressionNameFromCode(int code) {
  if (code < 0 || code >= static_cast<int>(kCompressionNames.size())) return "";
  return kCompressionNames[static_cast<std::size_t>(code)];
}

int CompressionCodeFromName(const std::string& name) {
  for (std::size_t i = 0; i < kCompressionNames.size(); ++i) {
    if (name == kCompressionNames[i]) return static_cast<int>(i);
  }
  return -1;
}

Result<FingerprintImageView> ReadType4FingerprintImage(const BinaryImageRecord& record, double native_pixels_per_mm) {
  const std::string where = "Type-" + std::to_string(record.type) + " IDC " + std::to_string(record.idc);
  if (record.type != 4) return Status::InvalidArgument(where + ": not a Type-4 record");
  FingerprintImageView view;
  view.record_type = 4;
  view.idc = record.idc;
  view.impression_type = record.impression_type;
  for (std::uint8_t position : record.finger_positions) {
    if (position == kUnusedFingerPosition) continue;
    if (position > kMaxFingerPosition) {
      return Status::InvalidArgument(where + ": FGP finger position " + std::to_string(position) +
                                     " outside 0-19 (255 marks unused entries)");
    }
    view.finger_positions.push_back(position);
  }
  if (view.finger_positions.empty()) return Status::InvalidArgument(where + ": FGP lists no finger position");
  view.compression = CompressionNameFromCode(record.compression);
  if (view.compression.empty()) {
    return Status::InvalidArgument(where + ": GCA compression code " + std::to_string(record.compression) +
                                   " is not in Table 15 (0-6)");
  }
  if (record.width == 0 || record.height == 0) {
    return Status::InvalidArgument(where + ": image size " + std::to_string(record.width) + "x" +
                                   std::to_string(record.height) + " is empty");
  }
  view.width = record.width;
  view.height = record.height;
  if (record.compression == 0 &&
      record.image.size() != static_cast<std::size_t>(record.width) * static_cast<std::size_t>(record.height)) {
    return Status::InvalidArgument(where + ": uncompressed image holds " + std::to_string(record.image.size()) +
                                   " bytes, expected " + std::to_string(record.width) + "x" +
                                   std::to_string(record.height));
  }
  if (record.image.empty()) return Status::InvalidArgument(where + ": no image data");
  view.pixels_per_mm = record.scanning_resolution == 0 ? kMinimumScanningResolution : native_pixels_per_mm;
  view.image = record.image;
  return view;
}

}  // namespace abis::interop
