#include "abis/face/model_manifest.h"

#include <fstream>

#include <gtest/gtest.h>

namespace abis::face {
namespace {

namespace fs = std::filesystem;

TEST(ModelManifestTest, ParsesTheShippedManifest) {
  const Result<ModelManifest> manifest = LoadModelManifest(fs::path(ABIS_SOURCE_DIR) / "models" / "manifest.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  const Result<EmbeddingModelSpec> spec = manifest->FindEmbedder("");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->input_width, 112);
  EXPECT_EQ(spec->embedding_size, 512);
  EXPECT_TRUE(spec->rgb);
  EXPECT_NEAR(spec->alignment_reference[0].x, 38.2946, 1e-3);
  EXPECT_TRUE(manifest->FindAuxiliary("detector").ok());
  EXPECT_FALSE(manifest->FindEmbedder("no-such-model/1").ok());
}

TEST(ModelManifestTest, RejectsEntryWithoutChecksum) {
  const Result<ModelManifest> manifest = ParseModelManifest(
      R"({"format":"abis-face-model-manifest/1","embedders":[{"id":"x/1","name":"x","version":"1","file":"x.onnx",
          "sha256":"abc","input_width":112,"input_height":112,"mean":[0,0,0],"scale":1,"colour_order":"rgb",
          "alignment_reference":[[0,0],[1,0],[0,1],[1,1],[2,2]],"embedding_size":8}]})",
      "test");
  ASSERT_FALSE(manifest.ok());
  EXPECT_NE(manifest.status().message().find("sha256"), std::string::npos);
}

TEST(ModelManifestTest, RefusesFileWithWrongSha256) {
  const fs::path path = fs::temp_directory_path() / "abis_face_wrong_model.onnx";
  std::ofstream(path) << "not the pinned model";
  const Status status =
      VerifyModelFile(path, "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581");
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("refusing"), std::string::npos);
  const Result<std::string> digest = Sha256OfFile(path);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(VerifyModelFile(path, *digest).code(), StatusCode::kOk);
  fs::remove(path);
  EXPECT_EQ(VerifyModelFile(path, *digest).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace abis::face
