#include "abis/mosip/cbeff_sample_inputs.h"

#include <cstdlib>
#include <map>

#ifdef ABIS_MOSIP_HAVE_SLAPS
#include "abis/finger/slap_enrolment.h"
#endif

namespace abis::mosip {

namespace {

std::string BirName(const std::string& source, int bir_index, const std::string& what) {
  return source + " BIR " + std::to_string(bir_index) + " (" + what + ")";
}

#ifdef ABIS_MOSIP_HAVE_SLAPS
// The grey pixels of a decoded record image, or the encoded bytes decoded by the finger side.
Result<finger::GrayImage> RecordImage(const interop::GreyImage& decoded, const std::vector<std::uint8_t>& encoded,
                                      const std::string& compression, int width, int height, int pixels_per_inch,
                                      const std::string& where) {
  if (decoded.width > 0) {
    return finger::DecodeRecordFingerImage(decoded.pixels, "none", decoded.width, decoded.height,
                                           decoded.pixels_per_inch > 0 ? decoded.pixels_per_inch : pixels_per_inch,
                                           where);
  }
  return finger::DecodeRecordFingerImage(encoded, compression, width, height, pixels_per_inch, where);
}

// Every slap of the document cut into finger samples, after the single fingers; refuses the
// document (out->refusal) as CbeffSampleInputs says.
void AddSlapFingers(const interop::CbeffBiometrics& biometrics, const std::string& source,
                    const CbeffSlapPolicy& policy, CbeffSampleInputs* out) {
  std::map<int, finger::MinutiaeTemplate> references;
  for (const interop::CbeffFingerSample& single : biometrics.fingers) {
    const std::string where = BirName(source, single.bir_index, "finger");
    auto image = RecordImage(single.image, single.encoded, single.compression, 0, 0, 0, where);
    if (image.ok()) finger::AddSequenceReference(references, static_cast<int>(single.position), *image);
  }
  for (const interop::CbeffSlapSample& slap : biometrics.slaps) {
    const std::string where = BirName(source, slap.bir_index, "slap FGP " + std::to_string(slap.slap_position));
    if (!slap.problem.empty()) {
      out->refusal = Status::InvalidArgument(where + ": the slap cannot be used: " + slap.problem);
      return;
    }
    auto image =
        RecordImage(slap.image, slap.encoded, slap.compression, slap.width, slap.height, slap.pixels_per_inch, where);
    if (!image.ok()) {
      out->refusal = Status::InvalidArgument("the slap image cannot be used: " + image.status().message());
      return;
    }
    auto cut = finger::CutSlapForEnrolment(*image, slap.slap_position, slap.bir_index, where, policy.min_quality,
                                          references);
    if (!cut.ok()) {
      out->refusal = Status::InvalidArgument(cut.status().message());
      return;
    }
    if (!cut->complete() && !policy.accept_partial) {
      out->refusal = finger::RequireCompleteSlap(*cut, where);
      out->skipped.insert(out->skipped.end(), cut->skipped.begin(), cut->skipped.end());
      return;
    }
    out->skipped.insert(out->skipped.end(), cut->skipped.begin(), cut->skipped.end());
    for (finger::SlapFingerForEnrolment& one : cut->fingers) {
      out->samples.push_back(finger::SlapFingerSample(std::move(one), policy.min_quality));
      ++out->slap_fingers;
    }
  }
}
#endif

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

CbeffSampleInputs SampleInputsFromCbeff(const interop::CbeffBiometrics& biometrics, const std::string& source,
                                        const CbeffSlapPolicy& slaps) {
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
  if (!biometrics.slaps.empty()) {
#ifdef ABIS_MOSIP_HAVE_SLAPS
    AddSlapFingers(biometrics, source, slaps, &out);
#else
    (void)slaps;
    out.refusal = Status::Unimplemented(BirName(source, biometrics.slaps.front().bir_index, "slap") +
                                        ": this build has no fingerprint image module to cut slaps");
#endif
    if (!out.refusal.ok()) {
      out.samples.clear();
      out.slap_fingers = 0;
      return out;
    }
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
