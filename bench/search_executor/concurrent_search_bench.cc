// Single-search latency and throughput under concurrent searches, for the face gallery (sign
// scan above exact_search_max, default options) and the finger gallery (two-stage search,
// default options). It measures what the shared search executor (abis/core/search_executor.h)
// changes: before it, every search started its own helper threads, so `--concurrency` request
// threads each started a thread per slice; with it, a fixed pool serves every search.
// For each gallery, it reports
//   - single: `--face-queries` / `--finger-queries` searches one after another on one thread (median and p95 latency);
//   - concurrent: the same searches spread over `--concurrency` threads (each takes every
//     concurrency-th probe): wall time, searches per second, median and p95 latency, and the
//     largest number of threads in the process seen while they ran (/proc/self/task).
// Uses only the galleries' public API, so the same source measures the code before and after.
//
//   abis_concurrent_search_bench --face-size 1000000 --face-queries 2000 --finger-size 20000
//       --finger-queries 64 --concurrency 8
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../bench_measures.h"
#include "abis/face/faiss_gallery.h"
#include "abis/finger/finger_gallery.h"
#include "abis/finger/synthetic_minutiae.h"

namespace {

using abis::bench::Clock;
using abis::bench::MillisecondsSince;
using abis::bench::Quantile;
using abis::bench::Round;

std::size_t ThreadsInProcess() {
  std::size_t count = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc/self/task", error), end; !error && it != end;
       it.increment(error)) {
    ++count;
  }
  return count;
}

// Runs search(i) for every probe index on `concurrency` threads (each takes every
// concurrency-th probe) while a sampler thread records the process's thread count.
nlohmann::json Measure(std::size_t queries, int concurrency, const std::function<void(std::size_t)>& search) {
  std::vector<double> latency_ms(queries);
  std::atomic<bool> running{true};
  std::size_t most_threads = 0;
  std::thread sampler([&] {
    while (running.load()) {
      most_threads = std::max(most_threads, ThreadsInProcess());
      std::this_thread::yield();
    }
  });
  const auto work = [&](std::size_t first) {
    for (std::size_t i = first; i < queries; i += static_cast<std::size_t>(concurrency)) {
      const auto start = Clock::now();
      search(i);
      latency_ms[i] = MillisecondsSince(start);
    }
  };
  const auto start = Clock::now();
  std::vector<std::thread> others;
  for (int t = 1; t < concurrency; ++t) others.emplace_back(work, static_cast<std::size_t>(t));
  work(0);
  for (std::thread& other : others) other.join();
  const double wall_ms = MillisecondsSince(start);
  running = false;
  sampler.join();
  return {{"concurrency", concurrency},
          {"wall_ms", Round(wall_ms, 0.01)},
          {"searches_per_second", Round(static_cast<double>(queries) / (wall_ms / 1000.0), 0.1)},
          {"ms_median", Round(Quantile(latency_ms, 0.5), 0.001)},
          {"ms_p95", Round(Quantile(latency_ms, 0.95), 0.001)},
          {"most_threads_in_process", most_threads - 1}};  // without the sampler
}

std::vector<float> RandomUnitVectors(std::size_t count, int dimension, std::uint64_t seed) {
  std::vector<float> vectors(count * static_cast<std::size_t>(dimension));
  std::mt19937_64 random(seed);
  std::normal_distribution<float> normal;
  for (std::size_t v = 0; v < count; ++v) {
    float* row = vectors.data() + v * static_cast<std::size_t>(dimension);
    double norm = 0.0;
    for (int d = 0; d < dimension; ++d) {
      row[d] = normal(random);
      norm += static_cast<double>(row[d]) * row[d];
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (int d = 0; d < dimension; ++d) row[d] *= scale;
  }
  return vectors;
}

nlohmann::json BenchFace(std::size_t size, std::size_t queries, int concurrency) {
  constexpr int kDimension = 512;
  abis::face::FaissFaceGallery gallery("bench", kDimension, {}, nullptr);
  {
    const std::vector<float> vectors = RandomUnitVectors(size, kDimension, 1);
    std::vector<std::int64_t> ids(size);
    for (std::size_t i = 0; i < size; ++i) ids[i] = static_cast<std::int64_t>(i);
    if (const abis::Status added = gallery.AddVectors(ids, vectors); !added.ok()) {
      std::cerr << added.ToString() << "\n";
      std::exit(1);
    }
  }
  const std::vector<float> probes = RandomUnitVectors(queries, kDimension, 2);
  const auto search = [&](std::size_t i) {
    const auto found = gallery.SearchVector({probes.data() + i * kDimension, kDimension}, 10);
    if (found.empty()) std::abort();
  };
  return {{"size", size},
          {"method", gallery.search_method()},
          {"single", Measure(queries, 1, search)},
          {"concurrent", Measure(queries, concurrency, search)}};
}

nlohmann::json BenchFinger(std::size_t size, std::size_t queries, int concurrency) {
  abis::finger::FingerGallery gallery;
  const auto sample = [](std::size_t finger, int impression) {
    const abis::finger::MinutiaeTemplate master = abis::finger::SyntheticFinger(0x5EED0000ULL + finger);
    const std::uint64_t seed = (finger << 4) + static_cast<std::uint64_t>(impression);
    return abis::finger::SyntheticImpression(master, seed, abis::finger::TypicalImpressionOptions(seed));
  };
  for (std::size_t i = 0; i < size; ++i) {
    if (const abis::Status added =
            gallery.AddPrepared(static_cast<std::int64_t>(i), abis::finger::PrepareFingerTemplate(sample(i, 0)));
        !added.ok()) {
      std::cerr << added.ToString() << "\n";
      std::exit(1);
    }
  }
  std::vector<abis::finger::PreparedFingerTemplate> probes;
  for (std::size_t i = 0; i < queries; ++i)
    probes.push_back(abis::finger::PrepareFingerTemplate(sample(i * 7 % size, 1)));
  const auto search = [&](std::size_t i) {
    const auto found = gallery.SearchPrepared(probes[i], 10, 0.05, 100);
    if (!found.ok() || found->empty()) std::abort();
  };
  return {
      {"size", size}, {"single", Measure(queries, 1, search)}, {"concurrent", Measure(queries, concurrency, search)}};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t face_size = 1'000'000;
  std::size_t finger_size = 20'000;
  std::size_t face_queries = 2000;
  std::size_t finger_queries = 64;
  int concurrency = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--face-size")
      face_size = std::stoul(value);
    else if (flag == "--finger-size")
      finger_size = std::stoul(value);
    else if (flag == "--face-queries")
      face_queries = std::stoul(value);
    else if (flag == "--finger-queries")
      finger_queries = std::stoul(value);
    else if (flag == "--concurrency")
      concurrency = std::stoi(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  nlohmann::json report = {{"hardware_concurrency", std::thread::hardware_concurrency()}};
  if (face_size > 0) report["face"] = BenchFace(face_size, face_queries, concurrency);
  if (finger_size > 0) report["finger"] = BenchFinger(finger_size, finger_queries, concurrency);
  std::cout << report.dump(2) << "\n";
  return 0;
}
