// Writes the service's gallery index snapshots (abis/system/gallery_index_snapshot.h) in the
// background: every `interval` those whose index changed enough (SnapshotSavePolicy), and every
// changed one when the service stops, so that the next start loads them instead of decrypting
// and preparing every template. Failures are reported on stderr; the service goes on (snapshots
// are derived data).
// Thread-safety: StopAndSave may be called from any thread, more than once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "abis/system/gallery_index_cache.h"

namespace abis::service {

class IndexSnapshotSaver {
 public:
  using SaveFunction = std::function<SnapshotSaveReport(const SnapshotSavePolicy&)>;
  // interval 0: no periodic saves, only the one at StopAndSave.
  IndexSnapshotSaver(std::chrono::seconds interval, SaveFunction save);
  ~IndexSnapshotSaver();
  IndexSnapshotSaver(const IndexSnapshotSaver&) = delete;
  IndexSnapshotSaver& operator=(const IndexSnapshotSaver&) = delete;

  // Ends the periodic saves, then writes every index changed since its snapshot.
  void StopAndSave();

 private:
  void Report(const SnapshotSaveReport& report, const char* when) const;
  std::chrono::seconds interval_;
  SaveFunction save_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace abis::service
