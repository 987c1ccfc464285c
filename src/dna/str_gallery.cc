#include "abis/dna/str_gallery.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <span>

#include "abis/core/search_executor.h"
#include "abis/dna/locus.h"

namespace abis::dna {
namespace {

constexpr std::uint8_t kLocusMismatch = 0;
constexpr std::uint8_t kLocusMatch = 1;
constexpr std::uint8_t kLocusNotCompared = 2;
constexpr std::size_t kParallelThreshold = 200'000;  // candidates worth a second thread
constexpr std::size_t kMaxSlots = std::numeric_limits<std::uint32_t>::max() - 1;

bool Includes(const std::vector<Allele>& a, const std::vector<Allele>& b) {
  return std::includes(a.begin(), a.end(), b.begin(), b.end());
}

bool SetsMatch(const std::vector<Allele>& probe, const std::vector<Allele>& reference, MatchStringency stringency) {
  switch (stringency) {
    case MatchStringency::kHigh: return probe == reference;
    case MatchStringency::kModerate: return Includes(probe, reference) || Includes(reference, probe);
    case MatchStringency::kLow:
      for (const Allele& allele : probe) {
        if (std::binary_search(reference.begin(), reference.end(), allele)) return true;
      }
      return false;
  }
  return false;
}

// One probe locus prepared for the scan: its column and, per genotype code, the locus outcome.
struct ProbeLocus {
  std::size_t column = 0;
  std::vector<std::uint8_t> outcome_by_code;
  std::size_t postings = 0;  // profiles that could match here (matching genotypes + untyped)
};

}  // namespace

StrGallery::StrGallery(StrGalleryOptions options) : options_(options) {}

void StrGallery::Reserve(std::size_t profiles) {
  slot_ids_.reserve(profiles);
  slot_alive_.reserve(profiles);
  id_to_slot_.reserve(profiles);
  codes_.reserve(profiles * std::max<std::size_t>(stride_, 20));
}

Result<std::size_t> StrGallery::ColumnFor(const std::string& locus) {
  auto it = column_by_locus_.find(locus);
  if (it != column_by_locus_.end()) return it->second;
  if (columns_.size() >= std::numeric_limits<std::uint16_t>::max()) {
    return Status::ResourceExhausted("too many loci in the DNA gallery");
  }
  const std::size_t index = columns_.size();
  LocusColumn column;
  column.name = locus;
  column.postings.resize(1);
  // Every existing profile is untyped at a new locus.
  column.postings[0].reserve(slot_ids_.size());
  for (std::uint32_t slot = 0; slot < slot_ids_.size(); ++slot) column.postings[0].push_back(slot);
  columns_.push_back(std::move(column));
  column_by_locus_.emplace(locus, index);
  Restride(columns_.size());
  return index;
}

void StrGallery::Restride(std::size_t new_stride) {
  if (new_stride <= stride_) return;
  std::vector<std::uint16_t> codes(slot_ids_.size() * new_stride, 0);
  for (std::size_t slot = 0; slot < slot_ids_.size(); ++slot) {
    std::copy_n(codes_.begin() + static_cast<std::ptrdiff_t>(slot * stride_), stride_,
                codes.begin() + static_cast<std::ptrdiff_t>(slot * new_stride));
  }
  codes_ = std::move(codes);
  stride_ = new_stride;
}

Result<std::uint16_t> StrGallery::Intern(LocusColumn& column, const LocusGenotype& genotype) {
  const std::string key = genotype.Key();
  auto it = column.code_by_key.find(key);
  if (it != column.code_by_key.end()) return it->second;
  if (column.genotypes.size() + 1 >= std::numeric_limits<std::uint16_t>::max()) {
    return Status::ResourceExhausted("locus " + column.name + " has more than 65534 distinct genotypes in the gallery");
  }
  const auto code = static_cast<std::uint16_t>(column.genotypes.size() + 1);
  column.genotypes.push_back(genotype);
  column.distinct_alleles.push_back(genotype.DistinctAlleles());
  column.postings.emplace_back();
  column.code_by_key.emplace(key, code);
  return code;
}

Status StrGallery::Add(std::int64_t reference_id, const StrProfile& profile) {
  const std::size_t core = profile.TypedCoreLocusCount();
  if (core < options_.min_core_loci_to_enroll) {
    return Status::InvalidArgument("profile types " + std::to_string(core) + " CODIS core loci; this index requires " +
                                   std::to_string(options_.min_core_loci_to_enroll));
  }
  if (profile.TypedLocusCount() == 0) return Status::InvalidArgument("profile has no typed STR locus");
  if (slot_ids_.size() >= kMaxSlots) return Status::ResourceExhausted("DNA gallery is full");
  // Intern first, so a failure leaves the gallery unchanged apart from new dictionary entries.
  std::vector<std::pair<std::size_t, std::uint16_t>> row;
  for (const auto& [locus, genotype] : profile.loci) {
    if (locus == kAmelogenin || genotype.alleles.empty()) continue;
    ABIS_ASSIGN_OR_RETURN(std::size_t column, ColumnFor(locus));
    ABIS_ASSIGN_OR_RETURN(std::uint16_t code, Intern(columns_[column], genotype));
    row.emplace_back(column, code);
  }
  Remove(reference_id);
  const auto slot = static_cast<std::uint32_t>(slot_ids_.size());
  slot_ids_.push_back(reference_id);
  slot_alive_.push_back(1);
  codes_.resize(codes_.size() + stride_, 0);
  std::uint16_t* codes = codes_.data() + static_cast<std::size_t>(slot) * stride_;
  for (const auto& [column, code] : row) codes[column] = code;
  for (std::size_t column = 0; column < columns_.size(); ++column) {
    columns_[column].postings[codes[column]].push_back(slot);
  }
  id_to_slot_.emplace(reference_id, slot);
  return Status::Ok();
}

void StrGallery::Remove(std::int64_t reference_id) {
  auto it = id_to_slot_.find(reference_id);
  if (it == id_to_slot_.end()) return;
  slot_alive_[it->second] = 0;
  id_to_slot_.erase(it);
  ++dead_slots_;
  CompactIfWorthwhile();
}

void StrGallery::CompactIfWorthwhile() {
  if (dead_slots_ < 1024 || dead_slots_ < id_to_slot_.size()) return;
  std::vector<std::uint16_t> codes;
  codes.reserve(id_to_slot_.size() * stride_);
  std::vector<std::int64_t> ids;
  ids.reserve(id_to_slot_.size());
  for (std::size_t slot = 0; slot < slot_ids_.size(); ++slot) {
    if (!slot_alive_[slot]) continue;
    codes.insert(codes.end(), codes_.begin() + static_cast<std::ptrdiff_t>(slot * stride_),
                 codes_.begin() + static_cast<std::ptrdiff_t>((slot + 1) * stride_));
    ids.push_back(slot_ids_[slot]);
  }
  codes_ = std::move(codes);
  slot_ids_ = std::move(ids);
  slot_alive_.assign(slot_ids_.size(), 1);
  id_to_slot_.clear();
  for (LocusColumn& column : columns_) {
    for (auto& posting : column.postings) posting.clear();
  }
  for (std::uint32_t slot = 0; slot < slot_ids_.size(); ++slot) {
    id_to_slot_.emplace(slot_ids_[slot], slot);
    for (std::size_t column = 0; column < columns_.size(); ++column) {
      columns_[column].postings[codes_[slot * stride_ + column]].push_back(slot);
    }
  }
  dead_slots_ = 0;
}

Result<std::vector<StrSearchHit>> StrGallery::Search(const StrProfile& probe, StrSearchStats* stats) const {
  const MatchCriteria& criteria = options_.criteria;
  const std::size_t typed = probe.TypedLocusCount();
  if (typed < criteria.min_loci_compared) {
    return Status::InvalidArgument("probe types " + std::to_string(typed) + " loci; a search needs at least " +
                                   std::to_string(criteria.min_loci_compared));
  }
  // Per probe locus, the outcome of every distinct genotype of the gallery at that locus.
  std::vector<ProbeLocus> probe_loci;
  for (const auto& [locus, genotype] : probe.loci) {
    if (locus == kAmelogenin || genotype.alleles.empty()) continue;
    auto it = column_by_locus_.find(locus);
    if (it == column_by_locus_.end()) continue;  // no gallery profile types it: never compared
    const LocusColumn& column = columns_[it->second];
    const std::vector<Allele> probe_alleles = genotype.DistinctAlleles();
    ProbeLocus prepared;
    prepared.column = it->second;
    prepared.outcome_by_code.resize(column.genotypes.size() + 1);
    prepared.outcome_by_code[0] = kLocusNotCompared;
    prepared.postings = column.postings[0].size();
    for (std::size_t code = 1; code <= column.genotypes.size(); ++code) {
      const bool match = SetsMatch(probe_alleles, column.distinct_alleles[code - 1], criteria.stringency);
      prepared.outcome_by_code[code] = match ? kLocusMatch : kLocusMismatch;
      if (match) prepared.postings += column.postings[code].size();
    }
    probe_loci.push_back(std::move(prepared));
  }

  // A matching profile fails at most m loci, so it matches (or is untyped) at one of any m+1
  // probe loci: the union of their postings holds every match. Take the m+1 shortest.
  const std::size_t allowed = criteria.max_mismatched_loci;
  std::vector<std::span<const std::uint32_t>> spans;
  std::vector<std::uint32_t> merged;
  std::vector<std::uint32_t> every_slot;
  if (probe_loci.size() > allowed) {
    std::vector<std::size_t> order(probe_loci.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(allowed + 1), order.end(),
                      [&](std::size_t a, std::size_t b) { return probe_loci[a].postings < probe_loci[b].postings; });
    for (std::size_t i = 0; i <= allowed; ++i) {
      const ProbeLocus& chosen = probe_loci[order[i]];
      const LocusColumn& column = columns_[chosen.column];
      for (std::size_t code = 0; code < chosen.outcome_by_code.size(); ++code) {
        if (chosen.outcome_by_code[code] != kLocusMismatch && !column.postings[code].empty()) {
          spans.emplace_back(column.postings[code]);
        }
      }
    }
    if (allowed > 0) {  // several loci: the same profile can appear in several postings
      for (auto span : spans) merged.insert(merged.end(), span.begin(), span.end());
      std::sort(merged.begin(), merged.end());
      merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
      spans.assign(1, std::span<const std::uint32_t>(merged));
    }
  } else {
    every_slot.resize(slot_ids_.size());
    std::iota(every_slot.begin(), every_slot.end(), 0u);
    spans.assign(1, std::span<const std::uint32_t>(every_slot));
  }
  std::size_t total = 0;
  for (auto span : spans) total += span.size();

  auto verify = [&](std::size_t begin, std::size_t end, std::vector<StrSearchHit>& hits) {
    std::size_t offset = 0;
    for (auto span : spans) {
      const std::size_t span_begin = std::max(begin, offset);
      const std::size_t span_end = std::min(end, offset + span.size());
      for (std::size_t i = span_begin; i < span_end; ++i) {
        const std::uint32_t slot = span[i - offset];
        if (!slot_alive_[slot]) continue;
        const std::uint16_t* row = codes_.data() + static_cast<std::size_t>(slot) * stride_;
        std::size_t compared = 0, matched = 0;
        for (const ProbeLocus& locus : probe_loci) {
          const std::uint8_t outcome = locus.outcome_by_code[row[locus.column]];
          if (outcome == kLocusNotCompared) continue;
          ++compared;
          matched += outcome;
          if (compared - matched > allowed) break;
        }
        if (compared >= std::max<std::size_t>(criteria.min_loci_compared, 1) && compared - matched <= allowed) {
          hits.push_back({slot_ids_[slot], compared, matched});
        }
      }
      offset += span.size();
    }
  };

  std::vector<StrSearchHit> hits;
  const std::size_t threads = std::max<std::size_t>(1, options_.search_threads);
  if (threads > 1 && total >= kParallelThreshold) {
    // One slice of `chunk` candidates per thread, each with its own hits, merged in slice order.
    std::vector<std::vector<StrSearchHit>> partial(threads);
    const std::size_t chunk = (total + threads - 1) / threads;
    SearchExecutor::Shared().ParallelFor(threads, [&](std::size_t t) {
      verify(std::min(total, t * chunk), std::min(total, (t + 1) * chunk), partial[t]);
    });
    for (auto& part : partial) hits.insert(hits.end(), part.begin(), part.end());
  } else {
    verify(0, total, hits);
  }
  std::sort(hits.begin(), hits.end(), [](const StrSearchHit& a, const StrSearchHit& b) {
    if (a.loci_matched != b.loci_matched) return a.loci_matched > b.loci_matched;
    return a.reference_id < b.reference_id;
  });
  if (stats) {
    stats->profiles = id_to_slot_.size();
    stats->candidates_verified = total;
  }
  return hits;
}

Result<StrProfile> StrGallery::Get(std::int64_t reference_id) const {
  auto it = id_to_slot_.find(reference_id);
  if (it == id_to_slot_.end()) return Status::NotFound("no DNA profile under reference id " + std::to_string(reference_id));
  StrProfile profile;
  const std::uint16_t* row = codes_.data() + static_cast<std::size_t>(it->second) * stride_;
  for (std::size_t column = 0; column < columns_.size(); ++column) {
    if (row[column] != 0) profile.loci.emplace(columns_[column].name, columns_[column].genotypes[row[column] - 1]);
  }
  return profile;
}

}  // namespace abis::dna
