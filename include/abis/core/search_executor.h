// SearchExecutor: the threads that 1:N searches split their scans over, one fixed pool for the
// whole process. Concurrent searches (the HTTP service runs 8 request workers) share its workers
// instead of each starting a thread per slice, so the process holds the callers plus a fixed
// number of threads however many searches run at once.
//
// ParallelFor(slices, body) calls body(slice) exactly once for every slice in [0, slices) and
// returns when every call has returned. The calling thread runs slices too (workers and caller
// claim the next unclaimed slice one at a time), so a call completes even when every worker is
// busy: calls from many threads at once, and calls made from inside a body (nested), never wait
// for a free worker and never deadlock. No call starts a thread.
// Which thread runs which slice varies from call to call. Results are deterministic when each
// slice writes only its own output and the caller merges the outputs in slice order after
// ParallelFor returns; every write a body makes happens-before ParallelFor returns.
// Thread-safety: ParallelFor may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

namespace abis {

class SearchExecutor {
 public:
  // The process-wide executor, created on first use: hardware_concurrency() - 1 workers (the
  // caller is the other participant), or ABIS_SEARCH_THREADS - 1 when that environment variable
  // holds an integer from 1 to 256 (1: every slice runs on its caller). Never destroyed: its idle
  // workers sleep until the process exits, so searches during static destruction stay safe.
  static SearchExecutor& Shared();

  // Starts `workers` threads (0: every slice runs on the caller). When the system refuses a
  // thread, the executor keeps the workers it could start (workers() says how many).
  explicit SearchExecutor(std::size_t workers);
  // Stops and joins the workers. REQUIRES: no ParallelFor call in progress.
  ~SearchExecutor();
  SearchExecutor(const SearchExecutor&) = delete;
  SearchExecutor& operator=(const SearchExecutor&) = delete;

  std::size_t workers() const { return workers_; }
  // Threads one call can run on at once: the workers and the caller.
  std::size_t concurrency() const { return workers_ + 1; }

  // Calls body(slice) for each slice in [0, slices), on the calling thread and idle workers, and
  // returns when all have returned. `body` must be callable as body(std::size_t) from several
  // threads at once. If a call throws, slices not yet started are skipped and the first
  // exception is rethrown here once every started slice has returned.
  template <typename Body>
  void ParallelFor(std::size_t slices, Body&& body) {
    using Stored = std::remove_reference_t<Body>;
    Run(slices, &Invoke<Stored>, const_cast<std::remove_const_t<Stored>*>(std::addressof(body)));
  }

  // First index of slice `slice` when [0, count) is cut into `slices` contiguous slices whose
  // sizes differ by at most one (slice `slices` gives count). REQUIRES: slices > 0, slice <= slices.
  static constexpr std::size_t SliceBegin(std::size_t count, std::size_t slices, std::size_t slice) {
    return count * slice / slices;
  }

 private:
  using Call = void (*)(void* body, std::size_t slice);
  struct Job;
  struct Pool;

  template <typename Stored>
  static void Invoke(void* body, std::size_t slice) {
    (*static_cast<Stored*>(body))(slice);
  }

  void Run(std::size_t slices, Call call, void* body);
  void WorkerLoop();

  std::unique_ptr<Pool> pool_;
  std::size_t workers_ = 0;
};

}  // namespace abis
