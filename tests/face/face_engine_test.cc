// End-to-end tests of the face engine on the shared sample photos. They need the models
// fetched by tools/fetch_models.sh and the data in abis::SharedDataDir(); each skips with a
// message when either is absent.
#include "abis/face/face_engine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/core/paths.h"

namespace abis::face {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class FaceEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(ModelDir() / "fr_feature.onnx")) return;
    FaceEngineOptions options;
    options.model_dir = ModelDir();
    Result<std::unique_ptr<FaceEngine>> created = FaceEngine::Create(options);
    if (created.ok()) {
      engine_ = std::move(created).value().release();
    } else {
      creation_error_ = new std::string(created.status().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete creation_error_;
    creation_error_ = nullptr;
  }

  void SetUp() override {
    if (!fs::exists(ModelDir() / "fr_feature.onnx")) {
      GTEST_SKIP() << "face models not fetched into " << ModelDir() << "; run bash tools/fetch_models.sh";
    }
    ASSERT_EQ(creation_error_, nullptr) << *creation_error_;
    samples_ = SharedDataDir() / "face" / "samples";
    if (!fs::is_directory(samples_)) GTEST_SKIP() << "face sample photos absent: " << samples_;
  }

  Result<BiometricTemplate> Enrol(const fs::path& relative, nlohmann::json options = nlohmann::json::object()) {
    SampleInput sample;
    sample.modality = Modality::kFace;
    sample.bytes = ReadFile(samples_ / relative);
    sample.source_name = relative.string();
    sample.options = std::move(options);
    return engine_->Extract(sample);
  }

  Result<BiometricTemplate> EnrolBytes(std::vector<std::uint8_t> bytes, const std::string& name) {
    SampleInput sample;
    sample.bytes = std::move(bytes);
    sample.source_name = name;
    return engine_->Extract(sample);
  }

  static FaceEngine* engine_;
  static std::string* creation_error_;
  fs::path samples_;
};

FaceEngine* FaceEngineTest::engine_ = nullptr;
std::string* FaceEngineTest::creation_error_ = nullptr;

TEST_F(FaceEngineTest, SamePersonScoresAboveDifferentPersons) {
  const auto obama = Enrol("knn_examples/train/obama/obama.jpg");
  const auto obama2 = Enrol("knn_examples/train/obama/obama2.jpg");
  const auto biden = Enrol("knn_examples/train/biden/biden.jpg");
  const auto biden2 = Enrol("knn_examples/train/biden/biden2.jpg");
  for (const auto* t : {&obama, &obama2, &biden, &biden2}) ASSERT_TRUE(t->ok()) << t->status().ToString();
  const double same_obama = engine_->Compare(*obama, *obama2)->score;
  const double same_biden = engine_->Compare(*biden, *biden2)->score;
  const double different = engine_->Compare(*obama, *biden)->score;
  EXPECT_GT(same_obama, different + 0.2);
  EXPECT_GT(same_biden, different + 0.2);
  // The calibrated operating point for FMR 1e-3 separates them too.
  const Result<double> threshold = engine_->ThresholdForFalseMatchRate(1e-3);
  ASSERT_TRUE(threshold.ok()) << threshold.status().ToString();
  EXPECT_GT(same_obama, *threshold);
  EXPECT_LT(different, *threshold);
}

TEST_F(FaceEngineTest, TwoFacesAreRejectedUnlessOneIsPicked) {
  const auto both = Enrol("knn_examples/test/obama_and_biden.jpg");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(RejectionOf(both.status()), FaceRejection::kMultipleFaces) << both.status().ToString();
  // The photo holds Biden and Obama and, at the bottom right, a partly visible child: the ONNX
  // detector reports 3 faces, left to right Biden, Obama, the child.
  EXPECT_NE(both.status().message().find("3 faces"), std::string::npos) << both.status().message();

  const auto obama = Enrol("knn_examples/train/obama/obama.jpg");
  ASSERT_TRUE(obama.ok());
  double best = -1.0;
  for (int index : {0, 1}) {
    const auto picked = Enrol("knn_examples/test/obama_and_biden.jpg", {{"face_index", index}});
    ASSERT_TRUE(picked.ok()) << picked.status().ToString();
    EXPECT_EQ(picked->quality["faces_found"], 3);
    best = std::max(best, engine_->Compare(*obama, *picked)->score);
  }
  EXPECT_GT(best, 0.4);  // one of the two leftmost faces is Obama
  EXPECT_FALSE(Enrol("knn_examples/test/obama_and_biden.jpg", {{"face_index", 5}}).ok());
}

TEST_F(FaceEngineTest, PngWithAlphaEnrolsAndCarriesQualityAndLiveness) {
  const auto alpha = Enrol("test_images/32bit.png");
  ASSERT_TRUE(alpha.ok()) << alpha.status().ToString();
  EXPECT_EQ(alpha->algorithm, "faceplugin-fr-feature/0.0.1");
  EXPECT_GT(alpha->quality["inter_eye_distance_px"].get<double>(), 16.0);
  EXPECT_GT(alpha->quality["sharpness"].get<double>(), 0.0);
  EXPECT_TRUE(alpha->quality.contains("yaw_degrees"));
  ASSERT_TRUE(alpha->quality.contains("presentation_attack"));
  EXPECT_EQ(alpha->quality["presentation_attack"]["gates"], false);
}

TEST_F(FaceEngineTest, BadFilesGiveClearErrors) {
  std::vector<std::uint8_t> corrupt = ReadFile(samples_ / "knn_examples/train/obama/obama.jpg");
  corrupt.resize(corrupt.size() / 2);
  const auto truncated = EnrolBytes(corrupt, "corrupt.jpg");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("corrupt.jpg"), std::string::npos);

  std::vector<std::uint8_t> one_pixel;
  cv::imencode(".png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(9, 9, 9)), one_pixel);
  const auto tiny = EnrolBytes(one_pixel, "1x1.png");
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("1x1"), std::string::npos) << tiny.status().message();

  std::vector<std::uint8_t> huge;
  cv::imencode(".jpg", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), huge);
  for (std::size_t i = 2; i + 8 < huge.size(); ++i) {  // patch the SOF0 dimensions to 30000x30000
    if (huge[i] == 0xFF && huge[i + 1] == 0xC0) {
      huge[i + 5] = 0x75;
      huge[i + 6] = 0x30;
      huge[i + 7] = 0x75;
      huge[i + 8] = 0x30;
      break;
    }
  }
  const auto claimed = EnrolBytes(huge, "huge.jpg");
  ASSERT_FALSE(claimed.ok());
  EXPECT_EQ(claimed.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(claimed.status().message().find("30000x30000"), std::string::npos) << claimed.status().message();

  const std::string text = "name,dob\nalice,1990-01-01\n";
  const auto not_image = EnrolBytes(std::vector<std::uint8_t>(text.begin(), text.end()), "text.jpg");
  ASSERT_FALSE(not_image.ok());
  EXPECT_NE(not_image.status().message().find("not a supported image"), std::string::npos);

  std::vector<std::uint8_t> blank;
  cv::imencode(".png", cv::Mat(200, 200, CV_8UC3, cv::Scalar(128, 128, 128)), blank);
  const auto no_face = EnrolBytes(blank, "blank.png");
  ASSERT_FALSE(no_face.ok());
  EXPECT_EQ(RejectionOf(no_face.status()), FaceRejection::kNoFace);
}

TEST_F(FaceEngineTest, TemplatesOfAnotherModelAreNeverCompared) {
  auto obama = Enrol("knn_examples/train/obama/obama.jpg");
  ASSERT_TRUE(obama.ok());
  BiometricTemplate other = *obama;
  other.algorithm = "some-other-model/2";
  EXPECT_EQ(engine_->Compare(*obama, other).status().code(), StatusCode::kInvalidArgument);
  auto gallery = engine_->NewGallery();
  EXPECT_FALSE(gallery->Add(1, other).ok());
  ASSERT_TRUE(gallery->Add(2, *obama).ok());
  const auto found = gallery->Search(*obama, 1);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->at(0).reference_id, 2);
}

TEST_F(FaceEngineTest, ModelWithWrongChecksumIsRefused) {
  Result<ModelManifest> manifest = LoadModelManifest(DefaultManifestPath(ModelDir()));
  ASSERT_TRUE(manifest.ok());
  std::ifstream in(DefaultManifestPath(ModelDir()));
  nlohmann::json json = nlohmann::json::parse(in);
  json["embedders"][0]["sha256"] = std::string(64, '0');
  const fs::path wrong = fs::temp_directory_path() / "abis_face_wrong_manifest.json";
  std::ofstream(wrong) << json.dump();
  FaceEngineOptions options;
  options.model_dir = ModelDir();
  options.manifest_path = wrong;
  const auto refused = FaceEngine::Create(options);
  fs::remove(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("refusing"), std::string::npos);
}

TEST_F(FaceEngineTest, DlibFrontEndAlsoEnrols) {
  FaceEngineOptions options;
  options.model_dir = ModelDir();
  options.front_end = FrontEnd::kDlib;
  options.liveness = false;
  const auto dlib_engine = FaceEngine::Create(options);
  ASSERT_TRUE(dlib_engine.ok()) << dlib_engine.status().ToString();
  SampleInput sample;
  sample.bytes = ReadFile(samples_ / "knn_examples/train/biden/biden.jpg");
  sample.source_name = "biden.jpg";
  const auto from_dlib = (*dlib_engine)->Extract(sample);
  const auto from_onnx = engine_->Extract(sample);
  ASSERT_TRUE(from_dlib.ok()) << from_dlib.status().ToString();
  ASSERT_TRUE(from_onnx.ok());
  EXPECT_GT(engine_->Compare(*from_dlib, *from_onnx)->score, 0.7);  // same model, same face
}

// Two photos of one person each pasted side by side (same height): a still with two faces.
std::vector<std::uint8_t> SideBySide(const fs::path& left, const fs::path& right) {
  std::vector<cv::Mat> parts;
  for (const fs::path& file : {left, right}) {
    cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
    cv::Mat scaled;
    cv::resize(image, scaled, cv::Size(image.cols * 400 / image.rows, 400));
    parts.push_back(scaled);
  }
  cv::Mat still;
  cv::hconcat(parts, still);
  std::vector<std::uint8_t> bytes;
  cv::imencode(".png", still, bytes);
  return bytes;
}

TEST_F(FaceEngineTest, TwoFacesSideBySideAreTwoSubjectsEachExtractedByItsOptions) {
  SampleInput still;
  still.bytes =
      SideBySide(samples_ / "knn_examples/train/obama/obama.jpg", samples_ / "knn_examples/train/biden/biden.jpg");
  still.source_name = "obama+biden.png";
  const auto subjects = engine_->FindSubjects(still);
  ASSERT_TRUE(subjects.ok()) << subjects.status().ToString();
  ASSERT_EQ(subjects->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const SubjectInSample& face = (*subjects)[i];
    EXPECT_EQ(face.index, i);
    EXPECT_TRUE(face.usable()) << face.skipped_detail;
    EXPECT_EQ(face.options["face_index"], i);
    ASSERT_TRUE(face.region.has_value());
    EXPECT_GT(face.region->width, 40.0);
    EXPECT_GT(face.quality["inter_eye_distance_px"].get<double>(), 16.0);
  }
  EXPECT_LT((*subjects)[0].region->x + (*subjects)[0].region->width, (*subjects)[1].region->x);

  // The whole still is refused, naming the two ways forward.
  const auto whole = engine_->Extract(still);
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(RejectionOf(whole.status()), FaceRejection::kMultipleFaces);
  EXPECT_NE(whole.status().message().find("--each-face"), std::string::npos) << whole.status().message();
  EXPECT_NE(whole.status().message().find("eachFace"), std::string::npos) << whole.status().message();
  EXPECT_NE(whole.status().message().find("face_index"), std::string::npos) << whole.status().message();

  // Each subject's options extract that face: left is Obama, right is Biden.
  const auto obama = Enrol("knn_examples/train/obama/obama2.jpg");
  const auto biden = Enrol("knn_examples/train/biden/biden2.jpg");
  ASSERT_TRUE(obama.ok() && biden.ok());
  std::vector<BiometricTemplate> faces;
  for (const SubjectInSample& face : *subjects) {
    SampleInput one = still;
    one.options = face.options;
    const auto extracted = engine_->Extract(one);
    ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
    faces.push_back(*extracted);
  }
  EXPECT_GT(engine_->Compare(faces[0], *obama)->score, engine_->Compare(faces[0], *biden)->score);
  EXPECT_GT(engine_->Compare(faces[1], *biden)->score, engine_->Compare(faces[1], *obama)->score);

  // An option that picks one face lists that face only.
  still.options = {{"face_index", 1}};
  const auto picked = engine_->FindSubjects(still);
  ASSERT_TRUE(picked.ok());
  ASSERT_EQ(picked->size(), 1u);
  EXPECT_EQ(picked->front().index, 1u);
  EXPECT_EQ(picked->front().region->x, (*subjects)[1].region->x);
}

TEST_F(FaceEngineTest, FacesBelowTheQualityFloorAreListedAsSkippedWithTheirReason) {
  // obama_and_biden.jpg: Biden, Obama and, bottom right, a child's face measured at about 49 px
  // between the eyes; a floor of 60 px leaves the child out.
  FaceEngineOptions options;
  options.model_dir = ModelDir();
  options.liveness = false;
  options.quality_limits.min_inter_eye_distance_px = 60.0;
  const auto strict = FaceEngine::Create(options);
  ASSERT_TRUE(strict.ok()) << strict.status().ToString();
  SampleInput still;
  still.bytes = ReadFile(samples_ / "knn_examples/test/obama_and_biden.jpg");
  still.source_name = "obama_and_biden.jpg";
  const auto subjects = (*strict)->FindSubjects(still);
  ASSERT_TRUE(subjects.ok()) << subjects.status().ToString();
  ASSERT_EQ(subjects->size(), 3u);
  EXPECT_TRUE((*subjects)[0].usable()) << (*subjects)[0].skipped_detail;
  EXPECT_TRUE((*subjects)[1].usable()) << (*subjects)[1].skipped_detail;
  EXPECT_EQ((*subjects)[2].skipped_reason, "too_small");
  EXPECT_NE((*subjects)[2].skipped_detail.find("below the minimum 60.0 px"), std::string::npos)
      << (*subjects)[2].skipped_detail;
  EXPECT_LT((*subjects)[2].quality["inter_eye_distance_px"].get<double>(), 60.0);
  // The skipped face is refused by Extract too: the list says what Extract would do.
  still.options = (*subjects)[2].options;
  EXPECT_EQ(RejectionOf((*strict)->Extract(still).status()), FaceRejection::kTooSmall);

  // The default floor keeps all three.
  still.options = nlohmann::json::object();
  const auto lenient = engine_->FindSubjects(still);
  ASSERT_TRUE(lenient.ok());
  ASSERT_EQ(lenient->size(), 3u);
  EXPECT_TRUE((*lenient)[2].usable()) << (*lenient)[2].skipped_detail;
}

TEST_F(FaceEngineTest, FindSubjectsOfOneFaceOrNoFace) {
  SampleInput single;
  single.bytes = ReadFile(samples_ / "knn_examples/train/biden/biden.jpg");
  single.source_name = "biden.jpg";
  const auto one = engine_->FindSubjects(single);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_TRUE(one->front().usable());
  EXPECT_EQ(one->front().options["face_index"], 0);

  SampleInput blank;
  cv::imencode(".png", cv::Mat(200, 200, CV_8UC3, cv::Scalar(128, 128, 128)), blank.bytes);
  blank.source_name = "blank.png";
  EXPECT_EQ(RejectionOf(engine_->FindSubjects(blank).status()), FaceRejection::kNoFace);
}

}  // namespace
}  // namespace abis::face
