// `abis eval slap-seg`: slap segmentation measured in the manner of NIST SlapSeg III (share of
// slaps with every finger right, per-finger rate, sequence errors, missing fingers detected) on
// slaps composed from single-finger prints with known boxes, and on real transactions whose
// rolled prints tell each slap finger's true position. docs/SLAPS.md.
#include "cli_context.h"

#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>

#include "abis/finger/score_calibration.h"
#include "abis/finger/slap_enrolment.h"
#include "abis/finger/slap_sequence_check.h"
#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_composer.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/finger_extract/synth.h"
#include "abis/interop/an2k_reader.h"
#include "nist_slaps.h"
#endif

namespace abis::cli {

#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
namespace {

struct SlapEvalOptions {
  std::vector<std::string> fvc_dirs, nist_files;
  std::string rolled_from;
  int synthetic = 0;  // composed slaps of synthetic prints
  int slaps = 120;    // composed slaps per FVC folder
  std::uint64_t seed = 1;
  double max_hand_angle = 25;
  double missing_share = 0.25;  // of four-finger slaps, with one finger left out
  std::string overlay_dir;
  bool sequence_check = false;  // also measure the sequence check on the composed slaps
};

// Overlap of two rotated boxes over their union (0-1).
double BoxIou(const finger::RotatedBox& a, const finger::RotatedBox& b) {
  auto polygon = [](const finger::RotatedBox& box) {
    std::vector<cv::Point2f> points;
    for (const auto& corner : box.Corners())
      points.emplace_back(static_cast<float>(corner[0]), static_cast<float>(corner[1]));
    // Convex polygons for intersectConvexConvex must run one way.
    return points;
  };
  std::vector<cv::Point2f> pa = polygon(a), pb = polygon(b), overlap;
  const float common = cv::intersectConvexConvex(pa, pb, overlap, true);
  const double unite = a.width * a.height + b.width * b.height - common;
  return unite > 0 ? common / unite : 0;
}

double AngleError(double a, double b) {
  double d = std::fmod(std::abs(a - b), 360.0);
  return d > 180 ? 360 - d : d;
}

struct Tally {
  int slaps = 0, slaps_all_right = 0, fingers = 0, fingers_correct = 0, fingers_found = 0, sequence_errors = 0;
  int missing = 0, missing_detected = 0, false_missing = 0, failures = 0;
  std::vector<double> centre_errors, angle_errors, ious;
  double seconds = 0;
  nlohmann::json Json() const {
    auto median = [](std::vector<double> v, double scale = 10) {
      if (v.empty()) return 0.0;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
      return std::round(v[v.size() / 2] * scale) / scale;
    };
    auto share = [](int a, int b) { return b > 0 ? std::round(1000.0 * a / b) / 10 : 0.0; };
    return {{"slaps", slaps},
            {"slaps_all_right_percent", share(slaps_all_right, slaps)},
            {"fingers", fingers},
            {"finger_correct_percent", share(fingers_correct, fingers)},
            {"fingers_found_percent", share(fingers_found, fingers)},
            {"sequence_errors", sequence_errors},
            {"missing_fingers", missing},
            {"missing_detected", missing_detected},
            {"false_missing", false_missing},
            {"segmentation_failures", failures},
            {"median_centre_error_px", median(centre_errors)},
            {"median_angle_error_degrees", median(angle_errors)},
            {"median_iou", median(ious, 100)},
            {"seconds_per_slap", slaps > 0 ? std::round(seconds / slaps * 1000) / 1000 : 0.0}};
  }
};

// A finger counts as correct when its position is right, its centre lies within a quarter of the
// true box's height of the true centre and its angle within 15 degrees.
constexpr double kCentreTolerance = 0.25;
constexpr double kAngleTolerance = 15;

void ScoreComposed(const finger::ComposedSlap& truth, const finger::SlapSegmentation& found, Tally& tally) {
  bool all_right = true;
  std::vector<bool> used(found.segments.size(), false);
  for (const finger::ComposedFinger& finger : truth.fingers) {
    ++tally.fingers;
    // The found segment nearest the true centre, if near enough to be this finger.
    int nearest = -1;
    double nearest_distance = 1e18;
    for (std::size_t i = 0; i < found.segments.size(); ++i) {
      const auto& box = found.segments[i].box;
      const double d = std::hypot(box.centre_x - finger.box.centre_x, box.centre_y - finger.box.centre_y);
      if (d < nearest_distance) {
        nearest_distance = d;
        nearest = static_cast<int>(i);
      }
    }
    const bool found_here = nearest >= 0 && nearest_distance < 0.6 * finger.box.height;
    if (!found_here) {
      all_right = false;
      if (std::find(found.missing_positions.begin(), found.missing_positions.end(), finger.position) !=
          found.missing_positions.end()) {
        ++tally.false_missing;
      }
      continue;
    }
    used[static_cast<std::size_t>(nearest)] = true;
    ++tally.fingers_found;
    const finger::SlapSegment& segment = found.segments[static_cast<std::size_t>(nearest)];
    tally.centre_errors.push_back(nearest_distance);
    tally.angle_errors.push_back(AngleError(segment.box.angle_degrees, finger.box.angle_degrees));
    tally.ious.push_back(BoxIou(segment.box, finger.box));
    if (segment.position != finger.position) {
      ++tally.sequence_errors;
      all_right = false;
      continue;
    }
    if (nearest_distance <= kCentreTolerance * finger.box.height &&
        AngleError(segment.box.angle_degrees, finger.box.angle_degrees) <= kAngleTolerance) {
      ++tally.fingers_correct;
    } else {
      all_right = false;
    }
  }
  for (int missing : truth.missing_positions) {
    ++tally.missing;
    if (std::find(found.missing_positions.begin(), found.missing_positions.end(), missing) !=
        found.missing_positions.end()) {
      ++tally.missing_detected;
    } else {
      all_right = false;
    }
  }
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) all_right = false;  // a segment where no finger is
  }
  ++tally.slaps;
  if (all_right) ++tally.slaps_all_right;
}

// The sequence check on composed slaps (--sequence-check). Each composed slap is one person's:
// the FVC folder's ten fingers are filed at the ten positions (the slap's fingers at the slap's
// positions, the others in order), and that person's "rolled prints" are the same fingers at
// another impression. Scenarios: the rolled prints filed as they are (genuine), two neighbouring
// fingers of the slap filed at each other's positions (finger_swap; four-finger slaps), or every
// slap finger filed at the same finger of the other hand (hand_swap; for thumbs: 1 and 6). A slap
// finger is misplaced when the rolled print filed at its claimed position is not of it (a swap,
// or a segmentation sequence error); both rules are run on the same scores: the per-finger rule
// that was used before (a best match at another position at or above the FMR 1e-3 threshold) and
// the whole-slap assignment rule (slap_sequence_check.h) at several likelihood ratios. Every other
// impression of the folder is used in turn as the rolled prints (7 trials per slap in FVC).
struct SequenceRuleTally {
  int false_alarm_slaps = 0, detected_slaps = 0, false_fingers = 0, caught_fingers = 0;
  nlohmann::json Json(int correct_slaps, int misplaced_slaps, int correct_fingers, int misplaced_fingers) const {
    auto share = [](int a, int b) { return b > 0 ? std::round(1000.0 * a / b) / 10 : 0.0; };
    return {{"false_alarm_slaps", false_alarm_slaps},
            {"false_alarm_percent", share(false_alarm_slaps, correct_slaps)},
            {"detected_slaps", detected_slaps},
            {"detected_percent", share(detected_slaps, misplaced_slaps)},
            {"fingers_refused_in_place", false_fingers},
            {"fingers_refused_in_place_percent", share(false_fingers, correct_fingers)},
            {"misplaced_fingers_caught", caught_fingers},
            {"misplaced_fingers_caught_percent", share(caught_fingers, misplaced_fingers)}};
  }
};

// The assignment rule at the likelihood ratios it is measured at (the kept one is
// finger::kSequenceSwapMinLikelihoodRatio).
constexpr std::array<double, 4> kMeasuredLikelihoodRatios = {10, 100, 1000, 10000};

struct SequenceScenarioTally {
  int slaps = 0, misplaced_slaps = 0, fingers = 0, misplaced_fingers = 0;
  SequenceRuleTally per_finger;
  std::array<SequenceRuleTally, kMeasuredLikelihoodRatios.size()> assignment;
  void Add(const SequenceScenarioTally& t) {
    slaps += t.slaps;
    misplaced_slaps += t.misplaced_slaps;
    fingers += t.fingers;
    misplaced_fingers += t.misplaced_fingers;
    std::vector<std::pair<SequenceRuleTally*, const SequenceRuleTally*>> rules = {{&per_finger, &t.per_finger}};
    for (std::size_t k = 0; k < assignment.size(); ++k) rules.emplace_back(&assignment[k], &t.assignment[k]);
    for (auto [to, from] : rules) {
      to->false_alarm_slaps += from->false_alarm_slaps;
      to->detected_slaps += from->detected_slaps;
      to->false_fingers += from->false_fingers;
      to->caught_fingers += from->caught_fingers;
    }
  }
  nlohmann::json Json() const {
    const int correct_slaps = slaps - misplaced_slaps, correct_fingers = fingers - misplaced_fingers;
    nlohmann::json out = {
        {"slaps", slaps},
        {"slaps_with_misplaced_fingers", misplaced_slaps},
        {"fingers_checked", fingers},
        {"misplaced_fingers", misplaced_fingers},
        {"per_finger_rule", per_finger.Json(correct_slaps, misplaced_slaps, correct_fingers, misplaced_fingers)}};
    for (std::size_t k = 0; k < assignment.size(); ++k) {
      const double ratio = kMeasuredLikelihoodRatios[k];
      const std::string name = ratio == finger::kSequenceSwapMinLikelihoodRatio
                                   ? std::string("assignment_rule")
                                   : "assignment_rule_lr_" + std::to_string(static_cast<int>(ratio));
      out[name] = assignment[k].Json(correct_slaps, misplaced_slaps, correct_fingers, misplaced_fingers);
    }
    return out;
  }
};

struct SequenceTally {
  std::map<std::string, SequenceScenarioTally> scenarios;  // genuine, finger_swap, hand_swap
  void Add(const SequenceTally& t) {
    for (const auto& [name, scenario] : t.scenarios) scenarios[name].Add(scenario);
  }
  nlohmann::json Json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, scenario] : scenarios) out[name] = scenario.Json();
    return out;
  }
};

int MirrorPosition(int position) { return position <= 5 ? position + 5 : position - 5; }

// The rule used before the assignment rule: a finger whose best rolled match, at another position,
// reaches the threshold.
bool PerFingerRuleFlags(const finger::SlapSequenceScores& scores, std::size_t finger, double threshold) {
  int best_position = 0;
  double best_score = 0;
  for (std::size_t r = 0; r < scores.rolled_positions.size(); ++r) {
    if (best_position == 0 || scores.score[finger][r] > best_score) {
      best_position = scores.rolled_positions[r];
      best_score = scores.score[finger][r];
    }
  }
  return best_position != 0 && best_position != scores.slap_positions[finger] && best_score >= threshold;
}

// Runs both rules on one composed slap. `identity`: the print each found segment shows, by its
// claimed position (-1: no composed finger there); `person`: position 1-10 -> print filed there;
// `scores`: columns in positions 1-10 for the genuine filing.
void TallySequenceScenarios(const finger::SlapSequenceScores& scores, const std::map<int, int>& identity,
                            const std::map<int, int>& person, finger::SlapKind kind, int n, double threshold,
                            SequenceTally& tally) {
  const std::vector<int> slap_positions = finger::SlapPositions(kind);
  std::vector<std::pair<std::string, std::map<int, int>>> filings;  // scenario -> position -> position filed from
  std::map<int, int> same;
  for (int p = 1; p <= 10; ++p) same[p] = p;
  filings.emplace_back("genuine", same);
  if (slap_positions.size() == 4) {
    std::map<int, int> swapped = same;
    const std::size_t k = static_cast<std::size_t>(n % 3);
    std::swap(swapped[slap_positions[k]], swapped[slap_positions[k + 1]]);
    filings.emplace_back("finger_swap", swapped);
  }
  std::map<int, int> hands = same;
  for (int p : slap_positions) {
    hands[p] = MirrorPosition(p);
    hands[MirrorPosition(p)] = p;
  }
  filings.emplace_back("hand_swap", hands);

  for (const auto& [name, filed_from] : filings) {
    finger::SlapSequenceScores filed = scores;
    for (std::size_t r = 0; r < filed.rolled_positions.size(); ++r) {
      const int source = filed_from.at(filed.rolled_positions[r]);
      const auto column = std::find(scores.rolled_positions.begin(), scores.rolled_positions.end(), source);
      const std::size_t c = static_cast<std::size_t>(column - scores.rolled_positions.begin());
      for (std::size_t i = 0; i < filed.slap_positions.size(); ++i) filed.score[i][r] = scores.score[i][c];
    }
    std::vector<finger::SlapSequenceDecision> decisions;
    for (double ratio : kMeasuredLikelihoodRatios)
      decisions.push_back(finger::DecideSlapSequence(filed, threshold, ratio));
    SequenceScenarioTally& t = tally.scenarios[name];
    ++t.slaps;
    bool misplaced_slap = false, old_flag = false;
    std::vector<bool> misplaced(filed.slap_positions.size(), false);
    for (std::size_t i = 0; i < filed.slap_positions.size(); ++i) {
      const int position = filed.slap_positions[i];
      const auto shown = identity.find(position);
      misplaced[i] =
          shown != identity.end() && shown->second >= 0 && person.at(filed_from.at(position)) != shown->second;
      misplaced_slap = misplaced_slap || misplaced[i];
      old_flag = old_flag || PerFingerRuleFlags(filed, i, threshold);
    }
    if (misplaced_slap) ++t.misplaced_slaps;
    for (std::size_t i = 0; i < filed.slap_positions.size(); ++i) {
      ++t.fingers;
      const bool old_finger = PerFingerRuleFlags(filed, i, threshold);
      if (misplaced[i]) ++t.misplaced_fingers;
      (misplaced[i] ? t.per_finger.caught_fingers : t.per_finger.false_fingers) += old_finger ? 1 : 0;
      for (std::size_t k = 0; k < decisions.size(); ++k) {
        const bool new_finger = finger::IsSequenceSwap(decisions[k].checks[i].verdict);
        (misplaced[i] ? t.assignment[k].caught_fingers : t.assignment[k].false_fingers) += new_finger ? 1 : 0;
      }
    }
    (misplaced_slap ? t.per_finger.detected_slaps : t.per_finger.false_alarm_slaps) += old_flag ? 1 : 0;
    for (std::size_t k = 0; k < decisions.size(); ++k) {
      (misplaced_slap ? t.assignment[k].detected_slaps : t.assignment[k].false_alarm_slaps) +=
          decisions[k].swap ? 1 : 0;
    }
  }
}

finger::ExtractorOptions LenientExtraction() {
  finger::ExtractorOptions options;
  options.apply_quality_gate = false;
  return options;
}

// The prints of one source: a folder of FVC images (sorted by name) or synthetic fingers.
Result<std::vector<finger::GrayImage>> LoadPrints(const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".tif" || ext == ".png" || ext == ".bmp" || ext == ".wsq" || ext == ".pgm")
      paths.push_back(entry.path());
  }
  if (error) return Status::IoError(dir + ": cannot list: " + error.message());
  if (paths.size() < 4) return Status::InvalidArgument(dir + ": fewer than 4 fingerprint images");
  std::sort(paths.begin(), paths.end());
  std::vector<finger::GrayImage> prints;
  for (const std::string& path : paths) {
    ABIS_ASSIGN_OR_RETURN(finger::GrayImage image, finger::ReadFingerprintImage(path));
    prints.push_back(std::move(image));
  }
  return prints;
}

Status RunComposed(const std::vector<finger::GrayImage>& prints, int slaps, const SlapEvalOptions& options,
                   const std::string& label, Tally& tally, SequenceTally& sequence) {
  // Prints are FVC-ordered (finger-major); a slap takes its fingers `stride` prints apart so that
  // they come from different fingers.
  const int count = static_cast<int>(prints.size());
  // FVC "B" folders: 10 fingers x 8 impressions, finger-major.
  const int impressions = count % 10 == 0 && count >= 40 ? count / 10 : 1;
  const int fingers = count / impressions;
  // The sequence check needs ten fingers with a second impression each.
  const bool check_sequence = options.sequence_check && impressions > 1 && fingers == 10;
  double threshold = 0;
  if (check_sequence) {
    ABIS_ASSIGN_OR_RETURN(threshold, finger::FingerThresholdForFalseMatchRate(finger::kSlapSequenceFalseMatchRate));
  }
  std::map<int, finger::MinutiaeTemplate> print_templates;  // by print index, extracted once
  auto print_template = [&](int index) -> const finger::MinutiaeTemplate* {
    auto found = print_templates.find(index);
    if (found == print_templates.end()) {
      auto minutiae = finger::ExtractMinutiae(prints[static_cast<std::size_t>(index)], LenientExtraction());
      if (!minutiae.ok()) return nullptr;
      found = print_templates.emplace(index, std::move(minutiae).value()).first;
    }
    return &found->second;
  };
  for (int n = 0; n < slaps; ++n) {
    finger::SlapComposition composition;
    const finger::SlapKind kinds[3] = {finger::SlapKind::kRightFour, finger::SlapKind::kLeftFour,
                                       finger::SlapKind::kBothThumbs};
    composition.kind = kinds[n % 3];
    composition.seed = options.seed * 1000003 + static_cast<std::uint64_t>(n);
    // Deterministic variation from the seed: hand angle, middle phalanges, a missing finger.
    const std::uint64_t h = composition.seed * 0x9E3779B97F4A7C15ULL;
    const double u1 = static_cast<double>((h >> 11) & 0xFFFF) / 65535.0;
    const double u2 = static_cast<double>((h >> 27) & 0xFFFF) / 65535.0;
    const double u3 = static_cast<double>((h >> 43) & 0xFFFF) / 65535.0;
    composition.hand_angle_degrees = (2 * u1 - 1) * options.max_hand_angle;
    composition.middle_phalanges = n % 2 == 0;
    const std::vector<int> positions = finger::SlapPositions(composition.kind);
    if (positions.size() == 4 && u2 < options.missing_share) {
      composition.missing_positions = {positions[static_cast<std::size_t>(u3 * 3.999)]};
    }
    std::vector<finger::GrayImage> chosen;
    for (std::size_t k = 0; k < positions.size(); ++k) {
      const int finger = (n + 3 * static_cast<int>(k)) % fingers;
      const int impression = (n / 3) % impressions;
      chosen.push_back(prints[static_cast<std::size_t>(finger * impressions + impression)]);
    }
    ABIS_ASSIGN_OR_RETURN(finger::ComposedSlap slap, finger::ComposeSlap(chosen, composition));
    const auto start = std::chrono::steady_clock::now();
    finger::SlapSegmenterOptions segmenter;
    segmenter.measure_quality = false;
    auto found = finger::SegmentSlap(slap.image, composition.kind, label + " slap " + std::to_string(n), segmenter);
    tally.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!found.ok()) {
      ++tally.failures;
      ++tally.slaps;
      tally.fingers += static_cast<int>(slap.fingers.size());
      tally.missing += static_cast<int>(slap.missing_positions.size());
      continue;
    }
    if (!options.overlay_dir.empty()) {
      std::filesystem::create_directories(options.overlay_dir);
      const std::string path =
          (std::filesystem::path(options.overlay_dir) / (label + "_" + std::to_string(n) + ".png")).string();
      ABIS_RETURN_IF_ERROR(finger::WriteSlapOverlayPng(slap.image, *found, path));
    }
    ScoreComposed(slap, *found, tally);
    if (!check_sequence) continue;
    // The person: the slap's fingers at its positions, the folder's other fingers at the others.
    std::map<int, int> person;
    std::vector<bool> used(static_cast<std::size_t>(fingers), false);
    for (std::size_t k = 0; k < positions.size(); ++k) {
      const int finger = (n + 3 * static_cast<int>(k)) % fingers;
      person[positions[k]] = finger;
      used[static_cast<std::size_t>(finger)] = true;
    }
    int next = 0;
    for (int p = 1; p <= 10; ++p) {
      if (person.contains(p)) continue;
      while (used[static_cast<std::size_t>(next)]) ++next;
      person[p] = next;
      used[static_cast<std::size_t>(next)] = true;
    }
    const int slap_impression = (n / 3) % impressions;
    // What each found segment shows: the composed finger nearest its centre, as ScoreComposed.
    std::map<int, int> identity;
    std::map<int, finger::MinutiaeTemplate> slap_fingers;
    for (const finger::SlapSegment& segment : found->segments) {
      int shown = -1;
      double nearest = 1e18;
      for (const finger::ComposedFinger& truth : slap.fingers) {
        const double d =
            std::hypot(segment.box.centre_x - truth.box.centre_x, segment.box.centre_y - truth.box.centre_y);
        if (d < nearest && d < 0.6 * truth.box.height) {
          nearest = d;
          shown = person[truth.position];
        }
      }
      auto minutiae = finger::ExtractMinutiae(segment.crop, LenientExtraction());
      if (!minutiae.ok()) continue;
      identity[segment.position] = shown;
      slap_fingers.emplace(segment.position, std::move(minutiae).value());
    }
    if (slap_fingers.empty()) continue;
    // One trial per other impression: its prints are the rolled prints.
    for (int rolled_impression = 0; rolled_impression < impressions; ++rolled_impression) {
      if (rolled_impression == slap_impression) continue;
      std::map<int, finger::MinutiaeTemplate> rolled;
      for (const auto& [position, finger] : person) {
        if (const auto* t = print_template(finger * impressions + rolled_impression)) rolled.emplace(position, *t);
      }
      if (rolled.size() != 10) continue;
      TallySequenceScenarios(finger::ScoreSlapSequence(slap_fingers, rolled), identity, person, composition.kind, n,
                             threshold, sequence);
    }
  }
  return Status::Ok();
}

void RunSlapEval(CliContext& context, const SlapEvalOptions& options) {
  nlohmann::json out = nlohmann::json::object();
  Tally total;
  auto merge = [&](const Tally& t) {
    total.slaps += t.slaps;
    total.slaps_all_right += t.slaps_all_right;
    total.fingers += t.fingers;
    total.fingers_correct += t.fingers_correct;
    total.fingers_found += t.fingers_found;
    total.sequence_errors += t.sequence_errors;
    total.missing += t.missing;
    total.missing_detected += t.missing_detected;
    total.false_missing += t.false_missing;
    total.failures += t.failures;
    total.seconds += t.seconds;
    total.centre_errors.insert(total.centre_errors.end(), t.centre_errors.begin(), t.centre_errors.end());
    total.angle_errors.insert(total.angle_errors.end(), t.angle_errors.begin(), t.angle_errors.end());
    total.ious.insert(total.ious.end(), t.ious.begin(), t.ious.end());
  };
  nlohmann::json composed = nlohmann::json::object();
  SequenceTally sequence_total;
  if (options.synthetic > 0) {
    std::vector<finger::GrayImage> prints;
    for (int i = 0; i < 12; ++i) {
      prints.push_back(finger::GenerateSyntheticFinger(options.seed, i, 1).impressions.front().image);
    }
    Tally tally;
    SequenceTally sequence;
    if (context.Failed(RunComposed(prints, options.synthetic, options, "synthetic", tally, sequence))) return;
    composed["synthetic"] = tally.Json();
    merge(tally);
  }
  for (const std::string& dir : options.fvc_dirs) {
    auto prints = LoadPrints(dir);
    if (context.Failed(prints.status())) return;
    Tally tally;
    SequenceTally sequence;
    const std::string label = std::filesystem::path(dir).filename().string();
    if (context.Failed(RunComposed(*prints, options.slaps, options, label, tally, sequence))) return;
    composed[dir] = tally.Json();
    if (!sequence.scenarios.empty()) composed[dir]["sequence_check"] = sequence.Json();
    sequence_total.Add(sequence);
    merge(tally);
  }
  if (total.slaps > 0) {
    out["composed"] = composed;
    out["composed_total"] = total.Json();
    if (!sequence_total.scenarios.empty()) out["composed_total"]["sequence_check"] = sequence_total.Json();
  }
  // Real transactions: each slap finger's best rolled match says its true position.
  nlohmann::json real = nlohmann::json::array();
  for (const std::string& file : options.nist_files) {
    auto transaction = interop::ReadAn2kFile(file);
    if (context.Failed(transaction.status().WithContext(file))) return;
    auto bundle = interop::ExtractEnrolmentBundle(*transaction);
    if (context.Failed(bundle.status().WithContext(file))) return;
    if (!options.rolled_from.empty()) {
      auto rolled = interop::ReadAn2kFile(options.rolled_from);
      if (context.Failed(rolled.status().WithContext(options.rolled_from))) return;
      auto rolled_bundle = interop::ExtractEnrolmentBundle(*rolled);
      if (context.Failed(rolled_bundle.status().WithContext(options.rolled_from))) return;
      bundle->fingers = rolled_bundle->fingers;
    }
    const auto start = std::chrono::steady_clock::now();
    auto slaps = SegmentTransactionSlaps(*bundle, file, 0);
    if (context.Failed(slaps.status())) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int fingers = 0, rank1_own = 0, confirmed = 0, missing = 0;
    for (const auto& slap : slaps->report) {
      missing += static_cast<int>(slap["missing_positions"].size());
      for (const auto& segment : slap["segments"]) {
        ++fingers;
        if (!segment.contains("sequence_check")) continue;
        const auto& check = segment["sequence_check"];
        if (check["best_position"] == segment["position"]) ++rank1_own;
        if (check["verdict"] == "confirmed") ++confirmed;
      }
    }
    real.push_back({{"file", file},
                    {"slaps", slaps->report.size()},
                    {"fingers_segmented", fingers},
                    {"fingers_reported_missing", missing},
                    {"best_rolled_match_is_own_position", rank1_own},
                    {"confirmed_at_fmr_1e-3", confirmed},
                    {"sequence_errors", slaps->sequence_errors},
                    {"rolled_prints", bundle->fingers.size()},
                    {"seconds", std::round(seconds * 10) / 10},
                    {"slap_reports", slaps->report}});
  }
  if (!real.empty()) out["transactions"] = real;
  if (out.empty()) {
    context.Failed(Status::InvalidArgument("nothing to measure: give --synthetic N, --fvc DIR or --nist FILE"));
    return;
  }
  PrintResult(context.globals(), out, [&](std::ostream& s) {
    if (out.contains("composed")) {
      for (const auto& [source, figures] : out["composed"].items()) {
        s << "composed from " << source << ": " << figures.dump() << "\n";
      }
      s << "composed, all: " << out["composed_total"].dump() << "\n";
    }
    for (const auto& t : real) {
      s << t["file"].get<std::string>() << ": " << t["fingers_segmented"] << " fingers from " << t["slaps"]
        << " slaps, best rolled match own position " << t["best_rolled_match_is_own_position"] << ", confirmed "
        << t["confirmed_at_fmr_1e-3"] << ", sequence errors " << t["sequence_errors"] << ", missing reported "
        << t["fingers_reported_missing"] << "\n";
    }
  });
}

}  // namespace
#endif

void AddSlapEvalCommand(CLI::App& root, CliContext& context) {
#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  CLI::App* eval = root.get_subcommand("eval");
  auto options = std::make_shared<SlapEvalOptions>();
  CLI::App* command = eval->add_subcommand(
      "slap-seg", "slap segmentation, SlapSeg III style: composed slaps with known boxes, real transactions");
  command->add_option("--synthetic", options->synthetic, "compose this many slaps from synthetic prints");
  command->add_option("--fvc", options->fvc_dirs, "compose slaps from the prints of this folder (repeatable)");
  command->add_option("--slaps", options->slaps, "slaps composed per --fvc folder")->capture_default_str();
  command->add_option("--seed", options->seed, "composition seed")->capture_default_str();
  command->add_option("--max-hand-angle", options->max_hand_angle, "hands turned up to +- this (degrees)")
      ->capture_default_str();
  command->add_option("--missing-share", options->missing_share, "share of four-finger slaps missing one finger")
      ->capture_default_str();
  command->add_option("--nist", options->nist_files, "a transaction with slaps and rolled prints (repeatable)");
  command->add_option("--rolled-from", options->rolled_from, "take the rolled prints from this transaction instead");
  command->add_option("--overlay-dir", options->overlay_dir, "write each composed slap with its boxes here");
  command->add_flag("--sequence-check", options->sequence_check,
                    "also measure the sequence check on slaps composed from FVC folders (10 fingers x 8 "
                    "impressions): false swaps and caught finger and hand swaps, per-finger and assignment rules");
  command->callback([&context, options] { RunSlapEval(context, *options); });
#else
  (void)root;
  (void)context;
#endif
}

}  // namespace abis::cli
