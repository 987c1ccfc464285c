// The front of the matcher grid (rank 0 of `abis grid serve`, docs/SCALE.md): a GallerySearcher
// (abis/system/gallery_searcher.h) that asks every matcher rank for its shards' answer and merges
// them into exactly the answer of one index holding the whole gallery.
// Failure: a matcher that does not answer within the deadline while its process lives fails that
// search only: kUnavailable (HTTP 503) "matcher rank N late"; its late answer is discarded by
// sequence number when the next search drains it. A matcher whose process is gone (checked on this
// host) or whose MPI call fails puts the grid out of service: that search and every later one is
// kUnavailable naming the rank, until the grid is restarted. Never an answer from part of the
// gallery. Templates the matchers newly quarantined (damaged rows) come back with the replies, also
// late ones, and are handed to the caller once each (GallerySearchAnswer::newly_quarantined).
// Needs MPI initialised with at least MPI_THREAD_SERIALIZED.
// Thread-safety: Search may be called from several threads (the grid serves one search at a time).
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/system/abis_system.h"
#include "abis/system/gallery_searcher.h"

namespace abis::grid {

struct MatcherInfo {
  int rank = 0;
  std::string host;
  std::int64_t pid = 0;
  std::size_t templates = 0;
  std::int64_t snapshots_loaded = 0;  // shard indexes loaded from sealed snapshots at start
  std::vector<int> virtual_shards;
};

class GridFront : public GallerySearcher {
 public:
  explicit GridFront(std::chrono::milliseconds deadline) : deadline_(deadline) {}
  // Waits for every matcher's ready message (it loaded its shards). Fails when one reports an
  // error or does not come within `load_deadline`.
  Result<std::vector<MatcherInfo>> AwaitMatchers(int matchers, std::chrono::seconds load_deadline);
  Result<GallerySearchAnswer> Search(const GalleryIndexKey& key, std::int64_t generation,
                                     const BiometricTemplate& probe, std::size_t wanted) override;
  void ReturnUnaudited(std::vector<QuarantinedTemplate> unaudited) override;
  // Tells every matcher to write its snapshots and stop (waits at most the deadline).
  Status Stop();
  // Empty while every matcher answers; otherwise why the grid is out of service.
  std::string failure() const;

 private:
  // A request some matcher had not received when it was given up: its buffer must outlive the send.
  struct AbandonedSend {
    std::vector<std::uint8_t> bytes;
    std::vector<MPI_Request> sends;
  };
  // Sends `request` to every matcher and returns their replies in rank order. kUnavailable when
  // one does not answer in time (that search only, while its process lives), and the grid failed
  // when one has died or MPI fails.
  Result<std::vector<nlohmann::json>> RoundTrip(nlohmann::json request);
  Result<GallerySearchAnswer> SearchLocked(const GalleryIndexKey& key, std::int64_t generation,
                                           const BiometricTemplate& probe, std::size_t wanted);
  Status Fail(std::string reason);
  bool MatcherGone(const MatcherInfo& matcher) const;
  // Frees the abandoned sends the matchers have received since.
  void ReapAbandoned();
  // Keeps the newly quarantined templates a reply (current or late) reports, for the next answer.
  Status CollectQuarantined(const nlohmann::json& reply, int rank);

  std::chrono::milliseconds deadline_;
  mutable std::mutex mutex_;
  std::vector<MatcherInfo> matchers_;
  std::string host_;
  std::string failure_;
  std::int64_t seq_ = 0;
  std::vector<AbandonedSend> abandoned_;
  std::vector<QuarantinedTemplate> quarantined_;  // reported by matchers, not yet handed to a caller
};

// Runs a matcher rank until the front sends "stop": opens the store, loads the rank's virtual
// shards (`virtual_shards` dealt by modulo over ranks 1..size-1), reports ready, then answers.
// Snapshots are written every `snapshot_interval` by a thread of their own (searches go on).
// Test only: env ABIS_GRID_TEST_SLOW_REPLY="RANK:MS" makes matcher RANK wait MS ms before its
// first "prepare" reply (a matcher late for the front's deadline), then log "answering late".
Status RunMatcher(const std::string& store, EngineProvider engines, int virtual_shards,
                  std::chrono::seconds snapshot_interval);

}  // namespace abis::grid
