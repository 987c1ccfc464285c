// The OSIA operations of the service (persons, encounters, identify, verify, galleries) and the
// review and alert extensions, as handlers: each maps one request onto AbisSystem, which checks
// the role and audits. Internal to the service library.
// Thread-safety: handlers keep no state between calls; each call uses the AbisSystem it is given.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "abis/system/abis_system.h"
#include "service_call.h"

namespace abis::service {

class OsiaHandlers {
 public:
  // `post_alert` (may be empty) delivers a new watchlist alert to the webhook in the background.
  OsiaHandlers(std::size_t max_probes, bool alerts_via_webhook, std::function<void(const WatchlistAlert&)> post_alert);

  // Persons and encounters. CreateEncounters enrols one encounter all-or-nothing; with
  // `new_person` the person is created, else it is added to (or created when the body carries
  // contextualData). `encounter_id` empty: generated.
  Result<Reply> CreateEncounters(AbisSystem& system, const Call& call, const std::string& external_id, bool new_person,
                                 const std::string& encounter_id);
  static nlohmann::json OsiaEncounter(const EncounterRecord& record, const std::vector<std::string>& galleries);
  Result<Reply> ReadEncounters(AbisSystem& system, const Call& call);
  Result<Reply> ReadEncounter(AbisSystem& system, const Call& call);
  Result<Reply> UpdateEncounter(AbisSystem& system, const Call& call);
  Result<Reply> DeleteEncounter(AbisSystem& system, const Call& call);
  Result<Reply> UpdateEncounterStatus(AbisSystem& system, const Call& call);
  Result<Reply> UpdateEncounterGalleries(AbisSystem& system, const Call& call);
  Result<Reply> MergePersons(AbisSystem& system, const Call& call);
  Result<Reply> MoveEncounter(AbisSystem& system, const Call& call);
  Result<Reply> ReadGalleryMembers(AbisSystem& system, const Call& call);
  Result<Reply> DeletePerson(AbisSystem& system, const Call& call);
  // Searches and comparisons: purpose and caseRef in the query.
  Result<Reply> Identify(AbisSystem& system, const Call& call);
  Result<Reply> VerifyAgainstPerson(AbisSystem& system, const Call& call);
  Result<Reply> VerifyTwoSets(AbisSystem& system, const Call& call);
  // Galleries, alerts and the two-person review.
  Result<Reply> ReadGalleries(AbisSystem& system, const Call& call);
  Result<Reply> ListAlerts(AbisSystem& system, const Call& call);
  Result<Reply> ListWatchlistEntries(AbisSystem& system, const Call& call);
  Result<Reply> AddWatchlistEntry(AbisSystem& system, const Call& call);
  Result<Reply> EndWatchlistEntry(AbisSystem& system, const Call& call);
  Result<Reply> ReadReview(AbisSystem& system, const Call& call);
  Result<Reply> Decide(AbisSystem& system, const Call& call);
  Result<Reply> SearchReviews(AbisSystem& system, const Call& call);
  // A handler answering 501 for an OSIA operation this ABIS does not offer.
  static Handler NotImplemented(const std::string& what);

 private:
  // OSIA candidates of one search, each with the ids of the alerts it raised (others.alerts);
  // every new alert is handed to the webhook.
  nlohmann::json CandidatesWithAlerts(const SearchResult& result) const;
  // Identify with "eachFace": true (osia_each_face.cc): one search per usable face of the still.
  Result<Reply> IdentifyEachFace(AbisSystem& system, const Call& call, SearchRequest search);
  // Whether the identify body asks for a search of each face ("eachFace": true; absent: false).
  static Result<bool> EachFaceRequested(const nlohmann::json& body);

  std::size_t max_probes_;
  bool alerts_via_webhook_;
  std::function<void(const WatchlistAlert&)> post_alert_;
};

}  // namespace abis::service
