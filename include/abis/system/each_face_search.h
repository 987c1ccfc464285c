// A search of every face of one still (the traffic-camera case): the face engine lists the faces
// (ModalityEngine::FindSubjects); each face above the quality floor is searched by one ordinary
// purpose-bound search (AbisSystem::Search rules: the same operator, purpose, case, gallery and
// limits), with its own audit entry, candidates kept for review and watchlist alerts; the answer
// is per face, with the faces skipped below the floor and why. Enrolment still takes one face.
// Thread-safety: as AbisSystem (one per thread).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "abis/modality/engine.h"
#include "abis/system/abis_system.h"

namespace abis {

// The most faces one still may have searched (EachFaceSearchRequest::max_faces).
inline constexpr std::size_t kMaxFacesPerStill = 256;

struct EachFaceSearchRequest {
  // Exactly one probe sample, a face image (the still); no probe person. Its options may pick one
  // face (face_index), which is then the only face searched. Every other field applies to each face.
  SearchRequest search;
  // More usable faces than this refuses the request before any search (pick faces with face_index
  // or raise it); 1 to kMaxFacesPerStill.
  std::size_t max_faces = 32;
};

// One searched face: where it is (index, box, quality, the options that select it) and its search.
struct FaceSearch {
  SubjectInSample face;
  SearchResult result;  // result.audit_seq: this face's audit entry
};

struct EachFaceSearchResult {
  std::size_t faces_found = 0;           // the faces the still's options selected (all when none)
  std::vector<FaceSearch> searched;      // left to right
  std::vector<SubjectInSample> skipped;  // below the quality floor, each with its reason
  // {"faces_found", "faces": [{"face_index", "box", "quality", "search": SearchResult::ToJson()}],
  //  "skipped_faces": [{"face_index", "box", "quality", "reason", "detail"}]}
  nlohmann::json ToJson() const;
};

// A face's box as JSON {"x", "y", "width", "height"} (whole pixels), or null when unknown.
nlohmann::json SampleRegionJson(const std::optional<SampleRegion>& region);

}  // namespace abis
