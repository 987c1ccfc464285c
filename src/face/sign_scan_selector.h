// Sign-scan candidate selection for the face gallery: a brute-force pass over the 1-bit sign
// codes of every row, keeping the rows that differ from the query's signs in the fewest bits
// (see faiss_gallery.h for why this finds mates). The scan is split into contiguous slices of the
// code array run on the shared search executor; each slice keeps its own best and the slices are
// merged afterwards, so the shortlist does not depend on the number of slices or threads.
// Thread-safety: reads the row store only; concurrent calls are safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "faiss_row_store.h"

namespace abis::face {

// Rows scanned per slice at least: smaller galleries use fewer slices (one below 32,768 rows).
inline constexpr std::size_t kSignScanMinRowsPerSlice = 16'384;

// The min(keep, rows.size()) rows with the fewest differing sign bits (ties: lower row first),
// in no particular order, scanned over at most `slices` slices (at least one).
// REQUIRES: query.size() == rows.dimension().
std::vector<std::size_t> SignScanShortlist(const FaceRowStore& rows, std::span<const float> query, std::size_t keep,
                                           std::size_t slices);

}  // namespace abis::face
