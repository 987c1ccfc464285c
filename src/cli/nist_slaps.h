// The slaps of an ANSI/NIST-ITL transaction cut into fingers for enrolment (`abis import nist`)
// and measurement (`abis eval slap-seg`): each slap segmented (abis/finger_extract/
// slap_segmentation.h), each finger checked against the print-quality gate and, when the
// transaction holds rolled prints, against them (abis/finger/slap_sequence_check.h).
#pragma once

#if defined(ABIS_HAVE_INTEROP) && defined(ABIS_HAVE_FINGER) && defined(ABIS_HAVE_FINGER_EXTRACT)
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/slap_enrolment.h"
#include "abis/finger/slap_sequence_check.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/interop/an2k_record.h"
#include "abis/interop/nist_enrolment_bundle.h"

namespace abis::cli {

using SlapFingerForEnrolment = finger::SlapFingerForEnrolment;  // abis/finger/slap_enrolment.h

// A slap written back from the crops enrolled from it (abis export nist): each crop turned back
// into its box on a white canvas of the slap's size (500 ppi), and each box as a segment (14.021 SEG
// and 14.025 ASEG), and the slap's missing fingers kept with the crops as 14.018 AMP. The store
// keeps the crops, not the slap: pixels outside every box are white.
struct SlapCropForExport {
  int finger_position = 0;
  nlohmann::json slap;            // SlapFingerForEnrolment::slap as kept with the sample
  std::vector<std::uint8_t> png;  // the crop
};
// Fails (naming the sample) when a crop does not decode or its geometry is not one written above.
Result<interop::NistSlapImage> ReassembleSlap(const std::vector<SlapCropForExport>& crops);

// A slap's segments in its record's own pixels, for 14.021 SEG / 14.025 ASEG.
struct SlapSegmentsOfRecord {
  int record_type = 0;  // 4 or 14
  int idc = 0;
  std::vector<interop::FingerSegmentPosition> segments;
};

struct TransactionSlaps {
  std::vector<SlapFingerForEnrolment> fingers;      // passed the gate and the sequence check
  std::vector<std::string> skipped;                 // segments refused, fingers missing: which and why
  int sequence_errors = 0;                          // fingers that match another position's rolled print
  nlohmann::json report = nlohmann::json::array();  // per slap: segmentation, quality, sequence check
  std::vector<SlapSegmentsOfRecord> segments;       // per segmented slap
};

// Writes each Type-14 slap's segments into its record as 14.021 SEG (the box of each segment) and
// 14.025 ASEG (its four corners), replacing any there; Type-4 records cannot hold them and are
// counted in the result's second member. Returns (records annotated, records that could not be).
std::pair<int, int> AnnotateSlapSegments(interop::An2kTransaction& transaction,
                                         const std::vector<SlapSegmentsOfRecord>& segments);

// Segments every slap of `bundle` (min_quality: the gate's floor for each finger). A slap that
// cannot be decoded or segmented is listed in `skipped` with the error, not a failure of the
// whole transaction. The sequence check runs when the bundle holds single-finger images (rolled
// or plain) of the slap's positions; its threshold is the finger engine's at FMR 1e-3.
Result<TransactionSlaps> SegmentTransactionSlaps(const interop::NistEnrolmentBundle& bundle, const std::string& file,
                                                 int min_quality);

}  // namespace abis::cli
#endif
