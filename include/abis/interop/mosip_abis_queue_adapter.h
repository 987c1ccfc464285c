// The MOSIP ABIS queue adapter, independent of any transport: inbound messages (JSON text) go in
// with Submit, responses (JSON text for the outbound queue) come out of ProcessNext, strictly in
// arrival order. It validates each message (failure reasons of mosip_abis_request.h), fetches and
// parses the CBEFF behind a referenceURL, calls the MosipAbisHandler and writes MOSIP's response.
//
// Ordering: one message is processed at a time, in the order submitted, so an IDENTIFY sees every
// INSERT submitted before it and never one submitted after it. INSERT never deduplicates (it only
// stores; MOSIP asks for deduplication with a separate IDENTIFY).
//
// Thread-safety: Submit, ProcessNext, Handle and PendingJobs may be called from any threads; calls
// into the handler and the source are serialised by the adapter.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "abis/interop/mosip_abis_handler.h"

namespace abis::interop {

struct MosipAbisAdapterOptions {
  int default_max_results = 10;            // IDENTIFY without flags.maxResults
  std::optional<int> default_target_fpir;  // IDENTIFY without flags.targetFPIR (nullopt: handler decides)
  std::size_t max_queued_messages = 100000;  // Submit refuses beyond this (answered as aborted)
};

// One processed message.
struct MosipAbisReply {
  std::string request_id;      // "" when the message had none
  std::string response_json;   // what goes on the outbound queue
  bool success = false;
  std::string diagnostic;      // why it failed ("" on success), for the operator's log
};

class MosipAbisQueueAdapter {
 public:
  // REQUIRES handler and source outlive the adapter.
  MosipAbisQueueAdapter(MosipAbisHandler& handler, MosipBiometricSource& source, MosipAbisAdapterOptions options = {});

  MosipAbisQueueAdapter(const MosipAbisQueueAdapter&) = delete;
  MosipAbisQueueAdapter& operator=(const MosipAbisQueueAdapter&) = delete;

  // Queues one inbound message. Returns false (and queues nothing) when the queue is full; the
  // caller should then answer with MosipFailureReason::kAborted or leave the message on the broker.
  bool Submit(std::string message);

  // Processes the oldest queued message; nullopt when none is queued.
  std::optional<MosipAbisReply> ProcessNext();

  // Submits `message`, then processes the queue up to and including it; returns its reply.
  // Replies to messages queued earlier are passed to `earlier` when given (else dropped).
  MosipAbisReply Handle(std::string message, const std::function<void(const MosipAbisReply&)>& earlier = nullptr);

  // Messages submitted and not yet processed.
  std::size_t PendingJobs() const;

 private:
  MosipAbisReply Process(const std::string& message, std::size_t still_queued);
  MosipAbisReply Dispatch(const MosipRequest& request, std::size_t still_queued);
  MosipOutcome FetchCbeff(const std::string& reference_url, CbeffDocument* document);

  MosipAbisHandler& handler_;
  MosipBiometricSource& source_;
  const MosipAbisAdapterOptions options_;

  mutable std::mutex queue_mutex_;
  std::deque<std::string> queue_;  // guarded by queue_mutex_
  std::mutex processing_mutex_;    // held while a message is processed: one at a time, in order
};

// A MosipBiometricSource for "file://" URLs below one directory (tests, demos, offline imports);
// any other URL, or a path escaping the directory, is kUnableToFetchBiometricDetails.
class FileBiometricSource : public MosipBiometricSource {
 public:
  explicit FileBiometricSource(std::string root_directory) : root_(std::move(root_directory)) {}
  MosipOutcome Fetch(const std::string& reference_url, std::string* cbeff_xml) override;

 private:
  std::string root_;
};

}  // namespace abis::interop
