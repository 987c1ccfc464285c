// A matcher rank of the grid: answers the front's requests from its virtual shards.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "abis/grid/grid_front.h"
#include "abis/system/gallery_shards.h"
#include "grid_wire.h"

namespace abis::grid {
namespace {

Result<nlohmann::json> Answer(GalleryShards& shards, const nlohmann::json& request) {
  const std::string op = request.value("op", std::string());
  ABIS_ASSIGN_OR_RETURN(GalleryIndexKey key, KeyFromJson(request.value("key", nlohmann::json::object())));
  const std::int64_t generation = request.value("gen", std::int64_t{0});
  nlohmann::json reply = nlohmann::json::object();
  if (op == "prepare") {
    ABIS_ASSIGN_OR_RETURN(ShardPrepareAnswer answer, shards.Refresh(key, generation));
    reply = {{"stale", answer.stale},
             {"size", answer.gallery_size},
             {"skipped", answer.skipped_templates},
             {"quarantined", answer.quarantined_templates}};
    return reply;
  }
  ABIS_ASSIGN_OR_RETURN(BiometricTemplate probe, TemplateFromJson(request.value("probe", nlohmann::json::object())));
  const std::size_t wanted = request.value("wanted", std::size_t{0});
  if (op == "preselect") {
    ABIS_ASSIGN_OR_RETURN(std::optional<ModalityGallery::ShardShortlist> shortlist,
                          shards.Preselect(key, generation, probe, request.value("whole", std::size_t{0}), wanted));
    if (shortlist) {
      reply = {{"keep", shortlist->keep},
               {"indexed", ShortlistToJson(shortlist->indexed)},
               {"fill", ShortlistToJson(shortlist->fill)}};
    }
    return reply;
  }
  if (op == "search") {
    ABIS_ASSIGN_OR_RETURN(ShardCandidates found, shards.Search(key, generation, probe, wanted));
    reply["candidates"] = CandidatesToJson(found);
    return reply;
  }
  if (op == "rank") {
    ABIS_ASSIGN_OR_RETURN(auto shortlist, ShortlistFromJson(request.value("shortlist", nlohmann::json::array())));
    ABIS_ASSIGN_OR_RETURN(ShardCandidates found, shards.Rank(key, generation, probe, shortlist, wanted));
    reply["candidates"] = CandidatesToJson(found);
    return reply;
  }
  return Status::InvalidArgument("grid: unknown request '" + op + "'");
}

void SendTo(int rank, int tag, const nlohmann::json& message) {
  std::vector<std::uint8_t> bytes = Encode(message);
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, rank, tag, MPI_COMM_WORLD);
}

// Writes the shards' snapshots every `interval` on a thread of its own, so that the request loop
// never waits for a snapshot to be written (the front's deadline runs meanwhile).
class PeriodicSnapshots {
 public:
  PeriodicSnapshots(GalleryShards& shards, std::chrono::seconds interval, int rank) {
    if (interval.count() <= 0) return;
    thread_ = std::thread([this, &shards, interval, rank] {
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
        lock.unlock();
        for (const std::string& error : shards.SaveSnapshots().errors) {
          std::cerr << "abis: grid matcher " << rank << ": snapshot not written: " << error << std::endl;
        }
        lock.lock();
      }
    });
  }
  ~PeriodicSnapshots() { Stop(); }
  PeriodicSnapshots(const PeriodicSnapshots&) = delete;
  PeriodicSnapshots& operator=(const PeriodicSnapshots&) = delete;
  // Ends the periodic saves (waits for one under way).
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Test only (ABIS_GRID_TEST_SLOW_REPLY="RANK:MS", documented in grid_front.h): how long this
// rank waits before its first "prepare" reply; 0 when not set for this rank or malformed.
std::chrono::milliseconds TestReplyDelay(int rank) {
  const char* setting = std::getenv("ABIS_GRID_TEST_SLOW_REPLY");
  if (setting == nullptr) return std::chrono::milliseconds(0);
  const std::string text = setting;
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos || text.size() > 32) return std::chrono::milliseconds(0);
  try {
    if (std::stoi(text.substr(0, colon)) != rank) return std::chrono::milliseconds(0);
    const long delay = std::stol(text.substr(colon + 1));
    return std::chrono::milliseconds(std::clamp(delay, 0L, 600000L));
  } catch (const std::exception&) {
    return std::chrono::milliseconds(0);
  }
}

// The templates newly quarantined, as a reply reports them: [template, person, gallery, reason].
nlohmann::json QuarantinedToJson(const std::vector<QuarantinedTemplate>& damaged) {
  nlohmann::json list = nlohmann::json::array();
  for (const QuarantinedTemplate& item : damaged) {
    list.push_back({item.template_id, item.person_id, item.gallery_id, item.reason});
  }
  return list;
}

}  // namespace

Status RunMatcher(const std::string& store, EngineProvider engines, int virtual_shards,
                  std::chrono::seconds snapshot_interval) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int matchers = size - 1;
  std::vector<int> held;
  for (int shard = 0; shard < virtual_shards; ++shard) {
    if (shard % matchers == rank - 1) held.push_back(shard);
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  nlohmann::json ready = {{"pid", static_cast<std::int64_t>(getpid())}, {"host", std::string(host)}, {"shards", held}};
  auto opened = GalleryShards::Open(store, std::move(engines), held, virtual_shards);
  Result<std::size_t> loaded = opened.ok() ? (*opened)->LoadAll() : Result<std::size_t>(opened.status());
  if (!loaded.ok()) {
    ready["ok"] = false;
    ready["error"] = loaded.status().ToString();
    SendTo(0, kReadyTag, ready);
    return loaded.status();
  }
  GalleryShards& shards = **opened;
  shards.SaveSnapshots();
  ready["ok"] = true;
  ready["templates"] = *loaded;
  ready["snapshots_loaded"] = shards.snapshots_loaded();
  SendTo(0, kReadyTag, ready);

  PeriodicSnapshots periodic(shards, snapshot_interval, rank);
  std::chrono::milliseconds test_delay = TestReplyDelay(rank);
  auto last_message = std::chrono::steady_clock::now();
  while (true) {
    int flag = 0;
    MPI_Status probed;
    if (MPI_Iprobe(0, kRequestTag, MPI_COMM_WORLD, &flag, &probed) != MPI_SUCCESS) {
      return Status::Unavailable("grid matcher " + std::to_string(rank) + ": polling the front failed");
    }
    if (!flag) {
      // Spin briefly after a request (the next phase of a search follows at once), then sleep.
      if (std::chrono::steady_clock::now() - last_message < std::chrono::milliseconds(2)) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      continue;
    }
    Result<nlohmann::json> request = ReceiveProbed(0, kRequestTag, probed);
    last_message = std::chrono::steady_clock::now();
    if (!request.ok()) return request.status();
    nlohmann::json reply;
    const std::string op = request->value("op", std::string());
    const bool stop = op == "stop";
    if (stop) {
      periodic.Stop();
      SnapshotSaveReport report = shards.SaveSnapshots();
      reply = {{"ok", report.errors.empty()}};
      if (!report.errors.empty()) reply["error"] = report.errors.front();
    } else {
      Result<nlohmann::json> answer = Answer(shards, *request);
      if (answer.ok()) {
        reply = std::move(answer).value();
        reply["ok"] = true;
      } else {
        reply = {
            {"ok", false}, {"code", static_cast<int>(answer.status().code())}, {"error", answer.status().message()}};
      }
      // Damaged rows met while loading or refreshing: reported once, for the front to audit.
      std::vector<QuarantinedTemplate> damaged = shards.TakeNewlyQuarantined();
      if (!damaged.empty()) reply["quarantined_new"] = QuarantinedToJson(damaged);
    }
    const std::int64_t seq = request->value("seq", std::int64_t{0});
    reply["seq"] = seq;
    const bool delayed = test_delay.count() > 0 && op == "prepare";
    if (delayed) std::this_thread::sleep_for(test_delay);  // test only: a matcher late for the deadline
    SendTo(0, kReplyTag, reply);
    if (delayed) {
      std::cerr << "abis: grid matcher " << rank << ": test: answering request " << seq << " late (after "
                << test_delay.count() << " ms)" << std::endl;
      test_delay = std::chrono::milliseconds(0);
    }
    if (stop) return Status::Ok();
  }
}

}  // namespace abis::grid
