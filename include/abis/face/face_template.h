// The face template: a model id and an L2-normalised embedding, serialised in the versioned
// binary layout documented in docs/FACE.md ("face template format, version 1").
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::face {

struct FaceEmbedding {
  std::string model_id;
  std::vector<float> values;  // unit L2 norm
};

// Layout v1: "AFT1" | u16 version=1 | u16 id length | id bytes | u32 dimension | float32[dim],
// little-endian.
std::vector<std::uint8_t> SerializeFaceEmbedding(const FaceEmbedding& embedding);

// Parses and validates (version, lengths, finite values, norm within 1e-3 of 1). Returns
// kInvalidArgument / kUnimplemented (other version) with what was wrong.
Result<FaceEmbedding> ParseFaceEmbedding(std::span<const std::uint8_t> bytes);

}  // namespace abis::face
