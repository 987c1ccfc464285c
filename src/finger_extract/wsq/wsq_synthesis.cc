#include "wsq/wsq_synthesis.h"

#include <algorithm>

namespace abis::finger::wsq {
namespace {

// Whole-sample symmetric extension: index i of a signal of `length` samples mirrored about the
// first and the last sample (period 2*(length-1)).
int Mirror(int index, int length) {
  if (length == 1) return 0;
  int period = 2 * (length - 1);
  index %= period;
  if (index < 0) index += period;
  return index >= length ? period - index : index;
}

// Synthesis filters from analysis filters of a perfect-reconstruction pair: the synthesis
// lowpass is the analysis highpass modulated by (-1)^k, the synthesis highpass the analysis
// lowpass modulated by (-1)^k. Stored as full impulse responses centred at `radius`.
struct SynthesisFilters {
  std::vector<float> lowpass;   // 2*low_radius+1 taps
  std::vector<float> highpass;  // 2*high_radius+1 taps
  int low_radius = 0;
  int high_radius = 0;
};

SynthesisFilters MakeSynthesisFilters(const FilterBank& bank) {
  SynthesisFilters filters;
  filters.low_radius = static_cast<int>(bank.highpass_half.size()) - 1;
  filters.high_radius = static_cast<int>(bank.lowpass_half.size()) - 1;
  filters.lowpass.resize(2 * filters.low_radius + 1);
  filters.highpass.resize(2 * filters.high_radius + 1);
  for (int k = -filters.low_radius; k <= filters.low_radius; ++k) {
    float tap = bank.highpass_half[std::abs(k)];
    filters.lowpass[k + filters.low_radius] = (k % 2 == 0) ? tap : -tap;
  }
  for (int k = -filters.high_radius; k <= filters.high_radius; ++k) {
    float tap = bank.lowpass_half[std::abs(k)];
    filters.highpass[k + filters.high_radius] = (k % 2 == 0) ? tap : -tap;
  }
  return filters;
}

// Reconstructs `length` samples at data[0], data[stride], ... in place. The low-pass
// coefficients belong to the even samples (ceil(length/2) of them), the high-pass to the odd
// ones; they are stored low then high, or high then low when `inverted`.
void Synthesize1D(float* data, int length, int stride, bool inverted, const SynthesisFilters& filters,
                  std::vector<float>& low, std::vector<float>& high, std::vector<float>& out) {
  int low_count = (length + 1) / 2;
  int high_count = length / 2;
  low.resize(low_count);
  high.resize(high_count);
  out.resize(length);
  const float* first = data;
  const float* second = data + static_cast<std::ptrdiff_t>(inverted ? high_count : low_count) * stride;
  const float* low_source = inverted ? second : first;
  const float* high_source = inverted ? first : second;
  for (int i = 0; i < low_count; ++i) low[i] = low_source[static_cast<std::ptrdiff_t>(i) * stride];
  for (int i = 0; i < high_count; ++i) high[i] = high_source[static_cast<std::ptrdiff_t>(i) * stride];

  // Single-precision sums over the taps from the positive side to the negative side, low-pass
  // then high-pass: this order reproduces the NIST reference decoder bit for bit (measured on
  // the shared reference decodes; other orders differ by 1 grey level on ~1e-5 of the pixels).
  for (int n = 0; n < length; ++n) {
    float sum = 0.0f;
    for (int k = filters.low_radius; k >= -filters.low_radius; --k) {
      int m = n - k;
      if ((m & 1) != 0) continue;
      sum += filters.lowpass[k + filters.low_radius] * low[Mirror(m, length) / 2];
    }
    if (high_count > 0) {
      for (int k = filters.high_radius; k >= -filters.high_radius; --k) {
        int m = n - k;
        if ((m & 1) == 0) continue;
        sum += filters.highpass[k + filters.high_radius] * high[Mirror(m, length) / 2];
      }
    }
    out[n] = sum;
  }
  for (int n = 0; n < length; ++n) data[static_cast<std::ptrdiff_t>(n) * stride] = out[n];
}

}  // namespace

void Synthesize(const SubbandLayout& layout, const FilterBank& bank, int width, std::vector<float>& image) {
  SynthesisFilters filters = MakeSynthesisFilters(bank);
  std::vector<float> low, high, out;
  for (const SplitStep& split : layout.splits) {
    const Region& r = split.region;
    if (r.width <= 0 || r.height <= 0) continue;
    float* origin = image.data() + static_cast<std::ptrdiff_t>(r.y) * width + r.x;
    // The encoder split rows (x) first, then columns (y); undo columns first.
    if (r.height > 1) {
      for (int x = 0; x < r.width; ++x) {
        Synthesize1D(origin + x, r.height, width, split.inverted_y, filters, low, high, out);
      }
    }
    if (r.width > 1) {
      for (int y = 0; y < r.height; ++y) {
        Synthesize1D(origin + static_cast<std::ptrdiff_t>(y) * width, r.width, 1, split.inverted_x, filters, low,
                     high, out);
      }
    }
  }
}

}  // namespace abis::finger::wsq
