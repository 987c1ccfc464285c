// Demo subjects for `abis demo`: synthetic fingerprints (abis synth), one finger per subject,
// impression 1 enrolled and impression 2 (displaced, rotated, distorted, partial) searched, so the
// demo needs no data the user does not have.
#include <string>

#include "abis/finger_cli/plugin.h"

#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
#include "abis/finger_extract/synth.h"
#endif

namespace abis::finger {
namespace {

#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
// A binary PGM (P5) file of the image, the simplest format the decoder reads by content.
std::vector<std::uint8_t> EncodePgm(const GrayImage& image) {
  std::string header = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), image.pixels.begin(), image.pixels.end());
  return bytes;
}
#endif

}  // namespace

Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note) {
  (void)config;
  std::vector<DemoSubject> out;
#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
  for (int subject = 0; subject < subjects; ++subject) {
    SyntheticFinger finger = GenerateSyntheticFinger(seed, subject, 2);
    if (finger.impressions.size() < 2) return Status::Internal("synthetic finger without two impressions");
    DemoSubject demo;
    demo.label = "synthetic finger " + std::to_string(subject + 1) + " (" +
                 std::string(PatternClassName(finger.pattern)) + ")";
    for (int impression = 0; impression < 2; ++impression) {
      SampleInput sample;
      sample.modality = Modality::kFinger;
      sample.position = FingerPosition::kRightIndex;
      sample.bytes = EncodePgm(finger.impressions[static_cast<std::size_t>(impression)].image);
      sample.source_name = demo.label + " impression " + std::to_string(impression + 1);
      (impression == 0 ? demo.enrol : demo.probe).push_back(std::move(sample));
    }
    out.push_back(std::move(demo));
  }
  note = "synthetic fingerprints (abis synth fingers), right index, two impressions each";
#else
  (void)subjects;
  (void)seed;
  note = "no fingerprint image extractor in this build";
#endif
  return out;
}

}  // namespace abis::finger
