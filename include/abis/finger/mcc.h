// Minutia Cylinder-Code (MCC), bit-vector variant: R. Cappelli, M. Ferrara, D. Maltoni, "Minutia
// Cylinder-Code: a new representation and matching technique for fingerprint recognition", IEEE
// TPAMI 32(12), 2010. Each minutia gets a cylinder of Ns x Ns x Nd cells aligned with its
// direction; a cell is 1 when the neighbouring minutiae near the cell centre, with directions
// relative to the cylinder's minutia near the cell's angular section, contribute at least mu_psi
// (the paper's step-function Psi of the bit variant). Cells outside the circle of radius R are not
// stored; cells outside the convex hull of the minutiae enlarged by Omega are invalid (masked).
//
// The cell geometry is fixed at compile time (Ns = 16, Nd = 6: 208 spatial cells x 6 = 1248 bits,
// padded to 20 64-bit words) so the hot loop (mcc_local_similarity.cc) works on constant sizes.
// Thread-safety: immutable values; the build function is reentrant.
#pragma once

#include <array>
#include <cstdint>
#include <numbers>
#include <vector>

#include "abis/minutiae/minutiae.h"

namespace abis::finger {

inline constexpr int kMccSpatialCells = 16;                  // Ns
inline constexpr int kMccAngularCells = 6;                   // Nd
inline constexpr int kMccCircleCells = 208;                  // spatial cells whose centre lies within R
inline constexpr int kMccBits = kMccCircleCells * kMccAngularCells;  // 1248
inline constexpr int kMccWords = (kMccBits + 63) / 64;       // 20

// Parameters from the MCC paper (Table 1, bit variant), in pixels at 500 ppi and radians.
struct MccParameters {
  double radius = 70;                                    // R
  double sigma_spatial = 28.0 / 3.0;                     // sigma_S
  double sigma_directional = 2 * std::numbers::pi / 9;   // sigma_D
  double mu_psi = 0.01;                                  // cell threshold (step Psi)
  double hull_offset = 50;                               // Omega
  double min_valid_cell_fraction = 0.75;                 // minVC, of the 208 spatial cells
  int min_neighbour_minutiae = 2;                        // minM, within R + 3 sigma_S
  double min_matchable_fraction = 0.6;                   // minME, of the 1248 bits
  double max_direction_difference = std::numbers::pi / 2;  // delta_theta
  // Global score (LSS-R).
  int min_pairs = 4;                   // minNP
  int max_pairs = 12;                  // maxNP
  double mu_pairs = 20;                // mu_P
  double tau_pairs = 0.4;              // tau_P
  int relaxation_iterations = 5;       // n_rel
  double relaxation_weight = 0.5;      // w_R
  double mu_rho_distance = 5;          // mu_1^rho
  double tau_rho_distance = -8.0 / 5;  // tau_1^rho
  // Ours: the distance tolerance mu_1^rho grows by this share of the two pairs' mean distance
  // (skin distortion; 0 = the paper's fixed tolerance). 0.05 chosen on FVC2002 DB1_B + DB3_B
  // (docs/notes/heldout_accuracy_2026-12-07.md).
  double rho_distance_growth = 0.05;
  double mu_rho_angle = std::numbers::pi / 12;  // mu_2^rho = mu_3^rho
  double tau_rho_angle = -30;                   // tau_2^rho = tau_3^rho
  // Consolidation under a global alignment (ours, mcc_consolidation.h): anchors tried, pairing
  // tolerances (pixels at 500 ppi, plus a share of the distance from the anchor; radians), the
  // margin around the other template's hull that counts as overlap (used when a template has
  // no orientation map; with maps on both sides the other's directed blocks are the overlap),
  // and the least overlap a score is normalised by (so that three agreeing minutiae of a sliver
  // do not score 1).
  // A tolerance <= 0 pairs nothing; a minimum overlap below 1 counts as 1; a negative margin
  // counts nothing as overlap.
  int consolidation_anchors = 5;
  double consolidation_distance_tolerance = 10;
  double consolidation_tolerance_growth = 0.1;
  double consolidation_angle_tolerance = 0.35;  // about 20 degrees
  double consolidation_hull_margin = 5;
  double consolidation_min_overlap = 8;
  // Orientation maps (orientation_agreement.h): when both templates have one, the score is
  // multiplied by exp(orientation_weight * (agreement - orientation_neutral_agreement)) under the
  // alignment (which is also chosen by that product) and clamped to 1. The neutral agreement puts
  // scores with maps on the scale of scores without (standard records, factor 1) where thresholds
  // are set: on FVC2002 B their impostor scores at FMR 0.1 % are 0.090 and 0.092. Weight 0 turns
  // the factor off (the maps then still define the consolidation's overlap).
  double orientation_weight = 5;
  double orientation_neutral_agreement = 0.90;
  bool operator==(const MccParameters&) const = default;
};

using MccBits = std::array<std::uint64_t, kMccWords>;

// The cylinders of one fingerprint: only valid cylinders are kept. Coordinates are in pixels at
// 500 ppi with y pointing up (the source's y is negated), angles in radians.
struct MccTemplate {
  struct Centre {
    float x = 0;
    float y = 0;
    float angle = 0;
    int minutia_index = 0;  // index in the source MinutiaeTemplate
  };
  std::vector<Centre> centres;   // one per valid cylinder
  std::vector<MccBits> cells;    // cell bits (already masked by validity)
  std::vector<MccBits> validity; // valid-cell masks
  std::vector<std::uint16_t> valid_cell_bits;  // popcount of each validity mask
  // The source's ridge-orientation map (empty for standard records) and the factor that takes
  // its pixels to the 500 ppi pixels of the centres (before y is negated).
  RidgeOrientationMap orientation;
  float orientation_scale = 1;
  std::size_t size() const { return centres.size(); }
};

// Builds the cylinders of `minutiae` (coordinates rescaled to 500 ppi when resolution_ppi is set
// and differs). Minutiae whose cylinders fail minVC or minM are left out, so the result may be
// empty (such a template matches nothing).
MccTemplate BuildMccTemplate(const MinutiaeTemplate& minutiae, const MccParameters& parameters = {});

}  // namespace abis::finger
