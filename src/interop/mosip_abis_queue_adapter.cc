#include "abis/interop/mosip_abis_queue_adapter.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <variant>

namespace abis::interop {

namespace {

MosipAbisReply Reply(const MosipResponse& response, std::string diagnostic) {
  MosipAbisReply reply;
  reply.request_id = response.request_id;
  reply.response_json = SerializeMosipResponse(response);
  reply.success = response.return_value == MosipReturnValue::kSuccess;
  reply.diagnostic = std::move(diagnostic);
  return reply;
}

MosipAbisReply FailureReply(const std::string& id, const std::string& request_id, const MosipOutcome& outcome) {
  return Reply(MosipFailureResponse(id, request_id, outcome.reason()),
               std::to_string(static_cast<int>(outcome.reason())) + " (" +
                   std::string(MosipFailureReasonText(outcome.reason())) + "): " + outcome.detail());
}

}  // namespace

MosipAbisQueueAdapter::MosipAbisQueueAdapter(MosipAbisHandler& handler, MosipBiometricSource& source,
                                             MosipAbisAdapterOptions options)
    : handler_(handler), source_(source), options_(options) {}

bool MosipAbisQueueAdapter::Submit(std::string message) {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  if (queue_.size() >= options_.max_queued_messages) return false;
  queue_.push_back(std::move(message));
  return true;
}

std::size_t MosipAbisQueueAdapter::PendingJobs() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return queue_.size();
}

std::optional<MosipAbisReply> MosipAbisQueueAdapter::ProcessNext() {
  std::lock_guard<std::mutex> processing(processing_mutex_);
  std::string message;
  std::size_t still_queued = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (queue_.empty()) return std::nullopt;
    message = std::move(queue_.front());
    queue_.pop_front();
    still_queued = queue_.size();
  }
  return Process(message, still_queued);
}

MosipAbisReply MosipAbisQueueAdapter::Handle(std::string message,
                                             const std::function<void(const MosipAbisReply&)>& earlier) {
  std::lock_guard<std::mutex> processing(processing_mutex_);
  std::size_t ahead = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (queue_.size() >= options_.max_queued_messages) {
      auto parsed = ParseMosipRequest(message);
      const MosipRequestError* error = std::get_if<MosipRequestError>(&parsed);
      const std::string id = error != nullptr ? error->id
                                              : std::string(MosipOperationId(OperationOf(std::get<MosipRequest>(parsed))));
      const std::string request_id =
          error != nullptr ? error->request_id : HeaderOf(std::get<MosipRequest>(parsed)).request_id;
      return FailureReply(id, request_id,
                          MosipOutcome::Failure(MosipFailureReason::kAborted, "the adapter's queue is full"));
    }
    ahead = queue_.size();
    queue_.push_back(std::move(message));
  }
  for (std::size_t i = 0;; ++i) {
    std::string next;
    std::size_t still_queued = 0;
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      next = std::move(queue_.front());
      queue_.pop_front();
      still_queued = queue_.size();
    }
    MosipAbisReply reply = Process(next, still_queued);
    if (i == ahead) return reply;
    if (earlier) earlier(reply);
  }
}

MosipAbisReply MosipAbisQueueAdapter::Process(const std::string& message, std::size_t still_queued) {
  auto parsed = ParseMosipRequest(message);
  if (const auto* error = std::get_if<MosipRequestError>(&parsed)) {
    return FailureReply(error->id, error->request_id, MosipOutcome::Failure(error->reason, error->detail));
  }
  return Dispatch(std::get<MosipRequest>(parsed), still_queued);
}

MosipOutcome MosipAbisQueueAdapter::FetchCbeff(const std::string& reference_url, CbeffDocument* document) {
  std::string xml;
  MosipOutcome fetched = source_.Fetch(reference_url, &xml);
  if (!fetched.ok()) return fetched;
  Result<CbeffDocument> parsed = ParseCbeffXml(xml);
  if (!parsed.ok()) return MosipOutcome::Failure(MosipFailureReason::kInvalidCbeffFormat, parsed.status().message());
  if (parsed->birs.empty()) {
    return MosipOutcome::Failure(MosipFailureReason::kCbeffHasNoData, "the CBEFF document holds no BIR with a BDB");
  }
  *document = std::move(parsed).value();
  return MosipOutcome::Ok();
}

MosipAbisReply MosipAbisQueueAdapter::Dispatch(const MosipRequest& request, std::size_t still_queued) {
  const MosipOperation operation = OperationOf(request);
  const std::string id(MosipOperationId(operation));
  const std::string& request_id = HeaderOf(request).request_id;
  MosipResponse response = MosipSuccessResponse(operation, request_id);
  MosipOutcome outcome = MosipOutcome::Ok();

  if (const auto* insert = std::get_if<MosipInsertRequest>(&request)) {
    CbeffDocument biometrics;
    outcome = FetchCbeff(insert->reference_url, &biometrics);
    if (outcome.ok()) outcome = handler_.InsertForRequest(request_id, insert->reference_id, biometrics);
  } else if (const auto* identify = std::get_if<MosipIdentifyRequest>(&request)) {
    MosipIdentifyQuery query;
    query.request_id = request_id;
    query.probe_reference_id = identify->reference_id;
    query.gallery = identify->gallery;
    query.max_results = identify->max_results.value_or(options_.default_max_results);
    query.target_fpir = identify->target_fpir ? identify->target_fpir : options_.default_target_fpir;
    if (query.target_fpir) {
      query.false_positive_identification_rate = FalsePositiveIdentificationRateFromTargetFpir(*query.target_fpir);
    }
    query.other_flags = identify->other_flags;
    if (query.probe_reference_id.empty()) {
      CbeffDocument probe;
      outcome = FetchCbeff(identify->reference_url, &probe);
      if (outcome.ok()) query.probe_biometrics = std::move(probe);
    }
    if (outcome.ok()) outcome = handler_.Identify(query, &response.candidates);
    if (outcome.ok() && response.candidates.size() > static_cast<std::size_t>(query.max_results)) {
      response.candidates.resize(static_cast<std::size_t>(query.max_results));
    }
  } else if (const auto* remove = std::get_if<MosipDeleteRequest>(&request)) {
    outcome = handler_.DeleteForRequest(request_id, remove->reference_id);
  } else if (std::holds_alternative<MosipPingRequest>(request)) {
    outcome = handler_.Ping();
  } else if (std::holds_alternative<MosipPendingJobsRequest>(request)) {
    response.jobs_count = static_cast<std::int64_t>(still_queued) + std::max<std::int64_t>(0, handler_.PendingJobs());
  } else if (std::holds_alternative<MosipReferenceCountRequest>(request)) {
    std::int64_t count = 0;
    outcome = handler_.ReferenceCount(&count);
    response.reference_count = count;
  }
  if (!outcome.ok()) return FailureReply(id, request_id, outcome);
  return Reply(response, "");
}

MosipOutcome FileBiometricSource::Fetch(const std::string& reference_url, std::string* cbeff_xml) {
  constexpr std::string_view kScheme = "file://";
  if (reference_url.rfind(kScheme, 0) != 0) {
    return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails,
                                 "only file:// referenceURLs are served by this source: " + reference_url);
  }
  std::error_code error;
  const std::filesystem::path root = std::filesystem::weakly_canonical(root_, error);
  const std::filesystem::path path =
      std::filesystem::weakly_canonical(std::filesystem::path(reference_url.substr(kScheme.size())), error);
  const auto relative = path.lexically_relative(root);
  if (error || relative.empty() || *relative.begin() == "..") {
    return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails,
                                 "referenceURL " + reference_url + " is outside " + root_);
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails,
                                 "cannot read " + path.string() + ": " + error.message());
  }
  if (size > kMaxCbeffXmlBytes) {
    return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails,
                                 path.string() + " is larger than " + std::to_string(kMaxCbeffXmlBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return MosipOutcome::Failure(MosipFailureReason::kUnableToFetchBiometricDetails, "cannot read " + path.string());
  }
  *cbeff_xml = std::move(text);
  return MosipOutcome::Ok();
}

}  // namespace abis::interop
