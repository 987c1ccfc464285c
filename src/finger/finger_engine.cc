#include "abis/finger/finger_engine.h"

#include <algorithm>
#include <cstring>

#include "abis/finger/finger_template_format.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/score_calibration.h"

#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/print_quality.h"
#endif

namespace abis::finger {
namespace {

std::string SourceName(const SampleInput& sample) {
  return sample.source_name.empty() ? std::string("finger sample") : sample.source_name;
}

bool IsRecordHint(std::string_view hint) { return ParseMinutiaeRecordFormat(hint).ok(); }

Result<MinutiaeTemplate> MinutiaeOfRecord(const SampleInput& sample) {
  const std::string source = SourceName(sample);
  MinutiaeRecordFormat format;
  if (!sample.format_hint.empty()) {
    ABIS_ASSIGN_OR_RETURN(format, ParseMinutiaeRecordFormat(sample.format_hint));
  } else {
    ABIS_ASSIGN_OR_RETURN(format, DetectMinutiaeRecordFormat(sample.bytes, source));
  }
  ABIS_ASSIGN_OR_RETURN(MinutiaeRecord record, ReadMinutiaeRecord(sample.bytes, format, source));
  if (sample.position != FingerPosition::kUnknown) {
    for (FingerView& view : record.views) {
      if (view.minutiae.position == sample.position) return std::move(view.minutiae);
    }
  }
  std::size_t view_index = 0;
  if (sample.options.contains("view")) {
    const nlohmann::json& view = sample.options["view"];
    if (!view.is_number_unsigned()) return Status::InvalidArgument(source + ": option \"view\" must be an index >= 0");
    view_index = view.get<std::size_t>();
  }
  if (view_index >= record.views.size()) {
    return Status::InvalidArgument(source + ": view " + std::to_string(view_index) + " requested but the record has " +
                                   std::to_string(record.views.size()));
  }
  return std::move(record.views[view_index].minutiae);
}

// The minutiae of an image sample; `print_quality`, when not null, receives the extractor's
// print-quality JSON. The gate's floor is the sample option "min_quality" when given, else
// `min_quality` (< 0: the extractor's default).
Result<MinutiaeTemplate> MinutiaeOfImage(const SampleInput& sample, int min_quality, nlohmann::json* print_quality) {
#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
  ABIS_ASSIGN_OR_RETURN(GrayImage image, DecodeFingerprintImage(sample.bytes, SourceName(sample)));
  // "resolution_ppi": the scan resolution of an image whose file does not declare one (FVC2002
  // TIFFs carry no resolution tag, yet DB2 was scanned at 569 ppi). A declared one wins.
  if (sample.options.contains("resolution_ppi")) {
    const nlohmann::json& resolution = sample.options["resolution_ppi"];
    if (!resolution.is_number() || resolution.get<double>() < kMinPlausiblePpi ||
        resolution.get<double>() > kMaxPlausiblePpi) {
      return Status::InvalidArgument(SourceName(sample) + ": option \"resolution_ppi\" must be a number from " +
                                     std::to_string(static_cast<int>(kMinPlausiblePpi)) + " to " +
                                     std::to_string(static_cast<int>(kMaxPlausiblePpi)));
    }
    if (image.resolution_ppi <= 0) image.resolution_ppi = resolution.get<double>();
  }
  ExtractorOptions options;
  if (sample.options.contains("debug_dir") && sample.options["debug_dir"].is_string()) {
    options.debug_dir = sample.options["debug_dir"].get<std::string>();
  }
  if (min_quality >= 0) options.min_quality = min_quality;
  if (sample.options.contains("min_quality")) {
    const nlohmann::json& floor = sample.options["min_quality"];
    if (!floor.is_number_integer() || floor.get<int>() < 0 || floor.get<int>() > 100) {
      return Status::InvalidArgument(SourceName(sample) +
                                     ": option \"min_quality\" must be an integer from 0 (no floor) to 100");
    }
    options.min_quality = floor.get<int>();
  }
  auto extracted = ExtractPrint(image, options);
  if (!extracted.ok()) return extracted.status().WithContext(SourceName(sample));
  if (print_quality != nullptr) *print_quality = PrintQualityJson(extracted->quality);
  return std::move(extracted->minutiae);
#else
  (void)min_quality;
  (void)print_quality;
  return Status::Unimplemented(SourceName(sample) +
                               ": this build has no fingerprint image extractor; give an ISO/ANSI minutiae record");
#endif
}

// MinutiaeOfSample with the engine's quality floor and the print quality of an image.
Result<MinutiaeTemplate> MinutiaeOfSampleWithQuality(const SampleInput& sample, int min_quality,
                                                     nlohmann::json* print_quality) {
  const std::string_view hint = sample.format_hint;
  if (IsRecordHint(hint) || (hint.empty() && LooksLikeMinutiaeRecord(sample.bytes))) return MinutiaeOfRecord(sample);
  if (hint == "abis-finger" ||
      (hint.empty() && sample.bytes.size() >= 4 && std::memcmp(sample.bytes.data(), "ABFT", 4) == 0)) {
    return DecodeFingerTemplate(sample.bytes, SourceName(sample));
  }
  return MinutiaeOfImage(sample, min_quality, print_quality);
}

class FingerEngine final : public ModalityEngine {
 public:
  explicit FingerEngine(FingerEngineOptions options) : options_(options) {}

  Modality modality() const override { return Modality::kFinger; }
  std::string algorithm() const override { return std::string(kFingerAlgorithm); }
  // "slap": where a finger cut from a slap lay in it (no effect on the template; kept so that the
  // slap can be written back with its segments, src/cli/nist_slaps.h).
  std::vector<std::string> TemplateOptionKeys() const override {
    return {"view", "resolution_ppi", "min_quality", "slap"};
  }

  Result<BiometricTemplate> Extract(const SampleInput& sample) const override {
    if (sample.modality != Modality::kFinger) {
      return Status::InvalidArgument(SourceName(sample) + ": sample is not a fingerprint");
    }
    nlohmann::json print_quality;
    ABIS_ASSIGN_OR_RETURN(MinutiaeTemplate minutiae,
                          MinutiaeOfSampleWithQuality(sample, options_.min_print_quality, &print_quality));
    if (sample.position != FingerPosition::kUnknown) minutiae.position = sample.position;
    if (minutiae.minutiae.empty()) {
      return Status::InvalidArgument(SourceName(sample) + ": no minutiae: nothing to enrol");
    }
    // Rolled ink impressions can yield more minutiae than a template holds (most of the excess
    // is noise): keep the best by quality, as ISO/IEC 19794-2 extractors do, and say how many
    // were dropped.
    std::size_t dropped = 0;
    if (minutiae.minutiae.size() > static_cast<std::size_t>(kMaxTemplateMinutiae)) {
      std::stable_sort(minutiae.minutiae.begin(), minutiae.minutiae.end(),
                       [](const Minutia& a, const Minutia& b) { return a.quality > b.quality; });
      dropped = minutiae.minutiae.size() - static_cast<std::size_t>(kMaxTemplateMinutiae);
      minutiae.minutiae.resize(static_cast<std::size_t>(kMaxTemplateMinutiae));
    }
    const MccTemplate cylinders = BuildMccTemplate(minutiae, options_.gallery.mcc);
    if (cylinders.size() == 0) {
      return Status::InvalidArgument(SourceName(sample) + ": " + std::to_string(minutiae.minutiae.size()) +
                                     " minutiae but none has enough neighbours for a valid cylinder");
    }
    BiometricTemplate result;
    result.modality = Modality::kFinger;
    result.algorithm = algorithm();
    result.position = minutiae.position;
    ABIS_ASSIGN_OR_RETURN(result.data, EncodeFingerTemplate(minutiae));
    const auto directed_blocks = std::count_if(minutiae.orientation.cells.begin(), minutiae.orientation.cells.end(),
                                               RidgeOrientationMap::IsDirection);
    result.quality = {{"minutiae", minutiae.minutiae.size()},
                      {"valid_cylinders", cylinders.size()},
                      {"finger_quality", minutiae.finger_quality},
                      {"orientation_blocks", directed_blocks}};
    if (dropped > 0) result.quality["minutiae_dropped"] = dropped;
    if (!print_quality.is_null()) result.quality["print_quality"] = std::move(print_quality);
    return result;
  }

  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate probe_minutiae, MinutiaeOfTemplate(probe));
    ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate reference_minutiae, MinutiaeOfTemplate(reference));
    const MccComparison mcc =
        CompareMcc(BuildMccTemplate(probe_minutiae, options_.gallery.mcc),
                   BuildMccTemplate(reference_minutiae, options_.gallery.mcc), options_.gallery.mcc);
    Comparison comparison;
    comparison.score = mcc.score;
    comparison.log_lr = FingerScoreToLogLikelihoodRatio(mcc.score);
    nlohmann::json pairs = nlohmann::json::array();
    for (const MatchedMinutiaPair& pair : mcc.pairs) pairs.push_back({pair.probe_minutia, pair.reference_minutia});
    // The score's parts, so an examiner can see why two prints scored as they did.
    comparison.details = {{"matched_pairs", pairs},
                          {"lss_r_score", mcc.lss_r_score},
                          {"aligned_score", mcc.aligned_score},
                          {"aligned_pairs", mcc.aligned_pairs},
                          {"orientation_agreement", mcc.orientation_compared ? nlohmann::json(mcc.orientation_agreement)
                                                                             : nlohmann::json(nullptr)},
                          {"orientation_blocks", mcc.orientation_cells}};
    return comparison;
  }

  // The examiner's overlay: both prints' minutiae (x, y in pixels of the image the template came
  // from, angle in radians, type) and the pairs the matcher made (indices into the two lists).
  Result<nlohmann::json> ExaminerView(const BiometricTemplate& probe,
                                      const BiometricTemplate& reference) const override {
    ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate probe_minutiae, MinutiaeOfTemplate(probe));
    ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate reference_minutiae, MinutiaeOfTemplate(reference));
    const MccComparison mcc =
        CompareMcc(BuildMccTemplate(probe_minutiae, options_.gallery.mcc),
                   BuildMccTemplate(reference_minutiae, options_.gallery.mcc), options_.gallery.mcc);
    auto print = [](const MinutiaeTemplate& t) {
      nlohmann::json minutiae = nlohmann::json::array();
      for (const Minutia& m : t.minutiae) {
        const char* type = m.type == MinutiaType::kEnding        ? "ending"
                           : m.type == MinutiaType::kBifurcation ? "bifurcation"
                                                                 : "other";
        minutiae.push_back({m.x, m.y, m.angle, type});
      }
      return nlohmann::json{{"width", t.width}, {"height", t.height}, {"minutiae", minutiae}};
    };
    nlohmann::json pairs = nlohmann::json::array();
    for (const MatchedMinutiaPair& pair : mcc.pairs) pairs.push_back({pair.probe_minutia, pair.reference_minutia});
    return nlohmann::json{{"probe", print(probe_minutiae)}, {"candidate", print(reference_minutiae)}, {"pairs", pairs}};
  }

  std::unique_ptr<ModalityGallery> NewGallery() const override { return NewFingerGallery(options_.gallery); }

  Result<double> ThresholdForFalseMatchRate(double false_match_rate) const override {
    return FingerThresholdForFalseMatchRate(false_match_rate);
  }

 private:
  FingerEngineOptions options_;
};

}  // namespace

Result<MinutiaeTemplate> MinutiaeOfSample(const SampleInput& sample) {
  return MinutiaeOfSampleWithQuality(sample, -1, nullptr);
}

Result<MinutiaeTemplate> MinutiaeOfTemplate(const BiometricTemplate& finger_template) {
  if (finger_template.modality != Modality::kFinger || finger_template.algorithm != kFingerAlgorithm) {
    return Status::InvalidArgument("template of algorithm '" + finger_template.algorithm + "' cannot be compared by " +
                                   std::string(kFingerAlgorithm));
  }
  return DecodeFingerTemplate(finger_template.data, "finger template");
}

std::unique_ptr<ModalityEngine> MakeFingerEngine(FingerEngineOptions options) {
  return std::make_unique<FingerEngine>(options);
}

}  // namespace abis::finger
