// Accuracy plots of biometric evaluations as self-contained SVG documents (no scripts, fonts or
// other external resources): DET curves on the normal-deviate axes of NIST's DET plots (Martin et
// al. 1997), CMC curves of 1:N identification, and genuine/impostor score histograms. Every mark
// of a curve, point or bar is kept inside the plot frame: rates beyond the axis range are drawn on
// the frame edge. Titles are shrunk, then wrapped, to fit the picture's width.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

// One operating point of a verification system: false match and false non-match rates in [0, 1].
struct DetPoint {
  double fmr = 0;
  double fnmr = 0;
};

struct DetCurve {
  std::string name;              // shown in the legend
  std::vector<DetPoint> points;  // any order; drawn from high FMR to low FMR
  double eer = -1;               // marked at (eer, eer); < 0: the point nearest FMR = FNMR, averaged
};

struct DetPlotOptions {
  // Axis range of both rates. min_rate 0: the decade at or below the smallest positive rate of
  // the curves, within [1e-6, 1e-2]. REQUIRES 0 < min_rate < max_rate < 1 when given.
  double min_rate = 0;
  double max_rate = 0.5;
};

struct CmcCurve {
  std::string name;
  // identification_rates[k]: fraction of searches whose mate is at rank k + 1 or better; each in
  // [0, 1] and non-decreasing.
  std::vector<double> identification_rates;
};

struct HistogramOptions {
  std::string score_label = "score";  // the x axis
  std::string genuine_label = "genuine";
  std::string impostor_label = "impostor";
  std::size_t bins = 0;  // 0: from the number of scores (square-root rule, 10..60)
};

// One point of an error-versus-reject characteristic (ERC; Grother & Tabassi, "Performance of
// biometric quality measures", IEEE PAMI 29(4), 2007): the FNMR at a fixed score threshold after
// the lowest-quality `rejected` fraction of the genuine comparisons was set aside. Both in [0, 1].
struct ErcPoint {
  double rejected = 0;
  double fnmr = 0;
};

struct ErcCurve {
  std::string name;              // shown in the legend
  std::vector<ErcPoint> points;  // drawn in order of `rejected`
  bool dashed = false;           // e.g. the ideal curve of a perfect quality measure
};

// Character width, in ems, that the layout assumes for text (generous for sans-serif fonts, so
// that text estimated to fit does fit).
inline constexpr double kPlotCharacterWidthEm = 0.6;

// The standard normal deviate (probit) of `probability`: Phi^-1(p), so NormalDeviate(0.5) == 0
// and NormalDeviate(1 - p) == -NormalDeviate(p). REQUIRES 0 < probability < 1.
double NormalDeviate(double probability);

// A rate axis on the normal-deviate scale: min_rate maps to `from`, max_rate to `to` (pixels, in
// either direction); rates outside [min_rate, max_rate] (0 and 1 included) map to the nearer end.
class ProbitAxis {
 public:
  // REQUIRES 0 < min_rate < max_rate < 1.
  ProbitAxis(double min_rate, double max_rate, double from, double to);
  double Pixel(double rate) const;

 private:
  double min_rate_, max_rate_, from_, to_, low_, high_;
};

// An operating point of a score threshold (accept when score >= threshold).
struct ScoreOperatingPoint {
  double threshold = 0;
  double fmr = 0;
  double fnmr = 0;
};

// The operating points of genuine/impostor scores (higher means more similar): one per distinct
// score, then one above every score (FMR 0, FNMR 1), in order of rising threshold, so FMR falls
// and FNMR rises. REQUIRES both sets non-empty; no other check (see DetPointsFromScores).
std::vector<ScoreOperatingPoint> OperatingPointsOfScores(const std::vector<double>& genuine,
                                                         const std::vector<double>& impostor);

// The DET points of OperatingPointsOfScores, after checking the input: InvalidArgument when a set
// is empty or holds NaN (`what` names the set).
Result<std::vector<DetPoint>> DetPointsFromScores(const std::vector<double>& genuine,
                                                  const std::vector<double>& impostor, std::string_view what);

// DET plot: FMR (x) against FNMR (y), both on normal-deviate axes with percent labels, one
// coloured curve per entry with its EER marked and named in the legend. InvalidArgument for no
// curves, a curve without points, or a rate that is NaN or outside [0, 1].
Result<std::string> RenderDetSvg(const std::vector<DetCurve>& curves, const std::string& title,
                                 const DetPlotOptions& options = {});

// The CMC of searches whose mate was found at `mate_ranks[i]` (1 = first; 0 = not returned), up to
// `max_rank`. InvalidArgument for no searches or max_rank 0.
Result<std::vector<double>> CmcFromMateRanks(const std::vector<std::size_t>& mate_ranks, std::size_t max_rank);

// CMC plot: identification rate (y, 0..100%) against rank (x, from 1; logarithmic beyond rank 20).
// InvalidArgument for no curves, an empty curve, or rates outside [0, 1], NaN or decreasing.
Result<std::string> RenderCmcSvg(const std::vector<CmcCurve>& curves, const std::string& title);

// ERC plot: FNMR (y, percent, from 0) against the fraction rejected (x, percent, from 0), both
// linear, one curve per entry (solid or dashed) named in the legend. InvalidArgument for no curves,
// a curve without points, or a value that is NaN or outside [0, 1].
Result<std::string> RenderErrorRejectSvg(const std::vector<ErcCurve>& curves, const std::string& title);

// Histograms of genuine and impostor scores on shared bins, each normalised to its own count (the
// y axis is the fraction of its class per bin). InvalidArgument when both sets are empty or a score
// is not finite.
Result<std::string> RenderScoreHistogramSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                            const std::string& title, const HistogramOptions& options = {});

}  // namespace abis
