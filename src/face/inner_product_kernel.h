// Dot product of two float vectors, the inner loop of every face search. Debian's FAISS is built
// for baseline x86-64 (no SSE3), so its own inner product is the scalar reference loop; this one
// uses AVX2+FMA when the CPU has them (checked once at run time) and an 8-accumulator portable
// loop otherwise. Both sum in float, in a different order than a sequential loop (differences of
// order 1e-7 relative on unit vectors).
#pragma once

#include <cstddef>

namespace abis::face {

// REQUIRES: a and b each point to `size` readable floats.
float InnerProduct(const float* a, const float* b, std::size_t size);

// True when InnerProduct uses the AVX2+FMA path on this CPU (reported by benchmarks).
bool InnerProductUsesAvx2();

}  // namespace abis::face
