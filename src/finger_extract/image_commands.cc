// CLI commands of the fingerprint image side: synthetic datasets, extraction, rendering.
#include "abis/finger_extract_cli/image_commands.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/render.h"
#include "abis/finger_extract/synth.h"

namespace abis::finger {
namespace {

CLI::App& SubcommandOf(CLI::App& parent, const std::string& name, const std::string& description) {
  for (CLI::App* existing : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (existing->get_name() == name) return *existing;
  }
  CLI::App* created = parent.add_subcommand(name, description);
  created->require_subcommand(1);
  return *created;
}

nlohmann::json MinutiaeJson(const MinutiaeTemplate& t) {
  nlohmann::json list = nlohmann::json::array();
  for (const Minutia& m : t.minutiae) {
    list.push_back({{"x", m.x},
                    {"y", m.y},
                    {"angle_degrees", std::round(m.angle * 1800 / M_PI) / 10},
                    {"type", m.type == MinutiaType::kEnding        ? "ending"
                             : m.type == MinutiaType::kBifurcation ? "bifurcation"
                                                                   : "other"},
                    {"quality", m.quality}});
  }
  return list;
}

Result<std::vector<std::uint8_t>> ReadFile(const std::string& path) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError(path + ": cannot read: " + error.message());
  if (size > 64u * 1024 * 1024) return Status::InvalidArgument(path + ": file too large");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(size);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    return Status::IoError(path + ": read failed");
  return bytes;
}

// "0:3,5:7" -> {(0,3), (5,7)}.
Result<std::vector<MinutiaPair>> ParsePairs(const std::string& text) {
  std::vector<MinutiaPair> pairs;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    std::size_t colon = item.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument(item);
      std::size_t used_a = 0, used_b = 0;
      int a = std::stoi(item.substr(0, colon), &used_a), b = std::stoi(item.substr(colon + 1), &used_b);
      if (used_a != colon || used_b != item.size() - colon - 1) throw std::invalid_argument(item);
      pairs.emplace_back(a, b);
    } catch (const std::exception&) {
      return Status::InvalidArgument("--pairs item '" + item + "' is not <index>:<index>");
    }
    start = end + 1;
  }
  return pairs;
}

struct ExtractArgs {
  std::string image, debug_dir, iso;
  double scan_ppi = 0;                        // resolution of an image that declares none; 0 = take it as 500 ppi
  int min_quality = kDefaultMinPrintQuality;  // the print-quality floor; 0 = none
};

struct RenderArgs {
  std::string image, templ, out, second_image, second_template, pairs;
  double scan_ppi = 0;
};

// Reads an image file; when the file declares no resolution and `scan_ppi` > 0, the image is taken
// to be at `scan_ppi` and resampled to 500 ppi as if the file had declared it (a declared
// resolution wins).
Result<GrayImage> ReadImageAt(const std::string& path, double scan_ppi) {
  ABIS_ASSIGN_OR_RETURN(GrayImage image, ReadFingerprintImage(path));
  if (image.resolution_ppi <= 0 && scan_ppi > 0) {
    image.resolution_ppi = scan_ppi;
    image = ResampleToStandardResolution(image);
  }
  return image;
}

Result<MinutiaeTemplate> TemplateFor(const GrayImage& image, const std::string& template_path,
                                     const FingerImageCommandHooks& hooks) {
  if (template_path.empty()) return ExtractMinutiae(image);
  if (!hooks.read_record) return Status::Unimplemented("reading minutiae records needs the finger plugin");
  ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, ReadFile(template_path));
  return hooks.read_record(bytes, template_path);
}

Status RunExtract(const ExtractArgs& args, const FingerImageCommandHooks& hooks, CliGlobals& globals) {
  ABIS_ASSIGN_OR_RETURN(GrayImage image, ReadImageAt(args.image, args.scan_ppi));
  ExtractorOptions options;
  options.debug_dir = args.debug_dir;
  options.min_quality = args.min_quality;
  auto start = std::chrono::steady_clock::now();
  Result<ExtractedPrint> extracted = ExtractPrint(image, options);
  if (!extracted.ok()) return extracted.status().WithContext(args.image);
  const MinutiaeTemplate& minutiae = extracted->minutiae;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!args.iso.empty()) {
    if (!hooks.write_iso_record) return Status::Unimplemented("--iso needs the finger plugin's ISO writer");
    ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> record, hooks.write_iso_record(minutiae));
    std::ofstream out(args.iso, std::ios::binary);
    out.write(reinterpret_cast<const char*>(record.data()), static_cast<std::streamsize>(record.size()));
    if (!out) return Status::IoError(args.iso + ": cannot write");
  }
  nlohmann::json result = {{"image", args.image},
                           {"width", minutiae.width},
                           {"height", minutiae.height},
                           {"resolution_ppi", minutiae.resolution_ppi},
                           {"finger_quality", minutiae.finger_quality},
                           {"print_quality", PrintQualityJson(extracted->quality)},
                           {"minutiae_count", minutiae.minutiae.size()},
                           {"extraction_ms", std::round(ms * 10) / 10},
                           {"minutiae", MinutiaeJson(minutiae)}};
  if (!args.debug_dir.empty()) result["debug_dir"] = args.debug_dir;
  if (!args.iso.empty()) result["iso"] = args.iso;
  PrintResult(globals, result, [&](std::ostream& out) {
    out << args.image << ": " << minutiae.minutiae.size() << " minutiae, quality " << minutiae.finger_quality << ", "
        << std::round(ms) << " ms\n";
    for (const Minutia& m : minutiae.minutiae) {
      out << "  " << (m.type == MinutiaType::kEnding ? "ending      " : "bifurcation ") << m.x << " " << m.y << " "
          << std::round(m.angle * 180 / M_PI) << " deg q" << m.quality << "\n";
    }
  });
  return Status::Ok();
}

Status RunRender(const RenderArgs& args, const FingerImageCommandHooks& hooks, CliGlobals& globals) {
  bool svg = args.out.ends_with(".svg");
  if (!svg && !args.out.ends_with(".png"))
    return Status::InvalidArgument("--out must end in .svg or .png: " + args.out);
  ABIS_ASSIGN_OR_RETURN(GrayImage image, ReadImageAt(args.image, args.scan_ppi));
  ABIS_ASSIGN_OR_RETURN(MinutiaeTemplate minutiae, TemplateFor(image, args.templ, hooks));
  nlohmann::json result = {{"out", args.out}, {"minutiae", minutiae.minutiae.size()}};
  if (args.second_image.empty()) {
    if (!args.pairs.empty()) return Status::InvalidArgument("--pairs needs --second-image");
    if (svg) {
      ABIS_ASSIGN_OR_RETURN(std::string document, RenderMinutiaeSvg(image, minutiae));
      std::ofstream out(args.out);
      out << document;
      if (!out) return Status::IoError(args.out + ": cannot write");
    } else {
      ABIS_RETURN_IF_ERROR(RenderMinutiaePng(image, minutiae, args.out));
    }
  } else {
    ABIS_ASSIGN_OR_RETURN(GrayImage second, ReadImageAt(args.second_image, args.scan_ppi));
    ABIS_ASSIGN_OR_RETURN(MinutiaeTemplate second_minutiae, TemplateFor(second, args.second_template, hooks));
    ABIS_ASSIGN_OR_RETURN(std::vector<MinutiaPair> pairs, ParsePairs(args.pairs));
    if (svg) {
      ABIS_ASSIGN_OR_RETURN(std::string document, RenderMatchSvg(image, minutiae, second, second_minutiae, pairs));
      std::ofstream out(args.out);
      out << document;
      if (!out) return Status::IoError(args.out + ": cannot write");
    } else {
      ABIS_RETURN_IF_ERROR(RenderMatchPng(image, minutiae, second, second_minutiae, pairs, args.out));
    }
    result["second_minutiae"] = second_minutiae.minutiae.size();
    result["pairs"] = pairs.size();
  }
  PrintResult(globals, result, [&](std::ostream& out) { out << "wrote " << args.out << "\n"; });
  return Status::Ok();
}

}  // namespace

void AddFingerImageCommands(CLI::App& root, CliGlobals& globals) { AddFingerImageCommands(root, globals, {}); }

void AddFingerImageCommands(CLI::App& root, CliGlobals& globals, FingerImageCommandHooks hooks) {
  auto shared_hooks = std::make_shared<FingerImageCommandHooks>(std::move(hooks));

  CLI::App& synth = SubcommandOf(root, "synth", "Generate synthetic data");
  auto dataset = std::make_shared<SynthDatasetOptions>();
  auto out_dir = std::make_shared<std::string>();
  CLI::App* fingers = synth.add_subcommand("fingers", "Synthetic fingerprint images (FVC naming) with ground truth");
  fingers->add_option("--out", *out_dir, "Output folder")->required();
  fingers->add_option("--fingers", dataset->fingers, "Number of fingers (1-100000)")->capture_default_str();
  fingers->add_option("--impressions", dataset->impressions, "Impressions per finger (1-32)")->capture_default_str();
  fingers->add_option("--seed", dataset->seed, "Seed: same seed, same images")->capture_default_str();
  fingers->add_option("--width", dataset->size.width, "Image width in pixels (500 ppi)")->capture_default_str();
  fingers->add_option("--height", dataset->size.height, "Image height in pixels (500 ppi)")->capture_default_str();
  fingers->add_option("--threads", dataset->threads, "Worker threads (0 = all cores)")->capture_default_str();
  fingers->callback([&globals, dataset, out_dir]() {
    auto start = std::chrono::steady_clock::now();
    bool tty_progress = !globals.json;
    bool progress_shown = false;
    Status status = WriteSyntheticDataset(*out_dir, *dataset, [&](int done, int total) {
      if (tty_progress && (done == total || done % 10 == 0)) {
        std::cerr << "\rsynth fingers: " << done << "/" << total << std::flush;
        progress_shown = true;
      }
    });
    if (progress_shown) std::cerr << "\n";
    if (!status.ok()) return ReportError(globals, status);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json result = {{"out", *out_dir},
                             {"fingers", dataset->fingers},
                             {"impressions", dataset->impressions},
                             {"seed", dataset->seed},
                             {"images", dataset->fingers * dataset->impressions},
                             {"ground_truth", (std::filesystem::path(*out_dir) / "ground_truth.json").string()},
                             {"seconds", std::round(seconds * 100) / 100}};
    PrintResult(globals, result, [&](std::ostream& out) {
      out << "wrote " << dataset->fingers * dataset->impressions << " images to " << *out_dir << " in "
          << std::round(seconds * 10) / 10 << " s\n";
    });
  });

  CLI::App& finger = SubcommandOf(root, "finger", "Fingerprint tools");
  static constexpr const char* kScanPpiHelp =
      "Scan resolution of images that declare none (FVC2002 DB2: 569); they are resampled to 500 ppi";
  auto extract_args = std::make_shared<ExtractArgs>();
  CLI::App* extract =
      finger.add_subcommand("extract", "Extract minutiae from a fingerprint image (WSQ, PNG, TIFF, BMP, PGM)");
  extract->add_option("--image", extract_args->image, "Image file")->required();
  extract->add_option("--debug-dir", extract_args->debug_dir, "Write one PNG per extractor stage here");
  extract->add_option("--iso", extract_args->iso, "Also write an ISO/IEC 19794-2:2005 record");
  extract->add_option("--ppi", extract_args->scan_ppi, kScanPpiHelp)
      ->check(CLI::Range(kMinPlausiblePpi, kMaxPlausiblePpi));
  extract
      ->add_option("--min-quality", extract_args->min_quality,
                   "Refuse prints whose quality (0-100) is below this floor; 0 accepts any print")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  extract->callback([&globals, extract_args, shared_hooks]() {
    Status status = RunExtract(*extract_args, *shared_hooks, globals);
    if (!status.ok()) ReportError(globals, status);
  });

  auto render_args = std::make_shared<RenderArgs>();
  CLI::App* render = finger.add_subcommand("render", "Draw minutiae (and matched pairs) on fingerprint images");
  render->add_option("--image", render_args->image, "Image file")->required();
  render->add_option("--template", render_args->templ, "Minutiae record for the image (default: extract)");
  render->add_option("--out", render_args->out, "Output .svg or .png")->required();
  render->add_option("--second-image", render_args->second_image, "Second image, drawn to the right");
  render->add_option("--second-template", render_args->second_template, "Minutiae record for the second image");
  render->add_option("--pairs", render_args->pairs, "Matched minutiae as first:second index pairs, e.g. 0:3,5:7");
  render->add_option("--ppi", render_args->scan_ppi, kScanPpiHelp)
      ->check(CLI::Range(kMinPlausiblePpi, kMaxPlausiblePpi));
  render->callback([&globals, render_args, shared_hooks]() {
    Status status = RunRender(*render_args, *shared_hooks, globals);
    if (!status.ok()) ReportError(globals, status);
  });

  AddSlapSegmentCommand(finger, globals);
}

}  // namespace abis::finger
