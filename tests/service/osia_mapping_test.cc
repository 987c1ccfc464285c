#include "abis/service/osia_mapping.h"

#include <gtest/gtest.h>

#include "abis/service/callback_client.h"
#include "abis/store/crypto.h"

namespace abis::service {
namespace {

TEST(OsiaMappingTest, Base64RoundTripsAndRejectsGarbage) {
  ASSERT_TRUE(InitCrypto().ok());
  std::vector<std::uint8_t> bytes = {0, 1, 2, 250, 251, 252, 253};
  auto decoded = DecodeBase64(EncodeBase64(bytes), "x");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, bytes);
  EXPECT_TRUE(DecodeBase64("AAECAw", "x").ok());  // padding optional
  auto bad = DecodeBase64("AA=C", "biometricData[0].image");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("biometricData[0].image"), std::string::npos);
}

TEST(OsiaMappingTest, FingerSubTypesMapToAnsiNistPositions) {
  EXPECT_EQ(*FingerPositionFromSubType("RIGHT_INDEX", "f"), FingerPosition::kRightIndex);
  EXPECT_EQ(*FingerPositionFromSubType("LEFT_LITTLE", "f"), FingerPosition::kLeftLittle);
  EXPECT_EQ(BiometricSubTypeOf(FingerPosition::kLeftThumb), "LEFT_THUMB");
  EXPECT_FALSE(FingerPositionFromSubType("RIGHT_FULL_PALM", "f").ok());
}

TEST(OsiaMappingTest, SampleNeedsAnImageAndRefusesReferences) {
  ASSERT_TRUE(InitCrypto().ok());
  auto missing = SampleFromBiometricData({{"biometricType", "FACE"}}, "b[0]");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  auto reference = SampleFromBiometricData({{"biometricType", "FACE"}, {"imageRef", "http://x"}}, "b[0]");
  EXPECT_EQ(reference.status().code(), StatusCode::kUnimplemented);
  auto finger = SampleFromBiometricData(
      {{"biometricType", "FINGER"}, {"biometricSubType", "LEFT_INDEX"}, {"image", "AAECAwQFBgc="}, {"compression", "WSQ"}},
      "b[0]");
  ASSERT_TRUE(finger.ok()) << finger.status().ToString();
  EXPECT_EQ(finger->position, FingerPosition::kLeftIndex);
  EXPECT_EQ(finger->format_hint, "wsq");
  EXPECT_EQ(finger->bytes.size(), 8u);
}

// Issue 18, item 4: engine options reach the sample over HTTP too (a photo with several faces
// names the face to use), within limits.
TEST(OsiaMappingTest, SampleOptionsAreAcceptedWithinLimits) {
  nlohmann::json item = {{"biometricType", "FACE"}, {"image", "AAAA"}, {"options", {{"face_index", 1}}}};
  auto sample = SampleFromBiometricData(item, "biometricData[0]");
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->options.at("face_index"), 1);
  item["options"] = {{"face_index", {{"nested", 1}}}};
  EXPECT_EQ(SampleFromBiometricData(item, "biometricData[0]").status().code(), StatusCode::kInvalidArgument);
  item["options"] = nlohmann::json::array({1});
  EXPECT_EQ(SampleFromBiometricData(item, "biometricData[0]").status().code(), StatusCode::kInvalidArgument);
  item["options"] = nlohmann::json::object();
  for (int i = 0; i < 9; ++i) item["options"]["k" + std::to_string(i)] = i;
  EXPECT_EQ(SampleFromBiometricData(item, "biometricData[0]").status().code(), StatusCode::kInvalidArgument);
  item["options"] = {{std::string(40, 'k'), 1}};
  EXPECT_EQ(SampleFromBiometricData(item, "biometricData[0]").status().code(), StatusCode::kInvalidArgument);
  item["options"] = {{"note", std::string(65, 'x')}};
  EXPECT_EQ(SampleFromBiometricData(item, "biometricData[0]").status().code(), StatusCode::kInvalidArgument);
}

TEST(OsiaMappingTest, FilterKeepsOnlyTheListedModalities) {
  ASSERT_TRUE(InitCrypto().ok());
  nlohmann::json body = {{"filter", {{"biometricType", {"FINGER"}}}},
                         {"biometricData",
                          {{{"biometricType", "FACE"}, {"image", "AAECAwQFBgc="}},
                           {{"biometricType", "FINGER"}, {"image", "AAECAwQFBgc="}}}}};
  auto samples = SamplesFromRequest(body, 10);
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_EQ(samples->front().modality, Modality::kFinger);
  EXPECT_FALSE(SamplesFromRequest({{"biometricData", nlohmann::json::array()}}, 10).ok());
}

TEST(CallbackUrlTest, OnlyLoopbackOrListedHostsAreAllowed) {
  EXPECT_TRUE(ParseCallbackUrl("http://127.0.0.1:8080/cb?x=1", {}).ok());
  EXPECT_TRUE(ParseCallbackUrl("http://localhost/cb", {}).ok());
  EXPECT_TRUE(ParseCallbackUrl("http://[::1]:9/cb", {}).ok());
  EXPECT_EQ(ParseCallbackUrl("http://10.0.0.5/cb", {}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ParseCallbackUrl("http://127.0.0.1.evil.com/cb", {}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(ParseCallbackUrl("https://hooks.example.org/a", {"hooks.example.org"}).ok());
  EXPECT_EQ(ParseCallbackUrl("ftp://127.0.0.1/", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCallbackUrl("http://user@127.0.0.1/", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCallbackUrl("http://127.0.0.1:99999/", {}).status().code(), StatusCode::kInvalidArgument);
  auto target = ParseCallbackUrl("http://127.0.0.1:8080/cb?x=1", {});
  EXPECT_EQ(target->scheme_host_port, "http://127.0.0.1:8080");
  EXPECT_EQ(target->path, "/cb?x=1");
}

}  // namespace
}  // namespace abis::service
