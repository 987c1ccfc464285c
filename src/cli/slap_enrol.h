// `abis enrol --slap right|left|thumbs|right_thumb|left_thumb --file IMAGE`: a plain slap image cut
// into finger samples for one encounter, the same way as slaps of ANSI/NIST transactions and MOSIP
// CBEFF documents (abis/finger/slap_enrolment.h): positions from hand geometry, the quality gate
// per finger, missing fingers reported, each finger kept with its place in the slap.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/system/abis_system.h"

namespace abis::cli {

struct SlapEnrolOptions {
  std::string slap;             // right, left, thumbs, right_thumb, left_thumb
  bool accept_partial = false;  // enrol the usable fingers of a slap that misses some
  int min_quality = 20;         // each finger's print-quality floor (0-100)
};

struct SlapSamples {
  std::vector<SampleInput> samples;  // one per finger, at its position
  std::vector<std::string> skipped;  // fingers missing or refused, with why
  std::vector<int> missing_positions;
  nlohmann::json report = nlohmann::json::object();  // the segmentation
};

// Reads and cuts the slap at `file` (`ppi` > 0: its scan resolution instead of what it states).
// kInvalidArgument for an unknown slap name or an image that cannot be decoded or holds no finger
// (or more than the slap can hold); kFailedPrecondition, naming the fingers, when a declared finger
// is missing or refused and `accept_partial` is false; kUnimplemented in a build without the
// fingerprint image module.
Result<SlapSamples> SlapSamplesFromImage(const std::string& file, double ppi, const SlapEnrolOptions& options);

// The sequence check of a slap's fingers against the single-finger templates the person already
// holds (any finger templates of `engine`'s algorithm at positions 1-10: rolled, flat, or cut from
// earlier slaps), for EncounterEnrolment::check_against_stored; the whole-slap rule of
// abis/finger/slap_sequence_check.h. No stored finger template: nothing to check. A swap: without
// `accept_partial` kFailedPrecondition naming every swapped position, the position it matches and
// the scores (nothing enrolled); with it, the swapped fingers are refused and the others enrolled.
// `where` names the slap. In a build without the fingerprint image module: no check.
StoredSamplesCheck SlapSequenceCheckAgainstStored(const ModalityEngine& engine, const std::string& where,
                                                  bool accept_partial);

}  // namespace abis::cli
