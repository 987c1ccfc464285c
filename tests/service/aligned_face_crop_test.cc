// GET /ui/api/candidates/{id}/{probes|samples}/{id}/image/aligned: the face crop the face engine
// embeds (landmarks, similarity transform to the model's input), served on the image route with
// its access checks and its audit. The real face engine runs on the shared sample photos (skipped
// when the models or the photos are absent); the refusals also run on the test engine.
#include <fstream>
#include <iterator>

#include "abis/core/paths.h"
#include "abis/face/face_engine.h"
#include "service_fixture.h"

namespace abis::service {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Width and height from a PNG's IHDR chunk; {0, 0} when `body` is no PNG.
std::pair<int, int> PngSize(const std::string& body) {
  if (body.size() < 24 || body.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || body.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  auto word = [&](std::size_t at) {
    int value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(body[at + i]);
    return value;
  };
  return {word(16), word(20)};
}

std::string ImagePath(std::int64_t candidate, const char* kind, std::int64_t id, bool aligned) {
  return "/ui/api/candidates/" + std::to_string(candidate) + "/" + kind + "/" + std::to_string(id) + "/image" +
         (aligned ? "/aligned" : "");
}

std::int64_t PreparedViews(AbisSystem& system) {
  auto query = RawDatabase(system.TEST_store())
                   .Prepare(
                       "SELECT count(*) FROM audit_log WHERE action = 'candidate.image.read' AND "
                       "json_extract(result, '$.view') = 'prepared'");
  EXPECT_TRUE(*query->Step());
  return query->ColumnInt(0);
}

class AlignedFaceCropTest : public ServiceTest {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(ModelDir() / "fr_feature.onnx")) return;
    face::FaceEngineOptions options;
    options.model_dir = ModelDir();
    auto created = face::FaceEngine::Create(options);
    if (created.ok()) real_face_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete real_face_;
    real_face_ = nullptr;
  }
  void SetUp() override {
    if (real_face_ == nullptr)
      GTEST_SKIP() << "face models not fetched into " << ModelDir() << " (tools/fetch_models.sh)";
    photos_ = SharedDataDir() / "face" / "samples" / "knn_examples" / "train" / "obama";
    if (!fs::exists(photos_ / "obama.jpg")) GTEST_SKIP() << "shared face photos absent: " << photos_;
    ServiceTest::SetUp();
  }
  ServiceConfig TestConfig() override {
    ServiceConfig config = ServiceTest::TestConfig();
    config.max_body_bytes = 4u << 20;  // the photos are larger than the test engine's samples
    return config;
  }
  EngineProvider Engines() override {
    return [this](Modality modality) -> Result<const ModalityEngine*> {
      if (modality == Modality::kFinger) return static_cast<const ModalityEngine*>(&finger_engine_);
      return static_cast<const ModalityEngine*>(real_face_);
    };
  }
  nlohmann::json FaceItem(const std::string& file) {
    return {{"biometricType", "FACE"}, {"image", EncodeBase64(ReadFile(photos_ / file))}};
  }

  static face::FaceEngine* real_face_;
  fs::path photos_;
};

face::FaceEngine* AlignedFaceCropTest::real_face_ = nullptr;

TEST_F(AlignedFaceCropTest, BothCropsAreTheModelInputSizeAndEveryViewIsAudited) {
  nlohmann::json encounter = NewPersonEncounter(1);
  encounter["biometricData"] = {FaceItem("obama.jpg")};
  auto enrolled = Client().Post("/v1/persons?transactionId=t1", Auth("eve"), encounter.dump(), "application/json");
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  auto found = Identify("ian", {{"biometricData", {FaceItem("obama2.jpg")}}});
  ASSERT_EQ(found->status, 200) << found->body;
  std::int64_t candidate = nlohmann::json::parse(found->body).at(0).at("others").at("candidateId");
  auto view = Client().Get("/ui/api/candidates/" + std::to_string(candidate), Auth("exa"));
  ASSERT_EQ(view->status, 200) << view->body;
  auto body = nlohmann::json::parse(view->body);
  std::int64_t probe = body.at("probes").at(0).at("id");
  std::int64_t sample = body.at("candidateSamples").at(0).at("id");
  const std::int64_t views_before = AuditCount("candidate.image.read");

  const std::pair<int, int> input{real_face_->model().input_width, real_face_->model().input_height};
  for (auto [kind, id] : {std::pair{"probes", probe}, std::pair{"samples", sample}}) {
    auto crop = Client().Get(ImagePath(candidate, kind, id, true), Auth("exa"));
    ASSERT_EQ(crop->status, 200) << kind << ": " << crop->body;
    EXPECT_EQ(crop->get_header_value("Content-Type"), "image/png");
    EXPECT_EQ(crop->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(PngSize(crop->body), input) << kind;
    // The full image is still served as stored.
    auto full = Client().Get(ImagePath(candidate, kind, id, false), Auth("exa"));
    ASSERT_EQ(full->status, 200);
    EXPECT_EQ(full->get_header_value("Content-Type"), "image/jpeg");
  }
  EXPECT_EQ(AuditCount("candidate.image.read"), views_before + 4);
  EXPECT_EQ(PreparedViews(*system_), 2);

  // No key, no session: 401; a role that may not read reviews: 403; neither is a view.
  EXPECT_EQ(Client().Get(ImagePath(candidate, "probes", probe, true))->status, 401);
  EXPECT_EQ(Client().Get(ImagePath(candidate, "probes", probe, true), Auth("eve"))->status, 403);
  EXPECT_EQ(Client().Get(ImagePath(candidate, "samples", sample + 1000, true), Auth("exa"))->status, 404);
  EXPECT_EQ(PreparedViews(*system_), 2);
}

// An engine that prepares no image (here the test face engine) answers 501 with the reason, which
// the page shows as text; the view of the sample is audited all the same.
TEST_F(ServiceTest, AnAlignedCropTheEngineCannotMakeIsAnErrorWithTheReasonAndIsAudited) {
  EnrolNewPerson(86);
  auto found = Identify("ian", {{"biometricData", {BiometricItem(86)}}});
  ASSERT_EQ(found->status, 200) << found->body;
  std::int64_t candidate = nlohmann::json::parse(found->body).at(0).at("others").at("candidateId");
  auto view = Client().Get("/ui/api/candidates/" + std::to_string(candidate), Auth("exa"));
  ASSERT_EQ(view->status, 200) << view->body;
  std::int64_t probe = nlohmann::json::parse(view->body).at("probes").at(0).at("id");
  auto crop = Client().Get(ImagePath(candidate, "probes", probe, true), Auth("exa"));
  EXPECT_EQ(crop->status, 501);
  EXPECT_NE(crop->body.find("prepares no image"), std::string::npos) << crop->body;
  EXPECT_EQ(PreparedViews(*system_), 1);
  EXPECT_EQ(Client().Get(ImagePath(candidate, "probes", probe, true))->status, 401);
  EXPECT_EQ(Client().Get(ImagePath(candidate, "probes", probe, true), Auth("eve"))->status, 403);
  EXPECT_EQ(PreparedViews(*system_), 1);
}

}  // namespace
}  // namespace abis::service
