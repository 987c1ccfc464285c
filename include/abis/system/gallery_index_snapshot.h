// Sealed snapshots of gallery indexes (issue 20 item 3): a restarted process, or a CLI search,
// loads a gallery's prepared index from one file instead of decrypting and preparing every
// template, then brings it up to date through the gallery generation (GalleryIndexCache).
//
// A snapshot is derived data, sealed (abis/store/sealed_pages.h) under a key derived from the
// store's master key, and bound to what it indexes (gallery, modality, finger position, algorithm).
// It is never trusted over the store: every template it holds is checked against the store's
// listing (id, person, seal) when loaded, and a snapshot that fails authentication, was written by
// another layout or builder, or predates the last erasure is deleted and the index rebuilt.
//
// Erasure is real: an erasing operation (deleting a person or an encounter, retention) begins by
// deleting every snapshot, raising a floor generation and leaving an "erasure in progress" marker;
// while a marker of a live process exists no snapshot is published or loaded. It ends (on every
// path, failures included) by deleting the snapshots again, raising the floor to the generation
// after the erasure and removing its marker. A marker whose process died is cleared by deleting
// every snapshot. A snapshot older than the floor is neither written nor loaded. Files:
// <dir>/*.snap, the floor in <dir>/erasure-floor, markers <dir>/.erasing-<pid>-<random>, a lock
// file <dir>/.lock (flock) around publish, erase and marker checks.
// Thread-safety: all methods are safe to call concurrently, also from several processes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/sealed_pages.h"
#include "abis/system/gallery_index_key.h"

namespace abis {

// One template an index holds, as the store listed it when it was added.
struct SnapshotTemplate {
  std::int64_t template_id = 0;
  std::int64_t person_id = 0;
  std::string seal_id;
};

// What a snapshot holds besides the gallery's own state.
struct GalleryIndexSnapshotContent {
  std::int64_t generation = 0;
  std::vector<SnapshotTemplate> templates;
  std::uint64_t skipped_templates = 0;  // left out of the index: another algorithm's, or quarantined
  // The store's audit chain head read after `generation` in the same store read (0 and "": not
  // known). A loader trusts the change log from `generation` only when the store's chain holds this
  // entry at this sequence number: every transaction that changes a gallery appends an audit
  // entry, so a store restored from a backup that reached `generation` again along another history
  // has another entry there (a hash chain cannot hold the same entry after another past).
  std::int64_t audit_seq = 0;
  std::string audit_hash;
};

// How Read loads a gallery: wholly into memory (a long-lived process), or leaving the arrays the
// gallery offers to defer (GalleryStateReader::Defer: a finger gallery's cylinders) in the file,
// kept open, for its searches to read the few they need (a process that searches once).
enum class SnapshotLoading { kWhole, kOnDemand };

class GalleryIndexSnapshots {
 public:
  GalleryIndexSnapshots(std::filesystem::path dir, const DerivedKey& key);

  const std::filesystem::path& dir() const { return dir_; }
  // The file of `key`'s snapshot.
  std::filesystem::path FileOf(const GalleryIndexKey& key) const;

  // Writes `gallery` (which must support ModalityGallery::SaveState; kUnimplemented otherwise)
  // with `content` to a temporary file, then publishes it atomically. kFailedPrecondition, and
  // nothing published, when content.generation is below the erasure floor. Returns the bytes
  // written.
  Result<std::uint64_t> Write(const GalleryIndexKey& key, const GalleryIndexSnapshotContent& content,
                              const ModalityGallery& gallery) const;
  // Loads the snapshot of `key` into `gallery` (empty, made by the engine of key.algorithm).
  // kNotFound: there is none. Any other failure (authentication, format, a generation below the
  // erasure floor) deletes the file and is returned, kDataLoss; `gallery` is then unusable.
  Result<GalleryIndexSnapshotContent> Read(const GalleryIndexKey& key, ModalityGallery& gallery,
                                           SnapshotLoading loading = SnapshotLoading::kWhole) const;

  // Deletes the snapshot of `key` if there is one (an index found damaged after loading).
  Status Remove(const GalleryIndexKey& key) const;

  // Before an erasing operation: deletes every snapshot, raises the floor to `generation` (the
  // current generation + 1) and leaves this process's marker; returns the marker's name.
  Result<std::string> BeginErasure(std::int64_t generation) const;
  // After it, on every path: deletes every snapshot, raises the floor to `generation` (the one that
  // followed the erasure) and removes `marker`.
  Status EndErasure(const std::string& marker, std::int64_t generation) const;
  // The erasure floor (0: none recorded). Any failure to read it but absence is an error.
  Result<std::int64_t> ErasureFloor() const;

 private:
  std::filesystem::path dir_;
  DerivedKey key_;
};

}  // namespace abis
