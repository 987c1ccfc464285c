#include "abis/mosip/cbeff_sample_inputs.h"

#include <cstdlib>

namespace abis::mosip {

namespace {

std::string BirName(const std::string& source, int bir_index, const std::string& what) {
  return source + " BIR " + std::to_string(bir_index) + " (" + what + ")";
}

}  // namespace

std::vector<std::uint8_t> EncodePnm(const interop::DecodedImage& image) {
  if (image.width <= 0 || image.height <= 0) return {};
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) return {};
  const std::size_t pixels = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  if (image.pixels.size() != pixels * static_cast<std::size_t>(image.channels)) return {};
  const int out_channels = image.channels == 1 ? 1 : 3;
  const std::string header = std::string(out_channels == 1 ? "P5" : "P6") + "\n" + std::to_string(image.width) + " " +
                             std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> out(header.begin(), header.end());
  out.reserve(header.size() + pixels * static_cast<std::size_t>(out_channels));
  if (image.channels != 4) {
    out.insert(out.end(), image.pixels.begin(), image.pixels.end());
    return out;
  }
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* rgba = image.pixels.data() + i * 4;
    out.insert(out.end(), rgba, rgba + 3);
  }
  return out;
}

CbeffSampleInputs SampleInputsFromCbeff(const interop::CbeffBiometrics& biometrics, const std::string& source) {
  CbeffSampleInputs out;
  out.skipped = biometrics.skipped;
  for (const interop::CbeffFingerSample& finger : biometrics.fingers) {
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.position = finger.position;
    sample.source_name = BirName(source, finger.bir_index, "finger " + std::string(FingerPositionName(finger.position)));
    if (finger.image.width > 0) {
      const int ppi = finger.image.pixels_per_inch;
      if (ppi > 0 && std::abs(ppi - kFingerPixelsPerInch) * 100 > kFingerPixelsPerInch) {
        out.skipped.push_back(sample.source_name + ": image at " + std::to_string(ppi) + " ppi; only " +
                              std::to_string(kFingerPixelsPerInch) + " ppi finger images are enrolled");
        continue;
      }
      sample.bytes = interop::EncodePgm(finger.image);
      sample.format_hint = "pgm";
    } else if (finger.compression == "wsq" || finger.compression == "jpeg" || finger.compression == "png") {
      sample.bytes = finger.encoded;
      sample.format_hint = finger.compression;
    } else {
      out.skipped.push_back(sample.source_name + ": finger image compression '" + finger.compression +
                            "' was not decoded and no engine reads it");
      continue;
    }
    out.samples.push_back(std::move(sample));
  }
  for (const interop::CbeffFaceSample& face : biometrics.faces) {
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.source_name = BirName(source, face.bir_index, "face");
    if (face.image_format == "jpeg" || face.image_format == "png") {
      sample.bytes = face.encoded;
      sample.format_hint = face.image_format;
    } else if (face.decoded.has_value()) {
      sample.bytes = EncodePnm(*face.decoded);
      sample.format_hint = face.decoded->channels == 1 ? "pgm" : "ppm";
      if (sample.bytes.empty()) {
        out.skipped.push_back(sample.source_name + ": decoded " + face.image_format + " image has " +
                              std::to_string(face.decoded->channels) + " channels; 1, 3 or 4 are enrolled");
        continue;
      }
    } else {
      out.skipped.push_back(sample.source_name + ": face image format '" + face.image_format +
                            "' was not decoded and the face engine does not read it");
      continue;
    }
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace abis::mosip
