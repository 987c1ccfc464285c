#include "grid_wire.h"

#include <exception>

namespace abis::grid {

nlohmann::json KeyToJson(const GalleryIndexKey& key) {
  return {{"g", key.gallery_id},
          {"m", static_cast<int>(key.modality)},
          {"p", static_cast<int>(key.position)},
          {"a", key.algorithm}};
}

Result<GalleryIndexKey> KeyFromJson(const nlohmann::json& json) {
  try {
    GalleryIndexKey key;
    key.gallery_id = json.at("g").get<std::int64_t>();
    key.modality = static_cast<Modality>(json.at("m").get<int>());
    key.position = static_cast<FingerPosition>(json.at("p").get<int>());
    key.algorithm = json.at("a").get<std::string>();
    return key;
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string("grid message: bad gallery key: ") + error.what());
  }
}

nlohmann::json TemplateToJson(const BiometricTemplate& probe) {
  return {{"m", static_cast<int>(probe.modality)},
          {"a", probe.algorithm},
          {"p", static_cast<int>(probe.position)},
          {"d", nlohmann::json::binary(probe.data)}};
}

Result<BiometricTemplate> TemplateFromJson(const nlohmann::json& json) {
  try {
    BiometricTemplate probe;
    probe.modality = static_cast<Modality>(json.at("m").get<int>());
    probe.algorithm = json.at("a").get<std::string>();
    probe.position = static_cast<FingerPosition>(json.at("p").get<int>());
    probe.data = json.at("d").get_binary();
    return probe;
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string("grid message: bad probe template: ") + error.what());
  }
}

nlohmann::json CandidatesToJson(const ShardCandidates& candidates) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < candidates.candidates.size(); ++i) {
    const Candidate& candidate = candidates.candidates[i];
    list.push_back({candidate.reference_id, candidate.score, candidate.log_lr, candidates.person_ids.at(i)});
  }
  return list;
}

Result<ShardCandidates> CandidatesFromJson(const nlohmann::json& json) {
  try {
    ShardCandidates out;
    for (const nlohmann::json& item : json) {
      Candidate candidate;
      candidate.reference_id = item.at(0).get<std::int64_t>();
      candidate.score = item.at(1).get<double>();
      candidate.log_lr = item.at(2).get<double>();
      out.candidates.push_back(std::move(candidate));
      out.person_ids.push_back(item.at(3).get<std::int64_t>());
    }
    return out;
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string("grid message: bad candidate list: ") + error.what());
  }
}

nlohmann::json ShortlistToJson(const std::vector<ModalityGallery::ShortlistEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : entries) list.push_back({entry.reference_id, entry.score});
  return list;
}

Result<std::vector<ModalityGallery::ShortlistEntry>> ShortlistFromJson(const nlohmann::json& json) {
  try {
    std::vector<ModalityGallery::ShortlistEntry> out;
    for (const nlohmann::json& item : json) out.push_back({item.at(0).get<std::int64_t>(), item.at(1).get<float>()});
    return out;
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string("grid message: bad shortlist: ") + error.what());
  }
}

std::vector<std::uint8_t> Encode(const nlohmann::json& message) { return nlohmann::json::to_cbor(message); }

Result<nlohmann::json> Decode(const std::vector<std::uint8_t>& bytes) {
  nlohmann::json message = nlohmann::json::from_cbor(bytes, true, false);
  if (message.is_discarded() || !message.is_object()) {
    return Status::InvalidArgument("grid message: not a CBOR object (" + std::to_string(bytes.size()) + " bytes)");
  }
  return message;
}

Result<nlohmann::json> ReceiveProbed(int source, int tag, const MPI_Status& probed) {
  int count = 0;
  MPI_Status status = probed;
  if (MPI_Get_count(&status, MPI_BYTE, &count) != MPI_SUCCESS || count < 0 ||
      static_cast<std::size_t>(count) > kMaxMessageBytes) {
    return Status::Unavailable("grid: a message from rank " + std::to_string(source) + " has a bad size");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
  if (MPI_Recv(bytes.data(), count, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
    return Status::Unavailable("grid: receiving from rank " + std::to_string(source) + " failed");
  }
  return Decode(bytes);
}

}  // namespace abis::grid
