// fuzz-target-library: abis_interop
// libFuzzer target for the JPEG 2000 decoding of CBEFF finger and face images
// (abis::interop::DecodeJpeg2000: JP2 file or J2K codestream, OpenJPEG in strict mode), then the
// conversion to grey and to PGM that enrolment uses.
// Must hold: no crash, leak or allocation beyond the header-first size limit (kMaxJpeg2000Pixels);
// a decoded image has 1-4 channels, sides within kMaxJpeg2000Dimension and exactly
// width * height * channels bytes; ToGrey gives width * height bytes. A violation aborts.
// Seed corpus: small J2K/JP2 images the run script writes, plus those inside the shared CBEFF sample.
// Note: OpenJPEG is the system library, not instrumented: coverage guidance is ours only.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "abis/interop/jpeg2000_image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace abis::interop;
  const std::span<const std::uint8_t> bytes(data, size);
  const bool looks = LooksLikeJpeg2000(bytes);
  abis::Result<DecodedImage> decoded = DecodeJpeg2000(bytes);
  if (!decoded.ok()) {
    if (decoded.status().message().empty()) std::abort();
    return 0;
  }
  if (!looks) std::abort();  // only what carries a JPEG 2000 signature is decoded
  const DecodedImage& image = *decoded;
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxJpeg2000Dimension ||
      image.height > kMaxJpeg2000Dimension) {
    std::abort();
  }
  const std::size_t pixels = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  if (pixels > kMaxJpeg2000Pixels || image.channels < 1 || image.channels > 4) std::abort();
  if (image.pixels.size() != pixels * static_cast<std::size_t>(image.channels)) std::abort();
  const GreyImage grey = ToGrey(image, 500);
  if (grey.pixels.size() != pixels) std::abort();
  if (EncodePgm(grey).size() <= pixels) std::abort();
  return 0;
}
