#include "index_snapshot_saver.h"

#include <iostream>
#include <utility>

namespace abis::service {

IndexSnapshotSaver::IndexSnapshotSaver(std::chrono::seconds interval, SaveFunction save)
    : interval_(interval), save_(std::move(save)) {
  if (interval_.count() <= 0) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
      lock.unlock();
      Report(save_(SnapshotSavePolicy{}), "periodic");
      lock.lock();
    }
  });
}

IndexSnapshotSaver::~IndexSnapshotSaver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IndexSnapshotSaver::StopAndSave() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  Report(save_(SnapshotSavePolicy{1, 0.0}), "at shutdown");
}

void IndexSnapshotSaver::Report(const SnapshotSaveReport& report, const char* when) const {
  for (const std::string& error : report.errors) {
    std::cerr << "abis: warning: gallery index snapshot (" << when << ") not written: " << error << "\n";
  }
  if (report.written > 0) {
    std::cerr << "abis: wrote " << report.written << " gallery index snapshot(s) (" << when << ", "
              << report.bytes / (1024 * 1024) << " MiB in " << report.seconds << " s)\n";
  }
}

}  // namespace abis::service
