// BuildTransactionFromBundle: neutral bundle -> Type-1 + Type-2 + Type-14/10/18 transaction.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "abis/interop/an2k_fingerprint_image_view.h"
#include "abis/interop/an2k_type18_view.h"
#include "abis/interop/an2k_writer.h"
#include "abis/interop/nist_enrolment_bundle.h"
#include "abis/image/image_header.h"
#include "an2k_text.h"

namespace abis::interop {

namespace {

constexpr double kDefaultPixelsPerInch = 500.0;
constexpr double kMillimetresPerInch = 25.4;
constexpr std::size_t kTimestampDigits = 14;  // YYYYMMDDhhmmss
constexpr std::size_t kMaxAlleles = 3;        // AL1-AL3 of 18.016
constexpr int kBitsPerPixel = 8;

std::string UtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y%m%d%H%M%S", &utc);
  return buffer;
}

bool HasSeparator(const std::string& text) {
  for (char c : text) {
    if (c == kFileSeparator || c == kGroupSeparator || c == kRecordSeparator || c == kUnitSeparator) return true;
  }
  return false;
}

std::string TwoDigits(int value) {
  std::string text = std::to_string(value);
  return text.size() < 2 ? "0" + text : text;
}

struct ImageDimensions {
  int width = 0;
  int height = 0;
};

// The dimensions the bundle gives, else those of the image's header (image/image_header.h).
Result<ImageDimensions> Dimensions(int width, int height, const std::vector<std::uint8_t>& bytes,
                                   const std::string& where) {
  if (width > 0 && height > 0) return ImageDimensions{width, height};
  const Result<image::ImageHeader> header = image::ReadImageHeader(bytes, "image");
  if (!header.ok()) {
    return Status::InvalidArgument(where + ": width/height not given and not readable from the image header (" +
                                   header.status().message() + ")");
  }
  if (header->width > std::numeric_limits<int>::max() || header->height > std::numeric_limits<int>::max()) {
    return Status::InvalidArgument(where + ": image header claims " + std::to_string(header->width) + "x" +
                                   std::to_string(header->height) + " pixels");
  }
  return ImageDimensions{static_cast<int>(header->width), static_cast<int>(header->height)};
}

Result<TaggedRecord> FingerRecord(const NistFingerImage& finger, int idc, const NistTransactionOptions& options,
                                  const std::string& date, std::size_t number) {
  const std::string where = "finger " + std::to_string(number + 1) + " (" +
                            std::string(FingerPositionName(finger.position)) + ")";
  if (finger.bytes.empty()) return Status::InvalidArgument(where + ": no image bytes");
  if (CompressionCodeFromName(finger.compression) < 0) {
    return Status::InvalidArgument(where + ": compression \"" + internal::Printable(finger.compression) +
                                   "\" is not a Table 15 name (NONE, WSQ20, JPEGB, JPEGL, JP2, JP2L, PNG)");
  }
  ABIS_ASSIGN_OR_RETURN(ImageDimensions size, Dimensions(finger.width, finger.height, finger.bytes, where));
  const double ppi = finger.pixels_per_mm > 0 ? finger.pixels_per_mm * kMillimetresPerInch : kDefaultPixelsPerInch;
  const std::string pixels_per_inch = std::to_string(static_cast<int>(std::lround(ppi)));
  TaggedRecord record;
  record.type = 14;
  record.fields = {
      An2kField::Text(2, TwoDigits(idc)),
      An2kField::Text(3, std::to_string(finger.impression_type)),
      An2kField::Text(4, options.originating_agency),
      An2kField::Text(5, date),
      An2kField::Text(6, std::to_string(size.width)),
      An2kField::Text(7, std::to_string(size.height)),
      An2kField::Text(8, "1"),  // SLC 1: pixels per inch
      An2kField::Text(9, pixels_per_inch),
      An2kField::Text(10, pixels_per_inch),
      An2kField::Text(11, finger.compression),
      An2kField::Text(12, std::to_string(kBitsPerPixel)),
      An2kField::Text(13, std::to_string(static_cast<int>(finger.position))),
      An2kField::Binary(finger.bytes),
  };
  return record;
}

// A slap as Type-14: the finger record's fields with the slap's FGP, then 14.021 SEG and 14.025
// ASEG from its segments.
Result<TaggedRecord> SlapRecord(const NistSlapImage& slap, int idc, const NistTransactionOptions& options,
                                const std::string& date, std::size_t number) {
  const std::string where = "slap " + std::to_string(number + 1) + " (FGP " + std::to_string(slap.slap_position) + ")";
  constexpr int kFirstSlapPosition = 11;
  constexpr int kLastSlapPosition = 15;
  if (slap.slap_position < kFirstSlapPosition || slap.slap_position > kLastSlapPosition) {
    return Status::InvalidArgument(where + ": not a plain slap or thumb position (11-15)");
  }
  NistFingerImage image;
  image.compression = slap.compression;
  image.width = slap.width;
  image.height = slap.height;
  image.pixels_per_mm = slap.pixels_per_mm;
  image.impression_type = slap.impression_type;
  image.bytes = slap.bytes;
  ABIS_ASSIGN_OR_RETURN(TaggedRecord record, FingerRecord(image, idc, options, date, number));
  const int width = std::stoi(record.Find(6)->FirstItem());
  const int height = std::stoi(record.Find(7)->FirstItem());
  record.Find(13)->subfields = {{std::to_string(slap.slap_position)}};
  std::vector<std::vector<std::string>> boxes, polygons;
  constexpr int kMinPoints = 3;
  constexpr int kMaxPoints = 99;
  for (const FingerSegmentPosition& segment : slap.segments) {
    const std::string finger = where + " finger " + std::to_string(segment.position);
    if (segment.position < 1 || segment.position > 10) {
      return Status::InvalidArgument(finger + ": segment position outside 1-10");
    }
    if (segment.has_box) {
      if (segment.left < 0 || segment.left >= segment.right || segment.right > width || segment.top < 0 ||
          segment.top >= segment.bottom || segment.bottom > height) {
        return Status::InvalidArgument(finger + ": box " + std::to_string(segment.left) + "-" +
                                       std::to_string(segment.right) + " x " + std::to_string(segment.top) + "-" +
                                       std::to_string(segment.bottom) + " is empty or outside the " +
                                       std::to_string(width) + "x" + std::to_string(height) + " image");
      }
      boxes.push_back({std::to_string(segment.position), std::to_string(segment.left), std::to_string(segment.right),
                       std::to_string(segment.top), std::to_string(segment.bottom)});
    }
    if (!segment.polygon.empty()) {
      const int points = static_cast<int>(segment.polygon.size());
      if (points < kMinPoints || points > kMaxPoints) {
        return Status::InvalidArgument(finger + ": polygon of " + std::to_string(points) + " points (3-99)");
      }
      std::vector<std::string> items = {std::to_string(segment.position), std::to_string(points)};
      for (const auto& point : segment.polygon) {
        if (point[0] < 0 || point[0] >= width || point[1] < 0 || point[1] >= height) {
          return Status::InvalidArgument(finger + ": polygon point (" + std::to_string(point[0]) + ", " +
                                         std::to_string(point[1]) + ") outside the image");
        }
        items.push_back(std::to_string(point[0]));
        items.push_back(std::to_string(point[1]));
      }
      polygons.push_back(std::move(items));
    }
  }
  std::vector<std::vector<std::string>> amputations;
  for (const FingerAmputation& amputation : slap.amputations) {
    const std::string finger = where + " finger " + std::to_string(amputation.position);
    if (amputation.position < 1 || amputation.position > 10) {
      return Status::InvalidArgument(finger + ": amputated finger position outside 1-10");
    }
    if (!IsAmputationCode(amputation.code)) {
      return Status::InvalidArgument(finger + ": AMPCD \"" + internal::Printable(amputation.code) +
                                     "\" is not XX (amputated) or UP (unable to print)");
    }
    for (const auto& earlier : amputations) {
      if (earlier[0] == std::to_string(amputation.position)) {
        return Status::InvalidArgument(finger + ": declared amputated twice");
      }
    }
    amputations.push_back({std::to_string(amputation.position), amputation.code});
  }
  // Fields in number order, before 999.
  An2kField data = record.fields.back();
  record.fields.pop_back();
  if (!amputations.empty()) record.fields.push_back(An2kField::Items(18, std::move(amputations)));
  if (!boxes.empty()) record.fields.push_back(An2kField::Items(21, std::move(boxes)));
  if (!polygons.empty()) record.fields.push_back(An2kField::Items(25, std::move(polygons)));
  record.fields.push_back(std::move(data));
  return record;
}

// The INCITS 378 block of Type-9 for one minutiae set: pixels back from 0.01 mm with the set's
// scale, angles in units of 2 degrees, types 1 ridge ending / 2 bifurcation / 0 other.
Result<TaggedRecord> MinutiaeRecord(const NistMinutiae& set, int idc, std::size_t number) {
  const std::string where = "minutiae set " + std::to_string(number + 1) + " (" +
                            std::string(FingerPositionName(set.position)) + ")";
  constexpr int kMinImageSide = 10;  // 9.128/9.129 as the reader accepts them
  constexpr int kMaxImageSide = 99999;
  constexpr int kMaxMinutiae = 9999;
  constexpr int kMaxImpressionType = 99;
  if (set.image_width < kMinImageSide || set.image_width > kMaxImageSide || set.image_height < kMinImageSide ||
      set.image_height > kMaxImageSide || !std::isfinite(set.pixels_per_mm) || set.pixels_per_mm <= 0) {
    return Status::InvalidArgument(where + ": image size " + std::to_string(set.image_width) + "x" +
                                   std::to_string(set.image_height) + " and scale " +
                                   std::to_string(set.pixels_per_mm) +
                                   " pixels/mm do not make an INCITS 378 block (sides 10-99999, scale above 0)");
  }
  if (set.minutiae.size() > static_cast<std::size_t>(kMaxMinutiae)) {
    return Status::InvalidArgument(where + ": " + std::to_string(set.minutiae.size()) +
                                   " minutiae; 9.136 NOM stops at 9999");
  }
  if (set.impression_type < 0 || set.impression_type > kMaxImpressionType) {
    return Status::InvalidArgument(where + ": impression type " + std::to_string(set.impression_type) +
                                   " is not 0-99");
  }
  const double pixels_per_inch = set.pixels_per_mm * kMillimetresPerInch;
  const bool whole_inch = std::abs(pixels_per_inch - std::round(pixels_per_inch)) < 1e-6;
  const long scale = whole_inch ? std::lround(pixels_per_inch) : std::lround(set.pixels_per_mm * 10.0);
  constexpr long kMaxScale = 99999;
  if (scale < 1 || scale > kMaxScale) {
    return Status::InvalidArgument(where + ": scale " + std::to_string(set.pixels_per_mm) +
                                   " pixels/mm does not fit 9.131 THPS (1-99999)");
  }
  std::vector<std::vector<std::string>> items;
  for (std::size_t i = 0; i < set.minutiae.size(); ++i) {
    const An2kMinutia& minutia = set.minutiae[i];
    const long x = std::lround(static_cast<double>(minutia.x) * set.pixels_per_mm / 100.0);
    const long y = std::lround(static_cast<double>(minutia.y) * set.pixels_per_mm / 100.0);
    if (x < 0 || y < 0 || x >= set.image_width || y >= set.image_height) {
      return Status::InvalidArgument(where + ": minutia " + std::to_string(i + 1) + " at pixel (" +
                                     std::to_string(x) + ", " + std::to_string(y) + ") lies outside the " +
                                     std::to_string(set.image_width) + "x" + std::to_string(set.image_height) +
                                     " image");
    }
    const int degrees = ((minutia.theta_degrees % 360) + 360) % 360;
    const long angle = std::lround(degrees / 2.0) % 180;
    const char* type = minutia.type == An2kMinutiaType::kRidgeEnding   ? "1"
                       : minutia.type == An2kMinutiaType::kBifurcation ? "2"
                                                                        : "0";
    const int quality = std::clamp(minutia.quality, 0, 100);
    items.push_back({std::to_string(i + 1), std::to_string(x), std::to_string(y), std::to_string(angle), type,
                     std::to_string(quality)});
  }
  TaggedRecord record;
  record.type = 9;
  record.fields = {
      An2kField::Text(2, TwoDigits(idc)),
      An2kField::Text(3, std::to_string(set.impression_type)),
      An2kField::Text(4, "U"),  // FMT U: no legacy standard-format block
      An2kField::Text(128, std::to_string(set.image_width)),
      An2kField::Text(129, std::to_string(set.image_height)),
      An2kField::Text(130, whole_inch ? "1" : "2"),  // SLC 1 pixels per inch, 2 pixels per cm
      An2kField::Text(131, std::to_string(scale)),
      An2kField::Text(132, std::to_string(scale)),
      An2kField::Text(134, std::to_string(static_cast<int>(set.position))),
      An2kField::Text(136, std::to_string(items.size())),
  };
  if (!items.empty()) record.fields.push_back(An2kField::Items(137, std::move(items)));
  return record;
}

Result<TaggedRecord> FaceRecord(const NistFaceImage& face, int idc, const NistTransactionOptions& options,
                                const std::string& date, std::size_t number) {
  const std::string where = "face " + std::to_string(number + 1);
  if (face.bytes.empty()) return Status::InvalidArgument(where + ": no image bytes");
  if (face.format.empty() || HasSeparator(face.format) || HasSeparator(face.color_space)) {
    return Status::InvalidArgument(where + ": format or colour space is empty or holds a separator");
  }
  ABIS_ASSIGN_OR_RETURN(ImageDimensions size, Dimensions(face.width, face.height, face.bytes, where));
  TaggedRecord record;
  record.type = 10;
  record.fields = {
      An2kField::Text(2, TwoDigits(idc)),
      An2kField::Text(3, "FACE"),
      An2kField::Text(4, options.originating_agency),
      An2kField::Text(5, date),
      An2kField::Text(6, std::to_string(size.width)),
      An2kField::Text(7, std::to_string(size.height)),
      An2kField::Text(8, "0"),  // SLC 0: no scale, 10.009/10.010 give the pixel aspect ratio
      An2kField::Text(9, "1"),
      An2kField::Text(10, "1"),
      An2kField::Text(11, face.format),
      An2kField::Text(12, face.color_space.empty() ? "UNK" : face.color_space),
      An2kField::Text(20, "F"),
      An2kField::Binary(face.bytes),
  };
  return record;
}

Result<TaggedRecord> DnaRecord(const std::map<std::string, std::vector<std::string>>& dna, int idc,
                               const NistTransactionOptions& options) {
  std::vector<std::vector<std::string>> profile;
  for (const auto& [locus, alleles] : dna) {
    const auto reference = LocusReferenceForName(locus);
    if (!reference) {
      return Status::InvalidArgument("DNA locus \"" + internal::Printable(locus) +
                                     "\" has no ANSI/NIST-ITL locus reference number known to abis "
                                     "(name it DLR-<n> to give the number)");
    }
    if (alleles.empty() || alleles.size() > kMaxAlleles) {
      return Status::InvalidArgument("DNA locus " + locus + ": " + std::to_string(alleles.size()) +
                                     " allele calls, 18.016 holds 1 to 3");
    }
    // Items: DST 0 (autosomal), DLR, ALL 1 (alleles present), LAI 1 (analysed), PCDT 1 (precise
    // call), AL1-AL3; the same values as NIST's BioCTS sample.
    std::vector<std::string> items = {"0", std::to_string(*reference), "1", "1", "1"};
    for (const std::string& allele : alleles) {
      if (allele.empty() || HasSeparator(allele)) {
        return Status::InvalidArgument("DNA locus " + locus + ": empty allele call or one holding a separator");
      }
      items.push_back(allele);
    }
    profile.push_back(std::move(items));
  }
  TaggedRecord record;
  record.type = 18;
  record.fields = {
      An2kField::Text(2, TwoDigits(idc)),
      // 18.003 DLS laid out as in NIST's BioCTS sample: utility type, laboratory type,
      // accreditation, organisation name.
      An2kField::Items(3, {{"1", "G", "0", options.originating_agency}}),
      An2kField::Text(4, options.originating_agency),
      An2kField::Text(5, "1"),  // NAL: number of analyses
      An2kField::Items(16, std::move(profile)),
  };
  return record;
}

}  // namespace

Result<An2kTransaction> BuildTransactionFromBundle(const NistEnrolmentBundle& bundle,
                                                   const NistTransactionOptions& options) {
  if (!IsSupportedVersion(options.version)) {
    return Status::InvalidArgument("version \"" + internal::Printable(options.version) + "\" is not 0200-0502");
  }
  const std::string timestamp = options.timestamp_utc.empty() ? UtcNow() : options.timestamp_utc;
  if (timestamp.size() != kTimestampDigits || !internal::ParseUnsignedDecimal(timestamp, kTimestampDigits)) {
    return Status::InvalidArgument("timestamp \"" + internal::Printable(timestamp) + "\" is not YYYYMMDDhhmmss");
  }
  const std::string date = timestamp.substr(0, 8);
  std::string control_number = options.control_number;
  if (control_number.empty()) control_number = bundle.transaction_control_number;
  if (control_number.empty()) control_number = "ABIS";
  const std::string* header_values[] = {&options.transaction_type, &options.destination_agency,
                                       &options.originating_agency, &control_number};
  for (const std::string* text : header_values) {
    if (text->empty() || HasSeparator(*text)) {
      return Status::InvalidArgument("transaction header value \"" + internal::Printable(*text) +
                                     "\" is empty or holds a separator character");
    }
  }

  An2kTransaction transaction;
  TaggedRecord type1;
  type1.type = 1;
  type1.fields = {
      An2kField::Text(2, options.version),
      An2kField::Items(3, {{"1", "0"}}),  // rebuilt below
      An2kField::Text(4, options.transaction_type),
      An2kField::Text(5, date),
      An2kField::Text(7, options.destination_agency),
      An2kField::Text(8, options.originating_agency),
      An2kField::Text(9, control_number),
      An2kField::Text(11, "00.00"),  // NSR: no native resolution claimed for the whole transaction
      An2kField::Text(12, "00.00"),
      An2kField::Items(13, {{"NORAM", ""}}),
      An2kField::Text(14, timestamp + "Z"),
  };
  transaction.records.emplace_back(std::move(type1));

  int idc = 0;
  TaggedRecord type2;
  type2.type = 2;
  type2.fields.push_back(An2kField::Text(2, TwoDigits(idc++)));
  for (const An2kField& field : bundle.descriptive_text) {
    if (field.number <= kIdcField || field.number > 999 || field.is_binary) {
      return Status::InvalidArgument("descriptive text field 2." + std::to_string(field.number) +
                                     " cannot be written (LEN and IDC are generated, fields are 3-999 text)");
    }
    type2.fields.push_back(field);
  }
  transaction.records.emplace_back(std::move(type2));

  for (std::size_t i = 0; i < bundle.fingers.size(); ++i) {
    ABIS_ASSIGN_OR_RETURN(TaggedRecord record, FingerRecord(bundle.fingers[i], idc++, options, date, i));
    transaction.records.emplace_back(std::move(record));
  }
  for (std::size_t i = 0; i < bundle.slaps.size(); ++i) {
    ABIS_ASSIGN_OR_RETURN(TaggedRecord record, SlapRecord(bundle.slaps[i], idc++, options, date, i));
    transaction.records.emplace_back(std::move(record));
  }
  for (std::size_t i = 0; i < bundle.minutiae.size(); ++i) {
    ABIS_ASSIGN_OR_RETURN(TaggedRecord record, MinutiaeRecord(bundle.minutiae[i], idc++, i));
    transaction.records.emplace_back(std::move(record));
  }
  for (std::size_t i = 0; i < bundle.faces.size(); ++i) {
    ABIS_ASSIGN_OR_RETURN(TaggedRecord record, FaceRecord(bundle.faces[i], idc++, options, date, i));
    transaction.records.emplace_back(std::move(record));
  }
  if (!bundle.dna.empty()) {
    ABIS_ASSIGN_OR_RETURN(TaggedRecord record, DnaRecord(bundle.dna, idc++, options));
    transaction.records.emplace_back(std::move(record));
  }
  constexpr int kMaxIdc = 99;
  if (idc - 1 > kMaxIdc) {
    return Status::InvalidArgument("the bundle needs " + std::to_string(idc) + " records; IDC stops at 99");
  }
  ABIS_RETURN_IF_ERROR(RebuildContentField(transaction));
  // Validate the whole transaction now so callers get errors here rather than when writing.
  ABIS_RETURN_IF_ERROR(SerializeAn2kTransaction(transaction).status());
  return transaction;
}

}  // namespace abis::interop
