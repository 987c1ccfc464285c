// `abis finger segment IMAGE --slap right|left|thumbs`: slap segmentation on an image file.
#include <cmath>
#include <filesystem>
#include <iostream>

#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/finger_extract_cli/image_commands.h"

namespace abis::finger {

namespace {

struct SegmentArgs {
  std::string image, slap, out_dir, overlay;
  int min_quality = kDefaultMinPrintQuality;
  double scan_ppi = 0;  // overrides the file's resolution when set
};

double Round1(double v) { return std::round(v * 10) / 10; }

Status RunSegment(const SegmentArgs& args, CliGlobals& globals) {
  ABIS_ASSIGN_OR_RETURN(SlapKind kind, ParseSlapKind(args.slap));
  // --ppi replaces the file's own statement of its resolution.
  ABIS_ASSIGN_OR_RETURN(GrayImage image, ReadFingerprintImageAsStored(args.image));
  if (args.scan_ppi > 0) image.resolution_ppi = args.scan_ppi;
  image = ResampleToStandardResolution(image);
  SlapSegmenterOptions options;
  options.min_quality = args.min_quality;
  ABIS_ASSIGN_OR_RETURN(SlapSegmentation segmentation, SegmentSlap(image, kind, args.image, options));
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
  if (!args.overlay.empty()) {
    ABIS_RETURN_IF_ERROR(WriteSlapOverlayPng(image, segmentation, args.overlay));
    json["overlay"] = args.overlay;
  }
  PrintResult(globals, json, [&](std::ostream& out) {
    out << SlapKindName(kind) << " slap, hand turned " << Round1(segmentation.hand_angle_degrees) << " degrees\n";
    for (const SlapSegment& segment : segmentation.segments) {
      out << "  finger " << segment.position << ": centre (" << Round1(segment.box.centre_x) << ", "
          << Round1(segment.box.centre_y) << "), " << Round1(segment.box.width) << " x " << Round1(segment.box.height)
          << ", angle " << Round1(segment.box.angle_degrees) << ", quality " << segment.quality;
      if (!segment.quality_problem.empty()) out << " (" << segment.quality_problem << ")";
      out << "\n";
    }
    for (int position : segmentation.missing_positions) out << "  finger " << position << ": missing\n";
    for (const std::string& note : segmentation.notes) out << "  note: " << note << "\n";
  });
  return Status::Ok();
}

}  // namespace

nlohmann::json SlapSegmentationJson(const SlapSegmentation& segmentation) {
  nlohmann::json segments = nlohmann::json::array();
  for (const SlapSegment& segment : segmentation.segments) {
    nlohmann::json corners = nlohmann::json::array();
    for (const auto& corner : segment.box.Corners()) corners.push_back({Round1(corner[0]), Round1(corner[1])});
    nlohmann::json item = {{"position", segment.position},
                           {"centre_x", Round1(segment.box.centre_x)},
                           {"centre_y", Round1(segment.box.centre_y)},
                           {"width", Round1(segment.box.width)},
                           {"height", Round1(segment.box.height)},
                           {"angle_degrees", Round1(segment.box.angle_degrees)},
                           {"corners", corners}};
    if (segment.quality >= 0) item["quality"] = segment.quality;
    if (!segment.quality_problem.empty()) item["quality_problem"] = segment.quality_problem;
    segments.push_back(item);
  }
  return {{"slap", std::string(SlapKindName(segmentation.kind))},
          {"fgp", SlapKindFingerPosition(segmentation.kind)},
          {"hand_angle_degrees", Round1(segmentation.hand_angle_degrees)},
          {"segments", segments},
          {"missing_positions", segmentation.missing_positions},
          {"notes", segmentation.notes}};
}

void AddSlapSegmentCommand(CLI::App& finger, CliGlobals& globals) {
  auto args = std::make_shared<SegmentArgs>();
  CLI::App* segment = finger.add_subcommand(
      "segment", "Cut a four-finger or two-thumb slap into fingers with positions, boxes and quality");
  segment->add_option("image", args->image, "Slap image (WSQ, PNG, TIFF, BMP, PGM, JPEG) at 500 ppi or declared")
      ->required();
  segment->add_option("--slap", args->slap, "right, left, thumbs, right_thumb or left_thumb")->required();
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
