// Dot products, the inner loop of every face search. Debian's FAISS is built for baseline x86-64
// (no SSE3), so its own inner product is the scalar reference loop; these use AVX2+FMA when the
// CPU has them (checked once at run time) and portable loops otherwise. Float sums run in a
// different order than a sequential loop (differences of order 1e-7 relative on unit vectors).
// The int8 forms serve the HNSW graph's 8-bit vector codes (faiss_gallery.cc): a float query
// against an int8 code while searching and building, and code against code while the graph
// prunes its neighbour lists. HammingDistance serves the graph's 1-bit (sign) codes;
// HammingDistances serves the gallery's sign-code scan (one code against a contiguous array).
#pragma once

#include <cstddef>
#include <cstdint>

namespace abis::face {

// Sum of a[i] * b[i]. REQUIRES: a and b each point to `size` readable floats.
float InnerProduct(const float* a, const float* b, std::size_t size);

// Sum of query[i] * code[i] (the code's scale is applied by the caller).
// REQUIRES: `size` readable elements behind each pointer.
float InnerProductFloatInt8(const float* query, const std::int8_t* code, std::size_t size);

// Exact integer sum of a[i] * b[i].
// REQUIRES: `size` readable elements behind each pointer; size <= 131072 (no int32 overflow
// at |a[i]|, |b[i]| <= 127).
std::int32_t InnerProductInt8(const std::int8_t* a, const std::int8_t* b, std::size_t size);

// Number of differing bits between two bit strings of `words` 64-bit words (the Hamming
// distance of the HNSW graph's sign-bit codes). Uses the POPCNT instruction when the CPU has it.
// REQUIRES: `words` readable words behind each pointer.
std::uint32_t HammingDistance(const std::uint64_t* a, const std::uint64_t* b, std::size_t words);

// distances[i] = HammingDistance(query, codes + i * words, words) for i in [0, count): one code
// against `count` consecutive codes of `words` words each (the sign-scan pre-filter's inner
// loop; 512-d codes, words == 8, take an unrolled path). Uses POPCNT when the CPU has it.
// REQUIRES: `words` readable words behind query, count * words behind codes, `count` writable
// values behind distances.
void HammingDistances(const std::uint64_t* query, const std::uint64_t* codes, std::size_t count, std::size_t words,
                      std::uint32_t* distances);

// Sign-bit codes: bit i of the code is set when x_i > 0 (64-bit words, little-endian bit order).
// Two vectors' similarity on the codes is 1 - 2 * hamming / d, monotone in the Hamming distance
// (for random directions the expected value is 1 - 2 * angle / pi).
std::size_t SignWords(std::size_t dimension);
// Vectorised (AVX2, 8 floats per step) when the CPU has it: 0.34 s for 1M 512-d rows on the
// shared 2-core VM against 4.5 s for the scalar loop of before (docs/notes/cli_search_1m_2026-12-08.md).
// REQUIRES: `dimension` readable floats behind x, SignWords(dimension) writable words.
void EncodeSigns(const float* x, std::size_t dimension, std::uint64_t* words);

// True when the kernels use the AVX2+FMA path on this CPU (reported by benchmarks).
bool InnerProductUsesAvx2();

}  // namespace abis::face
