// A face-like test engine for searches of each face of a still: a "still" is several test
// samples in one byte string (MakeStill), each a subject that is usable or too small. The
// engine lists them (FindSubjects), extracts the one the option face_index picks, and refuses a
// still of several subjects without it, as the face engine does. Any other sample is extracted
// as by TestEngine. Counts FindSubjects calls (to prove what runs before a refusal).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "test_engine.h"

namespace abis::testing {

struct StillSubject {
  std::vector<std::uint8_t> bytes;  // a TestEngine sample
  bool usable = true;               // false: below the quality floor ("too_small")
};

inline constexpr char kStillMagic[] = "ABISSTIL";

// "ABISSTIL", then per subject: 'U' (usable) or 'S' (small), a 4-byte little-endian length, the bytes.
inline std::vector<std::uint8_t> MakeStill(const std::vector<StillSubject>& subjects) {
  std::vector<std::uint8_t> out(kStillMagic, kStillMagic + 8);
  for (const StillSubject& subject : subjects) {
    out.push_back(subject.usable ? 'U' : 'S');
    const auto length = static_cast<std::uint32_t>(subject.bytes.size());
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(length >> shift));
    out.insert(out.end(), subject.bytes.begin(), subject.bytes.end());
  }
  return out;
}

class StillTestEngine final : public ModalityEngine {
 public:
  explicit StillTestEngine(Modality modality = Modality::kFace) : plain_(modality) {}
  Modality modality() const override { return plain_.modality(); }
  std::string algorithm() const override { return plain_.algorithm(); }
  std::vector<std::string> TemplateOptionKeys() const override { return {"face_index"}; }

  Result<std::vector<SubjectInSample>> FindSubjects(const SampleInput& sample) const override {
    ++find_subjects_calls_;
    std::vector<StillSubject> subjects;
    if (!ParseStill(sample.bytes, subjects)) return ModalityEngine::FindSubjects(sample);
    std::vector<SubjectInSample> out;
    for (std::size_t i = 0; i < subjects.size(); ++i) {
      if (sample.options.contains("face_index") && sample.options["face_index"] != i) continue;
      SubjectInSample subject;
      subject.index = i;
      subject.options = sample.options;
      subject.options["face_index"] = i;
      subject.region = SampleRegion{100.0 * static_cast<double>(i), 10.0, 80.0, 90.0};
      subject.quality = {{"length", subjects[i].bytes.size()}};
      if (!subjects[i].usable) {
        subject.skipped_reason = "too_small";
        subject.skipped_detail = "subject " + std::to_string(i) + " is too small in " + sample.source_name;
      }
      out.push_back(std::move(subject));
    }
    return out;
  }

  Result<BiometricTemplate> Extract(const SampleInput& sample) const override {
    std::vector<StillSubject> subjects;
    if (!ParseStill(sample.bytes, subjects)) return plain_.Extract(sample);
    std::size_t chosen = 0;
    if (sample.options.contains("face_index")) {
      chosen = sample.options["face_index"].get<std::size_t>();
      if (chosen >= subjects.size()) return Status::InvalidArgument("face_index out of range");
    } else if (subjects.size() > 1) {
      return Status::InvalidArgument("face rejected (multiple_faces): " + std::to_string(subjects.size()) +
                                     " faces found; search every face with --each-face");
    }
    if (!subjects[chosen].usable) return Status::InvalidArgument("face rejected (too_small)");
    SampleInput one = sample;
    one.bytes = subjects[chosen].bytes;
    return plain_.Extract(one);
  }

  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    return plain_.Compare(probe, reference);
  }
  Result<nlohmann::json> ExaminerView(const BiometricTemplate& probe,
                                      const BiometricTemplate& reference) const override {
    return plain_.ExaminerView(probe, reference);
  }
  std::unique_ptr<ModalityGallery> NewGallery() const override { return NewExhaustiveGallery(*this); }
  Result<double> ThresholdForFalseMatchRate(double fmr) const override {
    return plain_.ThresholdForFalseMatchRate(fmr);
  }

  int find_subjects_calls() const { return find_subjects_calls_; }

 private:
  static bool ParseStill(const std::vector<std::uint8_t>& bytes, std::vector<StillSubject>& subjects) {
    if (bytes.size() < 8 || !std::equal(bytes.begin(), bytes.begin() + 8, kStillMagic)) return false;
    std::size_t at = 8;
    while (at + 5 <= bytes.size()) {
      StillSubject subject;
      subject.usable = bytes[at] == 'U';
      std::uint32_t length = 0;
      for (int i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(bytes[at + 1 + i]) << (8 * i);
      at += 5;
      if (at + length > bytes.size()) return false;
      subject.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + length));
      at += length;
      subjects.push_back(std::move(subject));
    }
    return !subjects.empty();
  }

  TestEngine plain_;
  mutable std::atomic<int> find_subjects_calls_{0};
};

}  // namespace abis::testing
