// Type-9 minutiae record view (ANSI/NIST-ITL 1-2011, 8.9): the legacy standard-format block
// (9.004 FMT "S", 9.010 MIN, 9.012 MRC), the Extended Feature Set minutiae (9.331 EMD) and the
// INCITS 378 block (9.126-9.140: 9.128/9.129 image size, 9.130 SLC, 9.131/9.132 pixel scale,
// 9.134 FGP, 9.136 NOM, 9.137 FMD). Coordinates are given in units of 0.01 mm for every block
// (INCITS pixel coordinates are converted with the block's own scale). Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/an2k_record.h"

namespace abis::interop {

enum class An2kMinutiaType { kRidgeEnding, kBifurcation, kCompound, kUndetermined };

// "ridge_ending", "bifurcation", "compound", "undetermined".
std::string_view An2kMinutiaTypeName(An2kMinutiaType type);

struct An2kMinutia {
  int x = 0;              // 0.01 mm from the left edge
  int y = 0;              // 0.01 mm from the top (legacy 9.012) or as EFS 9.331 defines it
  int theta_degrees = 0;  // 0-359, counter-clockwise from the x axis
  An2kMinutiaType type = An2kMinutiaType::kUndetermined;
  int quality = -1;       // legacy 0-63 (0 manual, 1 unknown, 2-63 low to high); INCITS 0-100; -1 absent
};

enum class An2kMinutiaeBlock { kLegacyStandard, kExtendedFeatureSet, kIncits378 };

struct MinutiaeView {
  int idc = 0;
  An2kMinutiaeBlock block = An2kMinutiaeBlock::kLegacyStandard;
  std::vector<int> finger_positions;  // 9.006 FGP (legacy), 9.302 FPP first item (EFS), 9.134 FGP (INCITS)
  std::vector<An2kMinutia> minutiae;
  // INCITS 378 block only (0 for the others): the image the minutiae were marked on, 9.128 HLL x
  // 9.129 VLL pixels, and its scale in pixels per millimetre (9.131 THPS with 9.130 SLC 1 per
  // inch or 2 per cm). Together with the coordinates in 0.01 mm they give back the block's pixel
  // coordinates exactly whenever the scale is below 100 pixels/mm (2540 ppi).
  int image_width = 0;
  int image_height = 0;
  double pixels_per_mm = 0;
};

// REQUIRES record.type == 9. Reads the first block present in the order legacy, EFS, INCITS 378;
// nullopt when the record holds none (e.g. only a vendor-defined one). Legacy block: 9.010 must
// equal the number of 9.012 subfields and each location item is 11 digits XXXXYYYYTTT. INCITS
// block: 9.136 must equal the number of 9.137 subfields; each subfield is index, X, Y (pixels,
// below 9.128/9.129), angle 0-179 in units of 2 degrees, type 0 other / 1 ridge ending /
// 2 bifurcation, quality 0-100; 9.130 SLC must be 1 (pixels per inch) or 2 (per cm) with 9.131
// THPS = 9.132 TVPS, since without a scale the coordinates cannot be given in millimetres.
// Errors name the field and subfield.
Result<std::optional<MinutiaeView>> ReadType9Minutiae(const TaggedRecord& record);

}  // namespace abis::interop
