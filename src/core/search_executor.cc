#include "abis/core/search_executor.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace abis {

// One ParallelFor call, on its caller's stack. Slices are claimed through `next`; the caller
// does not return (and so does not destroy the job) before it has taken the job off the queue
// and every worker that took it from the queue has let go of it (`helpers` back to 0).
struct SearchExecutor::Job {
  Job(std::size_t slice_count, Call slice_call, void* slice_body)
      : slices(slice_count), call(slice_call), body(slice_body) {}

  // Runs unclaimed slices until none is left. Returns the exception of a slice that threw
  // (after which no further slice is started, here or elsewhere), or null.
  std::exception_ptr RunSlices() noexcept {
    for (std::size_t slice = next.fetch_add(1, std::memory_order_relaxed); slice < slices;
         slice = next.fetch_add(1, std::memory_order_relaxed)) {
      try {
        call(body, slice);
      } catch (...) {
        next.store(slices, std::memory_order_relaxed);
        return std::current_exception();
      }
    }
    return nullptr;
  }

  const std::size_t slices;
  const Call call;
  void* const body;
  std::atomic<std::size_t> next{0};
  // Guarded by Pool::mutex.
  std::size_t helpers = 0;  // workers that took the job from the queue and have not let go
  std::exception_ptr error;
  std::condition_variable helpers_done;
};

struct SearchExecutor::Pool {
  std::mutex mutex;
  std::condition_variable work_available;
  std::deque<Job*> jobs;  // calls that may have slices left to claim, oldest first
  bool stopping = false;
  std::vector<std::thread> threads;

  // REQUIRES: mutex held.
  void Withdraw(Job* job) {
    const auto found = std::find(jobs.begin(), jobs.end(), job);
    if (found != jobs.end()) jobs.erase(found);
  }
};

namespace {

std::size_t SharedConcurrency() {
  if (const char* text = std::getenv("ABIS_SEARCH_THREADS")) {
    const std::string_view value(text);
    std::size_t threads = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), threads);
    if (error == std::errc() && end == value.data() + value.size() && threads >= 1 && threads <= 256) return threads;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

SearchExecutor& SearchExecutor::Shared() {
  // Leaked on purpose: joining the workers from a static destructor could race with searches
  // still running on other threads at exit; idle workers simply end with the process.
  static SearchExecutor* const shared = new SearchExecutor(SharedConcurrency() - 1);
  return *shared;
}

SearchExecutor::SearchExecutor(std::size_t workers) : pool_(std::make_unique<Pool>()) {
  pool_->threads.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    try {
      pool_->threads.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error&) {
      break;  // no more threads available: keep the ones started
    }
  }
  workers_ = pool_->threads.size();
}

SearchExecutor::~SearchExecutor() {
  {
    const std::lock_guard lock(pool_->mutex);
    pool_->stopping = true;
  }
  pool_->work_available.notify_all();
  for (std::thread& thread : pool_->threads) thread.join();
}

void SearchExecutor::Run(std::size_t slices, Call call, void* body) {
  if (slices == 0) return;
  if (slices == 1 || workers_ == 0) {
    for (std::size_t slice = 0; slice < slices; ++slice) call(body, slice);
    return;
  }
  Job job(slices, call, body);
  {
    const std::lock_guard lock(pool_->mutex);
    pool_->jobs.push_back(&job);
  }
  // The caller takes one slice; wake at most one worker for each of the others.
  const std::size_t wanted = std::min(slices - 1, workers_);
  if (wanted == workers_) {
    pool_->work_available.notify_all();
  } else {
    for (std::size_t i = 0; i < wanted; ++i) pool_->work_available.notify_one();
  }
  std::exception_ptr error = job.RunSlices();
  {
    std::unique_lock lock(pool_->mutex);
    pool_->Withdraw(&job);  // every slice is claimed: no worker may take the job any more
    job.helpers_done.wait(lock, [&job] { return job.helpers == 0; });
    if (!error) error = job.error;
  }
  if (error) std::rethrow_exception(error);
}

void SearchExecutor::WorkerLoop() {
  Pool& pool = *pool_;
  std::unique_lock lock(pool.mutex);
  for (;;) {
    pool.work_available.wait(lock, [&pool] { return pool.stopping || !pool.jobs.empty(); });
    if (pool.stopping) return;
    Job* job = pool.jobs.front();
    ++job->helpers;
    lock.unlock();
    std::exception_ptr error = job->RunSlices();
    lock.lock();
    pool.Withdraw(job);  // no slice left to claim: other workers need not take it
    if (error && !job->error) job->error = error;
    // Notified under the lock: once the caller can take the lock and sees 0 it destroys the job.
    if (--job->helpers == 0) job->helpers_done.notify_all();
  }
}

}  // namespace abis
