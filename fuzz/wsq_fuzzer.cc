// fuzz-target-library: abis_finger_extract
// libFuzzer target for the WSQ decoder and the image-format dispatch in front of it: any input
// must decode or return an error, never crash, read out of bounds or allocate without limit.
// Seed corpus: the shared WSQ samples (interop/wsq/*.wsq).
#include <cstddef>
#include <cstdint>
#include <span>

#include "abis/finger_extract/image.h"
#include "abis/finger_extract/wsq.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  abis::Result<abis::finger::GrayImage> decoded = abis::finger::DecodeWsq(bytes, "fuzz.wsq");
  if (decoded.ok() && decoded->pixels.size() != static_cast<std::size_t>(decoded->width) * decoded->height) __builtin_trap();
  (void)abis::finger::DecodeFingerprintImage(bytes, "fuzz.img");
  return 0;
}
