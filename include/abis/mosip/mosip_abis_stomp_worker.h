// Connects the transport-independent MosipAbisQueueAdapter to a broker over STOMP: requests are
// taken from the inbound queue in order, each reply is sent to the outbound queue, and only then
// is the request acknowledged (at-least-once: a crash before the ACK redelivers the request).
// Thread-safety: one thread runs a worker; `stop` may be set from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "abis/core/status.h"
#include "abis/interop/mosip_abis_queue_adapter.h"
#include "abis/mosip/mosip_queue_config.h"
#include "abis/mosip/stomp_connection.h"

namespace abis::mosip {

struct MosipStompWorkerStats {
  int requests = 0;   // messages taken from the inbound queue
  int failures = 0;   // of which answered with returnValue 2
};

class MosipAbisStompWorker {
 public:
  // REQUIRES connection and adapter outlive the worker.
  MosipAbisStompWorker(StompConnection& connection, interop::MosipAbisQueueAdapter& adapter, MosipAbisQueue queue)
      : connection_(connection), adapter_(adapter), queue_(std::move(queue)) {}

  // Called with every reply after it was sent (e.g. to log failures' diagnostics); optional.
  void set_reply_observer(std::function<void(const interop::MosipAbisReply&)> observer) {
    reply_observer_ = std::move(observer);
  }

  // Subscribes to the inbound queue. Call once before Run.
  Status Start();

  // Serves requests until `stop` becomes true (checked every `poll`) or `duration` has passed.
  // Messages already delivered are submitted to the adapter together, so PENDING_JOBS counts them.
  // Returns the counts, or the first transport error.
  Result<MosipStompWorkerStats> Run(std::chrono::milliseconds duration, const std::atomic<bool>* stop = nullptr,
                                    std::chrono::milliseconds poll = std::chrono::milliseconds(200));

 private:
  StompConnection& connection_;
  interop::MosipAbisQueueAdapter& adapter_;
  MosipAbisQueue queue_;
  std::function<void(const interop::MosipAbisReply&)> reply_observer_;
};

}  // namespace abis::mosip
