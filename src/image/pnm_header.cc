#include "pnm_header.h"

#include <string>

namespace abis::image::internal {
namespace {

constexpr int kMaxDigits = 10;
constexpr std::uint64_t kLargestMaxValue = 65535;

Status Malformed(std::string_view source, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ": malformed PNM header: " + what);
}

}  // namespace

bool ReadPnmNumber(const ByteReader& r, std::size_t* pos, std::uint64_t* value) {
  while (r.Has(*pos, 1)) {
    const std::uint8_t c = r.U8(*pos);
    if (c == '#') {
      while (r.Has(*pos, 1) && r.U8(*pos) != '\n' && r.U8(*pos) != '\r') ++*pos;
    } else if (IsPnmSpace(c)) {
      ++*pos;
    } else {
      break;
    }
  }
  *value = 0;
  int digits = 0;
  while (r.Has(*pos, 1) && r.U8(*pos) >= '0' && r.U8(*pos) <= '9' && digits < kMaxDigits) {
    *value = *value * 10 + (r.U8(*pos) - '0');
    ++*pos;
    ++digits;
  }
  return digits > 0;
}

Result<PnmHeader> ReadPnmHeader(const ByteReader& r, std::string_view source) {
  PnmHeader h;
  h.kind = static_cast<char>(r.U8(1));
  std::size_t pos = 2;
  std::uint64_t width = 0;
  std::uint64_t height = 0;
  if (!ReadPnmNumber(r, &pos, &width)) return Malformed(source, "width missing");
  if (!ReadPnmNumber(r, &pos, &height)) return Malformed(source, "height missing");
  if (width == 0 || height == 0) {
    return Malformed(source, "size " + std::to_string(width) + "x" + std::to_string(height));
  }
  h.width = static_cast<std::int64_t>(width);
  h.height = static_cast<std::int64_t>(height);
  if (h.kind != '1' && h.kind != '4') {
    std::uint64_t max_value = 0;
    if (!ReadPnmNumber(r, &pos, &max_value)) return Malformed(source, "maximum value missing");
    if (max_value == 0 || max_value > kLargestMaxValue) {
      return Malformed(source, "maximum value " + std::to_string(max_value) + " outside 1-65535");
    }
    h.max_value = static_cast<std::uint32_t>(max_value);
  }
  if (!IsAsciiPnm(h)) {
    // Exactly one whitespace byte separates the header from binary samples.
    if (!r.Has(pos, 1) || !IsPnmSpace(r.U8(pos))) return Malformed(source, "no whitespace before the samples");
    ++pos;
  }
  h.data_offset = pos;
  return h;
}

}  // namespace abis::image::internal
