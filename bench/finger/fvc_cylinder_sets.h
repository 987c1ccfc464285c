// The FVC folders a bench tool is given, as cylinder sets: each folder argument is DIR or
// DIR@PPI (the scan resolution of images that declare none, FVC2002 DB2: 569), and each folder
// yields one set per template source (our extractor, then the .iso records beside the images,
// mapped to the image size as `abis eval finger` does). Shared by calibrate_finger and
// finger_matcher_study.
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/fvc_evaluation.h"
#include "abis/finger/mcc.h"

namespace abis::finger::bench {

struct FvcCylinderSet {
  std::string folder;    // as given, without @PPI
  std::string database;  // the folder's last component, e.g. DB1_B
  std::string source;    // "own" or "iso"
  std::vector<FvcSample> samples;
  std::vector<MccTemplate> cylinders;  // one per sample; empty where it failed to enrol
  std::vector<bool> enrolled;
};

// Extracts (or reads) and prepares every sample of every folder, all cores. Errors name the
// folder or the sample; a malformed @PPI is kInvalidArgument. `with_iso` false: our extractor's
// templates only (folders without .iso records).
Result<std::vector<FvcCylinderSet>> LoadFvcCylinderSets(const std::vector<std::string>& folder_arguments,
                                                        bool with_iso = true);

}  // namespace abis::finger::bench
