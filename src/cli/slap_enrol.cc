#include "slap_enrol.h"

#include "abis/cli/plugin.h"
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include <algorithm>
#include <map>

#include "abis/finger/score_calibration.h"
#include "abis/finger/slap_enrolment.h"
#include "abis/finger/slap_sequence_check.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_segmentation.h"
#endif

namespace abis::cli {

Result<SlapSamples> SlapSamplesFromImage(const std::string& file, double ppi, const SlapEnrolOptions& options) {
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  ABIS_ASSIGN_OR_RETURN(const finger::SlapKind kind, finger::ParseSlapKind(options.slap));
  if (options.min_quality < 0 || options.min_quality > 100) {
    return Status::InvalidArgument("the slap's quality floor " + std::to_string(options.min_quality) +
                                   " is outside 0-100");
  }
  ABIS_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> bytes, ReadFileBytes(file));
  ABIS_ASSIGN_OR_RETURN(finger::GrayImage image, finger::DecodeFingerprintImageAsStored(bytes, file));
  if (ppi > 0) image.resolution_ppi = ppi;
  const std::string where = file + " (" + std::string(finger::SlapKindName(kind)) + " slap)";
  ABIS_ASSIGN_OR_RETURN(finger::SlapCut cut, finger::CutSlapForEnrolment(image, finger::SlapKindFingerPosition(kind), 0,
                                                                         where, options.min_quality, {}));
  if (!options.accept_partial) ABIS_RETURN_IF_ERROR(finger::RequireCompleteSlap(cut, where));
  SlapSamples out;
  out.skipped = cut.skipped;
  out.missing_positions = cut.missing_positions;
  out.report = cut.report;
  for (finger::SlapFingerForEnrolment& one : cut.fingers) {
    out.samples.push_back(finger::SlapFingerSample(std::move(one), options.min_quality));
  }
  if (out.samples.empty()) {
    return Status::FailedPrecondition(where + ": no finger of the slap can be enrolled: " +
                                      (out.skipped.empty() ? std::string() : out.skipped.front()));
  }
  return out;
#else
  (void)file;
  (void)ppi;
  (void)options;
  return Status::Unimplemented("--slap needs the fingerprint image module, which this build lacks");
#endif
}

#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
namespace {

std::string FingerName(int position) {
  return std::to_string(position) + " (" + std::string(FingerPositionName(static_cast<FingerPosition>(position))) + ")";
}

std::string Score(double value) { return std::to_string(value).substr(0, 5); }

}  // namespace
#endif

StoredSamplesCheck SlapSequenceCheckAgainstStored(const ModalityEngine& engine, const std::string& where,
                                                  bool accept_partial) {
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
  return [&engine, where, accept_partial](const std::vector<BiometricTemplate>& stored,
                                          const std::vector<std::pair<std::size_t, BiometricTemplate>>& extracted)
             -> Result<std::vector<SampleRejection>> {
    auto is_finger = [&engine](const BiometricTemplate& one) {
      const int position = static_cast<int>(one.position);
      return one.modality == Modality::kFinger && one.algorithm == engine.algorithm() && position >= 1 &&
             position <= 10;
    };
    // Columns: each stored position (its best template); rows: each slap finger.
    std::map<int, std::vector<const BiometricTemplate*>> references;
    for (const BiometricTemplate& one : stored) {
      if (is_finger(one)) references[static_cast<int>(one.position)].push_back(&one);
    }
    if (references.empty()) return std::vector<SampleRejection>{};
    finger::SlapSequenceScores scores;
    for (const auto& [position, unused] : references) scores.rolled_positions.push_back(position);
    std::vector<std::size_t> sample_of_row;
    for (const auto& [index, probe] : extracted) {
      if (!is_finger(probe)) continue;
      scores.slap_positions.push_back(static_cast<int>(probe.position));
      sample_of_row.push_back(index);
      std::vector<double>& row = scores.score.emplace_back();
      for (const auto& [position, templates] : references) {
        double best = 0;
        for (const BiometricTemplate* reference : templates) {
          ABIS_ASSIGN_OR_RETURN(const Comparison comparison, engine.Compare(probe, *reference));
          best = std::max(best, comparison.score);
        }
        row.push_back(best);
      }
    }
    ABIS_ASSIGN_OR_RETURN(const double threshold,
                          finger::FingerThresholdForFalseMatchRate(finger::kSlapSequenceFalseMatchRate));
    const finger::SlapSequenceDecision decision = finger::DecideSlapSequence(scores, threshold);
    std::vector<SampleRejection> refused;
    std::string positions;
    for (std::size_t i = 0; i < decision.checks.size(); ++i) {
      const finger::SegmentSequenceCheck& check = decision.checks[i];
      if (!finger::IsSequenceSwap(check.verdict)) continue;
      const std::string line =
          "finger " + FingerName(check.position) + " " + finger::SequenceVerdictName(check.verdict) +
          ": matches the person's stored finger " + FingerName(check.assigned_position) + " (score " +
          Score(check.assigned_score) + ") better than its own stored finger (" +
          (check.rolled_present ? "score " + Score(check.own_score) : std::string("none stored")) + ")";
      positions += (positions.empty() ? "" : ", ") + std::to_string(check.position);
      refused.push_back({sample_of_row[i], Status::FailedPrecondition(where + ": sequence check: " + line)});
    }
    if (refused.empty() || accept_partial) return refused;
    std::string why;
    for (const SampleRejection& one : refused) why += "; " + one.status.message();
    return Status::FailedPrecondition(where +
                                      ": sequence check against the person's stored fingers: the slap's "
                                      "positions " +
                                      positions + " are contradicted (a finger or hand swap)" + why +
                                      "; nothing enrolled (--accept-partial-slap enrols the other fingers)");
  };
#else
  (void)engine;
  (void)where;
  (void)accept_partial;
  return {};
#endif
}

}  // namespace abis::cli
