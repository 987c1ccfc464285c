#include "abis/finger/finger_gallery.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "abis/finger/finger_engine.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/score_calibration.h"

namespace abis::finger {
namespace {

// Runs body(begin, end) over [0, count) split into contiguous slices, one per thread.
template <typename Body>
void ParallelSlices(std::size_t count, unsigned threads, std::size_t min_per_thread, Body body) {
  const std::size_t useful = std::max<std::size_t>(1, count / std::max<std::size_t>(1, min_per_thread));
  const unsigned slices = static_cast<unsigned>(std::min<std::size_t>(threads, useful));
  if (slices <= 1) {
    body(std::size_t{0}, count, 0u);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(slices);
  for (unsigned s = 0; s < slices; ++s) {
    const std::size_t begin = count * s / slices;
    const std::size_t end = count * (s + 1) / slices;
    workers.emplace_back([&body, begin, end, s] { body(begin, end, s); });
  }
  for (std::thread& worker : workers) worker.join();
}

struct Scored {
  float score;
  std::uint32_t index;
};

bool Better(const Scored& a, const Scored& b) { return a.score > b.score || (a.score == b.score && a.index < b.index); }

}  // namespace

PreparedFingerTemplate PrepareFingerTemplate(const MinutiaeTemplate& minutiae, const MccParameters& mcc) {
  PreparedFingerTemplate prepared;
  prepared.cylinders = BuildMccTemplate(minutiae, mcc);
  prepared.signature = BuildFingerSignature(prepared.cylinders);
  return prepared;
}

FingerGallery::FingerGallery(FingerGalleryOptions options) : options_(options) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
}

Status FingerGallery::Add(std::int64_t reference_id, const BiometricTemplate& reference) {
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(reference));
  AddPrepared(reference_id, PrepareFingerTemplate(minutiae, options_.mcc));
  return Status::Ok();
}

void FingerGallery::AddPrepared(std::int64_t reference_id, PreparedFingerTemplate prepared) {
  Remove(reference_id);
  ids_.push_back(reference_id);
  signatures_.push_back(prepared.signature);
  cylinders_.push_back(std::move(prepared.cylinders));
}

void FingerGallery::Remove(std::int64_t reference_id) {
  for (std::size_t i = 0; i < ids_.size();) {
    if (ids_[i] != reference_id) {
      ++i;
      continue;
    }
    const std::size_t last = ids_.size() - 1;
    if (i != last) {
      ids_[i] = ids_[last];
      signatures_[i] = signatures_[last];
      cylinders_[i] = std::move(cylinders_[last]);
    }
    ids_.pop_back();
    signatures_.pop_back();
    cylinders_.pop_back();
  }
}

Result<std::vector<Candidate>> FingerGallery::Search(const BiometricTemplate& probe, std::size_t max_candidates) const {
  ABIS_ASSIGN_OR_RETURN(const MinutiaeTemplate minutiae, MinutiaeOfTemplate(probe));
  return SearchPrepared(PrepareFingerTemplate(minutiae, options_.mcc), max_candidates, options_.penetration,
                        options_.min_candidates);
}

std::vector<Candidate> FingerGallery::SearchPrepared(const PreparedFingerTemplate& probe, std::size_t max_candidates,
                                                     double penetration, std::size_t min_candidates) const {
  const std::size_t n = ids_.size();
  if (n == 0 || max_candidates == 0) return {};
  const std::size_t keep = std::min(
      n, std::max({min_candidates, max_candidates,
                   static_cast<std::size_t>(std::ceil(std::clamp(penetration, 0.0, 1.0) * static_cast<double>(n)))}));

  // Stage 1: signature scan, each thread keeping its own best `keep`.
  std::vector<std::vector<Scored>> per_thread(options_.threads);
  ParallelSlices(n, options_.threads, 4096, [&](std::size_t begin, std::size_t end, unsigned slice) {
    std::vector<Scored>& best = per_thread[slice];
    best.reserve(std::min(keep, end - begin) + 1);
    const auto worse = [](const Scored& a, const Scored& b) { return Better(a, b); };  // min-heap on score
    for (std::size_t i = begin; i < end; ++i) {
      const Scored scored{static_cast<float>(CompareSignatures(probe.signature, signatures_[i])),
                          static_cast<std::uint32_t>(i)};
      if (best.size() < keep) {
        best.push_back(scored);
        std::push_heap(best.begin(), best.end(), worse);
      } else if (Better(scored, best.front())) {
        std::pop_heap(best.begin(), best.end(), worse);
        best.back() = scored;
        std::push_heap(best.begin(), best.end(), worse);
      }
    }
  });
  std::vector<Scored> shortlist;
  for (const auto& best : per_thread) shortlist.insert(shortlist.end(), best.begin(), best.end());
  std::sort(shortlist.begin(), shortlist.end(), Better);
  if (shortlist.size() > keep) shortlist.resize(keep);

  // Stage 2: full MCC LSS-R on the shortlist.
  std::vector<float> final_scores(shortlist.size());
  std::vector<int> pair_counts(shortlist.size());
  ParallelSlices(shortlist.size(), options_.threads, 64, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t s = begin; s < end; ++s) {
      const MccComparison comparison = CompareMcc(probe.cylinders, cylinders_[shortlist[s].index], options_.mcc);
      final_scores[s] = static_cast<float>(comparison.score);
      pair_counts[s] = static_cast<int>(comparison.pairs.size());
    }
  });
  std::vector<std::size_t> order(shortlist.size());
  for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return final_scores[a] > final_scores[b] ||
           (final_scores[a] == final_scores[b] && ids_[shortlist[a].index] < ids_[shortlist[b].index]);
  });
  std::vector<Candidate> candidates;
  for (std::size_t r = 0; r < order.size() && r < max_candidates; ++r) {
    const std::size_t s = order[r];
    Candidate candidate;
    candidate.reference_id = ids_[shortlist[s].index];
    candidate.score = final_scores[s];
    candidate.log_lr = FingerScoreToLogLikelihoodRatio(final_scores[s]);
    candidate.details = {{"preselection_score", shortlist[s].score}, {"matched_pairs", pair_counts[s]}};
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

std::unique_ptr<FingerGallery> NewFingerGallery(FingerGalleryOptions options) {
  return std::make_unique<FingerGallery>(options);
}

}  // namespace abis::finger
