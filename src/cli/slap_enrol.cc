#include "slap_enrol.h"

#include "abis/cli/plugin.h"
#if defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include "abis/finger/slap_enrolment.h"
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

}  // namespace abis::cli
