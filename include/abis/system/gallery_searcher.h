// Where a search's candidate lists come from. By default AbisSystem searches the gallery indexes
// of its own process (GalleryIndexCache); a GallerySearcher set on it (SetGallerySearcher) takes
// their place for unrestricted searches: the matcher grid (abis/grid) answers from the shards its
// ranks hold. Everything around the lists (roles, purpose and case binding, audit, the exact
// comparisons of persons a probe did not list, fusion) stays in AbisSystem.
// Thread-safety: Search may be called from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/system/gallery_index_cache.h"
#include "abis/system/gallery_index_key.h"

namespace abis {

// The answer for one probe: what ModalityGallery::Search of the whole gallery's index returns,
// with each candidate's person.
struct GallerySearchAnswer {
  // The searcher's indexes are past the snapshot's generation: take a fresh snapshot and retry.
  bool stale = false;
  std::size_t gallery_size = 0;           // templates the index holds
  std::size_t skipped_templates = 0;      // left out: made by another algorithm
  std::size_t quarantined_templates = 0;  // left out: damaged
  std::vector<Candidate> candidates;      // best first, at most the wanted count
  std::vector<std::int64_t> person_ids;   // the person of each candidate (same order)
  // Templates the searcher put in quarantine since its last answer (any gallery: found while
  // loading or refreshing), each reported once, for the caller to audit and alert on.
  std::vector<QuarantinedTemplate> newly_quarantined;
};

class GallerySearcher {
 public:
  virtual ~GallerySearcher() = default;
  // The best min(wanted, gallery size) templates of the index `key` for `probe`, exactly as one
  // index of the gallery at store generation `generation` ranks them. kUnavailable when a part
  // of the searcher is down: never an answer from part of the gallery.
  virtual Result<GallerySearchAnswer> Search(const GalleryIndexKey& key, std::int64_t generation,
                                             const BiometricTemplate& probe, std::size_t wanted) = 0;
  // Hands back newly quarantined templates of an answer whose search ended before auditing them
  // (it failed, or its audit did not commit): the next answer reports them again.
  virtual void ReturnUnaudited(std::vector<QuarantinedTemplate> unaudited) { (void)unaudited; }
};

}  // namespace abis
