// `abis search --each-face` end to end with the real face engine on the shared photo of Biden,
// Obama and a child (knn_examples/test/obama_and_biden.jpg). Skips with a message when the face
// models or the shared data are absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../support/cli_runner.h"
#include "../support/test_engine.h"
#include "abis/core/paths.h"

namespace abis {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::RunCli;

class EachFaceCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(ModelDir() / "fr_feature.onnx")) {
      GTEST_SKIP() << "face models not fetched into " << ModelDir() << "; run bash tools/fetch_models.sh";
    }
    samples_ = SharedDataDir() / "face" / "samples" / "knn_examples";
    if (!fs::is_directory(samples_)) GTEST_SKIP() << "face sample photos absent: " << samples_;
    store_ = (dir_.path() / "store").string();
    CliRun init = RunCli({"init", "--store", store_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    admin_key_ = init.LastLine().substr(9);
    enroller_key_ = AddUser("eve", "enroller");
    investigator_key_ = AddUser("ian", "investigator");
    ASSERT_EQ(Run({"gallery", "create", "--name", "register"}, admin_key_).exit_code, 0);
    for (const std::string person : {"obama", "biden"}) {
      CliRun added = Run({"person", "add", "--id", person, "--category", "citizen", "--legal-basis", "Register Act",
                          "--retention-until", "2099-01-01"},
                         admin_key_);
      ASSERT_EQ(added.exit_code, 0) << added.err;
      CliRun enrolled = Run({"enrol", "--person", person, "--modality", "face", "--file",
                             (samples_ / "train" / person / (person + ".jpg")).string(), "--gallery", "register"},
                            enroller_key_);
      ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    }
  }

  std::string AddUser(const std::string& name, const std::string& role) {
    CliRun added = Run({"user", "add", "--name", name, "--role", role}, admin_key_);
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.LastLine().substr(9);
  }

  CliRun Run(std::vector<std::string> args, const std::string& key) {
    args.insert(args.begin(), {"--store", store_});
    return RunCli(args, {{"ABIS_API_KEY", key}});
  }

  std::vector<std::string> SearchStill() const {
    return {"search",
            "--gallery",
            "register",
            "--probe",
            "face:" + (samples_ / "test" / "obama_and_biden.jpg").string(),
            "--purpose",
            "criminal_investigation",
            "--case",
            "CAM-1"};
  }

  testing::TempDir dir_;
  fs::path samples_;
  std::string store_, admin_key_, enroller_key_, investigator_key_;
};

TEST_F(EachFaceCliTest, EachFaceSearchAnswersPerFaceAndPlainSearchNamesTheWay) {
  CliRun plain = Run(SearchStill(), investigator_key_);
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_NE(plain.err.find("multiple_faces"), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("--each-face"), std::string::npos) << plain.err;

  std::vector<std::string> args = SearchStill();
  args.push_back("--each-face");
  CliRun text = Run(args, investigator_key_);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("searched 3 of 3 face(s)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("face 1 at "), std::string::npos) << text.out;

  args.insert(args.begin(), "--json");
  CliRun json = Run(args, investigator_key_);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json answer = nlohmann::json::parse(json.LastLine());
  EXPECT_EQ(answer["faces_found"], 3);
  ASSERT_GE(answer["faces"].size(), 2u);
  // Left to right: Biden, then Obama; each found first and a hit in its own search.
  EXPECT_EQ(answer["faces"][0]["face_index"], 0);
  EXPECT_EQ(answer["faces"][0]["search"]["candidates"][0]["external_id"], "biden");
  EXPECT_EQ(answer["faces"][0]["search"]["candidates"][0]["hit"], true);
  EXPECT_EQ(answer["faces"][1]["face_index"], 1);
  EXPECT_EQ(answer["faces"][1]["search"]["candidates"][0]["external_id"], "obama");
  EXPECT_EQ(answer["faces"][1]["search"]["candidates"][0]["hit"], true);
  EXPECT_GT(answer["faces"][1]["box"]["x"].get<int>(), answer["faces"][0]["box"]["x"].get<int>());
  EXPECT_NE(answer["faces"][0]["search"]["audit_seq"], answer["faces"][1]["search"]["audit_seq"]);
}

TEST_F(EachFaceCliTest, EnrolmentOfTheStillIsStillRefused) {
  CliRun enrol = Run({"enrol", "--person", "obama", "--modality", "face", "--file",
                      (samples_ / "test" / "obama_and_biden.jpg").string()},
                     enroller_key_);
  EXPECT_NE(enrol.exit_code, 0);
  EXPECT_NE(enrol.err.find("multiple_faces"), std::string::npos) << enrol.err;
  EXPECT_EQ(enrol.err.find("enrolled"), std::string::npos) << enrol.err;
}

}  // namespace
}  // namespace abis
