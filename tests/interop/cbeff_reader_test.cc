#include <gtest/gtest.h>

#include <chrono>

#include <filesystem>
#include <string>

#include "abis/interop/cbeff_biometrics.h"
#include "abis/interop/cbeff_reader.h"
#include "abis/interop/iso19794_4_finger_image_record.h"
#include "abis/interop/iso19794_5_face_image_record.h"
#include "abis/interop/jpeg2000_image.h"
#include "jpeg2000_test_encoder.h"
#include "mosip_sample_files.h"

namespace abis::interop {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): test helpers

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Base64, DecodesBothAlphabetsWithAndWithoutPadding) {
  Result<std::vector<std::uint8_t>> url = DecodeBase64Any("-_8");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, (std::vector<std::uint8_t>{0xFB, 0xFF}));
  Result<std::vector<std::uint8_t>> standard = DecodeBase64Any("+/8=\n");
  ASSERT_TRUE(standard.ok());
  EXPECT_EQ(*standard, *url);
  Result<std::vector<std::uint8_t>> text = DecodeBase64Any("RklSAA");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, (std::vector<std::uint8_t>{'F', 'I', 'R', 0}));
}

TEST(Base64, RejectsTruncatedOrForeignText) {
  EXPECT_FALSE(DecodeBase64Any("RklSA").ok());  // 5 symbols: a dangling 6-bit group
  EXPECT_FALSE(DecodeBase64Any("Rk*S").ok());
  EXPECT_FALSE(DecodeBase64Any("RkE=A").ok());
  EXPECT_FALSE(DecodeBase64Any("RkE===").ok());
}

TEST(Jpeg2000, DecodesALosslessGreyImageExactly) {
  const std::vector<std::uint8_t> pixels = TestPattern(37, 23);
  const std::vector<std::uint8_t> jp2 = EncodeJp2Lossless(37, 23, 1, pixels);
  ASSERT_FALSE(jp2.empty());
  Result<DecodedImage> decoded = DecodeJpeg2000(jp2);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 37);
  EXPECT_EQ(decoded->height, 23);
  EXPECT_EQ(decoded->channels, 1);
  EXPECT_EQ(decoded->pixels, pixels);
}

TEST(Jpeg2000, DecodesALosslessColourImageExactlyAndConvertsToGrey) {
  std::vector<std::uint8_t> rgb;
  for (std::uint8_t value : TestPattern(40, 36)) {
    rgb.insert(rgb.end(), {value, static_cast<std::uint8_t>(255 - value), static_cast<std::uint8_t>(value / 2)});
  }
  const std::vector<std::uint8_t> jp2 = EncodeJp2Lossless(40, 36, 3, rgb);
  ASSERT_FALSE(jp2.empty());
  Result<DecodedImage> decoded = DecodeJpeg2000(jp2);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->channels, 3);
  EXPECT_EQ(decoded->pixels, rgb);
  GreyImage grey = ToGrey(*decoded, 500);
  ASSERT_EQ(grey.pixels.size(), 40u * 36u);
  // BT.601 luma of (v, 255 - v, v / 2) for the first pixel.
  const double v = rgb[0];
  EXPECT_NEAR(grey.pixels[0], 0.299 * v + 0.587 * (255 - v) + 0.114 * rgb[2], 1.0);
  const std::vector<std::uint8_t> pgm = EncodePgm(grey);
  EXPECT_EQ(std::string(pgm.begin(), pgm.begin() + 13), "P5\n40 36\n255\n");
  EXPECT_EQ(pgm.size(), 13u + 40u * 36u);
}

// Found by jpeg2000_fuzzer: a few bytes declaring 8192x8192 in 63,744 tiles decoded (blank) in
// 1.3 s and 725 MB.
TEST(Jpeg2000, RefusesATinyCodestreamThatDeclaresAHugeTiledImage) {
  const std::string hex =
      "ff4fff510029000000002000000020000000000000000000000000210000002000000000000000000001070701ff52000c000000010001"
      "04040001ff5c00074040484850ff43726561746564206279204f70656e73696f6e20322e352e30ff90000a0000000000150001ff93cfb4"
      "0c02659f80ffd9";
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  auto started = std::chrono::steady_clock::now();
  auto decoded = interop::DecodeJpeg2000(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted) << decoded.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
}

TEST(Jpeg2000, RejectsATruncatedCodestreamInsteadOfReturningAPartialImage) {
  std::vector<std::uint8_t> jp2 = EncodeJp2Lossless(64, 64, 1, TestPattern(64, 64));
  ASSERT_GT(jp2.size(), 200u);
  jp2.resize(jp2.size() / 2);
  Result<DecodedImage> decoded = DecodeJpeg2000(jp2);
  EXPECT_FALSE(decoded.ok());
}

TEST(Jpeg2000, RejectsBytesThatAreNotJpeg2000) {
  const std::vector<std::uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'};
  EXPECT_FALSE(DecodeJpeg2000(jpeg).ok());
  EXPECT_FALSE(DecodeJpeg2000(std::vector<std::uint8_t>{}).ok());
}

TEST(IsoFingerImageRecord, ParsesAGeneratedRecord) {
  const std::vector<std::uint8_t> image = {1, 2, 3, 4, 5};
  Result<IsoFingerImageRecord> record = ParseIsoFingerImageRecord(BuildFingerRecord(7, 300, 400, image));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_EQ(record->representations.size(), 1u);
  const IsoFingerImageRepresentation& finger = record->representations[0];
  EXPECT_EQ(finger.finger_position, 7);
  EXPECT_EQ(finger.width, 300);
  EXPECT_EQ(finger.height, 400);
  EXPECT_EQ(finger.ImagePixelsPerInch(), 500);
  EXPECT_EQ(finger.compression, 5);
  ASSERT_EQ(finger.quality.size(), 1u);
  EXPECT_EQ(finger.quality[0].score, 77);
  EXPECT_EQ(finger.image_data, image);
  EXPECT_EQ(finger.capture_time.ToIso8601(), "2024-05-17T10:30:00.000Z");
}

TEST(IsoFingerImageRecord, RejectsEveryTruncationWithoutCrashing) {
  const std::vector<std::uint8_t> full = BuildFingerRecord(2, 10, 10, std::vector<std::uint8_t>(50, 7));
  for (std::size_t size = 0; size < full.size(); ++size) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_FALSE(ParseIsoFingerImageRecord(cut).ok()) << "accepted a record cut to " << size << " bytes";
  }
}

TEST(IsoFingerImageRecord, RejectsAnImageLengthOverrunningTheRepresentation) {
  std::vector<std::uint8_t> record = BuildFingerRecord(2, 10, 10, std::vector<std::uint8_t>(20, 7));
  record[record.size() - 20 - 1] = 0xFF;  // low byte of the image data length
  Result<IsoFingerImageRecord> parsed = ParseIsoFingerImageRecord(record);
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(Contains(parsed.status().message(), "image data")) << parsed.status().message();
}

TEST(IsoFingerImageRecord, ReportsBytesAfterTheRecordAsADeviation) {
  std::vector<std::uint8_t> record = BuildFingerRecord(2, 10, 10, std::vector<std::uint8_t>(20, 7));
  record.insert(record.end(), {9, 9, 9});
  std::vector<std::string> deviations;
  ASSERT_TRUE(ParseIsoFingerImageRecord(record, &deviations).ok());
  ASSERT_EQ(deviations.size(), 1u);
  EXPECT_TRUE(Contains(deviations[0], "3 bytes after")) << deviations[0];
}

TEST(IsoFaceImageRecord, ParsesAGeneratedRecord) {
  const std::vector<std::uint8_t> image = {0xFF, 0xD8, 0xFF, 0xD9};
  Result<IsoFaceImageRecord> record = ParseIsoFaceImageRecord(BuildFaceRecord(480, 640, image, 0));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_EQ(record->representations.size(), 1u);
  EXPECT_EQ(record->representations[0].width, 480);
  EXPECT_EQ(record->representations[0].height, 640);
  EXPECT_EQ(record->representations[0].image_data, image);
  EXPECT_EQ(IsoFaceImageDataTypeName(record->representations[0].image_data_type), "jpeg");
}

TEST(IsoFaceImageRecord, RejectsAFingerRecord) {
  EXPECT_FALSE(ParseIsoFaceImageRecord(BuildFingerRecord(2, 10, 10, {1, 2})).ok());
}

TEST(Cbeff, ReadsGeneratedFingersAndFaceAndReportsBadBirsOneByOne) {
  const std::vector<std::uint8_t> pixels = TestPattern(48, 64);
  const std::vector<std::uint8_t> jp2 = EncodeJp2Lossless(48, 64, 1, pixels);
  ASSERT_FALSE(jp2.empty());
  const std::string finger = EncodeBase64Url(BuildFingerRecord(2, 48, 64, jp2));
  const std::string face = EncodeBase64Url(BuildFaceRecord(2, 2, {0xFF, 0xD8, 0xFF, 0xD9}, 0));
  const std::string xml = BuildCbeffXml({
      {"Finger", "Right IndexFinger", "7", finger},
      {"Finger", "Left Thumb", "7", finger.substr(0, 101)},  // truncated base64
      {"Finger", "Left IndexFinger", "7", finger},           // subtype contradicts position 2
      {"Face", "", "8", face},
      {"Iris", "Left", "9", EncodeBase64Url({0xBC, 0x5E, 0x05, 0x83})},
  });
  Result<CbeffDocument> document = ParseCbeffXml(xml);
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  ASSERT_EQ(document->birs.size(), 5u);
  EXPECT_EQ(document->birs[0].subtypes, (std::vector<std::string>{"Right", "IndexFinger"}));
  EXPECT_EQ(document->birs[0].format_type, "7");
  EXPECT_EQ(document->birs[0].quality_score, 88);
  EXPECT_EQ(document->birs[0].version, "1.1");
  EXPECT_TRUE(document->birs[0].status.ok());
  EXPECT_FALSE(document->birs[1].status.ok());
  EXPECT_TRUE(Contains(document->birs[1].status.message(), "BIR 1 (Finger Left Thumb)")) << document->birs[1].status.message();

  CbeffBiometrics biometrics = ExtractCbeffBiometrics(*document);
  ASSERT_EQ(biometrics.fingers.size(), 1u);
  const CbeffFingerSample& sample = biometrics.fingers[0];
  EXPECT_EQ(sample.position, FingerPosition::kRightIndex);
  EXPECT_EQ(sample.image.width, 48);
  EXPECT_EQ(sample.image.height, 64);
  EXPECT_EQ(sample.image.pixels_per_inch, 500);
  EXPECT_EQ(sample.image.pixels, pixels);
  EXPECT_EQ(sample.iso_quality, 77);
  ASSERT_EQ(biometrics.faces.size(), 1u);
  EXPECT_EQ(biometrics.faces[0].image_format, "jpeg");
  EXPECT_FALSE(biometrics.faces[0].decoded.has_value());
  ASSERT_EQ(biometrics.skipped.size(), 3u);
  EXPECT_TRUE(Contains(biometrics.skipped[0], "not valid base64")) << biometrics.skipped[0];
  EXPECT_TRUE(Contains(biometrics.skipped[1], "contradicts")) << biometrics.skipped[1];
  EXPECT_TRUE(Contains(biometrics.skipped[2], "not an ISO/IEC 19794-6 iris record")) << biometrics.skipped[2];
}

TEST(Cbeff, RejectsMalformedXmlAndAForeignRoot) {
  EXPECT_FALSE(ParseCbeffXml("<BIR><BIR>").ok());
  EXPECT_FALSE(ParseCbeffXml("<Record/>").ok());
  EXPECT_FALSE(ParseCbeffXml("").ok());
}

TEST(Cbeff, DoesNotExpandExternalEntities) {
  const std::string xml = R"(<?xml version="1.0"?><!DOCTYPE BIR [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
                          R"(<BIR><BIR><BDBInfo><Type>Finger</Type></BDBInfo><BDB>&x;</BDB></BIR></BIR>)";
  Result<CbeffDocument> document = ParseCbeffXml(xml);
  if (!document.ok()) return;  // refusing the document is fine too
  ASSERT_EQ(document->birs.size(), 1u);
  EXPECT_TRUE(document->birs[0].bdb.empty());
  EXPECT_FALSE(document->birs[0].status.ok());
}

TEST(Cbeff, FingerPositionsFromSubtypes) {
  EXPECT_EQ(*FingerPositionFromCbeffSubtype({"Left", "LittleFinger"}), FingerPosition::kLeftLittle);
  EXPECT_EQ(*FingerPositionFromCbeffSubtype({"Right", "Thumb"}), FingerPosition::kRightThumb);
  EXPECT_FALSE(FingerPositionFromCbeffSubtype({"Left"}).ok());
  EXPECT_FALSE(FingerPositionFromCbeffSubtype({"Up", "Thumb"}).ok());
}

// The MOSIP documentation sample: 10 fingers, 1 face, 2 irises. Its finger BDBs were cut short in
// the documentation (3 do not even base64-decode; the other 7 decode to ISO records shorter than
// their declared length) and its iris BDBs are not ISO records; only the face is complete.
TEST(Cbeff, ReadsTheMosipDocumentationSampleWithPerBirErrors) {
  if (!std::filesystem::exists(MosipCbeffSample())) {
    GTEST_SKIP() << "MOSIP CBEFF sample not found at " << MosipCbeffSample() << " (set ABIS_DATA)";
  }
  Result<CbeffDocument> document = ReadCbeffFile(MosipCbeffSample());
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  ASSERT_EQ(document->birs.size(), 13u);
  int base64_failures = 0;
  for (const CbeffBir& bir : document->birs) base64_failures += bir.status.ok() ? 0 : 1;
  EXPECT_EQ(base64_failures, 3);
  EXPECT_FALSE(document->birs[2].status.ok());  // Right RingFinger
  EXPECT_EQ(document->birs[10].types, (std::vector<std::string>{"Face"}));
  EXPECT_EQ(document->birs[10].format_type, "8");
  EXPECT_EQ(document->birs[0].creation_date, "2022-01-28T22:36:17.448Z");
  EXPECT_TRUE(document->birs[0].has_security_block);
  ASSERT_EQ(document->others.size(), 1u);
  EXPECT_EQ(document->others[0].key, "CONFIGURED");

  CbeffBiometrics biometrics = ExtractCbeffBiometrics(*document);
  EXPECT_EQ(biometrics.fingers.size(), 0u);
  ASSERT_EQ(biometrics.faces.size(), 1u);
  const CbeffFaceSample& face = biometrics.faces[0];
  EXPECT_EQ(face.image_format, "jpeg2000-lossless");
  ASSERT_TRUE(face.decoded.has_value());
  EXPECT_EQ(face.decoded->width, face.width);
  EXPECT_EQ(face.decoded->height, face.height);
  EXPECT_GT(face.decoded->width, 0);
  ASSERT_EQ(biometrics.skipped.size(), 12u);
  int truncated_records = 0;
  int iris = 0;
  for (const std::string& line : biometrics.skipped) {
    if (Contains(line, "truncated record")) ++truncated_records;
    if (Contains(line, "not an ISO/IEC 19794-6 iris record")) ++iris;
  }
  EXPECT_EQ(truncated_records, 7);
  EXPECT_EQ(iris, 2);
  ASSERT_EQ(biometrics.deviations.size(), 1u);  // the face BDB carries bytes after its record
}

}  // namespace
}  // namespace abis::interop
