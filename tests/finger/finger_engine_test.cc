#include "abis/finger/finger_engine.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "abis/finger/finger_template_format.h"
#include "abis/finger/fvc_evaluation.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/score_calibration.h"
#include "abis/finger_extract/synth.h"
#include "abis/finger/synthetic_minutiae.h"
#include "abis/finger/tenprint_fusion.h"
#include "test_data.h"

namespace abis::finger {
namespace {

SampleInput RecordSample(const MinutiaeTemplate& minutiae, MinutiaeRecordFormat format) {
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = WriteMinutiaeRecord(SingleViewRecord(minutiae, format)).value();
  sample.source_name = "generated";
  return sample;
}

BiometricTemplate ExtractOrDie(const ModalityEngine& engine, const SampleInput& sample) {
  auto extracted = engine.Extract(sample);
  EXPECT_TRUE(extracted.ok()) << extracted.status().ToString();
  return extracted.ok() ? extracted.value() : BiometricTemplate{};
}

MinutiaeTemplate Impression(std::uint64_t finger, std::uint64_t impression) {
  const std::uint64_t seed = finger * 16 + impression;
  return SyntheticImpression(SyntheticFinger(finger), seed, TypicalImpressionOptions(seed));
}

TEST(FingerEngineTest, ExtractsIsoAndAnsiRecordsByMagic) {
  const auto engine = MakeFingerEngine();
  const MinutiaeTemplate finger = SyntheticFinger(1);
  const BiometricTemplate iso = ExtractOrDie(*engine, RecordSample(finger, MinutiaeRecordFormat::kIso19794_2_2005));
  const BiometricTemplate ansi = ExtractOrDie(*engine, RecordSample(finger, MinutiaeRecordFormat::kAnsi378_2004));
  EXPECT_EQ(iso.algorithm, "finger-mcc/1");
  EXPECT_EQ(iso.quality["minutiae"], finger.minutiae.size());
  auto comparison = engine->Compare(iso, ansi);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  EXPECT_GT(comparison->score, 0.3);
  EXPECT_GT(comparison->log_lr, 0);
}

TEST(FingerEngineTest, PicksTheViewOfTheRequestedPosition) {
  const auto engine = MakeFingerEngine();
  MinutiaeRecord record = SingleViewRecord(SyntheticFinger(2), MinutiaeRecordFormat::kIso19794_2_2005);
  FingerView thumb;
  thumb.minutiae = SyntheticFinger(3);
  thumb.minutiae.position = FingerPosition::kRightThumb;
  record.views.push_back(thumb);
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = WriteMinutiaeRecord(record).value();
  sample.position = FingerPosition::kRightThumb;
  const BiometricTemplate extracted = ExtractOrDie(*engine, sample);
  EXPECT_EQ(extracted.position, FingerPosition::kRightThumb);
  EXPECT_EQ(extracted.quality["minutiae"], thumb.minutiae.minutiae.size());
}

TEST(FingerEngineTest, RejectsZeroMinutiaeAsFailureToEnrol) {
  const auto engine = MakeFingerEngine();
  MinutiaeTemplate empty = SyntheticFinger(4);
  empty.minutiae.clear();
  auto extracted = engine->Extract(RecordSample(empty, MinutiaeRecordFormat::kIso19794_2_2005));
  ASSERT_FALSE(extracted.ok());
  EXPECT_NE(extracted.status().message().find("no minutiae"), std::string::npos);
}

// A binary PGM of `image`: a format that carries no resolution.
std::vector<std::uint8_t> PgmBytes(const GrayImage& image) {
  const std::string header = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), image.pixels.begin(), image.pixels.end());
  return bytes;
}

TEST(FingerEngineTest, ComparisonDetailsShowTheScoresParts) {
  const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
  const auto finger = GenerateSyntheticFinger(/*seed=*/21, /*index=*/0, /*impressions=*/2);
  std::vector<BiometricTemplate> templates;
  for (const auto& impression : finger.impressions) {
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = PgmBytes(impression.image);
    sample.source_name = "synthetic.pgm";
    auto extracted = engine->Extract(sample);
    if (extracted.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << "this build has no image extractor";
    ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
    EXPECT_GT(extracted->quality.at("orientation_blocks").get<int>(), 50);
    templates.push_back(extracted.value());
  }
  auto comparison = engine->Compare(templates[0], templates[1]);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  for (const char* key : {"matched_pairs", "lss_r_score", "aligned_score", "aligned_pairs", "orientation_blocks"}) {
    EXPECT_TRUE(comparison->details.contains(key)) << key;
  }
  ASSERT_TRUE(comparison->details.at("orientation_agreement").is_number());  // both came from images
  EXPECT_GT(comparison->details.at("orientation_agreement").get<double>(), 0.8);
  // A standard record carries no map: the agreement is null, not a number.
  const BiometricTemplate record =
      ExtractOrDie(*engine, RecordSample(MinutiaeOfTemplate(templates[1]).value(), MinutiaeRecordFormat::kIso19794_2_2005));
  auto without_map = engine->Compare(templates[0], record);
  ASSERT_TRUE(without_map.ok());
  EXPECT_TRUE(without_map->details.at("orientation_agreement").is_null());
  // The examiner's overlay: both prints' minutiae in image pixels and the same pairs as Compare();
  // the comparison details (which reach search answers) carry indices only, never positions.
  auto view = engine->ExaminerView(templates[0], templates[1]);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  const MinutiaeTemplate probe_minutiae = MinutiaeOfTemplate(templates[0]).value();
  ASSERT_EQ(view->at("probe").at("minutiae").size(), probe_minutiae.minutiae.size());
  EXPECT_EQ(view->at("probe").at("width"), probe_minutiae.width);
  EXPECT_EQ(view->at("probe").at("minutiae").at(0).at(0), probe_minutiae.minutiae[0].x);
  EXPECT_EQ(view->at("probe").at("minutiae").at(0).at(1), probe_minutiae.minutiae[0].y);
  EXPECT_EQ(view->at("pairs"), comparison->details.at("matched_pairs"));
  EXPECT_FALSE(view->at("pairs").empty());
  EXPECT_FALSE(comparison->details.contains("probe"));
}

TEST(FingerEngineTest, ResolutionOptionRescalesImagesThatDeclareNone) {
  const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
  const GrayImage image = GenerateSyntheticFinger(/*seed=*/11, /*index=*/0, /*impressions=*/1).impressions[0].image;
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = PgmBytes(image);
  sample.source_name = "synthetic.pgm";
  auto as_500 = engine->Extract(sample);
  if (as_500.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << "this build has no image extractor";
  ASSERT_TRUE(as_500.ok()) << as_500.status().ToString();
  EXPECT_EQ(MinutiaeOfTemplate(as_500.value()).value().width, image.width);

  sample.options["resolution_ppi"] = 600;  // scanned finer than 500 ppi: shrunk by 5/6
  auto as_600 = engine->Extract(sample);
  ASSERT_TRUE(as_600.ok()) << as_600.status().ToString();
  EXPECT_NEAR(MinutiaeOfTemplate(as_600.value()).value().width, image.width * 500.0 / 600.0, 1.0);

  sample.options["resolution_ppi"] = "fine";
  EXPECT_EQ(engine->Extract(sample).status().code(), StatusCode::kInvalidArgument);
  sample.options["resolution_ppi"] = 50;
  EXPECT_EQ(engine->Extract(sample).status().code(), StatusCode::kInvalidArgument);
}

TEST(FingerEngineTest, QualityGateRefusesNonPrintsAndPrintsBelowTheFloorUnlessTheFloorIsLowered) {
  const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
  const GrayImage print = GenerateSyntheticFinger(/*seed=*/11, /*index=*/1, /*impressions=*/1).impressions[0].image;
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = PgmBytes(print);
  sample.source_name = "synthetic.pgm";
  auto accepted = engine->Extract(sample);
  if (accepted.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << "this build has no image extractor";
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  const nlohmann::json& quality = accepted->quality.at("print_quality");
  for (const char* feature : {"score", "ocl", "lcs", "fda", "rvu", "ridge_block_share", "ridge_area_mm2",
                              "foreground_mm2", "minutiae", "reliable_minutiae"}) {
    EXPECT_TRUE(quality.contains(feature)) << feature << " missing from " << quality.dump();
  }
  EXPECT_EQ(quality.at("score").get<int>(), accepted->quality.at("finger_quality").get<int>());

  // A floor above the print's score refuses it with the score; the sample option overrides the
  // engine's floor either way.
  sample.options["min_quality"] = 100;
  auto unusable = engine->Extract(sample);
  ASSERT_FALSE(unusable.ok());
  EXPECT_EQ(unusable.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unusable.status().message().rfind("synthetic.pgm: unusable print: quality ", 0), 0u)
      << unusable.status().ToString();
  FingerEngineOptions strict_options;
  strict_options.min_print_quality = 100;
  const std::unique_ptr<ModalityEngine> strict = MakeFingerEngine(strict_options);
  sample.options.erase("min_quality");
  EXPECT_FALSE(strict->Extract(sample).ok());
  sample.options["min_quality"] = 0;
  EXPECT_TRUE(strict->Extract(sample).ok());
  sample.options["min_quality"] = "low";
  EXPECT_EQ(engine->Extract(sample).status().code(), StatusCode::kInvalidArgument);
  const std::vector<std::string> keys = engine->TemplateOptionKeys();
  EXPECT_NE(std::find(keys.begin(), keys.end(), "min_quality"), keys.end());

  // A smooth picture is no print, whatever the floor.
  GrayImage smooth = print;
  for (int y = 0; y < smooth.height; ++y) {
    for (int x = 0; x < smooth.width; ++x) {
      smooth.pixels[static_cast<std::size_t>(y) * smooth.width + x] = static_cast<std::uint8_t>(60 + (x + y) / 6);
    }
  }
  sample.bytes = PgmBytes(smooth);
  sample.source_name = "photo.pgm";
  sample.options["min_quality"] = 0;
  auto refused = engine->Extract(sample);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().rfind("photo.pgm: not a fingerprint: ", 0), 0u) << refused.status().ToString();
}

TEST(FingerEngineTest, FvcIsoRecordsAreMappedBackToTheSizeOfTheImageBesideThem) {
  const std::unique_ptr<ModalityEngine> engine = MakeFingerEngine();
  GrayImage blank;
  blank.width = 2 * 320;  // twice as wide as the records declare
  blank.height = 400;
  blank.pixels.assign(static_cast<std::size_t>(blank.width) * blank.height, 128);
  SampleInput probe;
  probe.modality = Modality::kFinger;
  probe.bytes = PgmBytes(blank);
  if (engine->Extract(probe).status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << "no image support";

  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "abis_fvc_iso_fit";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int finger = 1; finger <= 3; ++finger) {
    for (int impression = 1; impression <= 2; ++impression) {
      MinutiaeTemplate minutiae = Impression(static_cast<std::uint64_t>(finger), static_cast<std::uint64_t>(impression));
      minutiae.width = 320;
      minutiae.height = 400;
      for (Minutia& m : minutiae.minutiae) {
        m.x = std::clamp(m.x, 0, 319);
        m.y = std::clamp(m.y, 0, 399);
      }
      const std::string stem = (dir / (std::to_string(finger) + "_" + std::to_string(impression))).string();
      const auto record = WriteMinutiaeRecord(SingleViewRecord(minutiae, MinutiaeRecordFormat::kIso19794_2_2005));
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      std::ofstream(stem + ".iso", std::ios::binary)
          .write(reinterpret_cast<const char*>(record->data()), static_cast<std::streamsize>(record->size()));
      if (finger != 3) {  // finger 3 has no image: its records stay as they are
        const std::vector<std::uint8_t> pgm = PgmBytes(blank);
        std::ofstream(stem + ".pgm", std::ios::binary)
            .write(reinterpret_cast<const char*>(pgm.data()), static_cast<std::streamsize>(pgm.size()));
      }
    }
  }
  auto evaluation = EvaluateFvcFolder(dir, *engine, FvcTemplateSource::kIsoTemplates, 1);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  EXPECT_EQ(evaluation->iso_fitted_to_image, 4);
  EXPECT_EQ(evaluation->failures_to_enrol, 0);
  EXPECT_EQ(evaluation->scores.genuine.size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(FingerEngineTest, FvcImpostorPairsAreFirstImpressionsOrAllImpressions) {
  const auto engine = MakeFingerEngine();
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "abis_fvc_impostor_pairs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int finger = 1; finger <= 3; ++finger) {
    for (int impression = 1; impression <= 3; ++impression) {
      const MinutiaeTemplate minutiae =
          Impression(static_cast<std::uint64_t>(40 + finger), static_cast<std::uint64_t>(impression));
      const auto record = WriteMinutiaeRecord(SingleViewRecord(minutiae, MinutiaeRecordFormat::kIso19794_2_2005));
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      std::ofstream(dir / (std::to_string(finger) + "_" + std::to_string(impression) + ".iso"), std::ios::binary)
          .write(reinterpret_cast<const char*>(record->data()), static_cast<std::streamsize>(record->size()));
    }
  }
  auto first = EvaluateFvcFolder(dir, *engine, FvcTemplateSource::kIsoTemplates, 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->scores.genuine.size(), 9u);   // 3 fingers x 3 pairs of impressions
  EXPECT_EQ(first->scores.impostor.size(), 3u);  // 3 pairs of fingers, first impressions
  ASSERT_EQ(first->templates.size(), 9u);
  ASSERT_EQ(first->sample_files.size(), 9u);
  EXPECT_EQ(first->sample_files[4].finger, 2);
  EXPECT_EQ(first->sample_files[4].impression, 2);
  EXPECT_TRUE(first->templates[4].has_value());
  auto all = EvaluateFvcFolder(dir, *engine, FvcTemplateSource::kIsoTemplates, 1, 0, FvcImpostorPairs::kAllImpressions);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->scores.genuine, first->scores.genuine);
  EXPECT_EQ(all->scores.impostor.size(), 27u);  // 3 pairs of fingers x 3 x 3 impressions
  std::filesystem::remove_all(dir);
}

TEST(FingerEngineTest, RejectsGarbageWithoutCrashing) {
  const auto engine = MakeFingerEngine();
  SampleInput sample;
  sample.modality = Modality::kFinger;
  sample.bytes = {'F', 'M', 'R', 0, ' ', '2', '0', 0, 0xFF, 0xFF};
  EXPECT_FALSE(engine->Extract(sample).ok());
  sample.format_hint = "ansi378";
  EXPECT_FALSE(engine->Extract(sample).ok());
  sample.format_hint = "";
  sample.bytes = {1, 2, 3};
  EXPECT_FALSE(engine->Extract(sample).ok());
}

TEST(FingerEngineTest, RefusesTemplatesOfAnotherAlgorithm) {
  const auto engine = MakeFingerEngine();
  BiometricTemplate good = ExtractOrDie(*engine, RecordSample(SyntheticFinger(5), MinutiaeRecordFormat::kIso19794_2_2005));
  BiometricTemplate foreign = good;
  foreign.algorithm = "finger-other/1";
  EXPECT_EQ(engine->Compare(good, foreign).status().code(), StatusCode::kInvalidArgument);
}

TEST(FingerEngineTest, GalleryFindsTheMateWithAndWithoutPreselection) {
  const auto engine = MakeFingerEngine();
  FingerGalleryOptions options;
  options.penetration = 0.25;
  options.min_candidates = 5;
  FingerGallery gallery(options);
  auto exhaustive = NewFingerGallery({1.0, 200, 0, {}});  // stage 2 on everything
  for (std::uint64_t f = 0; f < 200; ++f) {
    const BiometricTemplate reference =
        ExtractOrDie(*engine, RecordSample(Impression(f, 0), MinutiaeRecordFormat::kIso19794_2_2005));
    ASSERT_TRUE(gallery.Add(static_cast<std::int64_t>(f), reference).ok());
    ASSERT_TRUE(exhaustive->Add(static_cast<std::int64_t>(f), reference).ok());
  }
  EXPECT_EQ(gallery.size(), 200u);
  int found_preselected = 0, found_exhaustive = 0;
  for (std::uint64_t f = 0; f < 20; ++f) {
    const BiometricTemplate probe =
        ExtractOrDie(*engine, RecordSample(Impression(f * 9, 1), MinutiaeRecordFormat::kIso19794_2_2005));
    auto candidates = gallery.Search(probe, 3);
    ASSERT_TRUE(candidates.ok()) << candidates.status().ToString();
    ASSERT_EQ(candidates->size(), 3u);
    found_preselected += candidates->front().reference_id == static_cast<std::int64_t>(f * 9);
    EXPECT_GE(candidates->front().score, candidates->back().score);
    auto all = exhaustive->Search(probe, 1);
    ASSERT_TRUE(all.ok());
    found_exhaustive += all->front().reference_id == static_cast<std::int64_t>(f * 9);
  }
  EXPECT_GE(found_exhaustive, 16);
  // The signature separates these synthetic minutiae (smooth direction field) less well than real
  // ones (docs/FINGER.md): a random shortlist of 25% would keep about 5 of the 20 mates.
  EXPECT_GE(found_preselected, 14);
  gallery.Remove(0);
  EXPECT_EQ(gallery.size(), 199u);
}

TEST(FingerEngineTest, ThresholdsFallAsTheFalseMatchRateRises) {
  const auto engine = MakeFingerEngine();
  auto strict = engine->ThresholdForFalseMatchRate(1e-4);
  auto loose = engine->ThresholdForFalseMatchRate(1e-2);
  ASSERT_TRUE(strict.ok() && loose.ok());
  EXPECT_GT(strict.value(), loose.value());
  EXPECT_FALSE(engine->ThresholdForFalseMatchRate(0).ok());
  EXPECT_EQ(engine->ThresholdForFalseMatchRate(1e-7).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_LT(FingerScoreToLogLikelihoodRatio(0.0), 0);
  EXPECT_GT(FingerScoreToLogLikelihoodRatio(0.2), 0);
}

TEST(FingerEngineTest, TenprintFusionSumsPerFingerEvidence) {
  const auto engine = MakeFingerEngine();
  std::vector<BiometricTemplate> probe, same, other;
  for (int position = 1; position <= 4; ++position) {
    SampleInput sample = RecordSample(Impression(50 + position, 0), MinutiaeRecordFormat::kIso19794_2_2005);
    sample.position = static_cast<FingerPosition>(position);
    probe.push_back(ExtractOrDie(*engine, sample));
    sample = RecordSample(Impression(50 + position, 1), MinutiaeRecordFormat::kIso19794_2_2005);
    sample.position = static_cast<FingerPosition>(position);
    same.push_back(ExtractOrDie(*engine, sample));
    sample = RecordSample(Impression(90 + position, 1), MinutiaeRecordFormat::kIso19794_2_2005);
    sample.position = static_cast<FingerPosition>(position);
    other.push_back(ExtractOrDie(*engine, sample));
  }
  auto mated = CompareTenprints(*engine, probe, same);
  auto nonmated = CompareTenprints(*engine, probe, other);
  ASSERT_TRUE(mated.ok() && nonmated.ok());
  EXPECT_EQ(mated->fingers.size(), 4u);
  EXPECT_GT(mated->log_lr, nonmated->log_lr);
  double sum = 0;
  for (const FingerEvidence& finger : mated->fingers) sum += finger.log_lr;
  EXPECT_DOUBLE_EQ(mated->log_lr, sum);
  probe.push_back(probe.front());
  EXPECT_FALSE(CompareTenprints(*engine, probe, same).ok());
}

TEST(FingerEngineTest, FvcProtocolOnIsoTemplatesCountsPairsAndSeparatesFingers) {
  const auto dir = testing::FingerprintDataDir() / "fvc2002" / "DB4_B";
  ABIS_SKIP_UNLESS_EXISTS(dir);
  const auto engine = MakeFingerEngine();
  auto evaluation = EvaluateFvcFolder(dir, *engine, FvcTemplateSource::kIsoTemplates, 2);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  EXPECT_EQ(evaluation->scores.genuine.size(), 280u);
  EXPECT_EQ(evaluation->scores.impostor.size(), 45u);
  EXPECT_EQ(evaluation->failures_to_enrol, 0);
  EXPECT_LT(evaluation->rates.eer, 0.05);
}

}  // namespace
}  // namespace abis::finger
