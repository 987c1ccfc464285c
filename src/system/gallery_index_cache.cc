#include "abis/system/gallery_index_cache.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "abis/core/search_executor.h"

namespace abis {

struct GalleryIndexCache::Entry {
  std::shared_mutex mutex;
  std::int64_t generation = 0;  // 0: never built
  std::unique_ptr<ModalityGallery> index;
  std::unordered_map<std::int64_t, std::int64_t> person_of_template;
  // The seal (ciphertext nonce) each indexed template was read from: a template re-sealed (moved
  // to another person) or a row replaced under the same id is read again.
  std::unordered_map<std::int64_t, std::string> seal_of_template;
  // The indexed templates of each person, for a refresh that lists only the changed persons.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> templates_of_person;
  // Templates left out because another algorithm made them, by person (only persons with some).
  std::unordered_map<std::int64_t, std::size_t> skipped_of_person;
  // Damaged templates left out, by id, with the seal they were read from: a row that gets a new
  // seal is tried again.
  std::map<std::int64_t, std::pair<std::string, QuarantinedTemplate>> quarantine;
  std::vector<QuarantinedTemplate> quarantined;  // the values of `quarantine`, for views
  std::size_t skipped = 0;
  // The store's audit chain head read after `generation` (GalleryIndexSnapshotContent::audit_seq).
  std::int64_t audit_seq = 0;
  std::string audit_hash;
  // Snapshots: whether a first build may still load one (private builds never do), whether the
  // index has one on disk, and templates added or removed since it was loaded or written.
  bool may_load_snapshot = true;
  std::atomic<bool> has_snapshot{false};
  std::atomic<std::int64_t> changed_since_snapshot{0};
};

std::int64_t GalleryIndexView::PersonOfTemplate(std::int64_t template_id) const {
  auto found = person_of_template_->find(template_id);
  return found == person_of_template_->end() ? 0 : found->second;
}

std::shared_ptr<GalleryIndexCache::Entry> GalleryIndexCache::EntryFor(const GalleryIndexKey& key) {
  std::lock_guard lock(mutex_);
  auto& entry = entries_[key];
  if (!entry) entry = std::make_shared<Entry>();
  return entry;
}

GalleryIndexView GalleryIndexCache::ViewOf(const std::shared_ptr<Entry>& entry,
                                           std::shared_lock<std::shared_mutex> lock) {
  GalleryIndexView view;
  view.lock_ = std::move(lock);
  view.keep_alive_ = entry;
  view.index_ = entry->index.get();
  view.person_of_template_ = &entry->person_of_template;
  view.quarantined_ = &entry->quarantined;
  view.skipped_ = entry->skipped;
  return view;
}

Status GalleryIndexCache::Refresh(Entry& entry, Store& store, const ModalityEngine& engine, const GalleryIndexKey& key,
                                  std::int64_t generation) {
  std::shared_ptr<const GalleryIndexSnapshots> snapshots;
  SnapshotLoading loading = SnapshotLoading::kWhole;
  {
    std::lock_guard lock(mutex_);
    snapshots = snapshots_;
    loading = snapshot_loading_;
  }
  // The generation the entry's bookkeeping is exact at (0: unknown; the whole gallery is listed).
  std::int64_t since = entry.index ? entry.generation : 0;
  // The audit head, read after the caller read `generation` (in the same read transaction): it
  // covers at least every gallery change up to `generation`, so it anchors the index's history.
  // Unknown (no anchor) when it cannot be read.
  std::int64_t audit_seq = 0;
  std::string audit_hash;
  if (Result<AuditHead> head = store.ReadAuditHead(); head.ok()) {
    audit_seq = head->entry_count;
    audit_hash = head->last_hash;
  }
  if (snapshots && entry.may_load_snapshot && !entry.index) {
    entry.may_load_snapshot = false;
    std::unique_ptr<ModalityGallery> loaded = engine.NewGallery();
    Result<GalleryIndexSnapshotContent> content = snapshots->Read(key, *loaded, loading);
    std::lock_guard lock(mutex_);
    if (content.ok()) {
      // Its templates are checked against the store's listing below like any cached index's.
      entry.index = std::move(loaded);
      entry.person_of_template.reserve(content->templates.size());
      entry.seal_of_template.reserve(content->templates.size());
      for (SnapshotTemplate& item : content->templates) {
        entry.person_of_template.emplace(item.template_id, item.person_id);
        entry.seal_of_template.emplace(item.template_id, std::move(item.seal_id));
        entry.templates_of_person[item.person_id].push_back(item.template_id);
      }
      // A loaded snapshot is caught up through the change log from its generation only when the
      // store's audit chain holds the snapshot's anchor: a store restored from a backup can reach
      // that generation again along another history (the log cannot tell; the chain can, as every
      // gallery change appends an audit entry in its transaction). Otherwise, or when it left
      // templates out (another algorithm's, quarantined: it only counts them), it is checked
      // against a listing of the whole gallery.
      if (content->skipped_templates == 0 && content->audit_seq > 0 && !content->audit_hash.empty()) {
        Result<std::string> hash = store.AuditEntryHashAt(content->audit_seq);
        if (hash.ok() && *hash == content->audit_hash) {
          since = content->generation;
          ++stats_.snapshots_anchored;
        }
      }
      entry.has_snapshot = true;
      ++stats_.snapshots_loaded;
    } else if (content.status().code() != StatusCode::kNotFound) {
      ++stats_.snapshots_discarded;
      snapshot_warnings_.push_back(content.status().message());
    }
  }
  if (!entry.index) entry.index = engine.NewGallery();
  // Which persons to list: those changed since `since` when the change log covers them and they
  // are few enough for a listing by person to be cheaper than the whole gallery's.
  std::optional<std::vector<std::int64_t>> changed_persons;
  if (since > 0 && since <= generation) {
    Result<std::vector<std::int64_t>> persons = store.ListPersonsChangedSince(since);
    if (!persons.ok() && persons.status().code() != StatusCode::kFailedPrecondition) return persons.status();
    constexpr std::size_t kMaxPersonsByLog = 20000;
    if (persons.ok() && persons->size() <= std::max(kMaxPersonsByLog, entry.templates_of_person.size() / 8)) {
      changed_persons = std::move(*persons);
    }
  }
  std::vector<TemplateInfo> templates;
  if (changed_persons) {
    ABIS_ASSIGN_OR_RETURN(templates,
                          store.ListGalleryTemplatesOfPersons(key.gallery_id, key.modality, *changed_persons));
  } else {
    ABIS_ASSIGN_OR_RETURN(templates, store.ListGalleryTemplates(key.gallery_id, key.modality));
  }
  std::unordered_set<std::int64_t> in_scope;  // the listed persons (empty: everyone)
  if (changed_persons) in_scope.insert(changed_persons->begin(), changed_persons->end());
  auto scoped = [&](std::int64_t person_id) { return !changed_persons || in_scope.contains(person_id); };
  std::unordered_map<std::int64_t, const TemplateInfo*> wanted;
  if (changed_persons) {
    for (std::int64_t person_id : *changed_persons) entry.skipped_of_person.erase(person_id);
  } else {
    entry.skipped_of_person.clear();
  }
  for (const TemplateInfo& info : templates) {
    if (person_filter_ && !person_filter_(info.person_id)) continue;
    if (!FingerPositionsCompatible(key.position, info.position)) continue;
    if (info.algorithm != key.algorithm) {
      ++entry.skipped_of_person[info.person_id];
      continue;
    }
    wanted.emplace(info.id, &info);
  }
  std::size_t skipped = 0;
  for (const auto& [person_id, count] : entry.skipped_of_person) skipped += count;
  std::vector<std::int64_t> gone;
  auto check = [&](std::int64_t template_id, std::int64_t person_id) {
    auto found = wanted.find(template_id);
    if (found == wanted.end() || found->second->person_id != person_id ||
        found->second->seal_id != entry.seal_of_template[template_id]) {
      gone.push_back(template_id);
    }
  };
  if (changed_persons) {
    for (std::int64_t person_id : *changed_persons) {
      auto held = entry.templates_of_person.find(person_id);
      if (held == entry.templates_of_person.end()) continue;
      for (std::int64_t template_id : held->second) check(template_id, person_id);
    }
  } else {
    for (const auto& [template_id, person_id] : entry.person_of_template) check(template_id, person_id);
  }
  entry.changed_since_snapshot += static_cast<std::int64_t>(gone.size());
  for (std::int64_t template_id : gone) {
    entry.index->Remove(template_id);
    auto person = entry.person_of_template.find(template_id);
    if (person != entry.person_of_template.end()) {
      auto held = entry.templates_of_person.find(person->second);
      if (held != entry.templates_of_person.end()) {
        std::erase(held->second, template_id);
        if (held->second.empty()) entry.templates_of_person.erase(held);
      }
      entry.person_of_template.erase(person);
    }
    entry.seal_of_template.erase(template_id);
  }
  std::erase_if(entry.quarantine, [&](const auto& item) {
    if (!scoped(item.second.second.person_id)) return false;
    auto found = wanted.find(item.first);
    return found == wanted.end() || found->second->seal_id != item.second.first;
  });
  std::int64_t decrypted = 0;
  std::vector<std::pair<std::string, QuarantinedTemplate>> found_damaged;
  auto quarantine = [&](const TemplateInfo& info, const Status& status) {
    QuarantinedTemplate damaged{info.id, info.person_id, key.gallery_id, status.ToString()};
    entry.quarantine[info.id] = {info.seal_id, damaged};
    found_damaged.emplace_back(info.seal_id, std::move(damaged));
  };
  // New templates, in id order (so an index built twice is built the same), in chunks: each
  // chunk is loaded (decrypted) in this thread, prepared on the search executor's threads (the
  // costly part: e.g. a finger's cylinders) and added in order.
  std::vector<std::int64_t> added_ids;
  for (const auto& [template_id, info] : wanted) {
    if (!entry.person_of_template.contains(template_id) && !entry.quarantine.contains(template_id)) {
      added_ids.push_back(template_id);
    }
  }
  std::sort(added_ids.begin(), added_ids.end());
  constexpr std::size_t kChunk = 1024;
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::optional<BiometricTemplate>> loaded;
  std::vector<Result<std::unique_ptr<ModalityGallery::PreparedReference>>> prepared;
  for (std::size_t first = 0; first < added_ids.size(); first += kChunk) {
    const std::size_t count = std::min(kChunk, added_ids.size() - first);
    loaded.assign(count, std::nullopt);
    for (std::size_t i = 0; i < count; ++i) {
      const std::int64_t template_id = added_ids[first + i];
      auto reference = store.LoadTemplate(template_id);
      if (!reference.ok() && reference.status().code() == StatusCode::kDataLoss) {
        quarantine(*wanted.at(template_id), reference.status());
        continue;
      }
      if (!reference.ok()) {
        entry.generation = 0;  // partly updated: the next search rebuilds what is missing
        return reference.status();
      }
      loaded[i] = std::move(*reference);
    }
    prepared.clear();
    for (std::size_t i = 0; i < count; ++i) prepared.emplace_back(Status::NotFound("not loaded"));
    const ModalityGallery& index = *entry.index;
    const std::size_t slices = std::min(threads, count);
    SearchExecutor::Shared().ParallelFor(slices, [&](std::size_t slice) {
      for (std::size_t i = SearchExecutor::SliceBegin(count, slices, slice);
           i < SearchExecutor::SliceBegin(count, slices, slice + 1); ++i) {
        if (loaded[i]) prepared[i] = index.PrepareReference(*loaded[i]);
      }
    });
    for (std::size_t i = 0; i < count; ++i) {
      if (!loaded[i]) continue;
      const std::int64_t template_id = added_ids[first + i];
      const TemplateInfo* info = wanted.at(template_id);
      Status added =
          prepared[i].ok() ? entry.index->AddReference(template_id, std::move(*prepared[i])) : prepared[i].status();
      if (!added.ok() && (added.code() == StatusCode::kInvalidArgument || added.code() == StatusCode::kDataLoss)) {
        entry.index->Remove(template_id);
        quarantine(*info, added.WithContext("template " + std::to_string(template_id)));
        continue;
      }
      if (!added.ok()) {
        entry.generation = 0;
        return added.WithContext("template " + std::to_string(template_id));
      }
      entry.person_of_template.emplace(template_id, info->person_id);
      entry.seal_of_template.emplace(template_id, info->seal_id);
      entry.templates_of_person[info->person_id].push_back(template_id);
      ++decrypted;
    }
  }
  entry.changed_since_snapshot += decrypted;
  entry.quarantined.clear();
  for (const auto& [template_id, item] : entry.quarantine) entry.quarantined.push_back(item.second);
  entry.skipped = skipped;
  entry.generation = generation;
  entry.audit_seq = audit_seq;
  entry.audit_hash = std::move(audit_hash);
  std::lock_guard lock(mutex_);
  ++stats_.refreshes;
  stats_.templates_decrypted += decrypted;
  if (changed_persons) {
    ++stats_.incremental_listings;
    stats_.persons_relisted += static_cast<std::int64_t>(changed_persons->size());
  } else {
    ++stats_.full_listings;
  }
  for (auto& [seal, damaged] : found_damaged) {
    // Reported once per damaged seal, however many indexes (positions, private builds) meet it.
    if (!reported_damage_.insert(std::to_string(damaged.template_id) + "/" + seal).second) continue;
    ++stats_.templates_quarantined;
    newly_quarantined_.push_back(std::move(damaged));
  }
  return Status::Ok();
}

Result<std::optional<GalleryIndexView>> GalleryIndexCache::TryAcquire(Store& store, const ModalityEngine& engine,
                                                                      const GalleryIndexKey& key,
                                                                      std::int64_t generation) {
  if (engine.algorithm() != key.algorithm || engine.modality() != key.modality) {
    return Status::InvalidArgument("gallery index key names algorithm '" + key.algorithm + "', the engine is '" +
                                   engine.algorithm() + "'");
  }
  std::shared_ptr<Entry> entry = EntryFor(key);
  bool refreshed = false;
  while (true) {
    {
      std::shared_lock read(entry->mutex);
      if (entry->generation == generation) {
        if (!refreshed) {
          std::lock_guard lock(mutex_);
          ++stats_.hits;
        }
        return std::optional<GalleryIndexView>(ViewOf(entry, std::move(read)));
      }
      if (entry->generation > generation) return std::optional<GalleryIndexView>();
    }
    std::unique_lock write(entry->mutex);
    if (entry->generation >= generation) continue;  // another search got there first
    ABIS_RETURN_IF_ERROR(Refresh(*entry, store, engine, key, generation));
    refreshed = true;
  }
}

Result<GalleryIndexView> GalleryIndexCache::Acquire(Store& store, const ModalityEngine& engine,
                                                    const GalleryIndexKey& key, std::int64_t generation) {
  ABIS_ASSIGN_OR_RETURN(std::optional<GalleryIndexView> shared, TryAcquire(store, engine, key, generation));
  if (shared) return std::move(*shared);
  // The cached index is newer than this snapshot: build a private one from the snapshot so the
  // search sees exactly its own gallery.
  auto own = std::make_shared<Entry>();
  own->may_load_snapshot = false;  // a snapshot may be newer than this search's own
  {
    std::unique_lock own_write(own->mutex);
    ABIS_RETURN_IF_ERROR(Refresh(*own, store, engine, key, generation));
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.private_builds;
  }
  return ViewOf(own, std::shared_lock(own->mutex));
}

std::optional<GalleryIndexView> GalleryIndexCache::AcquireIfCurrent(const GalleryIndexKey& key,
                                                                    std::int64_t generation) {
  std::shared_ptr<Entry> entry = EntryFor(key);
  std::shared_lock read(entry->mutex);
  if (entry->generation != generation || !entry->index) return std::nullopt;
  return ViewOf(entry, std::move(read));
}

GalleryIndexCacheStats GalleryIndexCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<QuarantinedTemplate> GalleryIndexCache::TakeNewlyQuarantined() {
  std::lock_guard lock(mutex_);
  return std::exchange(newly_quarantined_, {});
}

GalleryIndexFindings GalleryIndexCache::TakeFindings() {
  std::lock_guard lock(mutex_);
  return {std::exchange(newly_quarantined_, {}), std::exchange(snapshot_warnings_, {})};
}

void GalleryIndexCache::RestoreFindings(GalleryIndexFindings findings) {
  std::lock_guard lock(mutex_);
  // Older findings first, as they were found.
  findings.quarantined.insert(findings.quarantined.end(), std::make_move_iterator(newly_quarantined_.begin()),
                              std::make_move_iterator(newly_quarantined_.end()));
  newly_quarantined_ = std::move(findings.quarantined);
  findings.snapshot_warnings.insert(findings.snapshot_warnings.end(),
                                    std::make_move_iterator(snapshot_warnings_.begin()),
                                    std::make_move_iterator(snapshot_warnings_.end()));
  snapshot_warnings_ = std::move(findings.snapshot_warnings);
}

void GalleryIndexCache::Clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

void GalleryIndexCache::SetSnapshotLoading(SnapshotLoading loading) {
  std::lock_guard lock(mutex_);
  snapshot_loading_ = loading;
}

void GalleryIndexCache::DiscardDamagedIndex(const GalleryIndexKey& key, const Status& reason) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
  if (!snapshots_) return;
  std::string warning = "snapshot " + snapshots_->FileOf(key).filename().string() + " discarded: " + reason.message();
  if (Status removed = snapshots_->Remove(key); !removed.ok()) warning += " (" + removed.message() + ")";
  ++stats_.snapshots_discarded;
  snapshot_warnings_.push_back(std::move(warning));
}

void GalleryIndexCache::EnableSnapshots(const std::filesystem::path& dir, const DerivedKey& key) {
  std::lock_guard lock(mutex_);
  snapshots_ = std::make_shared<const GalleryIndexSnapshots>(dir, key);
}

bool GalleryIndexCache::snapshots_enabled() const {
  std::lock_guard lock(mutex_);
  return snapshots_ != nullptr;
}

SnapshotSaveReport GalleryIndexCache::SaveSnapshots(const SnapshotSavePolicy& policy) {
  const auto start = std::chrono::steady_clock::now();
  SnapshotSaveReport report;
  std::shared_ptr<const GalleryIndexSnapshots> snapshots;
  std::vector<std::pair<GalleryIndexKey, std::shared_ptr<Entry>>> entries;
  {
    std::lock_guard lock(mutex_);
    snapshots = snapshots_;
    entries.assign(entries_.begin(), entries_.end());
  }
  if (!snapshots) return report;
  for (const auto& [key, entry] : entries) {
    std::shared_lock read(entry->mutex);
    if (entry->generation == 0 || !entry->index) continue;
    const std::int64_t changed = entry->changed_since_snapshot.load();
    const auto size = static_cast<double>(entry->index->size());
    if (entry->has_snapshot &&
        (changed < policy.min_changed_templates || static_cast<double>(changed) < policy.min_changed_fraction * size)) {
      ++report.unchanged;
      continue;
    }
    GalleryIndexSnapshotContent content;
    content.generation = entry->generation;
    // Quarantined templates count too: a loader that finds any left out lists the whole gallery
    // (the snapshot keeps no per-person account of them), so that it meets them again.
    content.skipped_templates = entry->skipped + entry->quarantine.size();
    content.audit_seq = entry->audit_seq;
    content.audit_hash = entry->audit_hash;
    content.templates.reserve(entry->person_of_template.size());
    for (const auto& [template_id, person_id] : entry->person_of_template) {
      const auto seal = entry->seal_of_template.find(template_id);
      content.templates.push_back({template_id, person_id, seal == entry->seal_of_template.end() ? "" : seal->second});
    }
    Result<std::uint64_t> written = snapshots->Write(key, content, *entry->index);
    if (!written.ok() && written.status().code() == StatusCode::kUnimplemented) {
      ++report.unsupported;
      continue;
    }
    if (!written.ok()) {
      report.errors.push_back("gallery " + std::to_string(key.gallery_id) + " " +
                              std::string(ModalityName(key.modality)) + " index: " + written.status().message());
      continue;
    }
    // Changes made by a refresh since are counted afresh (the refresh waited for this lock).
    entry->changed_since_snapshot -= changed;
    entry->has_snapshot = true;
    report.bytes += *written;
    ++report.written;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard lock(mutex_);
  stats_.snapshots_written += report.written;
  return report;
}

Result<std::string> GalleryIndexCache::BeginSnapshotErasure(std::int64_t generation) {
  std::shared_ptr<const GalleryIndexSnapshots> snapshots;
  {
    std::lock_guard lock(mutex_);
    snapshots = snapshots_;
    for (const auto& [key, entry] : entries_) entry->has_snapshot = false;  // the files go now
  }
  if (!snapshots) return std::string();
  return snapshots->BeginErasure(generation);
}

Status GalleryIndexCache::EndSnapshotErasure(const std::string& marker, std::int64_t generation) {
  std::shared_ptr<const GalleryIndexSnapshots> snapshots;
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mutex_);
    snapshots = snapshots_;
    for (const auto& [key, entry] : entries_) entries.push_back(entry);
  }
  if (!snapshots) return Status::Ok();
  Status ended = snapshots->EndErasure(marker, generation);
  // The files are gone: the next SaveSnapshots writes every index again (an atomic flag, so no
  // index lock is waited for).
  for (const std::shared_ptr<Entry>& entry : entries) entry->has_snapshot = false;
  return ended;
}

std::vector<std::string> GalleryIndexCache::TakeSnapshotWarnings() {
  std::lock_guard lock(mutex_);
  return std::exchange(snapshot_warnings_, {});
}

std::vector<GalleryIndexMemory> GalleryIndexCache::MemoryUse() const {
  std::vector<std::pair<GalleryIndexKey, std::shared_ptr<Entry>>> entries;
  {
    std::lock_guard lock(mutex_);
    entries.assign(entries_.begin(), entries_.end());
  }
  std::vector<GalleryIndexMemory> memory;
  for (const auto& [key, entry] : entries) {
    std::shared_lock read(entry->mutex);
    if (!entry->index) continue;
    memory.push_back({key, entry->index->size(), entry->index->MemoryBytes()});
  }
  return memory;
}

void GalleryIndexCache::SetPersonFilter(std::function<bool(std::int64_t person_id)> member) {
  std::lock_guard lock(mutex_);
  person_filter_ = std::move(member);
}

}  // namespace abis
