// The batch import manifest: columns, CRLF, quoted fields, bad rows named by their line, limits.
#include "abis/system/import_manifest.h"

#include <gtest/gtest.h>

namespace abis {
namespace {

constexpr const char* kHeader = "person,category,legal_basis,retention_until,modality,position,file\n";

TEST(ImportManifestTest, GroupsRowsByPersonAndResolvesPathsAgainstTheFolder) {
  const std::string text = std::string(kHeader) +
                           "P-1,citizen,Register Act,2099-01-01,finger,right_index,prints/1_1.iso\n"
                           "P-2,citizen,Register Act,2099-01-01,finger,2,/abs/2_1.iso\n"
                           "P-1,citizen,Register Act,2099-01-01,finger,left_index,prints/1_2.iso\n";
  auto manifest = ParseImportManifest(text, "/data/batch");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(manifest->rows, 3u);
  ASSERT_EQ(manifest->persons.size(), 2u);
  const ManifestPerson& first = manifest->persons[0];
  EXPECT_EQ(first.person.external_id, "P-1");
  EXPECT_EQ(first.person.category, PersonCategory::kCitizen);
  EXPECT_EQ(first.person.legal_basis, "Register Act");
  EXPECT_TRUE(first.errors.empty());
  ASSERT_EQ(first.rows.size(), 2u);
  EXPECT_EQ(first.rows[0].line, 2u);
  EXPECT_EQ(first.rows[1].line, 4u);
  EXPECT_EQ(first.rows[0].file, std::filesystem::path("/data/batch/prints/1_1.iso"));
  EXPECT_EQ(first.rows[1].position, FingerPosition::kLeftIndex);
  EXPECT_EQ(manifest->persons[1].rows[0].file, std::filesystem::path("/abs/2_1.iso"));
  EXPECT_EQ(manifest->persons[1].rows[0].position, FingerPosition::kRightIndex);
}

TEST(ImportManifestTest, AcceptsCrlfQuotedFieldsAndOptionalColumns) {
  const std::string text =
      "\xEF\xBB\xBFperson,category,legal_basis,retention_until,modality,position,file,sample_options,encounter\r\n"
      "P-1,citizen,\"Register Act, s. 4 \"\"biometrics\"\"\",2099-01-01,face,,\"my photos/a,b.jpg\","
      "\"{\"\"face_index\"\": 0}\",border\r\n"
      "\r\n";
  auto manifest = ParseImportManifest(text, "/d");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  ASSERT_EQ(manifest->persons.size(), 1u);
  const ManifestPerson& person = manifest->persons[0];
  EXPECT_TRUE(person.errors.empty()) << person.errors.front();
  EXPECT_EQ(person.person.legal_basis, "Register Act, s. 4 \"biometrics\"");
  EXPECT_EQ(person.encounter_kind, "border");
  EXPECT_EQ(person.rows[0].modality, Modality::kFace);
  EXPECT_EQ(person.rows[0].file, std::filesystem::path("/d/my photos/a,b.jpg"));
  EXPECT_EQ(person.rows[0].sample_options, nlohmann::json({{"face_index", 0}}));
  EXPECT_EQ(CsvLine(person.rows[0].cells).substr(0, 52), "P-1,citizen,\"Register Act, s. 4 \"\"biometrics\"\"\",2099");
}

TEST(ImportManifestTest, NamesEveryBadRowByLineAndFailsOnlyItsPerson) {
  const std::string text = std::string(kHeader) +
                           "P-1,citizen,Act,2099-01-01,finger,right_index,a.iso\n"        // line 2: good
                           "P-2,martian,Act,2099-01-01,finger,right_index,b.iso\n"        // 3: category
                           "P-3,citizen,Act,2099-01-01,iris,,c.iso\n"                     // 4: modality
                           "P-4,citizen,Act,2099-01-01,finger,thumb12,d.iso\n"            // 5: position
                           "P-5,citizen,Act,2099-01-01,finger,1\n"                        // 6: cell count
                           "P-1,citizen,Other Act,2099-01-01,finger,left_index,e.iso\n";  // 7: differs from line 2
  auto manifest = ParseImportManifest(text, "/d");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  ASSERT_EQ(manifest->persons.size(), 5u);
  auto error_of = [&](std::size_t person) {
    return manifest->persons[person].errors.empty() ? std::string() : manifest->persons[person].errors.front();
  };
  EXPECT_EQ(error_of(0).substr(0, 8), "line 7: ");
  EXPECT_NE(error_of(0).find("line 2"), std::string::npos);
  EXPECT_EQ(error_of(1).substr(0, 8), "line 3: ");
  EXPECT_EQ(error_of(2).substr(0, 8), "line 4: ");
  EXPECT_EQ(error_of(3).substr(0, 8), "line 5: ");
  EXPECT_EQ(error_of(4), "line 6: 6 cells, the header has 7");
}

TEST(ImportManifestTest, RefusesAMissingColumnAnUnclosedQuoteAndTooManyRows) {
  auto no_file = ParseImportManifest("person,category,legal_basis,retention_until,modality,position\n", "/d");
  ASSERT_FALSE(no_file.ok());
  EXPECT_NE(no_file.status().message().find("'file'"), std::string::npos);
  auto unclosed = ParseImportManifest(std::string(kHeader) + "P-1,citizen,\"Act,2099-01-01,finger,1,a\n", "/d");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.status().message().find("line 2"), std::string::npos);
  // The row limit is checked on the raw text, before any row is parsed.
  const std::string too_many = std::string(kHeader) + std::string(kMaxManifestRows + 1, '\n');
  auto refused = ParseImportManifest(too_many, "/d");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(ParseImportManifest("", "/d").ok());
}

}  // namespace
}  // namespace abis
