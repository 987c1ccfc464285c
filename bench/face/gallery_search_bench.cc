// 1:N search benchmark of the face gallery (FaissFaceGallery) over seeded random unit vectors,
// for one large-gallery method (--method):
//  - hnsw: build time and memory, then per efSearch the per-query latency (one query at a time,
//    on one thread and on two concurrent threads) and recall against exact search;
//  - sign-scan: encoding time and memory, then per shortlist size K (--sign-candidates) the
//    per-query latency (one query at a time, the scan on one thread and split over two) and
//    recall against exact search, with the mate's rank by sign agreement (how many non-mates
//    agree with the probe on at least as many signs) and the mean agreements.
//
// Two kinds of probes, each compared with exact search over the same gallery:
//  - mated (the primary measure, how an ABIS searches): an enrolled vector m mixed with fresh
//    noise, probe = c*m + sqrt(1-c^2)*u with u a random unit vector orthogonal to m, so the
//    probe's cosine to its mate is exactly c (--mate-cosine). The default 0.6 is the ORL genuine
//    mean minus two standard deviations (0.828 - 2 x 0.113, docs/MODELS.md): a hard but
//    realistic genuine comparison.
//  - random: an independent random unit vector. In 512-d its exact nearest neighbour is barely
//    nearer than thousands of others (all cosines ~0 +- 0.044), so recall here measures how well
//    a graph orders near-ties, not whether an ABIS finds a person; reported for completeness.
// recall_at_1: the method's best candidate is exact search's best (for mated probes that is the mate;
// `exact_top1_is_mate` checks it). recall_at_10: share of exact search's top 10 that the method returns.
//
//   abis_face_search_bench --sizes 100000,1000000 --hnsw-m 32 --ef-construction 80
//       --ef-search 64,128,256 --storage int8 --cache-dir /tmp/abis-hnsw --json
//   abis_face_search_bench --sizes 100000,1000000 --method sign-scan --sign-candidates 16,64,256 --json
//
// --cache-dir keeps each built graph in a file named by seed, size, dimension, M,
// efConstruction and storage; a cached graph is used only when its fingerprint of the ids and
// vectors matches (FaissFaceGallery::AddVectorsWithSavedHnswGraph), else rebuilt.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <thread>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "abis/cli/plugin.h"
#include "abis/face/faiss_gallery.h"
#include "../bench_measures.h"

namespace abis::face {
namespace {

using abis::bench::Clock;
using Ranked = std::vector<std::pair<std::int64_t, float>>;
constexpr std::size_t kTop = 10;

struct Flags {
  std::vector<std::size_t> sizes = {100'000};
  std::size_t queries = 200;
  std::size_t exact_timing_queries = 20;
  double mate_cosine = 0.6;
  int dimension = 512;
  int hnsw_neighbours = FaissGalleryOptions{}.hnsw_neighbours;
  int ef_construction = FaissGalleryOptions{}.hnsw_ef_construction;
  std::vector<int> ef_search = {FaissGalleryOptions{}.hnsw_ef_search};
  std::string storage = "int8";
  std::size_t rerank = FaissGalleryOptions{}.hnsw_rerank;
  int build_threads = 0;
  std::string cache_dir;
  std::string method = "hnsw";
  std::vector<std::size_t> sign_candidates = {FaissGalleryOptions{}.sign_scan_candidates};
  std::uint64_t seed = 1;
  double max_gigabytes = 20.0;
};

using abis::bench::MillisecondsSince;
using abis::bench::Quantile;
using abis::bench::Round;

// CPU seconds used by the whole process so far (all threads).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The 1-minute load average (/proc/loadavg); -1 when unreadable.
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = -1.0;
  in >> load;
  return in ? load : -1.0;
}

// A field of /proc/self/status in MB (VmRSS, VmHWM); -1 when unreadable.
double ProcessMegabytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return -1.0;
}

void Normalise(float* row, int dimension) {
  double norm = 0.0;
  for (int d = 0; d < dimension; ++d) norm += static_cast<double>(row[d]) * row[d];
  const auto inverse = static_cast<float>(1.0 / std::sqrt(norm));
  for (int d = 0; d < dimension; ++d) row[d] *= inverse;
}

void FillRandomUnit(float* row, int dimension, std::mt19937_64& random) {
  std::normal_distribution<float> normal;
  for (int d = 0; d < dimension; ++d) row[d] = normal(random);
  Normalise(row, dimension);
}

// Gallery rows, generated in blocks of 4096 rows each seeded by (seed, size, block) on two
// threads, so the same flags always give the same gallery.
std::vector<float> RandomGallery(std::size_t size, int dimension, std::uint64_t seed) {
  std::vector<float> rows(size * static_cast<std::size_t>(dimension));
  constexpr std::size_t kBlock = 4096;
  const std::size_t blocks = (size + kBlock - 1) / kBlock;
  auto fill = [&](std::size_t first_block) {
    for (std::size_t block = first_block; block < blocks; block += 2) {
      std::seed_seq sequence{seed, static_cast<std::uint64_t>(size), static_cast<std::uint64_t>(block)};
      std::mt19937_64 random(sequence);
      for (std::size_t row = block * kBlock; row < std::min(size, (block + 1) * kBlock); ++row) {
        FillRandomUnit(rows.data() + row * static_cast<std::size_t>(dimension), dimension, random);
      }
    }
  };
  std::thread other(fill, 1);
  fill(0);
  other.join();
  return rows;
}

// probe = c * mate + sqrt(1 - c^2) * u, u a random unit vector orthogonal to the mate.
std::vector<float> MatedProbe(std::span<const float> mate, double cosine, std::mt19937_64& random) {
  const auto dimension = static_cast<int>(mate.size());
  std::vector<float> noise(mate.size());
  FillRandomUnit(noise.data(), dimension, random);
  double along = 0.0;
  for (std::size_t d = 0; d < mate.size(); ++d) along += static_cast<double>(noise[d]) * mate[d];
  for (std::size_t d = 0; d < mate.size(); ++d) noise[d] -= static_cast<float>(along) * mate[d];
  Normalise(noise.data(), dimension);
  const double across = std::sqrt(1.0 - cosine * cosine);
  std::vector<float> probe(mate.size());
  for (std::size_t d = 0; d < mate.size(); ++d) {
    probe[d] = static_cast<float>(cosine * mate[d] + across * noise[d]);
  }
  Normalise(probe.data(), dimension);
  return probe;
}

struct ProbeSet {
  std::vector<std::vector<float>> probes;
  std::vector<std::int64_t> mates;  // -1 for random probes
  std::vector<Ranked> exact;
};

// Exact top-10 of every probe, on two threads (ground truth, not timed).
void ComputeExact(const FaissFaceGallery& gallery, ProbeSet& set) {
  set.exact.assign(set.probes.size(), {});
  auto run = [&](std::size_t first) {
    for (std::size_t i = first; i < set.probes.size(); i += 2) set.exact[i] = gallery.SearchVectorExact(set.probes[i], kTop);
  };
  std::thread other(run, 1);
  run(0);
  other.join();
}

struct Recall {
  double at_1 = 0.0;
  double at_10 = 0.0;
};

Recall Compare(const std::vector<Ranked>& exact, const std::vector<Ranked>& approximate) {
  Recall recall;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    if (exact[i].empty() || approximate[i].empty()) continue;
    recall.at_1 += approximate[i][0].first == exact[i][0].first ? 1.0 : 0.0;
    std::size_t overlap = 0;
    for (const auto& e : exact[i]) {
      for (const auto& a : approximate[i]) overlap += a.first == e.first ? 1 : 0;
    }
    recall.at_10 += static_cast<double>(overlap) / static_cast<double>(exact[i].size());
  }
  const auto n = static_cast<double>(std::max<std::size_t>(1, exact.size()));
  return {Round(recall.at_1 / n, 1e-4), Round(recall.at_10 / n, 1e-4)};
}

// Runs every probe one at a time on `threads` concurrent threads (each takes every threads-th
// probe); returns each probe's result and latency, and the wall time of the whole run.
struct Run {
  std::vector<Ranked> found;
  std::vector<double> latency_ms;
  double wall_ms = 0.0;
};

template <typename SearchOne>
Run SearchAll(const ProbeSet& set, int threads, const SearchOne& search_one) {
  Run run;
  run.found.resize(set.probes.size());
  run.latency_ms.resize(set.probes.size());
  auto work = [&](std::size_t first) {
    for (std::size_t i = first; i < set.probes.size(); i += static_cast<std::size_t>(threads)) {
      const auto start = Clock::now();
      run.found[i] = search_one(set.probes[i]);
      run.latency_ms[i] = MillisecondsSince(start);
    }
  };
  const auto start = Clock::now();
  std::vector<std::thread> others;
  for (int t = 1; t < threads; ++t) others.emplace_back(work, static_cast<std::size_t>(t));
  work(0);
  for (std::thread& t : others) t.join();
  run.wall_ms = MillisecondsSince(start);
  return run;
}

// Signs on which two vectors agree (of `dimension`).
std::size_t AgreeingSigns(const float* a, const float* b, int dimension) {
  std::size_t agree = 0;
  for (int d = 0; d < dimension; ++d) agree += (a[d] > 0.0f) == (b[d] > 0.0f) ? 1 : 0;
  return agree;
}

// Sign agreement of mated probes with their mate and with the gallery (the sign-scan theory:
// 1 - arccos(c)/pi of the signs for a mate at cosine c, half +- sqrt(d)/2 for a non-mate), and the
// mate's rank by agreement: non-mates agreeing on at least as many signs, over the first 20
// probes (each a full pass over the gallery, not timed).
// One point of a sweep: recall against exact search and latency of the mated probes on one
// thread and on two (`mated_two`), and of the random probes on one.
nlohmann::json SweepPoint(const Run& mated_one, const Run& mated_two, const Run& random_one, const Recall& mated,
                          const Recall& random, double mate_rank1_rate, double queries, double load) {
  return {{"mated",
           {{"recall_at_1", mated.at_1},
            {"recall_at_10", mated.at_10},
            {"mate_rank1_rate", mate_rank1_rate},
            {"ms_median_1_thread", Round(Quantile(mated_one.latency_ms, 0.5), 0.001)},
            {"ms_p95_1_thread", Round(Quantile(mated_one.latency_ms, 0.95), 0.001)},
            {"ms_median_2_threads", Round(Quantile(mated_two.latency_ms, 0.5), 0.001)},
            {"ms_p95_2_threads", Round(Quantile(mated_two.latency_ms, 0.95), 0.001)},
            {"queries_per_second_2_threads", Round(queries / (mated_two.wall_ms / 1000.0), 0.1)}}},
          {"random",
           {{"recall_at_1", random.at_1},
            {"recall_at_10", random.at_10},
            {"ms_median_1_thread", Round(Quantile(random_one.latency_ms, 0.5), 0.001)}}},
          {"load_average_1min", load}};
}

nlohmann::json SignAgreement(const std::vector<float>& rows, const ProbeSet& mated, int dimension, double mate_cosine) {
  const auto dim = static_cast<std::size_t>(dimension);
  const std::size_t size = rows.size() / dim;
  const auto mate_row = [&](std::size_t q) { return rows.data() + static_cast<std::size_t>(mated.mates[q]) * dim; };
  double mate_sum = 0.0;
  std::size_t mate_min = dim;
  for (std::size_t q = 0; q < mated.probes.size(); ++q) {
    const std::size_t agree = AgreeingSigns(mated.probes[q].data(), mate_row(q), dimension);
    mate_sum += static_cast<double>(agree);
    mate_min = std::min(mate_min, agree);
  }
  double non_mate_sum = 0.0;
  double non_mate_square_sum = 0.0;
  std::size_t non_mate_max = 0;
  std::size_t worst_rank = 0;
  double rank_sum = 0.0;
  const std::size_t ranked = std::min<std::size_t>(20, mated.probes.size());
  for (std::size_t q = 0; q < ranked; ++q) {
    const std::size_t mate_agree = AgreeingSigns(mated.probes[q].data(), mate_row(q), dimension);
    std::size_t rank = 0;
    for (std::size_t row = 0; row < size; ++row) {
      if (static_cast<std::int64_t>(row) == mated.mates[q]) continue;
      const std::size_t agree = AgreeingSigns(mated.probes[q].data(), rows.data() + row * dim, dimension);
      non_mate_sum += static_cast<double>(agree);
      non_mate_square_sum += static_cast<double>(agree) * static_cast<double>(agree);
      non_mate_max = std::max(non_mate_max, agree);
      rank += agree >= mate_agree ? 1 : 0;
    }
    worst_rank = std::max(worst_rank, rank);
    rank_sum += static_cast<double>(rank);
  }
  const double pairs = std::max(1.0, static_cast<double>(ranked) * static_cast<double>(size - 1));
  const double non_mate_mean = non_mate_sum / pairs;
  const double non_mate_sd = std::sqrt(std::max(0.0, non_mate_square_sum / pairs - non_mate_mean * non_mate_mean));
  const double probes = static_cast<double>(std::max<std::size_t>(1, mated.probes.size()));
  const double pi = std::acos(-1.0);
  return {{"mate_expected", Round(static_cast<double>(dim) * (1.0 - std::acos(mate_cosine) / pi), 0.01)},
          {"non_mate_expected_mean", Round(static_cast<double>(dim) / 2.0, 0.01)},
          {"non_mate_expected_sd", Round(std::sqrt(static_cast<double>(dim)) / 2.0, 0.01)},
          {"mate_mean", Round(mate_sum / probes, 0.01)},
          {"mate_min", mate_min},
          {"non_mate_mean", Round(non_mate_mean, 0.01)},
          {"non_mate_sd", Round(non_mate_sd, 0.01)},
          {"non_mate_max", non_mate_max},
          {"probes_ranked", ranked},
          {"non_mates_at_or_above_mate_mean", Round(rank_sum / static_cast<double>(std::max<std::size_t>(1, ranked)), 0.01)},
          {"non_mates_at_or_above_mate_max", worst_rank}};
}

std::string CachePath(const Flags& flags, std::size_t size) {
  return (std::filesystem::path(flags.cache_dir) /
          ("face-hnsw-seed" + std::to_string(flags.seed) + "-n" + std::to_string(size) + "-d" +
           std::to_string(flags.dimension) + "-M" + std::to_string(flags.hnsw_neighbours) + "-efc" +
           std::to_string(flags.ef_construction) + "-" + flags.storage + ".graph"))
      .string();
}

nlohmann::json BenchSize(std::size_t size, const Flags& flags) {
  std::cerr << "size " << size << ": generating vectors\n";
  const std::vector<float> rows = RandomGallery(size, flags.dimension, flags.seed);
  std::vector<std::int64_t> ids(size);
  std::iota(ids.begin(), ids.end(), 0);

  const bool sign_scan = flags.method == "sign-scan";
  FaissGalleryOptions options;
  options.exact_search_max = size - 1;  // large-gallery method; exact search stays available for ground truth
  options.large_gallery_method = sign_scan ? LargeGalleryMethod::kSignScan : LargeGalleryMethod::kHnsw;
  options.hnsw_neighbours = flags.hnsw_neighbours;
  options.hnsw_ef_construction = flags.ef_construction;
  options.hnsw_storage = flags.storage == "float"  ? HnswStorage::kFloat
                         : flags.storage == "bits" ? HnswStorage::kSignBits
                                                   : HnswStorage::kInt8;
  options.hnsw_rerank = flags.rerank;
  options.build_threads = flags.build_threads;
  FaissFaceGallery gallery("bench", flags.dimension, options, nullptr);

  nlohmann::json build = {{"load_average_1min_before", LoadAverage()}};
  const std::string cache = flags.cache_dir.empty() || sign_scan ? "" : CachePath(flags, size);
  bool loaded = false;
  if (!cache.empty() && std::filesystem::exists(cache)) {
    const auto start = Clock::now();
    const Status status = gallery.AddVectorsWithSavedHnswGraph(ids, rows, cache);
    if (status.ok()) {
      loaded = true;
      build["loaded_from_cache"] = cache;
      build["load_seconds"] = Round(MillisecondsSince(start) / 1000.0, 0.01);
    } else {
      std::cerr << "size " << size << ": cached graph not used: " << status.ToString() << "\n";
      build["cache_refused"] = status.ToString();
    }
  }
  if (!loaded) {
    if (sign_scan) {
      std::cerr << "size " << size << ": adding (sign codes)\n";
    } else {
      std::cerr << "size " << size << ": building HNSW (M " << flags.hnsw_neighbours << ", efConstruction "
                << flags.ef_construction << ", " << flags.storage << ")\n";
    }
    const auto start = Clock::now();
    const double cpu_start = ProcessCpuSeconds();
    const Status status = gallery.AddVectors(ids, rows);
    if (!status.ok()) return {{"size", size}, {"error", status.ToString()}};
    build["seconds"] = Round(MillisecondsSince(start) / 1000.0, 0.01);
    build["cpu_seconds"] = Round(ProcessCpuSeconds() - cpu_start, 0.01);
    build["load_average_1min_after"] = LoadAverage();
    build["threads"] = flags.build_threads;
    if (!cache.empty()) {
      std::filesystem::create_directories(flags.cache_dir);
      const Status saved = gallery.SaveHnswGraph(cache);
      build["saved_to_cache"] = saved.ok() ? cache : saved.ToString();
    }
  }
  const FaissGalleryMemory memory = gallery.MemoryUse();
  const nlohmann::json memory_json = {{"float_rows_mb", Round(static_cast<double>(memory.float_rows) / 1e6, 0.1)},
                                      {"hnsw_codes_mb", Round(static_cast<double>(memory.hnsw_codes) / 1e6, 0.1)},
                                      {"hnsw_graph_mb", Round(static_cast<double>(memory.hnsw_graph) / 1e6, 0.1)},
                                      {"sign_codes_mb", Round(static_cast<double>(memory.sign_codes) / 1e6, 0.1)},
                                      {"process_rss_mb", Round(ProcessMegabytes("VmRSS"), 0.1)},
                                      {"process_peak_rss_mb", Round(ProcessMegabytes("VmHWM"), 0.1)}};

  std::cerr << "size " << size << ": probes and exact ground truth\n";
  std::seed_seq probe_sequence{flags.seed, static_cast<std::uint64_t>(size), std::uint64_t{0xBEEF}};
  std::mt19937_64 random(probe_sequence);
  std::uniform_int_distribution<std::size_t> pick(0, size - 1);
  ProbeSet mated;
  ProbeSet independent;
  const auto dimension = static_cast<std::size_t>(flags.dimension);
  for (std::size_t q = 0; q < flags.queries; ++q) {
    const std::size_t mate = pick(random);
    mated.probes.push_back(MatedProbe({rows.data() + mate * dimension, dimension}, flags.mate_cosine, random));
    mated.mates.push_back(static_cast<std::int64_t>(mate));
    std::vector<float> probe(dimension);
    FillRandomUnit(probe.data(), flags.dimension, random);
    independent.probes.push_back(std::move(probe));
    independent.mates.push_back(-1);
  }
  ComputeExact(gallery, mated);
  ComputeExact(gallery, independent);
  std::size_t exact_top1_is_mate = 0;
  double second_best_cosine = 0.0;
  for (std::size_t q = 0; q < flags.queries; ++q) {
    exact_top1_is_mate += !mated.exact[q].empty() && mated.exact[q][0].first == mated.mates[q] ? 1 : 0;
    if (mated.exact[q].size() > 1) second_best_cosine = std::max<double>(second_best_cosine, mated.exact[q][1].second);
  }
  std::vector<double> exact_ms;
  for (std::size_t q = 0; q < std::min(flags.exact_timing_queries, flags.queries); ++q) {
    const auto start = Clock::now();
    const Ranked found = gallery.SearchVectorExact(mated.probes[q], kTop);
    exact_ms.push_back(MillisecondsSince(start));
  }
  const double n = static_cast<double>(flags.queries);

  nlohmann::json sweep = nlohmann::json::array();
  const auto mate_rank1_rate = [&](const Run& run) {
    std::size_t rank1 = 0;
    for (std::size_t q = 0; q < flags.queries; ++q) {
      rank1 += !run.found[q].empty() && run.found[q][0].first == mated.mates[q] ? 1 : 0;
    }
    return Round(static_cast<double>(rank1) / n, 1e-4);
  };
  if (sign_scan) {
    const nlohmann::json agreement = SignAgreement(rows, mated, flags.dimension, flags.mate_cosine);
    for (std::size_t candidates : flags.sign_candidates) {
      std::cerr << "size " << size << ": sign scan, K " << candidates << "\n";
      const double load = LoadAverage();
      const auto scan_on = [&gallery, candidates](int threads) {
        return [&gallery, candidates, threads](const std::vector<float>& probe) {
          return gallery.SearchVectorSignScan(probe, kTop, candidates, threads);
        };
      };
      const Run mated_one = SearchAll(mated, 1, scan_on(1));
      const Run random_one = SearchAll(independent, 1, scan_on(1));
      const Run mated_split = SearchAll(mated, 1, scan_on(2));
      const Recall mated_recall = Compare(mated.exact, mated_one.found);
      const Recall split_recall = Compare(mated.exact, mated_split.found);
      const Recall random_recall = Compare(independent.exact, random_one.found);
      nlohmann::json point =
          SweepPoint(mated_one, mated_split, random_one, mated_recall, random_recall, mate_rank1_rate(mated_one), n, load);
      point["sign_candidates"] = candidates;
      point["mated"]["recall_at_1_2_threads"] = split_recall.at_1;
      sweep.push_back(std::move(point));
    }
    return {{"size", size},
            {"dimension", flags.dimension},
            {"method", "sign-scan"},
            {"build", build},
            {"memory", memory_json},
            {"queries", flags.queries},
            {"mate_cosine", flags.mate_cosine},
            {"exact_top1_is_mate_rate", Round(static_cast<double>(exact_top1_is_mate) / n, 1e-4)},
            {"mated_highest_non_mate_cosine", Round(second_best_cosine, 1e-4)},
            {"exact_ms_median_1_thread", Round(Quantile(exact_ms, 0.5), 0.001)},
            {"sign_agreement", agreement},
            {"sign_candidates_sweep", sweep}};
  }
  for (int ef : flags.ef_search) {
    std::cerr << "size " << size << ": efSearch " << ef << "\n";
    const double load = LoadAverage();
    const auto search = [&gallery, ef](const std::vector<float>& probe) { return gallery.SearchVector(probe, kTop, ef); };
    const Run mated_one = SearchAll(mated, 1, search);
    const Run random_one = SearchAll(independent, 1, search);
    const Run mated_two = SearchAll(mated, 2, search);
    const Recall mated_recall = Compare(mated.exact, mated_one.found);
    const Recall random_recall = Compare(independent.exact, random_one.found);
    nlohmann::json point =
        SweepPoint(mated_one, mated_two, random_one, mated_recall, random_recall, mate_rank1_rate(mated_one), n, load);
    point["ef_search"] = ef;
    sweep.push_back(std::move(point));
  }
  return {{"size", size},
          {"dimension", flags.dimension},
          {"method", "hnsw"},
          {"hnsw",
           {{"M", flags.hnsw_neighbours},
            {"ef_construction", flags.ef_construction},
            {"storage", flags.storage},
            {"rerank", flags.rerank}}},
          {"build", build},
          {"memory", memory_json},
          {"queries", flags.queries},
          {"mate_cosine", flags.mate_cosine},
          {"exact_top1_is_mate_rate", Round(static_cast<double>(exact_top1_is_mate) / n, 1e-4)},
          {"mated_highest_non_mate_cosine", Round(second_best_cosine, 1e-4)},
          {"exact_ms_median_1_thread", Round(Quantile(exact_ms, 0.5), 0.001)},
          {"ef_search_sweep", sweep}};
}

// Float rows + the graph's codes + neighbour lists (level 0: 2M ids of 4 bytes, upper levels
// ~ +5 %), in GB.
double EstimatedGigabytes(std::size_t size, const Flags& flags) {
  const double sign_code = 8.0 * ((flags.dimension + 63) / 64);
  if (flags.method == "sign-scan") return static_cast<double>(size) * (4.0 * flags.dimension + sign_code + 16.0) / 1e9;
  const double codes = flags.storage == "float"  ? 4.0 * flags.dimension
                      : flags.storage == "bits" ? 8.0 * ((flags.dimension + 63) / 64)
                                                : flags.dimension + 4.0;
  const double per_vector = 4.0 * flags.dimension + codes + sign_code +
                            2.0 * flags.hnsw_neighbours * 4.0 * 1.05 + 8.0 + 4.0;
  return static_cast<double>(size) * per_vector / 1e9;
}

}  // namespace
}  // namespace abis::face

int main(int argc, char** argv) {
  using abis::Status;
  using abis::face::Flags;
  CLI::App app("abis face 1:N search benchmark (random unit vectors, mated and independent probes)");
  Flags flags;
  abis::CliGlobals globals;
  app.add_flag("--json", globals.json, "One JSON object as the last stdout line");
  app.add_option("--sizes", flags.sizes, "Gallery sizes")->delimiter(',');
  app.add_option("--queries", flags.queries, "Mated probes, and as many random probes, per size");
  app.add_option("--exact-timing-queries", flags.exact_timing_queries, "Probes timed with exact search");
  app.add_option("--mate-cosine", flags.mate_cosine, "Cosine of a mated probe to its mate (0 < c < 1)");
  app.add_option("--dimension", flags.dimension, "Vector dimension");
  app.add_option("--hnsw-m", flags.hnsw_neighbours, "HNSW M");
  app.add_option("--ef-construction", flags.ef_construction, "HNSW efConstruction");
  app.add_option("--ef-search", flags.ef_search, "efSearch values to sweep")->delimiter(',');
  app.add_option("--storage", flags.storage, "HNSW vector storage: int8, bits (sign bits) or float");
  app.add_option("--rerank", flags.rerank, "HNSW candidates re-scored exactly");
  app.add_option("--build-threads", flags.build_threads, "OpenMP threads for the build (0: default)");
  app.add_option("--cache-dir", flags.cache_dir, "Keep built HNSW graphs here (bench only)");
  app.add_option("--method", flags.method, "Large-gallery method: hnsw or sign-scan");
  app.add_option("--sign-candidates", flags.sign_candidates, "Sign-scan shortlist sizes K to sweep")->delimiter(',');
  app.add_option("--seed", flags.seed, "Seed of the gallery and probes");
  app.add_option("--max-gb", flags.max_gigabytes, "Skip sizes whose estimated memory exceeds this");
  CLI11_PARSE(app, argc, argv);

  const bool valid = !flags.sizes.empty() && flags.queries >= 1 && flags.mate_cosine > 0.0 && flags.mate_cosine < 1.0 &&
                     flags.dimension >= 1 && flags.dimension <= 8192 && flags.hnsw_neighbours >= 2 &&
                     flags.ef_construction >= 1 && flags.build_threads >= 0 &&
                     (flags.storage == "int8" || flags.storage == "float" || flags.storage == "bits") &&
                     (flags.method == "hnsw" || flags.method == "sign-scan") &&
                     std::all_of(flags.sign_candidates.begin(), flags.sign_candidates.end(),
                                 [](std::size_t k) { return k >= 1; }) &&
                     std::all_of(flags.sizes.begin(), flags.sizes.end(), [](std::size_t s) { return s >= 2; }) &&
                     std::all_of(flags.ef_search.begin(), flags.ef_search.end(), [](int ef) { return ef >= 1; });
  if (!valid) {
    abis::ReportError(globals, Status::InvalidArgument(
                                   "bench: need --sizes >= 2 each, --queries >= 1, 0 < --mate-cosine < 1, "
                                   "1 <= --dimension <= 8192, --hnsw-m >= 2, --ef-construction >= 1, "
                                   "--ef-search >= 1 each, --build-threads >= 0, --storage int8|bits|float, "
                                   "--method hnsw|sign-scan, --sign-candidates >= 1 each"));
    return globals.exit_code;
  }
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t size : flags.sizes) {
    const double gigabytes = abis::face::EstimatedGigabytes(size, flags);
    if (gigabytes > flags.max_gigabytes) {
      results.push_back({{"size", size},
                         {"skipped", "needs about " + std::to_string(gigabytes) + " GB (--max-gb " +
                                         std::to_string(flags.max_gigabytes) + ")"}});
      continue;
    }
    results.push_back(abis::face::BenchSize(size, flags));
    std::cerr << results.back().dump() << "\n";
  }
  abis::PrintResult(globals, {{"benchmark", "face_search"}, {"search", results}});
  return globals.exit_code;
}
