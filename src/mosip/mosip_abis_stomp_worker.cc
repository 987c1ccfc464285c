#include "abis/mosip/mosip_abis_stomp_worker.h"

#include <deque>

namespace abis::mosip {

namespace {
constexpr int kMaxBatch = 256;  // messages taken from the socket before processing starts
}  // namespace

Status MosipAbisStompWorker::Start() { return connection_.Subscribe(queue_.inbound_queue, "abis-inbound"); }

Result<MosipStompWorkerStats> MosipAbisStompWorker::Run(std::chrono::milliseconds duration,
                                                        const std::atomic<bool>* stop,
                                                        std::chrono::milliseconds poll) {
  MosipStompWorkerStats stats;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline && (stop == nullptr || !stop->load())) {
    std::deque<StompFrame> batch;
    ABIS_ASSIGN_OR_RETURN(std::optional<StompFrame> first, connection_.Receive(poll));
    if (!first) continue;
    batch.push_back(std::move(*first));
    while (static_cast<int>(batch.size()) < kMaxBatch) {
      ABIS_ASSIGN_OR_RETURN(std::optional<StompFrame> more, connection_.Receive(std::chrono::milliseconds(0)));
      if (!more) break;
      batch.push_back(std::move(*more));
    }
    std::deque<StompFrame> to_ack;
    for (StompFrame& frame : batch) {
      if (frame.command != "MESSAGE") continue;
      if (!adapter_.Submit(frame.body)) break;  // queue full: leave the rest unacknowledged for redelivery
      to_ack.push_back(std::move(frame));
    }
    while (!to_ack.empty()) {
      std::optional<interop::MosipAbisReply> reply = adapter_.ProcessNext();
      if (!reply) return Status::Internal("MOSIP worker: adapter queue empty while messages await replies");
      ++stats.requests;
      if (!reply->success) ++stats.failures;
      ABIS_RETURN_IF_ERROR(connection_.Send(queue_.outbound_queue, reply->response_json));
      ABIS_RETURN_IF_ERROR(connection_.Ack(to_ack.front()));
      to_ack.pop_front();
      if (reply_observer_) reply_observer_(*reply);
    }
  }
  return stats;
}

}  // namespace abis::mosip
