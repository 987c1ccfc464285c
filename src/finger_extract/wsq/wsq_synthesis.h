// WSQ wavelet synthesis: undoes the 2-D analysis steps with the symmetric (odd-length,
// whole-sample symmetric) filter bank given in the file's transform table, using symmetric
// extension at the borders (IAFIS-IC-0110 Part 1).
#pragma once

#include <vector>

#include "wsq/wsq_subbands.h"

namespace abis::finger::wsq {

// Analysis filters as the transform table gives them: the centre tap first, then one side of
// the symmetric impulse response (lowpass: 5 values for 9 taps, highpass: 4 values for 7 taps).
struct FilterBank {
  std::vector<float> lowpass_half;
  std::vector<float> highpass_half;
};

// Replaces, in `image` (row-major, `width` columns), every split region's subbands by the
// region's reconstruction, deepest split first. REQUIRES: the regions lie inside the image and
// both halves are non-empty vectors with odd full lengths.
void Synthesize(const SubbandLayout& layout, const FilterBank& filters, int width, std::vector<float>& image);

}  // namespace abis::finger::wsq
