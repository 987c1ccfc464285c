#include "abis/face/face_template.h"

#include <cmath>
#include <cstring>

namespace abis::face {
namespace {

constexpr char kMagic[4] = {'A', 'F', 'T', '1'};
constexpr std::uint16_t kVersion = 1;
constexpr std::uint32_t kMaxDimension = 8192;

void PutU16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint32_t GetU32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t{p[3]} << 24);
}

}  // namespace

std::vector<std::uint8_t> SerializeFaceEmbedding(const FaceEmbedding& embedding) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 4);
  PutU16(out, kVersion);
  PutU16(out, static_cast<std::uint16_t>(embedding.model_id.size()));
  out.insert(out.end(), embedding.model_id.begin(), embedding.model_id.end());
  PutU32(out, static_cast<std::uint32_t>(embedding.values.size()));
  for (float v : embedding.values) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    PutU32(out, bits);
  }
  return out;
}

Result<FaceEmbedding> ParseFaceEmbedding(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::InvalidArgument("face template: missing \"AFT1\" signature or shorter than 12 bytes");
  }
  const std::uint16_t version = static_cast<std::uint16_t>(bytes[4] | (bytes[5] << 8));
  if (version != kVersion) {
    return Status::Unimplemented("face template: format version " + std::to_string(version) +
                                 " is not supported (this build reads version 1)");
  }
  const std::size_t id_length = bytes[6] | (bytes[7] << 8);
  if (bytes.size() < 8 + id_length + 4) return Status::InvalidArgument("face template: truncated model id");
  FaceEmbedding embedding;
  embedding.model_id.assign(reinterpret_cast<const char*>(bytes.data() + 8), id_length);
  const std::uint32_t dimension = GetU32(bytes.data() + 8 + id_length);
  if (dimension == 0 || dimension > kMaxDimension) {
    return Status::InvalidArgument("face template: dimension " + std::to_string(dimension) + " out of range 1-" +
                                   std::to_string(kMaxDimension));
  }
  const std::size_t expected = 8 + id_length + 4 + std::size_t{dimension} * 4;
  if (bytes.size() != expected) {
    return Status::InvalidArgument("face template: " + std::to_string(bytes.size()) + " bytes, expected " +
                                   std::to_string(expected) + " for dimension " + std::to_string(dimension));
  }
  embedding.values.resize(dimension);
  double norm = 0.0;
  for (std::uint32_t i = 0; i < dimension; ++i) {
    const std::uint32_t bits = GetU32(bytes.data() + 12 + id_length + 4 * std::size_t{i});
    float v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) return Status::InvalidArgument("face template: non-finite value at index " + std::to_string(i));
    embedding.values[i] = v;
    norm += static_cast<double>(v) * v;
  }
  if (std::abs(std::sqrt(norm) - 1.0) > 1e-3) {
    return Status::InvalidArgument("face template: embedding norm is not 1");
  }
  return embedding;
}

}  // namespace abis::face
