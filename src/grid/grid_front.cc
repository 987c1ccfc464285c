#include "abis/grid/grid_front.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "abis/modality/shard_shortlist.h"
#include "grid_wire.h"

namespace abis::grid {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

// Polls for a message with `tag` from any of `pending` ranks; waits by spinning a little, then
// sleeping briefly, so that waiting ranks leave the cores to the ones searching.
void Pause(std::chrono::steady_clock::time_point since) {
  if (std::chrono::steady_clock::now() - since < std::chrono::milliseconds(2)) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

}  // namespace

std::string GridFront::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Status GridFront::Fail(std::string reason) {
  if (failure_.empty()) failure_ = std::move(reason);
  return Status::Unavailable("the matcher grid is out of service until it is restarted: " + failure_);
}

bool GridFront::MatcherGone(const MatcherInfo& matcher) const {
  // Only a process on this host can be looked at directly; others are judged by the deadline.
  if (matcher.host != host_ || matcher.pid <= 0) return false;
  return kill(static_cast<pid_t>(matcher.pid), 0) != 0 && errno == ESRCH;
}

Result<std::vector<MatcherInfo>> GridFront::AwaitMatchers(int matchers, std::chrono::seconds load_deadline) {
  std::lock_guard lock(mutex_);
  host_ = HostName();
  matchers_.assign(static_cast<std::size_t>(matchers), MatcherInfo());
  std::vector<bool> ready(static_cast<std::size_t>(matchers), false);
  int waiting = matchers;
  const auto start = std::chrono::steady_clock::now();
  const auto give_up = start + load_deadline;
  while (waiting > 0) {
    int flag = 0;
    MPI_Status probed;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kReadyTag, MPI_COMM_WORLD, &flag, &probed) != MPI_SUCCESS) {
      return Status::Unavailable("grid: waiting for the matchers failed (MPI)");
    }
    if (!flag) {
      if (std::chrono::steady_clock::now() > give_up) {
        return Status::Unavailable("grid: " + std::to_string(waiting) + " matcher(s) not ready after " +
                                   std::to_string(load_deadline.count()) + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    const int source = probed.MPI_SOURCE;
    ABIS_ASSIGN_OR_RETURN(nlohmann::json message, ReceiveProbed(source, kReadyTag, probed));
    if (source < 1 || source > matchers || ready[static_cast<std::size_t>(source - 1)]) continue;
    if (!message.value("ok", false)) {
      return Status::Unavailable("grid: matcher rank " + std::to_string(source) +
                                 " could not start: " + message.value("error", std::string("no reason given")));
    }
    MatcherInfo& info = matchers_[static_cast<std::size_t>(source - 1)];
    info.rank = source;
    info.host = message.value("host", std::string());
    info.pid = message.value("pid", std::int64_t{0});
    info.templates = message.value("templates", std::size_t{0});
    info.snapshots_loaded = message.value("snapshots_loaded", std::int64_t{0});
    info.virtual_shards = message.value("shards", std::vector<int>());
    ready[static_cast<std::size_t>(source - 1)] = true;
    --waiting;
  }
  return matchers_;
}

void GridFront::ReapAbandoned() {
  std::erase_if(abandoned_, [](AbandonedSend& pending) {
    int done = 0;
    if (MPI_Testall(static_cast<int>(pending.sends.size()), pending.sends.data(), &done, MPI_STATUSES_IGNORE) !=
        MPI_SUCCESS) {
      return false;  // kept: its buffer may still be read
    }
    return done != 0;
  });
}

Status GridFront::CollectQuarantined(const nlohmann::json& reply, int rank) {
  const auto found = reply.find("quarantined_new");
  if (found == reply.end()) return Status::Ok();
  constexpr std::size_t kMaxReported = 100000;
  constexpr std::size_t kMaxReason = 1000;
  if (!found->is_array() || found->size() > kMaxReported) {
    return Status::InvalidArgument("grid: matcher rank " + std::to_string(rank) +
                                   " reported its quarantined templates in a bad form");
  }
  for (const nlohmann::json& item : *found) {
    if (!item.is_array() || item.size() != 4 || !item[0].is_number_integer() || !item[1].is_number_integer() ||
        !item[2].is_number_integer() || !item[3].is_string()) {
      return Status::InvalidArgument("grid: matcher rank " + std::to_string(rank) +
                                     " reported a quarantined template in a bad form");
    }
    QuarantinedTemplate damaged;
    damaged.template_id = item[0].get<std::int64_t>();
    damaged.person_id = item[1].get<std::int64_t>();
    damaged.gallery_id = item[2].get<std::int64_t>();
    damaged.reason = item[3].get<std::string>().substr(0, kMaxReason);
    quarantined_.push_back(std::move(damaged));
  }
  return Status::Ok();
}

Result<std::vector<nlohmann::json>> GridFront::RoundTrip(nlohmann::json request) {
  if (!failure_.empty()) return Fail(failure_);
  if (matchers_.empty()) return Status::FailedPrecondition("grid: no matcher is ready");
  ReapAbandoned();
  request["seq"] = ++seq_;
  std::vector<std::uint8_t> bytes = Encode(request);
  std::vector<MPI_Request> sends(matchers_.size(), MPI_REQUEST_NULL);
  const auto abandon = [&]() { abandoned_.push_back({std::move(bytes), std::move(sends)}); };
  for (std::size_t i = 0; i < matchers_.size(); ++i) {
    if (MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, matchers_[i].rank, kRequestTag,
                  MPI_COMM_WORLD, &sends[i]) != MPI_SUCCESS) {
      abandon();
      return Fail("sending to matcher rank " + std::to_string(matchers_[i].rank) + " failed (MPI)");
    }
  }
  std::vector<nlohmann::json> replies(matchers_.size());
  std::vector<bool> answered(matchers_.size(), false);
  std::size_t waiting = matchers_.size();
  const auto start = std::chrono::steady_clock::now();
  auto last_check = start;
  while (waiting > 0) {
    bool progress = false;
    for (std::size_t i = 0; i < matchers_.size(); ++i) {
      if (answered[i]) continue;
      int flag = 0;
      MPI_Status probed;
      if (MPI_Iprobe(matchers_[i].rank, kReplyTag, MPI_COMM_WORLD, &flag, &probed) != MPI_SUCCESS) {
        abandon();
        return Fail("polling matcher rank " + std::to_string(matchers_[i].rank) + " failed (MPI)");
      }
      if (!flag) continue;
      progress = true;
      Result<nlohmann::json> reply = ReceiveProbed(matchers_[i].rank, kReplyTag, probed);
      if (!reply.ok()) {
        abandon();
        return Fail(reply.status().message());
      }
      // A late reply to a request given up before still reports what its matcher quarantined.
      if (Status collected = CollectQuarantined(*reply, matchers_[i].rank); !collected.ok()) {
        abandon();
        return collected;
      }
      if (reply->value("seq", std::int64_t{-1}) != seq_) continue;  // a late answer to an abandoned request
      replies[i] = std::move(reply).value();
      answered[i] = true;
      --waiting;
    }
    if (waiting == 0 || progress) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check > std::chrono::milliseconds(20)) {
      last_check = now;
      for (std::size_t i = 0; i < matchers_.size(); ++i) {
        if (!answered[i] && MatcherGone(matchers_[i])) {
          abandon();
          return Fail("matcher rank " + std::to_string(matchers_[i].rank) + " (pid " +
                      std::to_string(matchers_[i].pid) + " on " + matchers_[i].host + ") has died");
        }
      }
    }
    if (now - start > deadline_) {
      std::string late;
      for (std::size_t i = 0; i < matchers_.size(); ++i) {
        if (answered[i]) continue;
        if (MatcherGone(matchers_[i])) {
          abandon();
          return Fail("matcher rank " + std::to_string(matchers_[i].rank) + " (pid " +
                      std::to_string(matchers_[i].pid) + " on " + matchers_[i].host + ") has died");
        }
        late += (late.empty() ? "" : ", ") + std::to_string(matchers_[i].rank);
      }
      // The matcher lives (or is on another host): only this search fails. Its answer, when it
      // comes, is discarded by sequence number; the send completes once it is received.
      abandon();
      return Status::Unavailable("grid: matcher rank " + late + " late: no answer within " +
                                 std::to_string(deadline_.count()) +
                                 " ms; this search failed, the grid stays in service (retry the search)");
    }
    Pause(start);
  }
  // Every matcher answered, so every send was received: complete them.
  MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (!replies[i].value("ok", false)) {
      const auto code = static_cast<StatusCode>(replies[i].value("code", static_cast<int>(StatusCode::kInternal)));
      return Status(code, "matcher rank " + std::to_string(matchers_[i].rank) + ": " +
                              replies[i].value("error", std::string("no reason given")));
    }
  }
  return replies;
}

void GridFront::ReturnUnaudited(std::vector<QuarantinedTemplate> unaudited) {
  std::lock_guard lock(mutex_);
  unaudited.insert(unaudited.end(), std::make_move_iterator(quarantined_.begin()),
                   std::make_move_iterator(quarantined_.end()));
  quarantined_ = std::move(unaudited);
}

Result<GallerySearchAnswer> GridFront::Search(const GalleryIndexKey& key, std::int64_t generation,
                                              const BiometricTemplate& probe, std::size_t wanted) {
  std::lock_guard lock(mutex_);
  Result<GallerySearchAnswer> answer = SearchLocked(key, generation, probe, wanted);
  // What the matchers quarantined (reported in this search's replies or in late ones drained by
  // it) goes with the first answer the caller will audit; a failed search keeps it for the next.
  if (answer.ok()) {
    answer->newly_quarantined = std::move(quarantined_);
    quarantined_.clear();
  }
  return answer;
}

Result<GallerySearchAnswer> GridFront::SearchLocked(const GalleryIndexKey& key, std::int64_t generation,
                                                    const BiometricTemplate& probe, std::size_t wanted) {
  GallerySearchAnswer answer;
  const nlohmann::json key_json = KeyToJson(key);
  ABIS_ASSIGN_OR_RETURN(std::vector<nlohmann::json> prepared,
                        RoundTrip({{"op", "prepare"}, {"key", key_json}, {"gen", generation}}));
  for (const nlohmann::json& reply : prepared) {
    if (reply.value("stale", false)) answer.stale = true;
    answer.gallery_size += reply.value("size", std::size_t{0});
    answer.skipped_templates += reply.value("skipped", std::size_t{0});
    answer.quarantined_templates += reply.value("quarantined", std::size_t{0});
  }
  if (answer.stale) return answer;
  wanted = std::min(wanted, answer.gallery_size);
  if (wanted == 0) return answer;
  const nlohmann::json probe_json = TemplateToJson(probe);
  ABIS_ASSIGN_OR_RETURN(std::vector<nlohmann::json> preselected, RoundTrip({{"op", "preselect"},
                                                                            {"key", key_json},
                                                                            {"gen", generation},
                                                                            {"probe", probe_json},
                                                                            {"whole", answer.gallery_size},
                                                                            {"wanted", wanted}}));
  std::vector<ModalityGallery::ShardShortlist> shortlists;
  for (const nlohmann::json& reply : preselected) {
    if (!reply.contains("keep")) continue;
    ModalityGallery::ShardShortlist shard;
    shard.keep = reply.at("keep").get<std::size_t>();
    ABIS_ASSIGN_OR_RETURN(shard.indexed, ShortlistFromJson(reply.at("indexed")));
    ABIS_ASSIGN_OR_RETURN(shard.fill, ShortlistFromJson(reply.at("fill")));
    shortlists.push_back(std::move(shard));
  }
  if (!shortlists.empty() && shortlists.size() != preselected.size()) {
    return Status::Internal("grid: some matchers pre-select and others do not: every rank must run the same build");
  }
  nlohmann::json ranking = {{"key", key_json}, {"gen", generation}, {"probe", probe_json}, {"wanted", wanted}};
  if (shortlists.empty()) {
    ranking["op"] = "search";
  } else {
    ABIS_ASSIGN_OR_RETURN(std::vector<ModalityGallery::ShortlistEntry> shortlist, MergeShardShortlists(shortlists));
    ranking["op"] = "rank";
    ranking["shortlist"] = ShortlistToJson(shortlist);
  }
  ABIS_ASSIGN_OR_RETURN(std::vector<nlohmann::json> ranked, RoundTrip(std::move(ranking)));
  std::vector<std::vector<Candidate>> lists;
  std::unordered_map<std::int64_t, std::int64_t> person_of;
  for (const nlohmann::json& reply : ranked) {
    ABIS_ASSIGN_OR_RETURN(ShardCandidates shard, CandidatesFromJson(reply.at("candidates")));
    for (std::size_t i = 0; i < shard.candidates.size(); ++i) {
      person_of[shard.candidates[i].reference_id] = shard.person_ids[i];
    }
    lists.push_back(std::move(shard.candidates));
  }
  answer.candidates = MergeShardCandidates(std::move(lists), wanted);
  for (const Candidate& candidate : answer.candidates) answer.person_ids.push_back(person_of[candidate.reference_id]);
  return answer;
}

Status GridFront::Stop() {
  std::lock_guard lock(mutex_);
  if (!failure_.empty() || matchers_.empty()) return Status::Ok();
  return RoundTrip({{"op", "stop"}}).status();
}

}  // namespace abis::grid
