// AbisSystem::SearchEachFace: one ordinary search per usable face of a still.
//
// Audit: one "search" entry per searched face, exactly as a single search writes it (input_sha256
// is the still's hash), with result.probe_face = {"index", "faces_found", "box"} naming the face;
// never image bytes. A refusal or failure is one "search.refused" / "search.failed" entry for the
// request. Faces skipped below the quality floor are not searched and have no entry of their own.
#include "abis/system/each_face_search.h"

#include <cmath>
#include <string>

#include "case_reference.h"

namespace abis {
namespace {

nlohmann::json FaceJson(const SubjectInSample& face) {
  return {{"face_index", face.index}, {"box", SampleRegionJson(face.region)}, {"quality", face.quality}};
}

}  // namespace

nlohmann::json SampleRegionJson(const std::optional<SampleRegion>& region) {
  if (!region) return nullptr;
  return {{"x", std::lround(region->x)},
          {"y", std::lround(region->y)},
          {"width", std::lround(region->width)},
          {"height", std::lround(region->height)}};
}

nlohmann::json EachFaceSearchResult::ToJson() const {
  nlohmann::json faces = nlohmann::json::array();
  for (const FaceSearch& face : searched) {
    nlohmann::json item = FaceJson(face.face);
    item["search"] = face.result.ToJson();
    faces.push_back(std::move(item));
  }
  nlohmann::json skipped_faces = nlohmann::json::array();
  for (const SubjectInSample& face : skipped) {
    nlohmann::json item = FaceJson(face);
    item["reason"] = face.skipped_reason;
    item["detail"] = face.skipped_detail;
    skipped_faces.push_back(std::move(item));
  }
  return {{"faces_found", faces_found}, {"faces", faces}, {"skipped_faces", skipped_faces}};
}

Result<EachFaceSearchResult> AbisSystem::SearchEachFace(const Operator& op, const EachFaceSearchRequest& request) {
  ABIS_RETURN_IF_ERROR(ValidateCaseRef(request.search.case_ref));
  // The purpose is checked before the still is looked at: finding faces is already processing it.
  ABIS_RETURN_IF_ERROR(RequirePurpose(op, Action::kSearch, request.search.purpose, request.search.case_ref));
  Result<EachFaceSearchResult> result = RunSearchEachFace(op, request);
  if (!result.ok()) {
    AuditFailedRequest(op, "search", request.search.purpose, request.search.case_ref, result.status());
    AuditIndexFindingsOfFailedSearch(op);
  }
  return result;
}

Result<EachFaceSearchResult> AbisSystem::RunSearchEachFace(const Operator& op, const EachFaceSearchRequest& request) {
  const SearchRequest& search = request.search;
  if (search.probes.size() != 1) {
    return Status::InvalidArgument("a search of each face takes exactly one probe sample (the still), not " +
                                   std::to_string(search.probes.size()));
  }
  if (!search.probe_person.empty()) {
    return Status::InvalidArgument("a search of each face takes a probe still, not a stored person");
  }
  const SampleInput& still = search.probes.front();
  if (still.modality != Modality::kFace) {
    return Status::InvalidArgument("a search of each face takes a face image; a " +
                                   std::string(ModalityName(still.modality)) +
                                   " sample is searched whole (search without each-face)");
  }
  if (request.max_faces < 1 || request.max_faces > kMaxFacesPerStill) {
    return Status::InvalidArgument("the most faces to search in a still must be 1-" +
                                   std::to_string(kMaxFacesPerStill));
  }
  ABIS_ASSIGN_OR_RETURN(const ModalityEngine* engine, engines_(still.modality));
  auto found = engine->FindSubjects(still);
  if (!found.ok()) return found.status().WithContext("probe 1");

  EachFaceSearchResult out;
  out.faces_found = found->size();
  std::vector<SubjectInSample> usable;
  for (SubjectInSample& face : *found) {
    (face.usable() ? usable : out.skipped).push_back(std::move(face));
  }
  if (usable.empty()) {
    std::string reasons;
    for (const SubjectInSample& face : out.skipped) {
      reasons += (reasons.empty() ? "" : "; ") + std::string("face ") + std::to_string(face.index) + ": " +
                 face.skipped_reason;
    }
    return Status::InvalidArgument("probe 1: none of the " + std::to_string(out.faces_found) +
                                   " face(s) found is above the quality floor (" + reasons + ")");
  }
  if (usable.size() > request.max_faces) {
    return Status::InvalidArgument("probe 1: " + std::to_string(usable.size()) +
                                   " faces above the quality floor, more than the " +
                                   std::to_string(request.max_faces) +
                                   " a search of each face may search; pick faces with the sample option face_index");
  }
  for (SubjectInSample& face : usable) {
    SearchRequest one = search;
    one.probes.front().options = face.options;
    const nlohmann::json probe_face = {
        {"index", face.index}, {"faces_found", out.faces_found}, {"box", SampleRegionJson(face.region)}};
    Result<SearchResult> searched = RunSearch(op, one, probe_face);
    if (!searched.ok()) return searched.status().WithContext("face " + std::to_string(face.index));
    out.searched.push_back({std::move(face), std::move(searched).value()});
  }
  return out;
}

}  // namespace abis
