// `abis finger segment IMAGE --slap right|left|thumbs`: slap segmentation on an image file, or on
// the multi-finger images (positions 11-15) of an ISO/IEC 19794-4 finger image record.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/finger_extract_cli/image_commands.h"
#ifdef ABIS_HAVE_INTEROP
#include "abis/interop/iso19794_4_finger_image_record.h"
#include "abis/interop/jpeg2000_image.h"
#endif

namespace abis::finger {

namespace {

struct SegmentArgs {
  std::string image, slap, out_dir, overlay;
  int min_quality = kDefaultMinPrintQuality;
  double scan_ppi = 0;  // overrides the file's resolution when set
};

double Round1(double v) { return std::round(v * 10) / 10; }

// One slap image: segmented; crops to --out-dir, the overlay to `overlay` when set.
Result<nlohmann::json> SegmentOne(const GrayImage& stored, SlapKind kind, const std::string& source,
                                  const SegmentArgs& args, const std::string& overlay, std::ostream& text) {
  GrayImage image = stored;
  // --ppi replaces the file's own statement of its resolution.
  if (args.scan_ppi > 0) image.resolution_ppi = args.scan_ppi;
  image = ResampleToStandardResolution(image);
  SlapSegmenterOptions options;
  options.min_quality = args.min_quality;
  ABIS_ASSIGN_OR_RETURN(SlapSegmentation segmentation, SegmentSlap(image, kind, source, options));
  nlohmann::json json = SlapSegmentationJson(segmentation);
  if (!args.out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(args.out_dir, error);
    if (error) return Status::IoError(args.out_dir + ": cannot create: " + error.message());
    for (std::size_t i = 0; i < segmentation.segments.size(); ++i) {
      const SlapSegment& segment = segmentation.segments[i];
      const std::string path =
          (std::filesystem::path(args.out_dir) / ("finger_" + std::to_string(segment.position) + ".png")).string();
      ABIS_RETURN_IF_ERROR(WritePng(segment.crop, path));
      json["segments"][i]["crop"] = path;
    }
  }
  if (!overlay.empty()) {
    ABIS_RETURN_IF_ERROR(WriteSlapOverlayPng(image, segmentation, overlay));
    json["overlay"] = overlay;
  }
  text << SlapKindName(kind) << " slap, hand turned " << Round1(segmentation.hand_angle_degrees) << " degrees\n";
  for (const SlapSegment& segment : segmentation.segments) {
    text << "  finger " << segment.position << ": centre (" << Round1(segment.box.centre_x) << ", "
         << Round1(segment.box.centre_y) << "), " << Round1(segment.box.width) << " x " << Round1(segment.box.height)
         << ", angle " << Round1(segment.box.angle_degrees) << ", quality " << segment.quality;
    if (!segment.quality_problem.empty()) text << " (" << segment.quality_problem << ")";
    text << "\n";
  }
  for (int position : segmentation.missing_positions) text << "  finger " << position << ": missing\n";
  for (const std::string& note : segmentation.notes) text << "  note: " << note << "\n";
  return json;
}

#ifdef ABIS_HAVE_INTEROP
constexpr std::uintmax_t kMaxRecordBytes = std::uintmax_t{256} << 20;

bool IsFingerImageRecord(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[4] = {};
  in.read(head, sizeof head);
  return in.gcount() == 4 && head[0] == 'F' && head[1] == 'I' && head[2] == 'R' && head[3] == 0;
}

// The image of one representation of an ISO/IEC 19794-4 record, at the record's resolution.
Result<GrayImage> RepresentationImage(const interop::IsoFingerImageRepresentation& representation,
                                      const std::string& where) {
  GrayImage image;
  switch (static_cast<interop::IsoFingerImageCompression>(representation.compression)) {
    case interop::IsoFingerImageCompression::kUncompressed: {
      const std::size_t expected =
          static_cast<std::size_t>(representation.width) * static_cast<std::size_t>(representation.height);
      if (representation.bit_depth != 8 || representation.image_data.size() != expected) {
        return Status::InvalidArgument(where + ": the uncompressed image does not fill " +
                                       std::to_string(representation.width) + "x" +
                                       std::to_string(representation.height) + " at 8 bits");
      }
      image.width = representation.width;
      image.height = representation.height;
      image.pixels = representation.image_data;
      break;
    }
    case interop::IsoFingerImageCompression::kJpeg2000Lossy:
    case interop::IsoFingerImageCompression::kJpeg2000Lossless: {
      auto decoded = interop::DecodeJpeg2000(representation.image_data);
      if (!decoded.ok()) return decoded.status().WithContext(where);
      interop::GreyImage grey = interop::ToGrey(*decoded, representation.ImagePixelsPerInch());
      image.width = grey.width;
      image.height = grey.height;
      image.pixels = std::move(grey.pixels);
      break;
    }
    case interop::IsoFingerImageCompression::kWsq:
    case interop::IsoFingerImageCompression::kJpeg:
    case interop::IsoFingerImageCompression::kPng: {
      ABIS_ASSIGN_OR_RETURN(image, DecodeFingerprintImageAsStored(representation.image_data, where));
      break;
    }
    default:
      return Status::Unimplemented(where + ": compression " +
                                   interop::IsoFingerImageCompressionName(representation.compression) +
                                   " is not supported");
  }
  if (representation.ImagePixelsPerInch() > 0) image.resolution_ppi = representation.ImagePixelsPerInch();
  return image;
}

// Every multi-finger representation (positions 11-15) of the record, segmented as its position
// says (a --slap that contradicts it is refused).
Status RunSegmentRecord(const SegmentArgs& args, CliGlobals& globals) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(args.image, error);
  if (error) return Status::InvalidArgument(args.image + ": cannot read: " + error.message());
  if (size > kMaxRecordBytes) {
    return Status::ResourceExhausted(args.image + ": " + std::to_string(size) + " bytes, more than " +
                                     std::to_string(kMaxRecordBytes));
  }
  std::ifstream in(args.image, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto record = interop::ParseIsoFingerImageRecord(bytes);
  if (!record.ok()) return record.status().WithContext(args.image);
  std::optional<SlapKind> asked;
  if (!args.slap.empty()) {
    ABIS_ASSIGN_OR_RETURN(SlapKind kind, ParseSlapKind(args.slap));
    asked = kind;
  }
  nlohmann::json slaps = nlohmann::json::array();
  std::ostringstream text;
  std::string positions;
  for (std::size_t i = 0; i < record->representations.size(); ++i) {
    const interop::IsoFingerImageRepresentation& representation = record->representations[i];
    positions += (positions.empty() ? "" : ", ") + std::to_string(representation.finger_position);
    if (representation.finger_position < 11 || representation.finger_position > 15) continue;
    const std::string where = args.image + " (representation " + std::to_string(i + 1) + ", position " +
                              std::to_string(representation.finger_position) + ")";
    ABIS_ASSIGN_OR_RETURN(SlapKind kind, SlapKindFromFingerPosition(representation.finger_position));
    if (asked && *asked != kind) {
      return Status::InvalidArgument(where + ": the record says a " + std::string(SlapKindName(kind)) +
                                     " slap, not --slap " + args.slap);
    }
    ABIS_ASSIGN_OR_RETURN(GrayImage image, RepresentationImage(representation, where));
    std::string overlay = args.overlay;
    if (!overlay.empty() && !slaps.empty()) {
      const std::filesystem::path path(args.overlay);
      overlay = (path.parent_path() / (path.stem().string() + "_" + std::to_string(representation.finger_position) +
                                       path.extension().string()))
                    .string();
    }
    ABIS_ASSIGN_OR_RETURN(nlohmann::json json, SegmentOne(image, kind, where, args, overlay, text));
    json["source"] = where;
    slaps.push_back(std::move(json));
  }
  if (slaps.empty()) {
    return Status::InvalidArgument(args.image + ": the ISO/IEC 19794-4 record holds no multi-finger image (11-15); " +
                                   "its positions: " + positions);
  }
  const nlohmann::json out = {{"record", args.image}, {"slaps", slaps}};
  PrintResult(globals, out, [&](std::ostream& s) { s << text.str(); });
  return Status::Ok();
}
#endif

Status RunSegment(const SegmentArgs& args, CliGlobals& globals) {
#ifdef ABIS_HAVE_INTEROP
  if (IsFingerImageRecord(args.image)) return RunSegmentRecord(args, globals);
#endif
  if (args.slap.empty()) {
    return Status::InvalidArgument("--slap is required for an image (right, left, thumbs, right_thumb or left_thumb)");
  }
  ABIS_ASSIGN_OR_RETURN(SlapKind kind, ParseSlapKind(args.slap));
  ABIS_ASSIGN_OR_RETURN(GrayImage image, ReadFingerprintImageAsStored(args.image));
  std::ostringstream text;
  ABIS_ASSIGN_OR_RETURN(nlohmann::json json, SegmentOne(image, kind, args.image, args, args.overlay, text));
  PrintResult(globals, json, [&](std::ostream& s) { s << text.str(); });
  return Status::Ok();
}

}  // namespace

void AddSlapSegmentCommand(CLI::App& finger, CliGlobals& globals) {
  auto args = std::make_shared<SegmentArgs>();
  CLI::App* segment = finger.add_subcommand(
      "segment", "Cut a four-finger or two-thumb slap into fingers with positions, boxes and quality");
  segment
      ->add_option("image", args->image,
                   "Slap image (WSQ, PNG, TIFF, BMP, PGM, JPEG) at 500 ppi or declared, or an ISO/IEC 19794-4 "
                   "finger image record (its multi-finger images, positions 11-15)")
      ->required();
  segment->add_option("--slap", args->slap,
                      "right, left, thumbs, right_thumb or left_thumb (an ISO record states it: optional)");
  segment->add_option("--out-dir", args->out_dir, "Write each finger's upright crop as finger_<position>.png here");
  segment->add_option("--overlay", args->overlay, "Write the slap with the boxes drawn as PNG");
  segment
      ->add_option("--ppi", args->scan_ppi,
                   "Scan resolution, instead of what the file states (WSQ files often state 255)")
      ->check(CLI::Range(kMinPlausiblePpi, kMaxPlausiblePpi));
  segment->add_option("--min-quality", args->min_quality, "Quality floor (0-100) a segment must reach")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  segment->callback([&globals, args]() {
    Status status = RunSegment(*args, globals);
    if (!status.ok()) ReportError(globals, status);
  });
}

}  // namespace abis::finger
