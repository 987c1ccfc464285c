#include "abis/core/evaluation_plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

namespace abis {
namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
constexpr std::size_t kColourCount = sizeof(kColours) / sizeof(kColours[0]);
constexpr double kFontSize = 12;  // tick labels, axis labels, legend
constexpr double kMaxTitleFont = 16;
constexpr double kMinTitleFont = 11;
constexpr std::size_t kMaxTitleLines = 4;
constexpr double kSide = 12;        // outer margin left and right of the title
constexpr double kFrameLeft = 84;   // room for "0.0001%" and the rotated axis label
constexpr double kFrameSize = 440;  // the square plot frame
constexpr double kBelowFrame = 58;  // tick labels and the x axis label
constexpr double kLegendGap = 24;
constexpr double kMinWidth = 600;

double TextWidth(std::string_view text, double font_size) {
  return static_cast<double>(text.size()) * font_size * kPlotCharacterWidthEm;
}

std::string Escape(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string Px(double value) { return fmt::format("{:.2f}", value); }

// The title shrunk from kMaxTitleFont to kMinTitleFont until it fits `width`; still too long, it
// is wrapped (after a space, '/', ',' or '_' when one is near, else anywhere) into at most
// kMaxTitleLines lines, the last cut with "...".
struct TitleLayout {
  double font_size = kMaxTitleFont;
  std::vector<std::string> lines;
  double Height() const { return static_cast<double>(lines.size()) * font_size * 1.25; }
};

TitleLayout FitTitle(const std::string& title, double width) {
  TitleLayout layout;
  for (layout.font_size = kMaxTitleFont; layout.font_size > kMinTitleFont; layout.font_size -= 1) {
    if (TextWidth(title, layout.font_size) <= width) break;
  }
  const auto max_chars = static_cast<std::size_t>(width / (layout.font_size * kPlotCharacterWidthEm));
  std::string rest = title;
  while (!rest.empty()) {
    if (rest.size() <= max_chars) {
      layout.lines.push_back(rest);
      break;
    }
    if (layout.lines.size() + 1 == kMaxTitleLines) {
      layout.lines.push_back(rest.substr(0, max_chars - 3) + "...");
      break;
    }
    std::size_t cut = max_chars;
    const std::size_t at = rest.find_last_of(" /,_", max_chars - 1);
    if (at != std::string::npos && at >= max_chars / 2) cut = at + 1;
    layout.lines.push_back(rest.substr(0, cut));
    rest = rest.substr(cut);
    if (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
  }
  if (layout.lines.empty()) layout.lines.emplace_back();
  return layout;
}

// The parts every plot shares: canvas, title, frame, axis labels, legend.
class SvgPlot {
 public:
  SvgPlot(const std::string& title, double legend_width) {
    width_ = std::max(kMinWidth, kFrameLeft + kFrameSize + kLegendGap + legend_width + kSide);
    title_ = FitTitle(title, width_ - 2 * kSide);
    top_ = 14 + title_.Height() + 12;
    height_ = top_ + kFrameSize + kBelowFrame;
  }

  double left() const { return kFrameLeft; }
  double right() const { return kFrameLeft + kFrameSize; }
  double top() const { return top_; }
  double bottom() const { return top_ + kFrameSize; }

  void XTick(double x, const std::string& label) {
    body_ << "<line class=\"grid\" x1=\"" << Px(x) << "\" y1=\"" << Px(top()) << "\" x2=\"" << Px(x) << "\" y2=\""
          << Px(bottom()) << "\" stroke=\"#ddd\"/>\n<text x=\"" << Px(x) << "\" y=\"" << Px(bottom() + 16)
          << "\" text-anchor=\"middle\">" << Escape(label) << "</text>\n";
  }
  void YTick(double y, const std::string& label) {
    body_ << "<line class=\"grid\" x1=\"" << Px(left()) << "\" y1=\"" << Px(y) << "\" x2=\"" << Px(right())
          << "\" y2=\"" << Px(y) << "\" stroke=\"#ddd\"/>\n<text x=\"" << Px(left() - 6) << "\" y=\"" << Px(y + 4)
          << "\" text-anchor=\"end\">" << Escape(label) << "</text>\n";
  }
  void AxisLabels(const std::string& x_label, const std::string& y_label) {
    body_ << "<text x=\"" << Px((left() + right()) / 2) << "\" y=\"" << Px(bottom() + 40)
          << "\" text-anchor=\"middle\">" << Escape(x_label) << "</text>\n"
          << "<text transform=\"translate(18," << Px((top() + bottom()) / 2)
          << ") rotate(-90)\" text-anchor=\"middle\">" << Escape(y_label) << "</text>\n";
  }
  // A legend entry right of the frame: a sample of the mark in `colour`, then the text.
  void LegendEntry(std::size_t index, const std::string& colour, const std::string& text, bool filled) {
    const double y = top() + 16 + 20 * static_cast<double>(index);
    const double x = right() + kLegendGap;
    if (filled) {
      body_ << "<rect class=\"legend\" x=\"" << Px(x) << "\" y=\"" << Px(y - 9)
            << "\" width=\"18\" height=\"10\" fill=\"" << colour << "\" fill-opacity=\"0.5\"/>\n";
    } else {
      body_ << "<line class=\"legend\" x1=\"" << Px(x) << "\" y1=\"" << Px(y - 4) << "\" x2=\"" << Px(x + 18)
            << "\" y2=\"" << Px(y - 4) << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n";
    }
    body_ << "<text x=\"" << Px(x + 24) << "\" y=\"" << Px(y) << "\" fill=\"" << colour << "\">" << Escape(text)
          << "</text>\n";
  }
  std::ostringstream& body() { return body_; }

  std::string Finish() const {
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << Px(width_) << "\" height=\"" << Px(height_)
        << "\" viewBox=\"0 0 " << Px(width_) << " " << Px(height_) << "\" font-family=\"sans-serif\" font-size=\""
        << kFontSize << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    for (std::size_t i = 0; i < title_.lines.size(); ++i) {
      svg << "<text class=\"title\" x=\"" << Px(width_ / 2) << "\" y=\""
          << Px(14 + title_.font_size * (1.25 * static_cast<double>(i) + 1)) << "\" font-size=\"" << title_.font_size
          << "\" text-anchor=\"middle\">" << Escape(title_.lines[i]) << "</text>\n";
    }
    svg << body_.str();
    svg << "<rect class=\"frame\" x=\"" << Px(left()) << "\" y=\"" << Px(top()) << "\" width=\"" << Px(kFrameSize)
        << "\" height=\"" << Px(kFrameSize) << "\" fill=\"none\" stroke=\"black\"/>\n</svg>\n";
    return svg.str();
  }

 private:
  double width_ = 0, height_ = 0, top_ = 0;
  TitleLayout title_;
  std::ostringstream body_;
};

double LegendWidth(const std::vector<std::string>& texts) {
  double widest = 0;
  for (const std::string& text : texts) widest = std::max(widest, TextWidth(text, kFontSize));
  return widest + 24;
}

std::string Percent(double rate) { return fmt::format("{:g}%", rate * 100); }

bool IsRate(double value) { return value >= 0 && value <= 1; }  // false for NaN

// A round step (1, 2 or 5 times a power of ten) near span / target_ticks.
double NiceStep(double span, double target_ticks) {
  const double raw = span / target_ticks;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double factor : {1.0, 2.0, 5.0}) {
    if (raw <= factor * decade * 1.0000001) return factor * decade;
  }
  return 10 * decade;
}

}  // namespace

double NormalDeviate(double p) {
  // Acklam's rational approximation (relative error < 1.2e-9), then one Halley step on erfc.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  if (p == 0.5) return 0;
  if (p > 0.5) return -NormalDeviate(1 - p);  // exact symmetry
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

ProbitAxis::ProbitAxis(double min_rate, double max_rate, double from, double to)
    : min_rate_(min_rate),
      max_rate_(max_rate),
      from_(from),
      to_(to),
      low_(NormalDeviate(min_rate)),
      high_(NormalDeviate(max_rate)) {}

double ProbitAxis::Pixel(double rate) const {
  const double clamped = std::clamp(rate, min_rate_, max_rate_);  // NaN never reaches here: validated
  const double fraction = (NormalDeviate(clamped) - low_) / (high_ - low_);
  return from_ + std::clamp(fraction, 0.0, 1.0) * (to_ - from_);
}

std::vector<ScoreOperatingPoint> OperatingPointsOfScores(const std::vector<double>& genuine_in,
                                                         const std::vector<double>& impostor_in) {
  std::vector<double> genuine = genuine_in;
  std::vector<double> impostor = impostor_in;
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  std::vector<double> thresholds = genuine;
  thresholds.insert(thresholds.end(), impostor.begin(), impostor.end());
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  thresholds.push_back(thresholds.empty() ? 1.0 : thresholds.back() + 1.0);  // above every score
  std::vector<ScoreOperatingPoint> points;
  points.reserve(thresholds.size());
  const auto genuine_count = static_cast<double>(genuine.size());
  const auto impostor_count = static_cast<double>(impostor.size());
  for (const double t : thresholds) {
    const auto rejected = std::lower_bound(genuine.begin(), genuine.end(), t) - genuine.begin();
    const auto accepted = impostor.end() - std::lower_bound(impostor.begin(), impostor.end(), t);
    points.push_back(
        {t, static_cast<double>(accepted) / impostor_count, static_cast<double>(rejected) / genuine_count});
  }
  return points;
}

Result<std::vector<DetPoint>> DetPointsFromScores(const std::vector<double>& genuine_in,
                                                  const std::vector<double>& impostor_in, std::string_view what) {
  if (genuine_in.empty() || impostor_in.empty()) {
    return Status::InvalidArgument(fmt::format("{}: DET needs genuine and impostor scores (have {} and {})", what,
                                               genuine_in.size(), impostor_in.size()));
  }
  for (const auto* set : {&genuine_in, &impostor_in}) {
    const auto nan = std::find_if(set->begin(), set->end(), [](double v) { return std::isnan(v); });
    if (nan != set->end()) {
      return Status::InvalidArgument(
          fmt::format("{}: {} score {} is NaN", what, set == &genuine_in ? "genuine" : "impostor", nan - set->begin()));
    }
  }
  std::vector<DetPoint> points;
  for (const ScoreOperatingPoint& point : OperatingPointsOfScores(genuine_in, impostor_in)) {
    points.push_back({point.fmr, point.fnmr});
  }
  return points;
}

Result<std::string> RenderDetSvg(const std::vector<DetCurve>& curves, const std::string& title,
                                 const DetPlotOptions& options) {
  if (curves.empty()) return Status::InvalidArgument("DET plot: no curves");
  double smallest_positive = 1;
  for (const DetCurve& curve : curves) {
    if (curve.points.empty()) return Status::InvalidArgument("DET plot: curve '" + curve.name + "' has no points");
    for (std::size_t i = 0; i < curve.points.size(); ++i) {
      const DetPoint& point = curve.points[i];
      if (!IsRate(point.fmr) || !IsRate(point.fnmr)) {
        return Status::InvalidArgument(
            fmt::format("DET plot: curve '{}' point {}: (FMR {}, FNMR {}) is not a pair "
                        "of rates in [0, 1]",
                        curve.name, i, point.fmr, point.fnmr));
      }
      for (const double rate : {point.fmr, point.fnmr}) {
        if (rate > 0) smallest_positive = std::min(smallest_positive, rate);
      }
    }
    if (std::isnan(curve.eer) || curve.eer > 1) {
      return Status::InvalidArgument(fmt::format("DET plot: curve '{}': EER {} is not a rate", curve.name, curve.eer));
    }
  }
  double min_rate = options.min_rate;
  if (min_rate == 0) {
    const double decade = std::floor(std::log10(smallest_positive) + 1e-9);
    min_rate = std::pow(10.0, std::clamp(decade, -6.0, -2.0));
  }
  if (!(min_rate > 0 && min_rate < options.max_rate && options.max_rate < 1)) {
    return Status::InvalidArgument(
        fmt::format("DET plot: axis range {} .. {} is not within (0, 1)", min_rate, options.max_rate));
  }

  std::vector<std::string> legend;
  std::vector<double> eers;
  for (const DetCurve& curve : curves) {
    double eer = curve.eer;
    if (eer < 0) {
      const auto nearest = std::min_element(
          curve.points.begin(), curve.points.end(),
          [](const DetPoint& a, const DetPoint& b) { return std::abs(a.fmr - a.fnmr) < std::abs(b.fmr - b.fnmr); });
      eer = (nearest->fmr + nearest->fnmr) / 2;
    }
    eers.push_back(eer);
    legend.push_back(fmt::format("{} (EER {:.3g}%)", curve.name, eer * 100));
  }
  SvgPlot plot(title, LegendWidth(legend));
  const ProbitAxis x_axis(min_rate, options.max_rate, plot.left(), plot.right());
  const ProbitAxis y_axis(min_rate, options.max_rate, plot.bottom(), plot.top());

  // Ticks at each decade and 50% first, then at 2 and 5 per decade and NIST's upper percentages
  // where their labels do not touch a tick already placed.
  std::vector<double> ticks;
  for (int exponent = -6; exponent <= -1; ++exponent) ticks.push_back(std::pow(10.0, exponent));
  ticks.push_back(0.5);
  for (int exponent = -6; exponent <= -2; ++exponent) {
    for (const double factor : {2.0, 5.0}) ticks.push_back(factor * std::pow(10.0, exponent));
  }
  for (const double rate : {0.2, 0.4, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99, 0.7, 0.98}) ticks.push_back(rate);
  std::vector<double> x_ticks, y_ticks;
  for (const double rate : ticks) {
    if (rate < min_rate * (1 - 1e-9) || rate > options.max_rate * (1 + 1e-9)) continue;
    const double x = x_axis.Pixel(rate);
    const double y = y_axis.Pixel(rate);
    const double label_width = TextWidth(Percent(rate), kFontSize);
    const bool x_free = std::all_of(x_ticks.begin(), x_ticks.end(), [&](double placed) {
      return std::abs(x_axis.Pixel(placed) - x) >= (label_width + TextWidth(Percent(placed), kFontSize)) / 2 + 6;
    });
    const bool y_free = std::all_of(y_ticks.begin(), y_ticks.end(),
                                    [&](double placed) { return std::abs(y_axis.Pixel(placed) - y) >= kFontSize + 4; });
    if (x_free) x_ticks.push_back(rate);
    if (y_free) y_ticks.push_back(rate);
  }
  std::sort(x_ticks.begin(), x_ticks.end());
  std::sort(y_ticks.begin(), y_ticks.end());
  for (const double rate : x_ticks) plot.XTick(x_axis.Pixel(rate), Percent(rate));
  for (const double rate : y_ticks) plot.YTick(y_axis.Pixel(rate), Percent(rate));
  plot.AxisLabels("False match rate (FMR)", "False non-match rate (FNMR)");
  plot.body() << "<line class=\"diagonal\" x1=\"" << Px(plot.left()) << "\" y1=\"" << Px(plot.bottom()) << "\" x2=\""
              << Px(plot.right()) << "\" y2=\"" << Px(plot.top()) << "\" stroke=\"#aaa\" stroke-dasharray=\"4 4\"/>\n";

  for (std::size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kColours[c % kColourCount];
    std::vector<DetPoint> points = curves[c].points;
    std::sort(points.begin(), points.end(),
              [](const DetPoint& a, const DetPoint& b) { return a.fmr != b.fmr ? a.fmr > b.fmr : a.fnmr < b.fnmr; });
    // Points closer than half a pixel to the last one kept add nothing visible (a DET from 10^5
    // impostor scores has as many points); the last point is always kept.
    std::vector<std::pair<double, double>> pixels;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const std::pair<double, double> pixel{x_axis.Pixel(points[i].fmr), y_axis.Pixel(points[i].fnmr)};
      if (pixels.empty() || i + 1 == points.size() || std::abs(pixels.back().first - pixel.first) >= 0.5 ||
          std::abs(pixels.back().second - pixel.second) >= 0.5) {
        pixels.push_back(pixel);
      }
    }
    if (pixels.size() == 1) pixels.push_back(pixels.front());
    plot.body() << "<polyline class=\"curve\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      plot.body() << (i ? " " : "") << Px(pixels[i].first) << "," << Px(pixels[i].second);
    }
    plot.body() << "\"/>\n<circle class=\"eer\" cx=\"" << Px(x_axis.Pixel(eers[c])) << "\" cy=\""
                << Px(y_axis.Pixel(eers[c])) << "\" r=\"4\" fill=\"white\" stroke=\"" << colour
                << "\" stroke-width=\"2\"/>\n";
    plot.LegendEntry(c, colour, legend[c], false);
  }
  return plot.Finish();
}

Result<std::vector<double>> CmcFromMateRanks(const std::vector<std::size_t>& mate_ranks, std::size_t max_rank) {
  if (mate_ranks.empty()) return Status::InvalidArgument("CMC: no searches");
  if (max_rank == 0) return Status::InvalidArgument("CMC: the maximum rank must be at least 1");
  std::vector<double> found_at(max_rank, 0);
  for (const std::size_t rank : mate_ranks) {
    if (rank >= 1 && rank <= max_rank) found_at[rank - 1] += 1;
  }
  double cumulative = 0;
  for (double& rate : found_at) {
    cumulative += rate;
    rate = cumulative / static_cast<double>(mate_ranks.size());
  }
  return found_at;
}

Result<std::string> RenderCmcSvg(const std::vector<CmcCurve>& curves, const std::string& title) {
  if (curves.empty()) return Status::InvalidArgument("CMC plot: no curves");
  std::size_t max_rank = 1;
  std::vector<std::string> legend;
  for (const CmcCurve& curve : curves) {
    const std::vector<double>& rates = curve.identification_rates;
    if (rates.empty()) return Status::InvalidArgument("CMC plot: curve '" + curve.name + "' has no ranks");
    for (std::size_t k = 0; k < rates.size(); ++k) {
      if (!IsRate(rates[k])) {
        return Status::InvalidArgument(
            fmt::format("CMC plot: curve '{}' rank {}: {} is not a rate in [0, 1]", curve.name, k + 1, rates[k]));
      }
      if (k > 0 && rates[k] < rates[k - 1] - 1e-12) {
        return Status::InvalidArgument(fmt::format("CMC plot: curve '{}' falls from {} at rank {} to {} at rank {}",
                                                   curve.name, rates[k - 1], k, rates[k], k + 1));
      }
    }
    max_rank = std::max(max_rank, rates.size());
    legend.push_back(fmt::format("{} (rank 1: {:.3g}%)", curve.name, rates.front() * 100));
  }
  SvgPlot plot(title, LegendWidth(legend));
  const bool logarithmic = max_rank > 20;
  const auto x_of = [&](double rank) {
    const double fraction = max_rank == 1 ? 0.5
                            : logarithmic ? std::log(rank) / std::log(static_cast<double>(max_rank))
                                          : (rank - 1) / static_cast<double>(max_rank - 1);
    return plot.left() + fraction * (plot.right() - plot.left());
  };
  const auto y_of = [&](double rate) { return plot.bottom() - rate * (plot.bottom() - plot.top()); };
  std::vector<std::size_t> ticks;
  if (logarithmic) {
    for (std::size_t decade = 1; decade <= max_rank; decade *= 10) {
      for (const std::size_t factor : {1, 2, 5}) {
        if (factor * decade <= max_rank) ticks.push_back(factor * decade);
      }
    }
  } else {
    const auto step = static_cast<std::size_t>(std::max(1.0, NiceStep(static_cast<double>(max_rank), 10)));
    ticks.push_back(1);
    for (std::size_t rank = step; rank <= max_rank; rank += step) {
      if (rank > 1) ticks.push_back(rank);
    }
  }
  for (const std::size_t rank : ticks) plot.XTick(x_of(static_cast<double>(rank)), std::to_string(rank));
  for (int percent = 0; percent <= 100; percent += 10) plot.YTick(y_of(percent / 100.0), std::to_string(percent) + "%");
  plot.AxisLabels(logarithmic ? "Rank (logarithmic)" : "Rank", "Identification rate");
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kColours[c % kColourCount];
    const std::vector<double>& rates = curves[c].identification_rates;
    plot.body() << "<polyline class=\"curve\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (std::size_t k = 0; k < rates.size(); ++k) {
      plot.body() << (k ? " " : "") << Px(x_of(static_cast<double>(k + 1))) << "," << Px(y_of(rates[k]));
    }
    if (rates.size() == 1) plot.body() << " " << Px(x_of(1)) << "," << Px(y_of(rates[0]));
    plot.body() << "\"/>\n";
    if (rates.size() <= 20) {
      for (std::size_t k = 0; k < rates.size(); ++k) {
        plot.body() << "<circle class=\"point\" cx=\"" << Px(x_of(static_cast<double>(k + 1))) << "\" cy=\""
                    << Px(y_of(rates[k])) << "\" r=\"3\" fill=\"" << colour << "\"/>\n";
      }
    }
    plot.LegendEntry(c, colour, legend[c], false);
  }
  return plot.Finish();
}

Result<std::string> RenderErrorRejectSvg(const std::vector<ErcCurve>& curves, const std::string& title) {
  if (curves.empty()) return Status::InvalidArgument("ERC plot: no curves");
  double max_rejected = 0, max_fnmr = 0;
  std::vector<std::string> legend;
  for (const ErcCurve& curve : curves) {
    if (curve.points.empty()) return Status::InvalidArgument("ERC plot: curve '" + curve.name + "' has no points");
    for (const ErcPoint& point : curve.points) {
      if (!IsRate(point.rejected) || !IsRate(point.fnmr)) {
        return Status::InvalidArgument(fmt::format("ERC plot: curve '{}' has a point ({}, {}) outside [0, 1]",
                                                   curve.name, point.rejected, point.fnmr));
      }
      max_rejected = std::max(max_rejected, point.rejected);
      max_fnmr = std::max(max_fnmr, point.fnmr);
    }
    legend.push_back(curve.name);
  }
  const double x_step = NiceStep(std::max(max_rejected, 0.01), 5);
  const double y_step = NiceStep(std::max(max_fnmr, 0.001), 5);
  const double x_end = x_step * std::ceil(std::max(max_rejected, 0.01) / x_step - 1e-9);
  const double y_end = y_step * std::ceil(std::max(max_fnmr, 0.001) / y_step - 1e-9);
  SvgPlot plot(title, LegendWidth(legend));
  const auto x_of = [&](double rejected) { return plot.left() + rejected / x_end * (plot.right() - plot.left()); };
  const auto y_of = [&](double fnmr) { return plot.bottom() - fnmr / y_end * (plot.bottom() - plot.top()); };
  for (double x = 0; x <= x_end * 1.0000001; x += x_step) plot.XTick(x_of(x), Percent(x));
  for (double y = 0; y <= y_end * 1.0000001; y += y_step) plot.YTick(y_of(y), Percent(y));
  plot.AxisLabels("Fraction of genuine comparisons rejected (lowest quality first)", "FNMR at the fixed threshold");
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kColours[c % kColourCount];
    plot.body() << "<polyline class=\"curve\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\""
                << (curves[c].dashed ? " stroke-dasharray=\"6,4\"" : "") << " points=\"";
    const std::vector<ErcPoint>& points = curves[c].points;
    for (std::size_t k = 0; k < points.size(); ++k) {
      plot.body() << (k ? " " : "") << Px(x_of(points[k].rejected)) << "," << Px(y_of(points[k].fnmr));
    }
    if (points.size() == 1) plot.body() << " " << Px(x_of(points[0].rejected)) << "," << Px(y_of(points[0].fnmr));
    plot.body() << "\"/>\n";
    plot.LegendEntry(c, colour, legend[c], false);
  }
  return plot.Finish();
}

Result<std::string> RenderScoreHistogramSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                            const std::string& title, const HistogramOptions& options) {
  if (genuine.empty() && impostor.empty()) return Status::InvalidArgument("score histogram: no scores");
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (const auto* set : {&genuine, &impostor}) {
    for (std::size_t i = 0; i < set->size(); ++i) {
      const double score = (*set)[i];
      if (!std::isfinite(score)) {
        return Status::InvalidArgument(fmt::format("score histogram: {} score {} is {}",
                                                   set == &genuine ? options.genuine_label : options.impostor_label, i,
                                                   score));
      }
      low = std::min(low, score);
      high = std::max(high, score);
    }
  }
  if (high - low < 1e-12 * std::max(1.0, std::abs(high))) {
    low -= 0.5;
    high += 0.5;
  }
  const std::size_t total = genuine.size() + impostor.size();
  const std::size_t bins =
      options.bins ? options.bins
                   : std::clamp<std::size_t>(static_cast<std::size_t>(std::sqrt(static_cast<double>(total))), 10, 60);
  const double bin_width = (high - low) / static_cast<double>(bins);
  const auto fractions = [&](const std::vector<double>& scores) {
    std::vector<double> counts(bins, 0);
    for (const double score : scores) {
      const auto bin = std::min(bins - 1, static_cast<std::size_t>(std::max(0.0, (score - low) / bin_width)));
      counts[bin] += 1;
    }
    for (double& count : counts) count /= static_cast<double>(std::max<std::size_t>(1, scores.size()));
    return counts;
  };
  const std::vector<double> genuine_fractions = fractions(genuine);
  const std::vector<double> impostor_fractions = fractions(impostor);
  double tallest = 0;
  for (const auto* set : {&genuine_fractions, &impostor_fractions}) {
    tallest = std::max(tallest, *std::max_element(set->begin(), set->end()));
  }
  const double y_step = NiceStep(tallest, 5);
  const double y_top = std::ceil(tallest / y_step - 1e-9) * y_step;

  const std::vector<std::string> legend = {fmt::format("{} (n = {})", options.genuine_label, genuine.size()),
                                           fmt::format("{} (n = {})", options.impostor_label, impostor.size())};
  SvgPlot plot(title, LegendWidth(legend));
  const auto x_of = [&](double score) {
    return plot.left() + (score - low) / (high - low) * (plot.right() - plot.left());
  };
  const auto y_of = [&](double fraction) { return plot.bottom() - fraction / y_top * (plot.bottom() - plot.top()); };
  const double x_step = NiceStep(high - low, 8);
  for (double tick = std::ceil(low / x_step) * x_step; tick <= high + x_step * 1e-9; tick += x_step) {
    plot.XTick(x_of(tick), fmt::format("{:g}", std::abs(tick) < x_step * 1e-9 ? 0.0 : tick));
  }
  for (double tick = 0; tick <= y_top + y_step * 1e-9; tick += y_step) {
    plot.YTick(y_of(tick), fmt::format("{:g}%", tick * 100));
  }
  plot.AxisLabels(options.score_label, "Fraction of comparisons per bin");
  const std::string colours[] = {"#2ca02c", "#d62728"};
  const std::vector<double>* sets[] = {&genuine_fractions, &impostor_fractions};
  for (std::size_t s = 0; s < 2; ++s) {
    for (std::size_t bin = 0; bin < bins; ++bin) {
      const double fraction = (*sets[s])[bin];
      if (fraction <= 0) continue;
      const double x = x_of(low + static_cast<double>(bin) * bin_width);
      const double y = y_of(fraction);
      plot.body() << "<rect class=\"bar\" x=\"" << Px(x) << "\" y=\"" << Px(y) << "\" width=\""
                  << Px(std::min(plot.right() - x, (plot.right() - plot.left()) / static_cast<double>(bins)))
                  << "\" height=\"" << Px(plot.bottom() - y) << "\" fill=\"" << colours[s]
                  << "\" fill-opacity=\"0.5\"/>\n";
    }
    plot.LegendEntry(s, colours[s], legend[s], true);
  }
  return plot.Finish();
}

}  // namespace abis
