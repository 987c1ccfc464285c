// OSIA encounter management over HTTP: caller-chosen encounter ids, read/update/delete of one
// encounter, status, galleries, merge and move of identity records, identification from stored
// data, verification of two sets and gallery listing.
#include "service_fixture.h"

namespace abis::service {
namespace {

class OsiaEncounterTest : public ServiceTest {
 protected:
  httplib::Result CreateEncounter(const std::string& person, const std::string& encounter, nlohmann::json body) {
    return Client().Post("/v1/persons/" + person + "/encounters/" + encounter + "?transactionId=t", Auth("eve"),
                         body.dump(), "application/json");
  }
  nlohmann::json ReadEncounter(const std::string& person, const std::string& encounter) {
    auto response = Client().Get("/v1/persons/" + person + "/encounters/" + encounter + "?transactionId=t", Auth("ian"));
    EXPECT_TRUE(response);
    if (!response || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body);
  }
  std::vector<std::string> CandidateIds(const httplib::Result& response) {
    std::vector<std::string> ids;
    EXPECT_TRUE(response);
    if (!response) return ids;
    EXPECT_EQ(response->status, 200) << response->body;
    if (response->status != 200) return ids;
    for (const auto& candidate : nlohmann::json::parse(response->body)) ids.push_back(candidate.at("personId"));
    return ids;
  }
};

TEST_F(OsiaEncounterTest, CallerChosenEncounterIdHoldsEverySampleAndADuplicateIs409) {
  nlohmann::json body = NewPersonEncounter(41);
  body["biometricData"].push_back(BiometricItem(42, "FINGER", "RIGHT_INDEX"));
  auto response = CreateEncounter("p-41", "enc-a", body);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(nlohmann::json::parse(response->body).at("encounterId"), "enc-a");
  nlohmann::json encounter = ReadEncounter("p-41", "enc-a");
  ASSERT_FALSE(encounter.is_null());
  EXPECT_EQ(encounter.at("status"), "ACTIVE");
  ASSERT_EQ(encounter.at("biometricData").size(), 2u) << "one encounter holds both samples";
  EXPECT_EQ(encounter.at("biometricData")[1].at("biometricSubType"), "RIGHT_INDEX");
  EXPECT_EQ(encounter.at("galleries"), nlohmann::json({"register"}));

  response = CreateEncounter("p-41", "enc-a", body);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 409) << response->body;
  response = CreateEncounter("p-41", "01", {{"biometricData", {BiometricItem(43)}}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << "numeric ids as in OSIA's examples: " << response->body;
  response = CreateEncounter("p-41", "no%20spaces", {{"biometricData", {BiometricItem(44)}}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(Client().Get("/v1/persons/p-41/encounters/nope", Auth("ian"))->status, 404);
}

// Deduplication at enrolment: dedupGallery and caseRef search the new encounter against the
// gallery after the commit; the twin comes back as a possible duplicate with its review lead.
TEST_F(OsiaEncounterTest, CreateWithDedupListsTheTwinAsAPossibleDuplicate) {
  ASSERT_EQ(CreateEncounter("p-61", "e1", NewPersonEncounter(61))->status, 200);
  auto refused = Client().Post("/v1/persons/p-62/encounters/e1?dedupGallery=register", Auth("eve"),
                               NewPersonEncounter(61).dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_TRUE(ReadEncounter("p-62", "e1").is_null()) << "refused before anything was stored";

  auto created = Client().Post("/v1/persons/p-62/encounters/e1?dedupGallery=register&caseRef=DEDUP-1", Auth("eve"),
                               NewPersonEncounter(61).dump(), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const nlohmann::json dedup = nlohmann::json::parse(created->body).at("others").at("deduplication");
  ASSERT_TRUE(dedup.contains("possibleDuplicates")) << dedup.dump();
  ASSERT_EQ(dedup.at("possibleDuplicates").size(), 1u) << dedup.dump();
  EXPECT_EQ(dedup.at("possibleDuplicates")[0].at("personId"), "p-61");
  EXPECT_GT(dedup.at("possibleDuplicates")[0].at("reviewId").get<std::int64_t>(), 0);
  EXPECT_GT(dedup.at("searchAuditSeq").get<std::int64_t>(), 0);

  auto unique = Client().Post("/v1/persons/p-63/encounters/e1?dedupGallery=register&caseRef=DEDUP-1", Auth("eve"),
                              NewPersonEncounter(63).dump(), "application/json");
  ASSERT_TRUE(unique);
  ASSERT_EQ(unique->status, 200) << unique->body;
  EXPECT_TRUE(nlohmann::json::parse(unique->body)["others"]["deduplication"]["possibleDuplicates"].empty());
}

TEST_F(OsiaEncounterTest, InactiveEncounterIsNotSearchedUntilReactivated) {
  ASSERT_EQ(CreateEncounter("p-51", "e1", NewPersonEncounter(51))->status, 200);
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(51)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")),
            std::vector<std::string>{"p-51"});
  auto status = Client().Put("/v1/persons/p-51/encounters/e1/status?status=INACTIVE&transactionId=t", Auth("eve"), "",
                             "application/json");
  ASSERT_TRUE(status);
  ASSERT_EQ(status->status, 204) << status->body;
  EXPECT_EQ(ReadEncounter("p-51", "e1").at("status"), "INACTIVE");
  EXPECT_TRUE(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(51)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")).empty());
  EXPECT_EQ(Client().Put("/v1/persons/p-51/encounters/e1/status?status=ACTIVE", Auth("eve"), "", "application/json")->status, 204);
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(51)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")),
            std::vector<std::string>{"p-51"});
  EXPECT_EQ(Client().Put("/v1/persons/p-51/encounters/e1/status?status=MAYBE", Auth("eve"), "", "application/json")->status, 400);
  EXPECT_EQ(AuditCount("encounter.status"), 2);
}

TEST_F(OsiaEncounterTest, UpdateReplacesTheEncounterSamples) {
  ASSERT_EQ(CreateEncounter("p-61", "e1", NewPersonEncounter(61))->status, 200);
  // A search first, so the in-memory gallery index holds the old template when it is replaced.
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(61)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")),
            std::vector<std::string>{"p-61"});
  nlohmann::json update = {{"biometricData", {BiometricItem(62)}}};
  auto response = Client().Put("/v1/persons/p-61/encounters/e1?transactionId=t", Auth("eve"), update.dump(), "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  std::string query = "purpose=criminal_investigation&caseRef=C&threshold=5";
  EXPECT_TRUE(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(61)}}}, query)).empty()) << "old sample gone";
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(62)}}}, query)), std::vector<std::string>{"p-61"});
  // A bad sample changes nothing.
  nlohmann::json bad = {{"biometricData", {BiometricItem(63), {{"biometricType", "FACE"}, {"image", "AAAA"}}}}};
  response = Client().Put("/v1/persons/p-61/encounters/e1", Auth("eve"), bad.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(62)}}}, query)), std::vector<std::string>{"p-61"});
}

TEST_F(OsiaEncounterTest, DeleteEncounterNeedsAdminAndReasonAndErasesIt) {
  ASSERT_EQ(CreateEncounter("p-71", "e1", NewPersonEncounter(71))->status, 200);
  ASSERT_EQ(CreateEncounter("p-71", "e2", {{"biometricData", {BiometricItem(72)}}})->status, 200);
  EXPECT_EQ(Client().Delete("/v1/persons/p-71/encounters/e1?reason=x", Auth("eve"))->status, 403);
  EXPECT_EQ(Client().Delete("/v1/persons/p-71/encounters/e1", Auth("root"))->status, 400);
  EXPECT_TRUE(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(71)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")).size() == 1);
  EXPECT_EQ(Client().Delete("/v1/persons/p-71/encounters/e1?reason=wrong%20person", Auth("root"))->status, 204);
  EXPECT_TRUE(ReadEncounter("p-71", "e1").is_null());
  EXPECT_FALSE(ReadEncounter("p-71", "e2").is_null());
  EXPECT_TRUE(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(71)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")).empty());
  EXPECT_EQ(AuditCount("encounter.delete"), 1);
  // OSIA: deleting the last encounter deletes the person.
  EXPECT_EQ(Client().Delete("/v1/persons/p-71/encounters/e2?reason=duplicate", Auth("root"))->status, 204);
  EXPECT_EQ(system_->TEST_store().FindPerson("p-71").status().code(), StatusCode::kNotFound);
}

TEST_F(OsiaEncounterTest, MergeMovesEveryEncounterAndOnlyExaminersMayMerge) {
  ASSERT_EQ(CreateEncounter("p-81", "a", NewPersonEncounter(81))->status, 200);
  nlohmann::json second = NewPersonEncounter(82);
  second["contextualData"]["retentionUntil"] = "2090-01-01";
  ASSERT_EQ(CreateEncounter("p-82", "b", second)->status, 200);
  EXPECT_EQ(Client().Post("/v1/persons/p-81/merge/p-82", Auth("eve"), "", "application/json")->status, 403);
  auto response = Client().Post("/v1/persons/p-81/merge/p-82?transactionId=t", Auth("exa"), "", "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 204) << response->body;
  EXPECT_FALSE(ReadEncounter("p-81", "b").is_null()) << "the source's encounter is now the target's";
  EXPECT_EQ(Client().Get("/v1/persons/p-82/encounters", Auth("ian"))->status, 404);
  // The moved template was re-sealed for its new person and is found under it.
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(82)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")),
            std::vector<std::string>{"p-81"});
  auto person = system_->TEST_store().FindPerson("p-81");
  ASSERT_TRUE(person.ok());
  EXPECT_EQ(person->retention_until, "2090-01-01") << "a merge never extends retention";
  EXPECT_EQ(AuditCount("person.merge"), 1);
}

TEST_F(OsiaEncounterTest, MergeWithADuplicateEncounterIdIs409AndChangesNothing) {
  ASSERT_EQ(CreateEncounter("p-91", "same", NewPersonEncounter(91))->status, 200);
  ASSERT_EQ(CreateEncounter("p-92", "same", NewPersonEncounter(92))->status, 200);
  auto response = Client().Post("/v1/persons/p-91/merge/p-92", Auth("exa"), "", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 409) << response->body;
  EXPECT_FALSE(ReadEncounter("p-92", "same").is_null());
}

TEST_F(OsiaEncounterTest, MoveTakesOneEncounterToAnotherPerson) {
  ASSERT_EQ(CreateEncounter("p-101", "mine", NewPersonEncounter(101))->status, 200);
  ASSERT_EQ(CreateEncounter("p-102", "theirs", NewPersonEncounter(102))->status, 200);
  ASSERT_EQ(CreateEncounter("p-102", "misfiled", {{"biometricData", {BiometricItem(103)}}})->status, 200);
  auto response = Client().Post("/v1/persons/p-101/move/p-102/encounters/misfiled", Auth("exa"), "", "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 204) << response->body;
  EXPECT_FALSE(ReadEncounter("p-101", "misfiled").is_null());
  EXPECT_TRUE(ReadEncounter("p-102", "misfiled").is_null());
  EXPECT_FALSE(ReadEncounter("p-102", "theirs").is_null());
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(103)}}}, "purpose=criminal_investigation&caseRef=C&threshold=5")),
            std::vector<std::string>{"p-101"});
  EXPECT_EQ(Client().Post("/v1/persons/p-101/move/p-102/encounters/absent", Auth("exa"), "", "application/json")->status, 404);
}

TEST_F(OsiaEncounterTest, IdentifyFromAStoredPersonLeavesThePersonOut) {
  ASSERT_EQ(CreateEncounter("p-111", "e", NewPersonEncounter(111))->status, 200);
  ASSERT_EQ(CreateEncounter("p-112", "e", NewPersonEncounter(111))->status, 200);  // the same sample: a duplicate
  ASSERT_EQ(CreateEncounter("p-113", "e", NewPersonEncounter(113))->status, 200);
  auto response = Client().Post("/v1/identify/register/p-111?purpose=deduplication&caseRef=DEDUP-1&threshold=5",
                                Auth("eve"), "", "application/json");
  EXPECT_EQ(CandidateIds(response), std::vector<std::string>{"p-112"});
  response = Client().Post("/v1/identify/register/p-111/encounters/e?purpose=deduplication&caseRef=DEDUP-1&threshold=5",
                           Auth("eve"), "", "application/json");
  EXPECT_EQ(CandidateIds(response), std::vector<std::string>{"p-112"});
  response = Client().Post("/v1/identify/register/p-111", Auth("eve"), "", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400) << "purpose and caseRef are required here too";
  response = Client().Post("/v1/identify/ALL?purpose=deduplication&caseRef=D", Auth("eve"),
                           nlohmann::json({{"biometricData", {BiometricItem(1)}}}).dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 501);
}

TEST_F(OsiaEncounterTest, VerifyComparesTwoSetsWithoutStoringThem) {
  nlohmann::json body = {{"biometricData1", {BiometricItem(121)}}, {"biometricData2", {BiometricItem(121)}}};
  auto response = Client().Post("/v1/verify?purpose=identity_verification&caseRef=V-1", Auth("eve"), body.dump(),
                                "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  auto result = nlohmann::json::parse(response->body);
  EXPECT_TRUE(result.at("decision").get<bool>());
  EXPECT_EQ(result.at("scores")[0].at("biometricType"), "FACE");
  body["biometricData2"] = {BiometricItem(122)};
  response = Client().Post("/v1/verify?purpose=identity_verification&caseRef=V-1", Auth("eve"), body.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_FALSE(nlohmann::json::parse(response->body).at("decision").get<bool>());
  body["biometricData2"] = {BiometricItem(122, "FINGER", "LEFT_THUMB")};
  response = Client().Post("/v1/verify?purpose=identity_verification&caseRef=V-1", Auth("eve"), body.dump(), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 409) << "no comparable pair: " << response->body;
  EXPECT_EQ(AuditCount("compare"), 2);
  EXPECT_EQ(system_->TEST_store().ListPersons(0, 10)->size(), 0u);
}

TEST_F(OsiaEncounterTest, GalleryListsItsMembersEncountersAndGalleriesCanBeChanged) {
  Gallery other;
  other.name = "visa";
  ASSERT_TRUE(system_->CreateGallery(operators_["root"], other).ok());
  ASSERT_EQ(CreateEncounter("p-131", "e", NewPersonEncounter(131))->status, 200);
  auto response = Client().Get("/v1/galleries/register", Auth("ian"));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(nlohmann::json::parse(response->body), nlohmann::json::parse(R"([{"personId":"p-131","encounterId":"e"}])"));
  response = Client().Put("/v1/persons/p-131/encounters/e/galleries", Auth("exa"), R"(["visa"])", "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 204) << response->body;
  EXPECT_EQ(nlohmann::json::parse(Client().Get("/v1/galleries/register", Auth("ian"))->body).size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(Client().Get("/v1/galleries/visa", Auth("ian"))->body).size(), 1u);
  EXPECT_EQ(Client().Put("/v1/persons/p-131/encounters/e/galleries", Auth("exa"), R"({"a":1})", "application/json")->status, 400);
  EXPECT_EQ(Client().Put("/v1/persons/p-131/encounters/e/galleries", Auth("eve"), R"(["visa"])", "application/json")->status, 403);
  EXPECT_EQ(Client().Get("/v1/galleries/nope", Auth("ian"))->status, 404);
}

TEST_F(OsiaEncounterTest, SearchesReuseTheGalleryIndexAndDecryptOnlyNewTemplates) {
  for (std::uint32_t seed = 140; seed < 145; ++seed) {
    ASSERT_EQ(CreateEncounter("p-" + std::to_string(seed), "e", NewPersonEncounter(seed))->status, 200);
  }
  std::string query = "purpose=criminal_investigation&caseRef=C&threshold=5";
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(142)}}}, query)), std::vector<std::string>{"p-142"});
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(143)}}}, query)), std::vector<std::string>{"p-143"});
  ASSERT_EQ(CreateEncounter("p-150", "e", NewPersonEncounter(150))->status, 200);
  EXPECT_EQ(CandidateIds(Identify("ian", {{"biometricData", {BiometricItem(150)}}}, query)), std::vector<std::string>{"p-150"});
  auto metrics = Client().Get("/metrics", Auth("ada"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("abis_gallery_index_templates_decrypted_total 6\n"), std::string::npos)
      << "5 templates once, then only the new one:\n" << metrics->body;
  EXPECT_NE(metrics->body.find("abis_gallery_index_hits_total 1\n"), std::string::npos) << metrics->body;
}

TEST_F(OsiaEncounterTest, AnEnrollerMayNotSilenceAWatchlistByDeactivatingAnEncounter) {
  ASSERT_EQ(CreateEncounter("p-161", "e", NewPersonEncounter(161))->status, 200);
  Gallery wanted;
  wanted.name = "wanted";
  wanted.kind = GalleryKind::kWatchlist;
  ASSERT_TRUE(system_->CreateGallery(operators_["root"], wanted).ok());
  ASSERT_TRUE(system_->AddWatchlistEntry(operators_["exa"], "wanted", "p-161", "W-9", "fraud", "2099-01-01").ok());
  std::int64_t refusals = AuditCount("manage_galleries.refused");
  auto response = Client().Put("/v1/persons/p-161/encounters/e/status?status=INACTIVE", Auth("eve"), "", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403) << response->body;
  EXPECT_EQ(AuditCount("manage_galleries.refused"), refusals + 1);
  EXPECT_EQ(ReadEncounter("p-161", "e").at("status"), "ACTIVE");
}

TEST_F(OsiaEncounterTest, GalleryListingIsPagedAndAudited) {
  for (std::uint32_t seed = 171; seed < 175; ++seed) {
    ASSERT_EQ(CreateEncounter("p-" + std::to_string(seed), "e", NewPersonEncounter(seed))->status, 200);
  }
  auto page = Client().Get("/v1/galleries/register?offset=1&limit=2", Auth("ian"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_EQ(nlohmann::json::parse(page->body),
            nlohmann::json::parse(R"([{"personId":"p-172","encounterId":"e"},{"personId":"p-173","encounterId":"e"}])"));
  EXPECT_EQ(AuditCount("gallery.members"), 1);
  EXPECT_EQ(Client().Get("/v1/galleries/register?limit=0", Auth("ian"))->status, 400);
}

}  // namespace
}  // namespace abis::service
