#include "abis/core/search_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

namespace abis {
namespace {

// Threads of this process now (Linux: one entry per thread in /proc/self/task).
std::size_t ThreadsInProcess() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

// Waits (polling, at most 10 s) until the process has `expected` threads: a joined thread may
// stay listed for a moment after join() returns. Returns the last count seen.
std::size_t SettledThreadCount(std::size_t expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::size_t count = ThreadsInProcess();
  while (count != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
    count = ThreadsInProcess();
  }
  return count;
}

// Runs `work` on its own thread and waits for it for at most `deadline`; a call that has not
// returned by then is reported and the test binary aborted (a deadlocked executor cannot be
// destroyed, so there is no clean way to go on).
template <typename Work>
void FinishesWithin(std::chrono::seconds deadline, Work work) {
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  std::thread runner([&finished, &work] {
    work();
    finished.set_value();
  });
  if (done.wait_for(deadline) != std::future_status::ready) {
    std::fprintf(stderr, "SearchExecutor call did not finish within %llds: deadlock\n",
                 static_cast<long long>(deadline.count()));
    std::abort();
  }
  runner.join();
}

// A deterministic, order-sensitive per-slice result (any lost, repeated or misplaced slice
// changes the merged output).
std::vector<std::uint64_t> SliceOutput(std::size_t slice) {
  std::vector<std::uint64_t> out;
  std::uint64_t state = 0x9E3779B97F4A7C15ULL * (slice + 1);
  for (std::size_t i = 0; i < slice % 7 + 1; ++i) {
    state ^= state >> 29;
    state *= 0xBF58476D1CE4E5B9ULL;
    out.push_back(state);
  }
  return out;
}

TEST(SearchExecutorTest, VisitsEverySliceExactlyOnce) {
  for (const std::size_t workers : {0u, 1u, 3u, 8u}) {
    SearchExecutor executor(workers);
    EXPECT_EQ(executor.workers(), workers);
    for (const std::size_t slices : {0u, 1u, 2u, 7u, 64u, 1000u}) {
      std::vector<std::atomic<int>> visits(slices);
      executor.ParallelFor(slices, [&visits](std::size_t slice) { visits[slice].fetch_add(1); });
      for (std::size_t slice = 0; slice < slices; ++slice) {
        EXPECT_EQ(visits[slice].load(), 1) << "slice " << slice << " of " << slices << ", " << workers << " workers";
      }
    }
  }
}

TEST(SearchExecutorTest, MergedResultsEqualASerialRun) {
  constexpr std::size_t kSlices = 37;
  std::vector<std::uint64_t> serial;
  for (std::size_t slice = 0; slice < kSlices; ++slice) {
    const std::vector<std::uint64_t> part = SliceOutput(slice);
    serial.insert(serial.end(), part.begin(), part.end());
  }
  for (const std::size_t workers : {0u, 1u, 2u, 5u}) {
    SearchExecutor executor(workers);
    for (int run = 0; run < 50; ++run) {
      std::vector<std::vector<std::uint64_t>> parts(kSlices);
      executor.ParallelFor(kSlices, [&parts](std::size_t slice) { parts[slice] = SliceOutput(slice); });
      std::vector<std::uint64_t> merged;
      for (const auto& part : parts) merged.insert(merged.end(), part.begin(), part.end());
      ASSERT_EQ(merged, serial) << workers << " workers, run " << run;
    }
  }
}

TEST(SearchExecutorTest, SplitsWorkAcrossTheWorkersAndTheCaller) {
  SearchExecutor executor(3);
  // Each slice waits until all four participants are inside a slice at once: possible only if the
  // workers and the caller run slices of the same call together.
  std::atomic<int> inside{0};
  FinishesWithin(std::chrono::seconds(60), [&] {
    executor.ParallelFor(4, [&inside](std::size_t) {
      inside.fetch_add(1);
      while (inside.load() < 4) std::this_thread::yield();
    });
  });
  EXPECT_EQ(inside.load(), 4);
}

TEST(SearchExecutorTest, ConcurrentCallersShareAFixedNumberOfThreads) {
  const std::size_t before = ThreadsInProcess();
  constexpr std::size_t kWorkers = 3;
  SearchExecutor executor(kWorkers);
  EXPECT_EQ(SettledThreadCount(before + kWorkers), before + kWorkers);
  constexpr std::size_t kCallers = 16;
  constexpr std::size_t kSlices = 8;
  constexpr int kCallsEach = 50;
  std::atomic<std::size_t> most_threads{0};
  std::atomic<std::size_t> slices_run{0};
  FinishesWithin(std::chrono::seconds(90), [&] {
    std::vector<std::thread> callers;
    for (std::size_t c = 0; c < kCallers; ++c) {
      callers.emplace_back([&] {
        for (int call = 0; call < kCallsEach; ++call) {
          executor.ParallelFor(kSlices, [&](std::size_t slice) {
            if (slice == 0) {
              const std::size_t now = ThreadsInProcess();
              std::size_t seen = most_threads.load();
              while (now > seen && !most_threads.compare_exchange_weak(seen, now)) {
              }
            }
            slices_run.fetch_add(1);
          });
        }
      });
    }
    for (std::thread& caller : callers) caller.join();
  });
  EXPECT_EQ(slices_run.load(), kCallers * kSlices * kCallsEach);
  // The test's own threads (the runner and the callers) plus the pool: no thread per call.
  EXPECT_LE(most_threads.load(), before + kWorkers + 1 + kCallers);
  EXPECT_EQ(SettledThreadCount(before + kWorkers), before + kWorkers);
}

TEST(SearchExecutorTest, NestedCallsDoNotDeadlock) {
  for (const std::size_t workers : {1u, 2u, 4u}) {
    SearchExecutor executor(workers);
    std::atomic<int> leaves{0};
    FinishesWithin(std::chrono::seconds(60), [&] {
      executor.ParallelFor(6, [&](std::size_t) {
        executor.ParallelFor(5,
                             [&](std::size_t) { executor.ParallelFor(4, [&](std::size_t) { leaves.fetch_add(1); }); });
      });
    });
    EXPECT_EQ(leaves.load(), 6 * 5 * 4) << workers << " workers";
  }
}

TEST(SearchExecutorTest, NestedCallsFromManyCallersDoNotDeadlock) {
  SearchExecutor executor(2);
  std::atomic<int> leaves{0};
  FinishesWithin(std::chrono::seconds(90), [&] {
    std::vector<std::thread> callers;
    for (int c = 0; c < 8; ++c) {
      callers.emplace_back([&] {
        for (int call = 0; call < 20; ++call) {
          executor.ParallelFor(
              3, [&](std::size_t) { executor.ParallelFor(3, [&](std::size_t) { leaves.fetch_add(1); }); });
        }
      });
    }
    for (std::thread& caller : callers) caller.join();
  });
  EXPECT_EQ(leaves.load(), 8 * 20 * 3 * 3);
}

TEST(SearchExecutorTest, RethrowsTheExceptionOfASliceAfterTheOthersReturn) {
  SearchExecutor executor(2);
  std::atomic<int> running{0};
  EXPECT_THROW(executor.ParallelFor(100,
                                    [&running](std::size_t slice) {
                                      running.fetch_add(1);
                                      if (slice == 3) {
                                        running.fetch_sub(1);
                                        throw std::runtime_error("slice 3");
                                      }
                                      running.fetch_sub(1);
                                    }),
               std::runtime_error);
  EXPECT_EQ(running.load(), 0);
  // The executor still works afterwards.
  std::atomic<int> visits{0};
  executor.ParallelFor(10, [&visits](std::size_t) { visits.fetch_add(1); });
  EXPECT_EQ(visits.load(), 10);
}

TEST(SearchExecutorTest, SharedExecutorIsOneFixedPool) {
  SearchExecutor& shared = SearchExecutor::Shared();
  EXPECT_EQ(&shared, &SearchExecutor::Shared());
  EXPECT_GE(shared.concurrency(), 1u);
  const std::size_t before = ThreadsInProcess();
  std::vector<std::size_t> out(100);
  shared.ParallelFor(out.size(), [&out](std::size_t slice) { out[slice] = slice * slice; });
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], i * i);
  EXPECT_EQ(SettledThreadCount(before), before);
}

TEST(SearchExecutorTest, SliceBeginCutsContiguousNearlyEqualSlices) {
  for (const std::size_t count : {0u, 1u, 5u, 100u, 1'000'003u}) {
    for (const std::size_t slices : {1u, 2u, 3u, 8u}) {
      EXPECT_EQ(SearchExecutor::SliceBegin(count, slices, 0), 0u);
      EXPECT_EQ(SearchExecutor::SliceBegin(count, slices, slices), count);
      for (std::size_t s = 0; s < slices; ++s) {
        const std::size_t size =
            SearchExecutor::SliceBegin(count, slices, s + 1) - SearchExecutor::SliceBegin(count, slices, s);
        EXPECT_LE(size, count / slices + 1);
        EXPECT_GE(size, count / slices);
      }
    }
  }
}

}  // namespace
}  // namespace abis
