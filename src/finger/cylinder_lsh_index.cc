#include "abis/finger/cylinder_lsh_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <string>

namespace abis::finger {
namespace {

constexpr int kPermutations = 2 * kCylinderLshTables;
constexpr std::uint32_t kKeyFlag = 1u << 22;  // set in every real key, so 0 means "no key"

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// rank[p][bit]: the bit's rank under permutation p (a fixed seeded shuffle); bits outside the key
// radius get the rank kMccBits, never a minimum.
struct Permutations {
  std::array<std::array<std::uint16_t, kMccBits>, kPermutations> rank{};
  std::array<bool, kMccBits> in_radius{};
};

const Permutations& PermutationTables() {
  static const Permutations tables = [] {
    Permutations result;
    // Spatial cell order matches mcc.cc: row-major over the 16x16 grid, keeping circle cells.
    int spatial_index = 0;
    const double radius_cells = kMccSpatialCells / 2.0;
    for (int i = 0; i < kMccSpatialCells; ++i) {
      for (int j = 0; j < kMccSpatialCells; ++j) {
        const double u = i - (kMccSpatialCells - 1) / 2.0;
        const double v = j - (kMccSpatialCells - 1) / 2.0;
        if (u * u + v * v > radius_cells * radius_cells) continue;
        const bool inside =
            u * u + v * v <= kCylinderLshKeyRadius * kCylinderLshKeyRadius * radius_cells * radius_cells;
        for (int k = 0; k < kMccAngularCells; ++k) result.in_radius[spatial_index * kMccAngularCells + k] = inside;
        ++spatial_index;
      }
    }
    std::uint64_t state = 0x4C5348u;  // fixed seed: keys must be reproducible
    std::array<std::uint16_t, kMccBits> order{};
    for (auto& rank : result.rank) {
      for (int b = 0; b < kMccBits; ++b) order[b] = static_cast<std::uint16_t>(b);
      for (int b = kMccBits - 1; b > 0; --b) std::swap(order[b], order[SplitMix64(state) % (b + 1)]);
      for (int r = 0; r < kMccBits; ++r) {
        rank[order[r]] = result.in_radius[order[r]] ? static_cast<std::uint16_t>(r) : std::uint16_t{kMccBits};
      }
    }
    return result;
  }();
  return tables;
}

}  // namespace

CylinderLshKeys BuildCylinderLshKeys(const MccTemplate& cylinders) {
  const Permutations& tables = PermutationTables();
  CylinderLshKeys result;
  result.keys.assign(cylinders.size() * kCylinderLshTables, 0);
  std::array<std::uint16_t, kMccBits> set_bits{};
  for (std::size_t c = 0; c < cylinders.size(); ++c) {
    int count = 0;
    for (int w = 0; w < kMccWords; ++w) {
      for (std::uint64_t word = cylinders.cells[c][w]; word != 0; word &= word - 1) {
        const int bit = w * 64 + std::countr_zero(word);
        if (bit < kMccBits && tables.in_radius[bit]) set_bits[count++] = static_cast<std::uint16_t>(bit);
      }
    }
    if (count < kCylinderLshMinBits) continue;
    std::array<std::uint16_t, kPermutations> minimum{};
    for (int p = 0; p < kPermutations; ++p) {
      std::uint16_t least = kMccBits;
      for (int i = 0; i < count; ++i) least = std::min(least, tables.rank[p][set_bits[i]]);
      minimum[p] = least;
    }
    for (int t = 0; t < kCylinderLshTables; ++t) {
      result.keys[c * kCylinderLshTables + t] =
          kKeyFlag | (static_cast<std::uint32_t>(minimum[2 * t]) << 11) | minimum[2 * t + 1];
    }
  }
  return result;
}

void CylinderLshIndex::Build(const std::vector<CylinderLshKeys>& templates) {
  // One 64-bit word per posting: table (5 bits) << 55 | key (23 bits) << 32 | slot << 8 | cylinder.
  static_assert(kCylinderLshTables <= 32);
  std::vector<std::uint64_t> entries;
  std::size_t total = 0;
  for (const CylinderLshKeys& keys : templates) total += keys.keys.size();
  entries.reserve(total);
  for (std::size_t slot = 0; slot < templates.size(); ++slot) {
    const CylinderLshKeys& keys = templates[slot];
    const std::size_t cylinders = std::min<std::size_t>(keys.cylinders(), 255);
    for (std::size_t c = 0; c < cylinders; ++c) {
      for (int t = 0; t < kCylinderLshTables; ++t) {
        const std::uint32_t key = keys.keys[c * kCylinderLshTables + t];
        if (key == 0) continue;
        entries.push_back((static_cast<std::uint64_t>(t) << 55) | (static_cast<std::uint64_t>(key) << 32) |
                          (static_cast<std::uint64_t>(slot) << 8) | c);
      }
    }
  }
  std::sort(entries.begin(), entries.end());
  table_keys_.clear();
  run_begin_.clear();
  postings_ = {};
  std::vector<std::uint32_t>& postings = postings_.memory();
  postings.resize(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::uint64_t table_key = entries[i] >> 32;
    if (table_keys_.empty() || table_keys_.back() != table_key) {
      table_keys_.push_back(table_key);
      run_begin_.push_back(static_cast<std::uint32_t>(i));
    }
    postings[i] = static_cast<std::uint32_t>(entries[i]);
  }
  run_begin_.push_back(static_cast<std::uint32_t>(entries.size()));
  slot_count_ = templates.size();
}

Status CylinderLshIndex::Accumulate(const CylinderLshKeys& probe, std::vector<float>& score,
                                    std::vector<std::uint32_t>& touched_slots) const {
  std::vector<std::uint32_t> hits, merged, read;
  std::vector<std::size_t> bounds;  // starts of the sorted runs in `hits`, then its end
  for (std::size_t c = 0; c < probe.cylinders(); ++c) {
    hits.clear();
    bounds.clear();
    for (int t = 0; t < kCylinderLshTables; ++t) {
      const std::uint32_t key = probe.keys[c * kCylinderLshTables + t];
      if (key == 0) continue;
      const std::uint64_t table_key = (static_cast<std::uint64_t>(t) << 23) | key;
      const auto run = std::lower_bound(table_keys_.begin(), table_keys_.end(), table_key);
      if (run == table_keys_.end() || *run != table_key) continue;
      const std::size_t r = static_cast<std::size_t>(run - table_keys_.begin());
      bounds.push_back(hits.size());
      const std::size_t length = run_begin_[r + 1] - run_begin_[r];
      ABIS_ASSIGN_OR_RETURN(const std::uint32_t* run_postings, postings_.View(run_begin_[r], length, read));
      hits.insert(hits.end(), run_postings, run_postings + length);
    }
    // Each run is sorted (postings are sorted within a key): merge them pairwise, log2(runs) passes.
    bounds.push_back(hits.size());
    while (bounds.size() > 2) {
      merged.resize(hits.size());
      std::vector<std::size_t> next;
      for (std::size_t b = 0; b + 1 < bounds.size(); b += 2) {
        next.push_back(bounds[b]);
        const std::size_t middle = bounds[b + 1];
        const std::size_t end = b + 2 < bounds.size() ? bounds[b + 2] : middle;
        std::merge(hits.begin() + static_cast<std::ptrdiff_t>(bounds[b]),
                   hits.begin() + static_cast<std::ptrdiff_t>(middle),
                   hits.begin() + static_cast<std::ptrdiff_t>(middle), hits.begin() + static_cast<std::ptrdiff_t>(end),
                   merged.begin() + static_cast<std::ptrdiff_t>(bounds[b]));
        if (b + 2 >= bounds.size()) break;
      }
      next.push_back(hits.size());
      hits.swap(merged);
      bounds.swap(next);
    }
    // Runs of equal entries count the keys shared with one gallery cylinder; runs of one slot
    // (contiguous, the slot being the high bits) keep their best cylinder.
    std::size_t i = 0;
    while (i < hits.size()) {
      const std::uint32_t slot = hits[i] >> 8;
      if (slot >= score.size()) return Status::DataLoss("cylinder index: a posting names a slot out of range");
      int best = 0;
      while (i < hits.size() && (hits[i] >> 8) == slot) {
        const std::uint32_t entry = hits[i];
        int count = 0;
        while (i < hits.size() && hits[i] == entry) ++count, ++i;
        best = std::max(best, count);
      }
      if (score[slot] == 0) touched_slots.push_back(slot);
      score[slot] += static_cast<float>(best);
    }
  }
  return Status::Ok();
}

Result<std::vector<CylinderLshIndex::Scored>> CylinderLshIndex::Query(const CylinderLshKeys& probe,
                                                                      std::size_t keep) const {
  std::vector<float> score(slot_count_, 0);
  std::vector<std::uint32_t> touched_slots;
  ABIS_RETURN_IF_ERROR(Accumulate(probe, score, touched_slots));
  std::vector<Scored> ranked;
  ranked.reserve(touched_slots.size());
  for (const std::uint32_t slot : touched_slots) ranked.push_back({score[slot], slot});
  const auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.slot < b.slot;
  };
  if (ranked.size() > keep) {
    std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(), better);
    ranked.resize(keep);
  }
  std::sort(ranked.begin(), ranked.end(), better);
  return ranked;
}

CylinderLshIndex CylinderLshIndex::Merge(const CylinderLshIndex& first, const std::vector<std::uint32_t>& first_slots,
                                         const CylinderLshIndex& second, const std::vector<std::uint32_t>& second_slots,
                                         std::size_t slots) {
  CylinderLshIndex merged;
  merged.slot_count_ = slots;
  std::vector<std::uint32_t>& postings = merged.postings_.memory();
  postings.reserve(first.postings_.size() + second.postings_.size());
  merged.table_keys_.reserve(std::max(first.table_keys_.size(), second.table_keys_.size()));
  merged.run_begin_.reserve(merged.table_keys_.capacity() + 1);
  const auto copy_run = [&postings](const CylinderLshIndex& from, const std::vector<std::uint32_t>& new_slots,
                                    std::size_t run) {
    const std::vector<std::uint32_t>& from_postings = from.postings_.memory();
    for (std::uint32_t i = from.run_begin_[run]; i < from.run_begin_[run + 1]; ++i) {
      const std::uint32_t slot = new_slots[from_postings[i] >> 8];
      if (slot != kDropped) postings.push_back(slot << 8 | (from_postings[i] & 0xFF));
    }
  };
  std::size_t a = 0, b = 0;
  while (a < first.table_keys_.size() || b < second.table_keys_.size()) {
    const bool take_first = b == second.table_keys_.size() ||
                            (a < first.table_keys_.size() && first.table_keys_[a] <= second.table_keys_[b]);
    const std::uint64_t table_key = take_first ? first.table_keys_[a] : second.table_keys_[b];
    const std::size_t begin = postings.size();
    if (a < first.table_keys_.size() && first.table_keys_[a] == table_key) copy_run(first, first_slots, a++);
    if (b < second.table_keys_.size() && second.table_keys_[b] == table_key) copy_run(second, second_slots, b++);
    if (postings.size() == begin) continue;  // every posting of the key was dropped
    merged.table_keys_.push_back(table_key);
    merged.run_begin_.push_back(static_cast<std::uint32_t>(begin));
  }
  merged.run_begin_.push_back(static_cast<std::uint32_t>(postings.size()));
  return merged;
}

namespace {

Status CheckPostingSlots(const std::vector<std::uint32_t>& postings, std::size_t slots) {
  for (const std::uint32_t posting : postings) {
    if ((posting >> 8) >= slots) return Status::DataLoss("cylinder index state: a posting names a slot out of range");
  }
  return Status::Ok();
}

}  // namespace

Status CylinderLshIndex::Materialize() {
  if (postings_.deferred() == 0) return Status::Ok();
  DeferredStateArray<std::uint32_t> read = postings_;
  ABIS_RETURN_IF_ERROR(read.Materialize());
  ABIS_RETURN_IF_ERROR(CheckPostingSlots(read.memory(), slot_count_));
  postings_ = std::move(read);
  return Status::Ok();
}

Status CylinderLshIndex::SaveState(GalleryStateWriter& out) const {
  ABIS_RETURN_IF_ERROR(WriteStateWords(out, {slot_count_, table_keys_.size(), postings_.size()}));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, table_keys_));
  ABIS_RETURN_IF_ERROR(WriteStateArray(out, run_begin_));
  return postings_.Save(out);
}

Status CylinderLshIndex::LoadState(GalleryStateReader& in, std::size_t slots) {
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t slot_count, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t runs, ReadStateWord(in));
  ABIS_ASSIGN_OR_RETURN(const std::uint64_t postings, ReadStateWord(in));
  if (slot_count != slots || slots > kCylinderLshMaxSlots || postings > std::numeric_limits<std::uint32_t>::max() ||
      runs > postings) {
    return Status::DataLoss("cylinder index state: sizes out of range");
  }
  CylinderLshIndex loaded;
  loaded.slot_count_ = slots;
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.table_keys_, runs));
  ABIS_RETURN_IF_ERROR(ReadStateArray(in, loaded.run_begin_, runs + 1));
  ABIS_RETURN_IF_ERROR(loaded.postings_.Load(in, postings));
  if (loaded.run_begin_.front() != 0 || loaded.run_begin_.back() != postings) {
    return Status::DataLoss("cylinder index state: the runs do not cover the postings");
  }
  for (std::size_t r = 0; r < runs; ++r) {
    if (loaded.run_begin_[r] >= loaded.run_begin_[r + 1] ||
        (r > 0 && loaded.table_keys_[r - 1] >= loaded.table_keys_[r])) {
      return Status::DataLoss("cylinder index state: runs out of order at run " + std::to_string(r));
    }
  }
  ABIS_RETURN_IF_ERROR(CheckPostingSlots(loaded.postings_.memory(), slots));  // deferred ones: when read
  *this = std::move(loaded);
  return Status::Ok();
}

std::size_t CylinderLshIndex::MemoryBytes() const {
  return table_keys_.capacity() * sizeof(std::uint64_t) + run_begin_.capacity() * sizeof(std::uint32_t) +
         postings_.memory().capacity() * sizeof(std::uint32_t);
}

}  // namespace abis::finger
