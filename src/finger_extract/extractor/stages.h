// The minutiae extractor's stages (SourceAFIS-style: each a small named unit that takes the
// previous stage's output). All images are cv::Mat of the 500 ppi fingerprint; "block" maps
// have one value per kBlockSize x kBlockSize block.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/print_quality.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger::extractor {

inline constexpr int kBlockSize = 16;          // pixels, about 0.8 mm at 500 ppi
inline constexpr double kMinWavelength = 5.0;  // pixels between ridges accepted at 500 ppi
inline constexpr double kMaxWavelength = 16.0;
inline constexpr double kDefaultWavelength = 9.0;  // typical adult ridge period at 500 ppi

// Segmentation: CV_8U mask, 255 = fingerprint area, from block grey-level deviation and gradient
// coherence, cleaned by morphology and reduced to the largest connected region.
cv::Mat SegmentFingerprint(const cv::Mat& gray);

// Contrast normalisation (CV_32F, 0 outside the mask): zero mean and unit variance inside the
// mask, then locally, over a Gaussian window of a few ridge periods taken within the mask only,
// so that faint regions (light pressure, dry or dotted ridges) weigh as much as dark ones in the
// orientation field and pass the ridge-frequency contrast test. The local deviation is floored
// at a fraction of the global one: flat patches are not amplified into noise.
cv::Mat NormalizeContrast(const cv::Mat& gray, const cv::Mat& mask);

struct OrientationField {
  cv::Mat angle;      // CV_32F, ridge direction in [0, pi), radians, image x right / y down
  cv::Mat coherence;  // CV_32F in [0, 1]: how consistently the gradients agree
};
// Gradient structure tensor smoothed as doubled-angle vectors (Kass & Witkin; Bazen & Gerez).
OrientationField EstimateOrientation(const cv::Mat& normalized, const cv::Mat& mask);

// The template's orientation map (minutiae.h): one cell per kOrientationMapBlock block, the
// coherence-weighted mean direction where the block is mostly inside `mask` and that mean is clear.
inline constexpr int kOrientationMapBlock = 16;
RidgeOrientationMap SummarizeOrientation(const OrientationField& orientation, const cv::Mat& mask);

// Ridge wavelength per block (CV_32F, pixels) from the oriented x-signature (Hong, Wan & Jain
// 1998); blocks without a clear signature are filled from valid neighbours.
cv::Mat EstimateRidgeWavelength(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& mask);

// Contextual enhancement in the frequency domain (short-time Fourier analysis, Chikkerur et al.
// 2007): overlapping windows one block apart, each band-passed around the ridge normal of
// `orientation` and around its own ridge frequency, estimated from its spectrum (smoothed over
// the neighbouring windows; `wavelength_blocks` only where a window has no power in the band),
// then added back. CV_32F, ridges positive, 0 outside `mask`. Runs on OpenCV's thread pool; the
// output does not depend on the number of threads.
// REQUIRES: `normalized`, `orientation.angle` and `orientation.coherence` CV_32F and `mask` CV_8U,
// all of one size; `wavelength_blocks` CV_32F with one value per kBlockSize block (partial
// blocks at the right and bottom included). Violations throw cv::Exception.
cv::Mat EnhanceRidges(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& wavelength_blocks,
                      const cv::Mat& mask);

// Ridges = 255 where the enhanced image is positive inside the mask, with small holes and
// islands removed.
cv::Mat Binarize(const cv::Mat& enhanced, const cv::Mat& mask);

// One-pixel-wide 8-connected skeleton of the ridges (Zhang & Suen 1984 thinning).
cv::Mat ThinRidges(const cv::Mat& binary);

// Distance (CV_32F, pixels) from each pixel to the nearest pixel outside the mask, the image
// edge counting as outside: a finger touching the edge is cut there just as at a mask border.
cv::Mat DistanceToMaskBorder(const cv::Mat& mask);

// A minutia candidate on the skeleton.
struct Candidate {
  int x = 0;
  int y = 0;
  MinutiaType type = MinutiaType::kEnding;
  double angle = 0;  // radians, ISO convention, counter-clockwise with y up
  int quality = 0;   // 0-100
  bool removed = false;
};

// Crossing-number detection (1 = ending, 3 = bifurcation) with directions traced along the
// skeleton; quality from local coherence and distance to the mask border.
std::vector<Candidate> DetectMinutiae(const cv::Mat& skeleton, const OrientationField& orientation,
                                      const cv::Mat& mask);

// Removes false minutiae: near the mask border, spurs, short ridges, bridges, broken-ridge pairs
// and clusters. Marks them removed (kept in the vector for the debug image). The length limits
// of the structural rules scale with the local ridge wavelength (`wavelength_blocks`, CV_32F,
// one value per kBlockSize block as from EstimateRidgeWavelength); an empty matrix means
// kDefaultWavelength everywhere.
void RemoveFalseMinutiae(std::vector<Candidate>& candidates, const cv::Mat& skeleton, const cv::Mat& mask,
                         const cv::Mat& wavelength_blocks);

// Print quality (print_quality.h): NFIQ 2-style features per 32 x 32 block at least 3/4 inside
// `mask`, from the orientation field (certainty, block direction) and the contrast-normalised
// image (ridge signature), plus the mask's area and the template's `minutiae`; the score by the
// formula in print_quality.cc. REQUIRES: as for EnhanceRidges (`normalized` and the field CV_32F,
// `mask` CV_8U, one size).
PrintQuality MeasurePrintQuality(const cv::Mat& normalized, const OrientationField& orientation, const cv::Mat& mask,
                                 const std::vector<Minutia>& minutiae);

// Debug ("transparency") images: writes <dir>/<name>.png; failures are returned, not thrown.
Status WriteDebugImage(const std::string& dir, const std::string& name, const cv::Mat& image);
cv::Mat DrawOrientation(const cv::Mat& gray, const OrientationField& orientation, const cv::Mat& mask);
cv::Mat DrawCandidates(const cv::Mat& gray, const std::vector<Candidate>& candidates);
// The template's orientation map: a green line per directed block, a grey dot where none.
cv::Mat DrawOrientationMap(const cv::Mat& gray, const RidgeOrientationMap& map);

}  // namespace abis::finger::extractor
