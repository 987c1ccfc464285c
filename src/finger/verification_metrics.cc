#include "abis/finger/verification_metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace abis::finger {
namespace {

struct OperatingPoint {
  double threshold = 0;
  double fmr = 0;
  double fnmr = 0;
};

// One operating point per distinct score (accept >= threshold), plus one above every score.
std::vector<OperatingPoint> OperatingPoints(const ScoreSets& scores) {
  std::vector<double> genuine = scores.genuine;
  std::vector<double> impostor = scores.impostor;
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  std::vector<double> thresholds = genuine;
  thresholds.insert(thresholds.end(), impostor.begin(), impostor.end());
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  thresholds.push_back(thresholds.empty() ? 1.0 : thresholds.back() + 1.0);
  std::vector<OperatingPoint> points;
  points.reserve(thresholds.size());
  for (const double t : thresholds) {
    const auto rejected_genuine = std::lower_bound(genuine.begin(), genuine.end(), t) - genuine.begin();
    const auto accepted_impostor = impostor.end() - std::lower_bound(impostor.begin(), impostor.end(), t);
    points.push_back({t, static_cast<double>(accepted_impostor) / impostor.size(),
                      static_cast<double>(rejected_genuine) / genuine.size()});
  }
  return points;  // FMR falls and FNMR rises with the threshold
}

}  // namespace

double FnmrAtFmr(const ScoreSets& scores, double max_fmr) {
  if (scores.genuine.empty() || scores.impostor.empty()) return 1.0;
  for (const OperatingPoint& point : OperatingPoints(scores)) {
    if (point.fmr <= max_fmr) return point.fnmr;
  }
  return 1.0;
}

ErrorRates ComputeErrorRates(const ScoreSets& scores) {
  ErrorRates rates{1, 1, 1, 1, 0};
  if (scores.genuine.empty() || scores.impostor.empty()) return rates;
  const std::vector<OperatingPoint> points = OperatingPoints(scores);
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].fnmr >= points[i].fmr) {
      const OperatingPoint& high = points[i];
      if (i == 0) {
        rates.eer = (high.fmr + high.fnmr) / 2;
        rates.eer_threshold = high.threshold;
      } else {
        const OperatingPoint& low = points[i - 1];
        const bool low_closer = low.fmr + low.fnmr <= high.fmr + high.fnmr;
        rates.eer = low_closer ? (low.fmr + low.fnmr) / 2 : (high.fmr + high.fnmr) / 2;
        rates.eer_threshold = low_closer ? low.threshold : high.threshold;
      }
      break;
    }
  }
  rates.fmr100 = FnmrAtFmr(scores, 0.01);
  rates.fmr1000 = FnmrAtFmr(scores, 0.001);
  rates.zero_fmr = FnmrAtFmr(scores, 0.0);
  return rates;
}

std::string RenderDetPlotSvg(const std::vector<std::pair<std::string, ScoreSets>>& curves, const std::string& title) {
  constexpr double kWidth = 640, kHeight = 520, kLeft = 70, kTop = 40, kPlot = 420;
  constexpr double kMinRate = 1e-4;  // both axes span 1e-4 .. 1
  const auto axis = [&](double rate) { return std::log10(std::max(rate, kMinRate)) / -std::log10(kMinRate); };
  const auto px = [&](double fmr) { return kLeft + (1 - axis(fmr)) * kPlot; };
  const auto py = [&](double fnmr) { return kTop + axis(fnmr) * kPlot; };
  static const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::string escaped_title;
  for (const char c : title) escaped_title += c == '<' ? "&lt;" : c == '&' ? "&amp;" : std::string(1, c);
  svg << "<text x=\"" << kLeft << "\" y=\"24\" font-size=\"14\">" << escaped_title << "</text>\n";
  for (int decade = 0; decade <= 4; ++decade) {
    const double rate = std::pow(10.0, -decade);
    svg << "<line x1=\"" << px(rate) << "\" y1=\"" << kTop << "\" x2=\"" << px(rate) << "\" y2=\"" << kTop + kPlot
        << "\" stroke=\"#ddd\"/>\n<line x1=\"" << kLeft << "\" y1=\"" << py(rate) << "\" x2=\"" << kLeft + kPlot
        << "\" y2=\"" << py(rate) << "\" stroke=\"#ddd\"/>\n";
    svg << "<text x=\"" << px(rate) - 12 << "\" y=\"" << kTop + kPlot + 16 << "\">1e-" << decade << "</text>\n";
    svg << "<text x=\"" << kLeft - 40 << "\" y=\"" << py(rate) + 4 << "\">1e-" << decade << "</text>\n";
  }
  svg << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kPlot << "\" height=\"" << kPlot
      << "\" fill=\"none\" stroke=\"black\"/>\n";
  svg << "<text x=\"" << kLeft + kPlot / 2 - 60 << "\" y=\"" << kTop + kPlot + 36
      << "\">False match rate (FMR)</text>\n";
  svg << "<text transform=\"translate(20," << kTop + kPlot / 2 + 70
      << ") rotate(-90)\">False non-match rate (FNMR)</text>\n";
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const char* colour = kColours[c % 6];
    svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (const OperatingPoint& point : OperatingPoints(curves[c].second)) {
      svg << px(point.fmr) << "," << py(point.fnmr) << " ";
    }
    svg << "\"/>\n";
    const ErrorRates rates = ComputeErrorRates(curves[c].second);
    std::string label;
    for (const char ch : curves[c].first) label += ch == '<' ? "&lt;" : ch == '&' ? "&amp;" : std::string(1, ch);
    svg << "<text x=\"" << kLeft + kPlot + 10 << "\" y=\"" << kTop + 20 + 18 * c << "\" fill=\"" << colour << "\">"
        << label << " EER " << rates.eer * 100 << "%</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace abis::finger
