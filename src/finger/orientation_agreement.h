// Agreement of two ridge-orientation maps (minutiae.h) under a rigid alignment of the minutiae:
// every cell of one map with a direction is carried into the other map by the alignment and,
// where that map has a direction too, the two directions are compared as cos(2 * difference)
// (1 parallel, -1 perpendicular; ridge directions are axial, so 0 and 180 degrees agree). Both
// maps are carried into each other and the two means averaged, so the result does not depend on
// which template is the probe. Minutiae say where two impressions agree point by point; the
// orientation field says whether the whole common area flows alike, which a dry or dotted
// impression whose endings do not repeat still shows, and which an impostor that happens to
// share a few minutia neighbourhoods rarely does. Internal to src/finger/.
// Thread-safety: pure functions.
#pragma once

#include "abis/finger/mcc.h"

namespace abis::finger::internal {

struct OrientationAgreement {
  bool compared = false;   // both templates have a map and at least 4 cells overlap each way
  double mean_cosine = 0;  // -1 to 1 when compared, else 0
  int cells = 0;           // compared cells, both directions together
};

// A rigid motion of the upright 500 ppi frame (mcc.h: y up): reference = R(rotation) * probe + t.
struct RigidAlignment {
  double rotation = 0;  // radians, counter-clockwise
  double translation_x = 0;
  double translation_y = 0;
};

// Not compared unless both templates have a map (HasOrientationMap) and at least 4 cells overlap
// each way. Cells 180-254 (which the template decoder rejects) count as "no direction".
OrientationAgreement CompareOrientationMaps(const MccTemplate& probe, const MccTemplate& reference,
                                            const RigidAlignment& alignment);

// Whether `cylinders` carries a usable orientation map: cells matching its size, a positive
// scale, and at least 16 directed cells (a map with less clear area is not relied on, neither
// for the agreement nor as the overlap area of the consolidation).
bool HasOrientationMap(const MccTemplate& cylinders);

// "Has a direction here" over a template's orientation map, in its upright 500 ppi frame: false
// outside the map. REQUIRES: HasOrientationMap(cylinders); `cylinders` outlives this.
class DirectedArea {
 public:
  explicit DirectedArea(const MccTemplate& cylinders);
  bool Contains(double x, double y) const;

 private:
  const RidgeOrientationMap& map_;
  double to_cells_;
};

// The factor the minutiae score is multiplied by: exp(weight * (agreement - neutral_agreement))
// (mcc.h), from exp(-weight * (1 + neutral)) for perpendicular flow to exp(weight * (1 - neutral))
// for perfect agreement; 1 when a template has no map.
double OrientationFactor(const OrientationAgreement& agreement, const MccParameters& parameters);

}  // namespace abis::finger::internal
