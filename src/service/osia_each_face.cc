// POST /v1/identify/{galleryId} with "eachFace": true: a face still searched face by face
// (AbisSystem::SearchEachFace), answered per face (docs/SERVICE_ENDPOINTS.md).
#include "abis/system/each_face_search.h"
#include "osia_handlers.h"

namespace abis::service {
namespace {

nlohmann::json FaceJson(const SubjectInSample& face) {
  return {{"faceIndex", face.index}, {"box", SampleRegionJson(face.region)}, {"quality", face.quality}};
}

}  // namespace

Result<bool> OsiaHandlers::EachFaceRequested(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("eachFace") || body.at("eachFace").is_null()) return false;
  if (!body.at("eachFace").is_boolean()) {
    return Status::InvalidArgument("eachFace must be true or false, not " +
                                   std::string(body.at("eachFace").type_name()));
  }
  return body.at("eachFace").get<bool>();
}

// The answer: {facesFound, faces: [{faceIndex, box, quality, searchSeq, gallerySize, candidates}],
// skippedFaces: [{faceIndex, box, quality, reason, detail}]}; candidates as identify's.
Result<Reply> OsiaHandlers::IdentifyEachFace(AbisSystem& system, const Call& call, SearchRequest search) {
  EachFaceSearchRequest request;
  request.search = std::move(search);
  if (call.body.contains("maxFaces") && !call.body.at("maxFaces").is_null()) {
    const nlohmann::json& max_faces = call.body.at("maxFaces");
    if (!max_faces.is_number_integer() || max_faces.get<std::int64_t>() < 1 ||
        max_faces.get<std::int64_t>() > static_cast<std::int64_t>(kMaxFacesPerStill)) {
      return Status::InvalidArgument("maxFaces must be an integer 1-" + std::to_string(kMaxFacesPerStill));
    }
    request.max_faces = max_faces.get<std::size_t>();
  }
  ABIS_ASSIGN_OR_RETURN(EachFaceSearchResult result, system.SearchEachFace(call.op, request));
  nlohmann::json faces = nlohmann::json::array();
  std::size_t alerts = 0;
  for (const FaceSearch& face : result.searched) {
    nlohmann::json item = FaceJson(face.face);
    item["searchSeq"] = face.result.audit_seq;
    item["gallerySize"] = face.result.gallery_size;
    item["candidates"] = CandidatesWithAlerts(face.result);
    faces.push_back(std::move(item));
    alerts += face.result.alerts.size();
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const SubjectInSample& face : result.skipped) {
    nlohmann::json item = FaceJson(face);
    item["reason"] = face.skipped_reason;
    item["detail"] = face.skipped_detail;
    skipped.push_back(std::move(item));
  }
  Reply reply{200, {{"facesFound", result.faces_found}, {"faces", faces}, {"skippedFaces", skipped}}, {}};
  reply.headers["X-Abis-Faces-Searched"] = std::to_string(result.searched.size());
  reply.headers["X-Abis-Alerts"] = std::to_string(alerts);
  return reply;
}

}  // namespace abis::service
