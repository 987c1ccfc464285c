#include "abis/interop/nist_enrolment_bundle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "abis/interop/an2k_reader.h"
#include "abis/interop/an2k_type18_view.h"
#include "abis/interop/an2k_type9_view.h"
#include "abis/interop/an2k_writer.h"
#include "an2k_sample_files.h"

namespace abis::interop {
namespace {

std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Loads one sample and extracts its bundle, or skips when the shared data is absent.
#define LOAD_SAMPLE_BUNDLE(var, name)                                                    \
  const auto var##_path = testing::An2kSampleDir() / (name);                              \
  if (!std::filesystem::exists(var##_path)) GTEST_SKIP() << "sample absent: " << var##_path; \
  auto var##_transaction = ReadAn2kFile(var##_path);                                      \
  ASSERT_TRUE(var##_transaction.ok()) << var##_transaction.status().ToString();          \
  auto var = ExtractEnrolmentBundle(*var##_transaction);                                  \
  ASSERT_TRUE(var.ok()) << var.status().ToString()

TEST(NistEnrolmentBundleSamples, TenPrintCardYieldsTenRolledFingersAndFourSlaps) {
  LOAD_SAMPLE_BUNDLE(bundle, "eftviewer_nist-type-14-tpcard_v0500.eft");
  ASSERT_EQ(bundle->fingers.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(static_cast<int>(bundle->fingers[i].position), static_cast<int>(i + 1));
    EXPECT_EQ(bundle->fingers[i].compression, "WSQ20");
    EXPECT_EQ(bundle->fingers[i].impression_type, 3);
    EXPECT_NEAR(bundle->fingers[i].pixels_per_mm, 19.7, 1e-9);  // SLC 2, 197 pixels/cm
  }
  EXPECT_EQ(bundle->fingers[0].width, 804);
  EXPECT_EQ(bundle->fingers[0].height, 752);
  EXPECT_TRUE(bundle->skipped.empty());
  ASSERT_EQ(bundle->slaps.size(), 4u);  // left four, left thumb, right thumb, right four
  EXPECT_EQ(bundle->slaps[0].slap_position, 14);
  EXPECT_EQ(bundle->slaps[1].slap_position, 12);
  EXPECT_EQ(bundle->slaps[2].slap_position, 11);
  EXPECT_EQ(bundle->slaps[3].slap_position, 13);
  EXPECT_EQ(bundle->slaps[0].width, 1608);
  EXPECT_TRUE(bundle->slaps[0].segments.empty());  // the sample carries no 14.021
  const auto wsq = testing::An2kSampleDir().parent_path() / "wsq" / "eftviewer_nist-type-14-tpcard_v0500_type14_0.wsq";
  if (std::filesystem::exists(wsq)) {
    EXPECT_EQ(bundle->fingers[0].bytes, ReadBytes(wsq));
  }
}

TEST(NistEnrolmentBundleSamples, Type4WsqFingerKeepsPositionAndBytes) {
  LOAD_SAMPLE_BUNDLE(bundle, "nbis_valid1.1.an2");
  ASSERT_EQ(bundle->fingers.size(), 1u);
  EXPECT_EQ(bundle->fingers[0].position, FingerPosition::kLeftLittle);
  EXPECT_EQ(bundle->fingers[0].compression, "WSQ20");
  EXPECT_EQ(bundle->fingers[0].source_record_type, 4);
  const auto wsq = testing::An2kSampleDir().parent_path() / "wsq" / "nbis_valid1.1_type4_0.wsq";
  if (std::filesystem::exists(wsq)) {
    EXPECT_EQ(bundle->fingers[0].bytes, ReadBytes(wsq));
  }
  EXPECT_FALSE(bundle->descriptive_text.empty());
  EXPECT_EQ(bundle->descriptive_text.front().number, 5);
}

TEST(NistEnrolmentBundleSamples, DnaRecordGivesTheSrm2391bProfile) {
  LOAD_SAMPLE_BUNDLE(bundle, "biocts_all-supported-types_v0500.an2");
  EXPECT_EQ(bundle->dna.at("D8S1179"), (std::vector<std::string>{"13", "13"}));
  EXPECT_EQ(bundle->dna.at("TH01"), (std::vector<std::string>{"8", "9.3"}));
  EXPECT_EQ(bundle->dna.at("FGA"), (std::vector<std::string>{"23", "24"}));
  EXPECT_EQ(bundle->dna.size(), 16u);  // 15 named loci + DLR-1 with test values
  EXPECT_EQ(bundle->dna.count("DLR-1"), 1u);
  ASSERT_EQ(bundle->faces.size(), 1u);
  EXPECT_EQ(bundle->faces[0].format, "JPEGB");
  EXPECT_EQ(bundle->faces[0].width, 480);
}

// Import -> export -> import keeps every locus whose number is known: the 15 named loci of the
// BioCTS sample and the numbered-only DLR-1, with their allele calls in order.
TEST(NistEnrolmentBundleSamples, DnaProfileSurvivesImportExportImport) {
  LOAD_SAMPLE_BUNDLE(bundle, "biocts_all-supported-types_v0500.an2");
  NistEnrolmentBundle dna_only;
  dna_only.dna = bundle->dna;
  NistTransactionOptions options;
  options.timestamp_utc = "20240102030405";
  auto transaction = BuildTransactionFromBundle(dna_only, options);
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  auto again = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->dna, bundle->dna);
  EXPECT_EQ(again->dna.size(), 16u);
}

TEST(NistEnrolmentBundleSamples, LegacyMinutiaeAreReadInHundredthsOfAMillimetre) {
  LOAD_SAMPLE_BUNDLE(bundle, "libbiomeval_type9.an2k");
  ASSERT_EQ(bundle->minutiae.size(), 1u);
  const NistMinutiae& set = bundle->minutiae[0];
  EXPECT_EQ(set.block, An2kMinutiaeBlock::kLegacyStandard);
  ASSERT_EQ(set.minutiae.size(), 28u);
  EXPECT_EQ(set.minutiae[0].x, 132);
  EXPECT_EQ(set.minutiae[0].y, 715);
  EXPECT_EQ(set.minutiae[0].theta_degrees, 248);
  EXPECT_EQ(set.minutiae[0].type, An2kMinutiaType::kRidgeEnding);
}

TEST(NistEnrolmentBundleSamples, ExtendedFeatureSetMinutiaeAreRead) {
  LOAD_SAMPLE_BUNDLE(bundle, "libbiomeval_type9-efs.an2k");
  ASSERT_EQ(bundle->minutiae.size(), 8u);
  EXPECT_EQ(bundle->minutiae[0].block, An2kMinutiaeBlock::kExtendedFeatureSet);
  EXPECT_EQ(bundle->minutiae[0].position, FingerPosition::kLeftMiddle);  // 9.302 FPP "8"
  ASSERT_FALSE(bundle->minutiae[0].minutiae.empty());
  EXPECT_EQ(bundle->minutiae[0].minutiae[0].x, 1908);
  EXPECT_EQ(bundle->minutiae[0].minutiae[0].y, 41);
  EXPECT_EQ(bundle->minutiae[0].minutiae[0].theta_degrees, 186);
}

TEST(NistEnrolmentBundleSamples, FacialImageRecordGivesFace) {
  LOAD_SAMPLE_BUNDLE(bundle, "nbis_face_jpb_DOM_GMT_DCS.an2");
  ASSERT_EQ(bundle->faces.size(), 1u);
  EXPECT_EQ(bundle->faces[0].width, 768);
  EXPECT_EQ(bundle->faces[0].height, 1024);
  ASSERT_GE(bundle->faces[0].bytes.size(), 2u);
  EXPECT_EQ(bundle->faces[0].bytes[0], 0xFF);  // JPEG SOI
  EXPECT_EQ(bundle->faces[0].bytes[1], 0xD8);
}

TEST(NistEnrolmentBundleSamples, EverySampleYieldsABundle) {
  const auto files = testing::An2kSampleFiles();
  if (files.empty()) GTEST_SKIP() << "no ANSI/NIST-ITL samples under " << testing::An2kSampleDir();
  for (const auto& file : files) {
    auto transaction = ReadAn2kFile(file);
    ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
    auto bundle = ExtractEnrolmentBundle(*transaction);
    EXPECT_TRUE(bundle.ok()) << file.filename() << ": " << bundle.status().ToString();
  }
}

// A tiny PNG header (signature + IHDR) for dimension probing; the writer does not decode pixels.
std::vector<std::uint8_t> PngHeader(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> bytes = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (std::uint32_t value : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  bytes.insert(bytes.end(), {8, 0, 0, 0, 0});
  return bytes;
}

NistTransactionOptions FixedTime() {
  NistTransactionOptions options;
  options.timestamp_utc = "20240102030405";
  return options;
}

NistEnrolmentBundle SyntheticBundle() {
  NistEnrolmentBundle bundle;
  bundle.descriptive_text.push_back(An2kField::Text(18, "DOE,JOHN"));
  NistFingerImage finger;
  finger.position = FingerPosition::kRightIndex;
  finger.compression = "PNG";
  finger.pixels_per_mm = 500 / 25.4;
  finger.impression_type = 1;
  finger.bytes = PngHeader(320, 480);  // dimensions read from the header
  bundle.fingers.push_back(finger);
  finger.position = FingerPosition::kLeftThumb;
  finger.compression = "WSQ20";
  finger.width = 500;
  finger.height = 600;
  finger.bytes = {0xFF, 0xA0, 0x01, 0x02, 0x1C, 0x1D};  // separators inside binary data are fine
  bundle.fingers.push_back(finger);
  NistFaceImage face;
  face.format = "PNG";
  face.bytes = PngHeader(64, 80);
  bundle.faces.push_back(face);
  bundle.dna = {{"D8S1179", {"13", "14"}}, {"TH01", {"9.3"}}, {"DLR-1", {"X", "Y"}}};
  return bundle;
}

TEST(NistEnrolmentBundleWriter, WrittenTransactionReadsBackToTheSameBundle) {
  NistTransactionOptions options;
  options.timestamp_utc = "20240102030405";
  options.control_number = "TCN-1";
  auto transaction = BuildTransactionFromBundle(SyntheticBundle(), options);
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(*reparsed, *transaction);
  auto bundle = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  const NistEnrolmentBundle original = SyntheticBundle();
  ASSERT_EQ(bundle->fingers.size(), 2u);
  EXPECT_EQ(bundle->fingers[0].position, FingerPosition::kRightIndex);
  EXPECT_EQ(bundle->fingers[0].width, 320);
  EXPECT_EQ(bundle->fingers[0].height, 480);
  EXPECT_NEAR(bundle->fingers[0].pixels_per_mm, 500 / 25.4, 1e-9);
  EXPECT_EQ(bundle->fingers[1].bytes, original.fingers[1].bytes);
  EXPECT_EQ(bundle->fingers[1].compression, "WSQ20");
  ASSERT_EQ(bundle->faces.size(), 1u);
  EXPECT_EQ(bundle->faces[0].width, 64);
  EXPECT_EQ(bundle->dna, original.dna);
  EXPECT_EQ(bundle->transaction_control_number, "TCN-1");
  ASSERT_EQ(bundle->descriptive_text.size(), 1u);
  EXPECT_EQ(bundle->descriptive_text[0], original.descriptive_text[0]);
  EXPECT_TRUE(bundle->skipped.empty());
}

NistEnrolmentBundle SlapBundle() {
  NistEnrolmentBundle bundle;
  NistSlapImage slap;
  slap.slap_position = 13;
  slap.compression = "PNG";
  slap.pixels_per_mm = 500 / 25.4;
  slap.impression_type = 0;
  slap.bytes = PngHeader(1600, 1000);
  FingerSegmentPosition index;
  index.position = 2;
  index.has_box = true;
  index.left = 100;
  index.right = 420;
  index.top = 80;
  index.bottom = 500;
  index.polygon = {{120, 80}, {420, 120}, {380, 500}, {100, 460}};
  FingerSegmentPosition middle;
  middle.position = 3;
  middle.has_box = true;
  middle.left = 450;
  middle.right = 760;
  middle.top = 20;
  middle.bottom = 440;
  slap.segments = {index, middle};
  bundle.slaps.push_back(slap);
  return bundle;
}

TEST(NistEnrolmentBundleWriter, SlapSegmentsSurviveWriteAndRead) {
  auto transaction = BuildTransactionFromBundle(SlapBundle(), FixedTime());
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string text(bytes->begin(), bytes->end());
  // 14.021 SEG: FGP, LHC, RHC, TVC, BVC per finger; 14.025 ASEG: FGP, NOP, then the points.
  EXPECT_NE(text.find("14.021:2\x1F" "100\x1F" "420\x1F" "80\x1F" "500\x1E" "3\x1F" "450"), std::string::npos);
  EXPECT_NE(text.find("14.025:2\x1F" "4\x1F" "120\x1F" "80\x1F" "420"), std::string::npos);
  EXPECT_NE(text.find("14.013:13\x1D"), std::string::npos);
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  auto bundle = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->slaps.size(), 1u);
  const NistSlapImage& slap = bundle->slaps[0];
  EXPECT_EQ(slap.slap_position, 13);
  EXPECT_EQ(slap.width, 1600);
  const NistSlapImage original = SlapBundle().slaps[0];
  ASSERT_EQ(slap.segments.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(slap.segments[i].position, original.segments[i].position);
    EXPECT_EQ(slap.segments[i].left, original.segments[i].left);
    EXPECT_EQ(slap.segments[i].right, original.segments[i].right);
    EXPECT_EQ(slap.segments[i].top, original.segments[i].top);
    EXPECT_EQ(slap.segments[i].bottom, original.segments[i].bottom);
    EXPECT_EQ(slap.segments[i].polygon, original.segments[i].polygon);
  }
}

TEST(NistEnrolmentBundleWriter, SlapSegmentsOutsideTheImageAreRefused) {
  NistEnrolmentBundle bundle = SlapBundle();
  bundle.slaps[0].segments[0].right = 1700;
  auto transaction = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(transaction.ok());
  EXPECT_NE(transaction.status().message().find("slap 1 (FGP 13) finger 2"), std::string::npos)
      << transaction.status().message();
  bundle = SlapBundle();
  bundle.slaps[0].segments[0].polygon.resize(2);
  EXPECT_FALSE(BuildTransactionFromBundle(bundle, FixedTime()).ok());
  bundle = SlapBundle();
  bundle.slaps[0].slap_position = 4;
  EXPECT_FALSE(BuildTransactionFromBundle(bundle, FixedTime()).ok());
}

// Segment positions are advisory: malformed ones are dropped with the reason, the slap stays.
TEST(NistEnrolmentBundleReader, MalformedSegmentFieldsAreSkippedNamingTheSubfield) {
  auto transaction = BuildTransactionFromBundle(SlapBundle(), FixedTime());
  ASSERT_TRUE(transaction.ok());
  auto& record = std::get<TaggedRecord>(transaction->records.back());
  An2kField* seg = record.Find(21);
  ASSERT_NE(seg, nullptr);
  auto skipped_with = [&](const std::string& text) {
    auto bundle = ExtractEnrolmentBundle(*transaction);
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    if (!bundle.ok()) return;
    ASSERT_EQ(bundle->slaps.size(), 1u);
    EXPECT_TRUE(bundle->slaps[0].segments.empty());
    ASSERT_EQ(bundle->skipped.size(), 1u);
    EXPECT_NE(bundle->skipped[0].find(text), std::string::npos) << bundle->skipped[0];
  };
  seg->subfields[1].pop_back();  // four items instead of five
  skipped_with("14.021 SEG subfield 2: 4 items");
  seg->subfields[1] = {"3", "450", "300", "20", "440"};  // right before left
  skipped_with("RHC");
  seg->subfields[1] = {"3", "450", "760", "20", "440"};
  record.Find(25)->subfields[0][1] = "5";  // NOP says 5 points, 4 given
  skipped_with("14.025 ASEG subfield 1: NOP 5");
}

// 14.018 AMP: the slap's fingers not in its image, FGP and AMPCD (XX amputated, UP unable to print).
TEST(NistEnrolmentBundleWriter, AmputatedFingersSurviveWriteAndRead) {
  NistEnrolmentBundle original = SlapBundle();
  original.slaps[0].amputations = {{4, "XX"}, {5, "UP"}};
  auto transaction = BuildTransactionFromBundle(original, FixedTime());
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string text(bytes->begin(), bytes->end());
  EXPECT_NE(text.find("14.018:4\x1FXX\x1E" "5\x1FUP\x1D"), std::string::npos);
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  auto bundle = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->slaps.size(), 1u);
  ASSERT_EQ(bundle->slaps[0].amputations.size(), 2u);
  EXPECT_EQ(bundle->slaps[0].amputations[0].position, 4);
  EXPECT_EQ(bundle->slaps[0].amputations[0].code, "XX");
  EXPECT_EQ(bundle->slaps[0].amputations[1].position, 5);
  EXPECT_EQ(bundle->slaps[0].amputations[1].code, "UP");
  EXPECT_EQ(bundle->slaps[0].segments.size(), 2u);

  NistEnrolmentBundle bad = original;
  bad.slaps[0].amputations[1].code = "AA";
  auto refused = BuildTransactionFromBundle(bad, FixedTime());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("slap 1 (FGP 13) finger 5: AMPCD"), std::string::npos)
      << refused.status().message();
  bad = original;
  bad.slaps[0].amputations[1].position = 11;
  EXPECT_FALSE(BuildTransactionFromBundle(bad, FixedTime()).ok());
}

// Like segments, a malformed 14.018 is dropped with the reason; the slap stays.
TEST(NistEnrolmentBundleReader, MalformedAmputationFieldIsSkippedNamingTheSubfield) {
  NistEnrolmentBundle original = SlapBundle();
  original.slaps[0].amputations = {{4, "XX"}, {5, "UP"}};
  auto transaction = BuildTransactionFromBundle(original, FixedTime());
  ASSERT_TRUE(transaction.ok());
  auto& record = std::get<TaggedRecord>(transaction->records.back());
  An2kField* amp = record.Find(18);
  ASSERT_NE(amp, nullptr);
  auto skipped_with = [&](const std::string& text) {
    auto bundle = ExtractEnrolmentBundle(*transaction);
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    if (!bundle.ok()) return;
    ASSERT_EQ(bundle->slaps.size(), 1u);
    EXPECT_TRUE(bundle->slaps[0].amputations.empty());
    EXPECT_EQ(bundle->slaps[0].segments.size(), 2u);
    ASSERT_EQ(bundle->skipped.size(), 1u);
    EXPECT_NE(bundle->skipped[0].find(text), std::string::npos) << bundle->skipped[0];
  };
  amp->subfields[1] = {"5", "ZZ"};
  skipped_with("14.018 AMP subfield 2 AMPCD");
  amp->subfields[1] = {"4", "UP"};
  skipped_with("finger 4 given twice");
  amp->subfields[1] = {"12", "UP"};
  skipped_with("14.018 AMP subfield 2 FGP");
  amp->subfields[1] = {"5"};
  skipped_with("1 items, expected 2");
}

TEST(NistEnrolmentBundleReader, TruncatedSlapTransactionIsRefused) {
  auto transaction = BuildTransactionFromBundle(SlapBundle(), FixedTime());
  ASSERT_TRUE(transaction.ok());
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok());
  bytes->resize(bytes->size() - 7);
  auto parsed = ParseAn2kTransaction(*bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("Type-14"), std::string::npos) << parsed.status().message();
}

TEST(NistEnrolmentBundleWriter, RejectsLocusWithoutReferenceNumber) {
  NistEnrolmentBundle bundle;
  bundle.dna = {{"D1S1656", {"12", "13"}}};
  auto transaction = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(transaction.ok());
  EXPECT_NE(transaction.status().message().find("D1S1656"), std::string::npos);
}

TEST(NistEnrolmentBundleWriter, RejectsUnknownCompressionAndUnreadableDimensions) {
  NistEnrolmentBundle bundle = SyntheticBundle();
  bundle.fingers[0].compression = "GIF";
  auto bad_compression = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(bad_compression.ok());
  EXPECT_NE(bad_compression.status().message().find("GIF"), std::string::npos);
  bundle = SyntheticBundle();
  bundle.faces[0].bytes = {1, 2, 3};
  auto no_size = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(no_size.ok());
  EXPECT_NE(no_size.status().message().find("face 1"), std::string::npos);
}

TEST(NistEnrolmentBundleWriter, RejectsSeparatorsInText) {
  NistEnrolmentBundle bundle;
  bundle.descriptive_text.push_back(An2kField::Text(18, std::string("DOE") + kGroupSeparator + "JOHN"));
  auto transaction = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(transaction.ok());
  EXPECT_NE(transaction.status().message().find("2.18"), std::string::npos);
}

// 18.016 item 3 (ALL) says whether allele calls follow; items 4 (LAI) and 5 (PCDT) do not.
TEST(An2kType18View, AlleleCallsFollowTheAlleleIndicatorOfItemThree) {
  TaggedRecord record;
  record.type = 18;
  record.fields = {An2kField::Text(2, "01"),
                   An2kField::Items(16, {{"0", "62", "1", "0", "0", "8", "9.3"}, {"0", "63", "0", "1", "1", "8", "8"}})};
  auto view = ReadType18DnaProfile(record);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_EQ(view->loci.size(), 2u);
  EXPECT_EQ(view->loci[0].locus_name, "TH01");
  EXPECT_EQ(view->loci[0].alleles, (std::vector<std::string>{"8", "9.3"}));
  EXPECT_EQ(view->loci[1].locus_name, "TPOX");
  EXPECT_TRUE(view->loci[1].alleles.empty());
}

// A Type-9 with only the INCITS 378 block (9.126-9.140), built here: pixel coordinates at
// 500 ppi become 0.01 mm, angles in units of 2 degrees become degrees, types 1/2/0 map to ridge
// ending / bifurcation / undetermined, and the block survives a write and re-read.
TaggedRecord Incits378Type9(std::vector<std::vector<std::string>> minutiae, const std::string& count) {
  TaggedRecord record;
  record.type = 9;
  record.fields = {An2kField::Text(2, "01"),   An2kField::Text(4, "U"),      An2kField::Text(128, "400"),
                   An2kField::Text(129, "500"), An2kField::Text(130, "1"),    An2kField::Text(131, "500"),
                   An2kField::Text(132, "500"), An2kField::Text(134, "7"),    An2kField::Text(136, count),
                   An2kField::Items(137, std::move(minutiae))};
  return record;
}

TEST(An2kType9View, Incits378BlockIsReadInHundredthsOfAMillimetre) {
  const TaggedRecord record =
      Incits378Type9({{"1", "100", "250", "45", "1", "80"}, {"2", "399", "0", "179", "2", "100"},
                      {"3", "10", "20", "0", "0", "0"}},
                     "3");
  auto view = ReadType9Minutiae(record);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_TRUE(view->has_value());
  const MinutiaeView& minutiae = **view;
  EXPECT_EQ(minutiae.block, An2kMinutiaeBlock::kIncits378);
  EXPECT_EQ(minutiae.finger_positions, std::vector<int>{7});
  ASSERT_EQ(minutiae.minutiae.size(), 3u);
  EXPECT_EQ(minutiae.minutiae[0].x, 508);   // 100 px at 500 ppi = 5.08 mm
  EXPECT_EQ(minutiae.minutiae[0].y, 1270);  // 250 px = 12.70 mm
  EXPECT_EQ(minutiae.minutiae[0].theta_degrees, 90);
  EXPECT_EQ(minutiae.minutiae[0].type, An2kMinutiaType::kRidgeEnding);
  EXPECT_EQ(minutiae.minutiae[0].quality, 80);
  EXPECT_EQ(minutiae.minutiae[1].theta_degrees, 358);
  EXPECT_EQ(minutiae.minutiae[1].type, An2kMinutiaType::kBifurcation);
  EXPECT_EQ(minutiae.minutiae[2].type, An2kMinutiaType::kUndetermined);
  // The image and its scale stay with the set, so the pixel coordinates can be given back.
  EXPECT_EQ(minutiae.image_width, 400);
  EXPECT_EQ(minutiae.image_height, 500);
  EXPECT_NEAR(minutiae.pixels_per_mm, 500 / 25.4, 1e-9);
}

TEST(An2kType9View, Incits378BlockRefusesInconsistentContent) {
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "100", "250", "45", "1", "80"}}, "2")).ok());  // NOM
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "400", "250", "45", "1", "80"}}, "1")).ok());  // X >= HLL
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "100", "250", "180", "1", "80"}}, "1")).ok());  // angle
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "100", "250", "45", "3", "80"}}, "1")).ok());  // type
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "100", "250", "45", "1", "101"}}, "1")).ok());  // quality
  EXPECT_FALSE(ReadType9Minutiae(Incits378Type9({{"1", "100", "250", "45", "1"}}, "1")).ok());  // items
  TaggedRecord unscaled = Incits378Type9({{"1", "100", "250", "45", "1", "80"}}, "1");
  unscaled.Find(130)->subfields = {{"0"}};
  auto refused = ReadType9Minutiae(unscaled);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("9.130"), std::string::npos) << refused.status().ToString();
}

TEST(NistEnrolmentBundleReader, Incits378MinutiaeOfABuiltTransactionReachTheBundle) {
  NistEnrolmentBundle empty;
  auto transaction = BuildTransactionFromBundle(empty, FixedTime());
  ASSERT_TRUE(transaction.ok()) << transaction.status().ToString();
  transaction->records.emplace_back(Incits378Type9({{"1", "100", "250", "45", "1", "80"}}, "1"));
  ASSERT_TRUE(RebuildContentField(*transaction).ok());
  auto bytes = SerializeAn2kTransaction(*transaction);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  auto bundle = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  ASSERT_EQ(bundle->minutiae.size(), 1u);
  EXPECT_EQ(bundle->minutiae[0].block, An2kMinutiaeBlock::kIncits378);
  EXPECT_EQ(bundle->minutiae[0].position, FingerPosition::kLeftIndex);
  ASSERT_EQ(bundle->minutiae[0].minutiae.size(), 1u);
  EXPECT_EQ(bundle->minutiae[0].minutiae[0].x, 508);
  EXPECT_EQ(bundle->minutiae[0].image_width, 400);
  EXPECT_EQ(bundle->minutiae[0].image_height, 500);
  EXPECT_NEAR(bundle->minutiae[0].pixels_per_mm, 500 / 25.4, 1e-9);
}

TEST(NistEnrolmentBundleWriter, Incits378MinutiaeSurviveWriteAndRead) {
  NistEnrolmentBundle source;
  source.transaction_control_number = "T-9";
  auto built = BuildTransactionFromBundle(source, FixedTime());
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  TaggedRecord type9 = Incits378Type9({{"1", "100", "250", "45", "1", "80"}, {"2", "399", "499", "179", "2", "100"},
                                       {"3", "10", "20", "0", "0", "0"}},
                                      "3");
  type9.fields.insert(type9.fields.begin() + 1, An2kField::Text(3, "1"));  // rolled live-scan
  built->records.emplace_back(std::move(type9));
  ASSERT_TRUE(RebuildContentField(*built).ok());
  auto first = ExtractEnrolmentBundle(*built);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->minutiae.size(), 1u);
  EXPECT_EQ(first->minutiae[0].impression_type, 1);

  auto written = BuildTransactionFromBundle(*first, FixedTime());
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto bytes = SerializeAn2kTransaction(*written);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto reparsed = ParseAn2kTransaction(*bytes);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  // The written block holds the original pixels, scale and codes.
  const TaggedRecord* written_type9 = nullptr;
  for (const An2kRecord& record : reparsed->records) {
    const auto* tagged = std::get_if<TaggedRecord>(&record);
    if (tagged != nullptr && tagged->type == 9) written_type9 = tagged;
  }
  ASSERT_NE(written_type9, nullptr);
  EXPECT_EQ(written_type9->Item(130).value_or(""), "1");
  EXPECT_EQ(written_type9->Item(131).value_or(""), "500");
  EXPECT_EQ(written_type9->Find(137)->subfields[1],
            (std::vector<std::string>{"2", "399", "499", "179", "2", "100"}));
  auto second = ExtractEnrolmentBundle(*reparsed);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->minutiae.size(), 1u);
  const NistMinutiae& a = first->minutiae[0];
  const NistMinutiae& b = second->minutiae[0];
  EXPECT_EQ(b.position, FingerPosition::kLeftIndex);
  EXPECT_EQ(b.impression_type, 1);
  EXPECT_EQ(b.image_width, a.image_width);
  EXPECT_EQ(b.image_height, a.image_height);
  EXPECT_DOUBLE_EQ(b.pixels_per_mm, a.pixels_per_mm);
  ASSERT_EQ(b.minutiae.size(), a.minutiae.size());
  for (std::size_t i = 0; i < a.minutiae.size(); ++i) {
    EXPECT_EQ(b.minutiae[i].x, a.minutiae[i].x) << i;
    EXPECT_EQ(b.minutiae[i].y, a.minutiae[i].y) << i;
    EXPECT_EQ(b.minutiae[i].theta_degrees, a.minutiae[i].theta_degrees) << i;
    EXPECT_EQ(b.minutiae[i].type, a.minutiae[i].type) << i;
    EXPECT_EQ(b.minutiae[i].quality, a.minutiae[i].quality) << i;
  }
}

TEST(NistEnrolmentBundleWriter, MinutiaeWithoutImageSizeOrScaleAreRefused) {
  NistEnrolmentBundle bundle;
  NistMinutiae legacy;  // as read from a standard-format block: 0.01 mm, no image, no scale
  legacy.minutiae.push_back({100, 200, 90, An2kMinutiaType::kRidgeEnding, 40});
  bundle.minutiae.push_back(legacy);
  auto refused = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("minutiae set 1"), std::string::npos) << refused.status().ToString();
  NistMinutiae outside = legacy;
  outside.image_width = 100;
  outside.image_height = 100;
  outside.pixels_per_mm = 500 / 25.4;  // 1 mm = 19.7 pixels: (1.00 mm, 2.00 mm) fits, 20 mm does not
  outside.minutiae[0].y = 2000;
  bundle.minutiae = {outside};
  refused = BuildTransactionFromBundle(bundle, FixedTime());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("outside the 100x100 image"), std::string::npos)
      << refused.status().ToString();
}

TEST(An2kDnaLocusTable, NamesAndNumbersMapBothWays) {
  EXPECT_EQ(LocusNameForReference(62).value_or(""), "TH01");
  EXPECT_EQ(LocusReferenceForName("th01").value_or(-1), 62);
  EXPECT_EQ(LocusReferenceForName("DLR-77").value_or(-1), 77);
  EXPECT_FALSE(LocusNameForReference(2).has_value());
  EXPECT_FALSE(LocusReferenceForName("D1S1656").has_value());
}

}  // namespace
}  // namespace abis::interop
