// Demo subjects for `abis demo`: real faces when the shared ORL set is present (subject sN:
// image 1 enrolled, image 2 as the probe). Faces cannot be synthesised credibly, so without the
// shared data the demo runs without the face modality and says so.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "abis/core/paths.h"
#include "abis/face_cli/plugin.h"

namespace abis::face {
namespace {

Result<SampleInput> FaceSample(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + file.string());
  SampleInput sample;
  sample.modality = Modality::kFace;
  sample.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  sample.source_name = file.string();
  return sample;
}

}  // namespace

Result<std::vector<DemoSubject>> MakeDemoSubjects(const EngineConfig& config, int subjects, std::uint32_t seed,
                                                  std::string& note) {
  (void)config;
  (void)seed;
  std::filesystem::path orl = SharedDataDir() / "face" / "orl";
  std::vector<DemoSubject> out;
  if (!std::filesystem::is_directory(orl)) {
    note = "no face data: " + orl.string() + " is absent (set ABIS_DATA); the demo runs without faces";
    return out;
  }
  for (int subject = 1; subject <= subjects; ++subject) {
    std::filesystem::path folder = orl / ("s" + std::to_string(subject));
    if (!std::filesystem::exists(folder / "1.pgm") || !std::filesystem::exists(folder / "2.pgm")) break;
    DemoSubject demo;
    demo.label = "orl/s" + std::to_string(subject);
    ABIS_ASSIGN_OR_RETURN(SampleInput enrol, FaceSample(folder / "1.pgm"));
    ABIS_ASSIGN_OR_RETURN(SampleInput probe, FaceSample(folder / "2.pgm"));
    demo.enrol.push_back(std::move(enrol));
    demo.probe.push_back(std::move(probe));
    out.push_back(std::move(demo));
  }
  note = "real faces of the ORL database (" + orl.string() + "), image 1 enrolled, image 2 searched";
  return out;
}

}  // namespace abis::face
