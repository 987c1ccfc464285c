// The grid's messages between the front (rank 0) and the matchers: CBOR-encoded JSON objects
// (nlohmann::json), sent with MPI as bytes. Internal to abis/grid.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/system/gallery_index_key.h"
#include "abis/system/gallery_shards.h"

namespace abis::grid {

inline constexpr int kRequestTag = 11;  // front -> matcher
inline constexpr int kReplyTag = 12;    // matcher -> front
inline constexpr int kReadyTag = 13;    // matcher -> front, once, after loading its shards
inline constexpr std::size_t kMaxMessageBytes = 64u << 20;

nlohmann::json KeyToJson(const GalleryIndexKey& key);
Result<GalleryIndexKey> KeyFromJson(const nlohmann::json& json);
nlohmann::json TemplateToJson(const BiometricTemplate& probe);
Result<BiometricTemplate> TemplateFromJson(const nlohmann::json& json);
nlohmann::json CandidatesToJson(const ShardCandidates& candidates);
Result<ShardCandidates> CandidatesFromJson(const nlohmann::json& json);
nlohmann::json ShortlistToJson(const std::vector<ModalityGallery::ShortlistEntry>& entries);
Result<std::vector<ModalityGallery::ShortlistEntry>> ShortlistFromJson(const nlohmann::json& json);

std::vector<std::uint8_t> Encode(const nlohmann::json& message);
Result<nlohmann::json> Decode(const std::vector<std::uint8_t>& bytes);

// A blocking receive of one message from `source` with `tag` whose arrival MPI_Iprobe reported.
Result<nlohmann::json> ReceiveProbed(int source, int tag, const MPI_Status& probed);

}  // namespace abis::grid
