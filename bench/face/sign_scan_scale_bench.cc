// The face gallery's default large-gallery method (sign-code scan, then exact re-scoring of the
// best K; see FaissGalleryOptions::large_gallery_method) at sizes whose float rows do not fit in
// memory here (10M x 512 floats = 20 GB). Nothing but the 64-byte sign codes is kept: reference i
// is regenerated on demand from a seed (512 Gaussian draws from a generator seeded by (seed, i),
// normalised), so the K shortlisted references are re-scored exactly against the very vectors
// their codes came from. The scan uses the gallery's own kernel (HammingDistances) over
// contiguous slices, one per thread, and its sign encoding, as FaissFaceGallery does. Probes are mated (a reference
// mixed with orthogonal noise to cosine exactly --mate-cosine) and the mate must come first.
// Prints one JSON object: encode time, code memory, scan and re-score latency, recall@1.
//
//   abis_face_sign_scan_bench [--size N] [--queries Q] [--candidates K] [--mate-cosine C]
//                             [--threads T] [--seed S]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../src/face/inner_product_kernel.h"

namespace {

constexpr std::size_t kDimension = 512;
constexpr std::size_t kWords = kDimension / 64;
using Clock = std::chrono::steady_clock;

// Reference `index` of the synthetic gallery: a unit vector uniformly distributed on the sphere.
void Reference(std::uint64_t seed, std::uint64_t index, float* out) {
  std::mt19937_64 random(seed * 0x9E3779B97F4A7C15ULL + index);
  std::normal_distribution<float> normal;
  double norm = 0;
  for (std::size_t d = 0; d < kDimension; ++d) {
    out[d] = normal(random);
    norm += static_cast<double>(out[d]) * out[d];
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (std::size_t d = 0; d < kDimension; ++d) out[d] *= scale;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double Percentile95(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, values.size() * 95 / 100)];
}

struct Scored {
  std::uint32_t distance;
  std::uint64_t index;
  bool operator<(const Scored& other) const {
    return distance != other.distance ? distance < other.distance : index < other.index;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t size = 10'000'000;
  std::size_t queries = 200;
  std::size_t candidates = 64;
  double mate_cosine = 0.6;
  std::size_t threads = 2;
  std::uint64_t seed = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !(number >= 0)) {
      std::cerr << "abis_face_sign_scan_bench: " << flag << " needs a non-negative number, not '" << value << "'\n";
      return 2;
    }
    if (flag == "--size") size = static_cast<std::uint64_t>(number);
    else if (flag == "--queries") queries = static_cast<std::size_t>(number);
    else if (flag == "--candidates") candidates = static_cast<std::size_t>(number);
    else if (flag == "--mate-cosine") mate_cosine = number;
    else if (flag == "--threads") threads = static_cast<std::size_t>(number);
    else if (flag == "--seed") seed = static_cast<std::uint64_t>(number);
    else {
      std::cerr << "abis_face_sign_scan_bench: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (size < 1 || size > 100'000'000 || queries < 1 || candidates < 1 || candidates > size || threads < 1 ||
      threads > 64 || mate_cosine <= 0 || mate_cosine >= 1) {
    std::cerr << "abis_face_sign_scan_bench: need 1 <= size <= 1e8, queries >= 1, 1 <= candidates <= size, "
                 "1-64 threads, 0 < mate cosine < 1\n";
    return 2;
  }

  // Encode every reference's signs (the only thing kept), all threads.
  std::vector<std::uint64_t> codes(size * kWords);
  const auto encode_start = Clock::now();
  {
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::vector<float> vector(kDimension);
        for (std::uint64_t i = t; i < size; i += threads) {
          Reference(seed, i, vector.data());
          abis::face::EncodeSigns(vector.data(), kDimension, codes.data() + i * kWords);
        }
      });
    }
    for (auto& worker : workers) worker.join();
  }
  const double encode_seconds = std::chrono::duration<double>(Clock::now() - encode_start).count();

  std::mt19937_64 probe_random(seed + 1);
  std::normal_distribution<float> normal;
  std::vector<double> scan_ms, rescore_ms;
  std::size_t found = 0;
  std::vector<std::vector<std::uint32_t>> distances(threads);
  std::vector<std::vector<Scored>> best(threads);
  std::vector<float> mate(kDimension), noise(kDimension), probe(kDimension), reference(kDimension);
  std::vector<std::uint64_t> probe_code(kWords);
  for (std::size_t q = 0; q < queries; ++q) {
    const std::uint64_t mate_index = (q * 7919ULL * 1000003ULL + 17) % size;
    Reference(seed, mate_index, mate.data());
    // Noise orthogonal to the mate, so the probe's cosine to it is exactly mate_cosine.
    double along = 0;
    for (std::size_t d = 0; d < kDimension; ++d) {
      noise[d] = normal(probe_random);
      along += static_cast<double>(noise[d]) * mate[d];
    }
    double norm = 0;
    for (std::size_t d = 0; d < kDimension; ++d) {
      noise[d] -= static_cast<float>(along) * mate[d];
      norm += static_cast<double>(noise[d]) * noise[d];
    }
    const double sine = std::sqrt(1 - mate_cosine * mate_cosine);
    for (std::size_t d = 0; d < kDimension; ++d) {
      probe[d] = static_cast<float>(mate_cosine * mate[d] + sine * noise[d] / std::sqrt(norm));
    }
    abis::face::EncodeSigns(probe.data(), kDimension, probe_code.data());

    // Stage 1: each thread scans a contiguous slice in blocks, keeping its best K.
    const auto scan_start = Clock::now();
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const std::uint64_t first = size * t / threads;
        const std::uint64_t last = size * (t + 1) / threads;
        constexpr std::uint64_t kBlock = 1 << 16;
        distances[t].resize(kBlock);
        std::vector<Scored>& heap = best[t];
        heap.clear();
        for (std::uint64_t begin = first; begin < last; begin += kBlock) {
          const std::uint64_t count = std::min(kBlock, last - begin);
          abis::face::HammingDistances(probe_code.data(), codes.data() + begin * kWords, count, kWords,
                                       distances[t].data());
          for (std::uint64_t i = 0; i < count; ++i) {
            const Scored scored{distances[t][i], begin + i};
            if (heap.size() < candidates) {
              heap.push_back(scored);
              std::push_heap(heap.begin(), heap.end());
            } else if (scored < heap.front()) {
              std::pop_heap(heap.begin(), heap.end());
              heap.back() = scored;
              std::push_heap(heap.begin(), heap.end());
            }
          }
        }
      });
    }
    for (auto& worker : workers) worker.join();
    std::vector<Scored> shortlist;
    for (const auto& heap : best) shortlist.insert(shortlist.end(), heap.begin(), heap.end());
    std::sort(shortlist.begin(), shortlist.end());
    if (shortlist.size() > candidates) shortlist.resize(candidates);
    scan_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - scan_start).count());

    // Stage 2: exact cosine of the shortlisted references (regenerated here; the gallery reads
    // its stored float rows instead, so this time is an upper bound of the product's).
    const auto rescore_start = Clock::now();
    double best_score = -2;
    std::uint64_t best_index = 0;
    for (const Scored& scored : shortlist) {
      Reference(seed, scored.index, reference.data());
      const double score = abis::face::InnerProduct(probe.data(), reference.data(), kDimension);
      if (score > best_score) {
        best_score = score;
        best_index = scored.index;
      }
    }
    rescore_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - rescore_start).count());
    if (best_index == mate_index) ++found;
  }

  nlohmann::json report = {{"size", size},
                           {"dimension", kDimension},
                           {"queries", queries},
                           {"candidates", candidates},
                           {"mate_cosine", mate_cosine},
                           {"threads", threads},
                           {"encode_seconds", encode_seconds},
                           {"code_megabytes", static_cast<double>(codes.size() * sizeof(std::uint64_t)) / 1e6},
                           {"scan_ms_median", Median(scan_ms)},
                           {"scan_ms_p95", Percentile95(scan_ms)},
                           {"rescore_regenerating_ms_median", Median(rescore_ms)},
                           {"mated_recall_at_1", static_cast<double>(found) / static_cast<double>(queries)}};
  std::cout << report.dump() << "\n";
  return 0;
}
