// fuzz-target-library: abis_interop
// libFuzzer target for the CBEFF (ISO/IEC 19785-3 XML) reader and what MOSIP enrolment takes from
// it: any input must be refused with a message or parse into BIRs, and ExtractCbeffBiometrics must
// then list every BIR as a sample or as skipped (ISO 19794-4/-5 records, JPEG 2000 images inside).
// Must hold: no crash, leak or unbounded allocation (libxml2 with no DTD or entity loading); a BIR
// whose status is OK carries a non-empty BDB, a non-OK one none; decoded images have
// width * height (* channels) pixels. A violation aborts.
// Seed corpus: the shared MOSIP CBEFF sample (BDBs cut short) and small documents the run script writes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "abis/interop/cbeff_biometrics.h"
#include "abis/interop/cbeff_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace abis::interop;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  (void)DecodeBase64Any(xml);
  abis::Result<CbeffDocument> document = ParseCbeffXml(xml);
  if (!document.ok()) {
    if (document.status().message().empty()) std::abort();
    return 0;
  }
  for (std::size_t i = 0; i < document->birs.size(); ++i) {
    const CbeffBir& bir = document->birs[i];
    if (bir.index != static_cast<int>(i)) std::abort();
    if (bir.status.ok() == bir.bdb.empty()) std::abort();
    if (!bir.status.ok() && bir.status.message().empty()) std::abort();
  }
  const CbeffBiometrics biometrics = ExtractCbeffBiometrics(*document);
  if (biometrics.fingers.size() + biometrics.slaps.size() + biometrics.faces.size() + biometrics.skipped.size() <
      document->birs.size()) {
    std::abort();  // every BIR is used (a single finger, a slap, a face) or said to be skipped
  }
  for (const CbeffFingerSample& finger : biometrics.fingers) {
    const GreyImage& image = finger.image;
    if (image.width < 0 || image.height < 0) std::abort();
    if (image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
      std::abort();
    }
  }
  for (const CbeffSlapSample& slap : biometrics.slaps) {
    const GreyImage& image = slap.image;
    if (image.width < 0 || image.height < 0) std::abort();
    if (image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
      std::abort();
    }
  }
  for (const CbeffFaceSample& face : biometrics.faces) {
    if (!face.decoded) continue;
    const DecodedImage& image = *face.decoded;
    if (image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) *
                                   static_cast<std::size_t>(image.channels)) {
      std::abort();
    }
  }
  return 0;
}
