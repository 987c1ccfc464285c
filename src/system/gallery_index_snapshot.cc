#include "abis/system/gallery_index_snapshot.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "abis/store/crypto.h"

namespace abis {
namespace {

// Format 2 adds the audit anchor (GalleryIndexSnapshotContent::audit_seq, audit_hash) after the
// skipped count. A snapshot without an anchor is written in format 1, the layout without it, and
// both are read: a format-1 snapshot written before anchors existed loads as an unanchored one
// (checked against the whole gallery's listing), so an upgrade does not discard and rebuild every
// index (a 1M finger index takes tens of minutes to rebuild). A gallery state whose own format
// changed is refused by the gallery (its state magic) and that snapshot alone rebuilt.
constexpr std::uint64_t kUnanchoredFormat = 1;
constexpr std::uint64_t kAnchoredFormat = 2;
// The fewest bytes one listed template takes in the file (id, person, seal length).
constexpr std::uint64_t kMinTemplateBytes = 3 * sizeof(std::uint64_t);
constexpr std::size_t kMaxAuditHashBytes = 128;
constexpr std::size_t kMaxSealIdBytes = 256;
constexpr std::string_view kSuffix = ".snap";

// An exclusive flock on <dir>/.lock for as long as it lives (publishing and erasing exclude
// each other, across processes).
class DirectoryLock {
 public:
  static Result<DirectoryLock> Take(const std::filesystem::path& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Status::IoError("cannot create the snapshot folder " + dir.string() + ": " + error.message());
    const std::filesystem::path file = dir / ".lock";
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IoError("cannot open " + file.string() + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd);
        return Status::IoError("cannot lock " + file.string() + ": " + std::strerror(errno));
      }
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The associated data a snapshot is sealed with: what it is an index of.
std::string AssociatedData(const GalleryIndexKey& key) {
  return "abis-gallery-index-snapshot/1 gallery=" + std::to_string(key.gallery_id) +
         " modality=" + std::string(ModalityName(key.modality)) +
         " position=" + std::to_string(static_cast<int>(key.position)) + " algorithm=" + key.algorithm;
}

class StateWriterAdapter final : public GalleryStateWriter {
 public:
  explicit StateWriterAdapter(SealedPageWriter& out) : out_(out) {}
  Status Write(std::span<const std::uint8_t> bytes) override { return out_.Write(bytes); }

 private:
  SealedPageWriter& out_;
};

// The snapshot file, kept open, as the source of a gallery's deferred arrays.
class SnapshotStateSource final : public GalleryStateSource {
 public:
  explicit SnapshotStateSource(std::shared_ptr<const SealedPageFile> file) : file_(std::move(file)) {}
  Status ReadAt(std::uint64_t offset, std::span<std::uint8_t> bytes) const override {
    return file_->ReadAt(offset, bytes);
  }

 private:
  std::shared_ptr<const SealedPageFile> file_;
};

class StateReaderAdapter final : public GalleryStateReader {
 public:
  StateReaderAdapter(SealedPageCursor& in, SnapshotLoading loading) : in_(in), loading_(loading) {}
  Status Read(std::span<std::uint8_t> bytes) override { return in_.Read(bytes); }
  Result<DeferredStateBytes> Defer(std::uint64_t bytes) override {
    if (loading_ != SnapshotLoading::kOnDemand) return DeferredStateBytes{};
    if (!source_) source_ = std::make_shared<SnapshotStateSource>(in_.file());
    DeferredStateBytes where{source_, in_.position()};
    ABIS_RETURN_IF_ERROR(in_.Skip(bytes));
    return where;
  }
  std::optional<std::uint64_t> RemainingBytes() const override { return in_.file()->size() - in_.position(); }

 private:
  SealedPageCursor& in_;
  SnapshotLoading loading_;
  std::shared_ptr<const GalleryStateSource> source_;
};

Status WriteWord(SealedPageWriter& out, std::uint64_t word) {
  return out.Write({reinterpret_cast<const std::uint8_t*>(&word), sizeof word});
}

Result<std::uint64_t> ReadWord(SealedPageCursor& in) {
  std::uint64_t word = 0;
  ABIS_RETURN_IF_ERROR(in.Read({reinterpret_cast<std::uint8_t*>(&word), sizeof word}));
  return word;
}

// Only absence means "no floor": any other failure to read it is an error (fail closed).
Result<std::int64_t> ReadFloorFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::int64_t{0};
    return Status::IoError("cannot read the erasure floor " + file.string() + ": " + std::strerror(errno));
  }
  char text[32] = {};
  const ssize_t got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  char* end = nullptr;
  const long long floor = got > 0 ? std::strtoll(text, &end, 10) : -1;
  if (got <= 0 || end == text || floor < 0) {
    return Status::DataLoss("the erasure floor " + file.string() + " is malformed");
  }
  return static_cast<std::int64_t>(floor);
}

// Deletes every published and temporary snapshot in `dir`; returns how many.
Result<int> DeleteAllSnapshots(const std::filesystem::path& dir) {
  int deleted = 0;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    // Published snapshots, and temporary ones (a writer's in progress then fails to publish).
    const std::string name = item.path().filename().string();
    if (item.path().extension() != ".snap" && !name.starts_with(".tmp-")) continue;
    std::error_code removed;
    if (std::filesystem::remove(item.path(), removed)) ++deleted;
    if (removed) return Status::IoError("cannot delete snapshot " + item.path().string() + ": " + removed.message());
  }
  if (error) return Status::IoError("cannot list the snapshot folder " + dir.string() + ": " + error.message());
  SyncDirectory(dir);
  return deleted;
}

bool ProcessAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// Under the folder's lock: true when an erasure of a live process is in progress. Markers of dead
// processes are cleared, after deleting every snapshot (their erasure may have committed).
Result<bool> ErasureInProgress(const std::filesystem::path& dir) {
  bool live = false;
  std::vector<std::filesystem::path> stale;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = item.path().filename().string();
    if (!name.starts_with(".erasing-")) continue;
    const long pid = std::strtol(name.c_str() + std::strlen(".erasing-"), nullptr, 10);
    if (ProcessAlive(pid)) {
      live = true;
    } else {
      stale.push_back(item.path());
    }
  }
  if (error) return Status::IoError("cannot list the snapshot folder " + dir.string() + ": " + error.message());
  if (!stale.empty()) {
    ABIS_RETURN_IF_ERROR(DeleteAllSnapshots(dir).status());
    for (const auto& marker : stale) std::filesystem::remove(marker, error);
  }
  return live;
}

Status WriteFloorFile(const std::filesystem::path& dir, std::int64_t floor) {
  const std::filesystem::path file = dir / "erasure-floor";
  const std::filesystem::path temporary = dir / ".erasure-floor.tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << floor << "\n";
    out.flush();
    if (!out) return Status::IoError("cannot write " + temporary.string());
  }
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) return Status::IoError("cannot write " + file.string() + ": " + error.message());
  SyncDirectory(dir);
  return Status::Ok();
}

}  // namespace

GalleryIndexSnapshots::GalleryIndexSnapshots(std::filesystem::path dir, const DerivedKey& key)
    : dir_(std::move(dir)), key_(key) {}

std::filesystem::path GalleryIndexSnapshots::FileOf(const GalleryIndexKey& key) const {
  // The algorithm id may hold any character: its hash names the file.
  return dir_ / ("gallery-" + std::to_string(key.gallery_id) + "-" + std::string(ModalityName(key.modality)) + "-" +
                 std::to_string(static_cast<int>(key.position)) + "-" + Sha256Hex(key.algorithm).substr(0, 16) +
                 std::string(kSuffix));
}

Result<std::int64_t> GalleryIndexSnapshots::ErasureFloor() const { return ReadFloorFile(dir_ / "erasure-floor"); }

Result<std::uint64_t> GalleryIndexSnapshots::Write(const GalleryIndexKey& key,
                                                   const GalleryIndexSnapshotContent& content,
                                                   const ModalityGallery& gallery) const {
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) return Status::IoError("cannot create the snapshot folder " + dir_.string() + ": " + error.message());
  {
    // Not worth writing (gigabytes at national scale) when it would be refused at publishing.
    ABIS_ASSIGN_OR_RETURN(std::int64_t floor, ErasureFloor());
    if (content.generation < floor) {
      return Status::FailedPrecondition("the index (generation " + std::to_string(content.generation) +
                                        ") predates an erasure (generation " + std::to_string(floor) +
                                        "): not written");
    }
  }
  static std::atomic<std::uint64_t> sequence{0};
  const std::filesystem::path temporary =
      dir_ / (".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(sequence.fetch_add(1)) + "-" +
              HexEncode(RandomBytes(4)));
  struct RemoveTemporary {
    const std::filesystem::path& file;
    ~RemoveTemporary() {
      std::error_code ignored;
      std::filesystem::remove(file, ignored);
    }
  } remove_temporary{temporary};
  ABIS_ASSIGN_OR_RETURN(std::unique_ptr<SealedPageWriter> out,
                        SealedPageWriter::Create(temporary, key_, AssociatedData(key)));
  const bool anchored = content.audit_seq > 0;
  ABIS_RETURN_IF_ERROR(WriteWord(*out, anchored ? kAnchoredFormat : kUnanchoredFormat));
  ABIS_RETURN_IF_ERROR(WriteWord(*out, static_cast<std::uint64_t>(content.generation)));
  ABIS_RETURN_IF_ERROR(WriteWord(*out, content.skipped_templates));
  if (anchored) {
    if (content.audit_hash.size() > kMaxAuditHashBytes) return Status::InvalidArgument("an audit hash over 128 bytes");
    ABIS_RETURN_IF_ERROR(WriteWord(*out, static_cast<std::uint64_t>(content.audit_seq)));
    ABIS_RETURN_IF_ERROR(WriteWord(*out, content.audit_hash.size()));
    ABIS_RETURN_IF_ERROR(
        out->Write({reinterpret_cast<const std::uint8_t*>(content.audit_hash.data()), content.audit_hash.size()}));
  }
  ABIS_RETURN_IF_ERROR(WriteWord(*out, content.templates.size()));
  for (const SnapshotTemplate& item : content.templates) {
    if (item.seal_id.size() > kMaxSealIdBytes) return Status::InvalidArgument("a seal id longer than 256 bytes");
    ABIS_RETURN_IF_ERROR(WriteWord(*out, static_cast<std::uint64_t>(item.template_id)));
    ABIS_RETURN_IF_ERROR(WriteWord(*out, static_cast<std::uint64_t>(item.person_id)));
    ABIS_RETURN_IF_ERROR(WriteWord(*out, item.seal_id.size()));
    ABIS_RETURN_IF_ERROR(out->Write({reinterpret_cast<const std::uint8_t*>(item.seal_id.data()), item.seal_id.size()}));
  }
  StateWriterAdapter state(*out);
  ABIS_RETURN_IF_ERROR(gallery.SaveState(state));
  ABIS_RETURN_IF_ERROR(out->Finish());
  const std::uint64_t bytes = out->bytes_written();
  // Publish under the lock, unless an erasure raised the floor past this index meanwhile.
  ABIS_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Take(dir_));
  ABIS_ASSIGN_OR_RETURN(bool erasing, ErasureInProgress(dir_));
  if (erasing) return Status::FailedPrecondition("an erasure is in progress: not written");
  ABIS_ASSIGN_OR_RETURN(std::int64_t floor, ErasureFloor());
  if (content.generation < floor) {
    return Status::FailedPrecondition("the index (generation " + std::to_string(content.generation) +
                                      ") predates an erasure (generation " + std::to_string(floor) + "): not written");
  }
  std::filesystem::rename(temporary, FileOf(key), error);
  if (error) return Status::IoError("cannot publish snapshot " + FileOf(key).string() + ": " + error.message());
  SyncDirectory(dir_);
  return bytes;
}

Result<GalleryIndexSnapshotContent> GalleryIndexSnapshots::Read(const GalleryIndexKey& key, ModalityGallery& gallery,
                                                                SnapshotLoading loading) const {
  const std::filesystem::path file = FileOf(key);
  if (!std::filesystem::exists(file)) return Status::NotFound("no snapshot " + file.filename().string());
  {
    ABIS_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Take(dir_));
    ABIS_ASSIGN_OR_RETURN(bool erasing, ErasureInProgress(dir_));
    if (erasing) return Status::FailedPrecondition("an erasure is in progress: the snapshot is not loaded");
  }
  auto read = [&]() -> Result<GalleryIndexSnapshotContent> {
    ABIS_ASSIGN_OR_RETURN(std::shared_ptr<const SealedPageFile> sealed,
                          SealedPageFile::Open(file, key_, AssociatedData(key)));
    auto in = std::make_unique<SealedPageCursor>(std::move(sealed));
    ABIS_ASSIGN_OR_RETURN(std::uint64_t format, ReadWord(*in));
    if (format != kUnanchoredFormat && format != kAnchoredFormat) {
      return Status::DataLoss("snapshot format " + std::to_string(format));
    }
    GalleryIndexSnapshotContent content;
    ABIS_ASSIGN_OR_RETURN(std::uint64_t generation, ReadWord(*in));
    content.generation = static_cast<std::int64_t>(generation);
    ABIS_ASSIGN_OR_RETURN(std::int64_t floor, ErasureFloor());
    if (content.generation < floor) {
      return Status::DataLoss("snapshot of generation " + std::to_string(content.generation) +
                              " predates an erasure (generation " + std::to_string(floor) + ")");
    }
    ABIS_ASSIGN_OR_RETURN(content.skipped_templates, ReadWord(*in));
    if (format == kAnchoredFormat) {
      ABIS_ASSIGN_OR_RETURN(std::uint64_t audit_seq, ReadWord(*in));
      ABIS_ASSIGN_OR_RETURN(std::uint64_t audit_hash_size, ReadWord(*in));
      if (audit_seq == 0 || audit_seq > (std::uint64_t{1} << 62) || audit_hash_size > kMaxAuditHashBytes) {
        return Status::DataLoss("snapshot audit anchor out of range");
      }
      content.audit_seq = static_cast<std::int64_t>(audit_seq);
      content.audit_hash.resize(audit_hash_size);
      ABIS_RETURN_IF_ERROR(in->Read({reinterpret_cast<std::uint8_t*>(content.audit_hash.data()), audit_hash_size}));
    }
    ABIS_ASSIGN_OR_RETURN(std::uint64_t count, ReadWord(*in));
    if (count > (in->file()->size() - in->position()) / kMinTemplateBytes) {
      return Status::DataLoss("snapshot lists " + std::to_string(count) + " templates, more than its size holds");
    }
    content.templates.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      SnapshotTemplate item;
      ABIS_ASSIGN_OR_RETURN(std::uint64_t template_id, ReadWord(*in));
      ABIS_ASSIGN_OR_RETURN(std::uint64_t person_id, ReadWord(*in));
      ABIS_ASSIGN_OR_RETURN(std::uint64_t seal_size, ReadWord(*in));
      if (seal_size > kMaxSealIdBytes) return Status::DataLoss("snapshot seal id longer than 256 bytes");
      item.template_id = static_cast<std::int64_t>(template_id);
      item.person_id = static_cast<std::int64_t>(person_id);
      item.seal_id.resize(seal_size);
      ABIS_RETURN_IF_ERROR(in->Read({reinterpret_cast<std::uint8_t*>(item.seal_id.data()), seal_size}));
      content.templates.push_back(std::move(item));
    }
    StateReaderAdapter state(*in, loading);
    ABIS_RETURN_IF_ERROR(gallery.LoadState(state));
    ABIS_RETURN_IF_ERROR(in->ExpectEnd());
    if (gallery.size() != content.templates.size()) {
      return Status::DataLoss("snapshot lists " + std::to_string(content.templates.size()) + " templates, its index " +
                              std::to_string(gallery.size()));
    }
    return content;
  };
  Result<GalleryIndexSnapshotContent> content = read();
  if (content.ok() || content.status().code() != StatusCode::kDataLoss) return content;
  // Never trusted again: the index is rebuilt from the store (and its snapshot written anew).
  (void)Remove(key);
  return Status::DataLoss("snapshot " + file.filename().string() + " discarded: " + content.status().message());
}

Status GalleryIndexSnapshots::Remove(const GalleryIndexKey& key) const {
  ABIS_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Take(dir_));
  std::error_code error;
  std::filesystem::remove(FileOf(key), error);
  if (error) return Status::IoError("cannot delete snapshot " + FileOf(key).string() + ": " + error.message());
  SyncDirectory(dir_);
  return Status::Ok();
}

Result<std::string> GalleryIndexSnapshots::BeginErasure(std::int64_t generation) const {
  ABIS_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Take(dir_));
  ABIS_ASSIGN_OR_RETURN(std::int64_t floor, ErasureFloor());
  if (generation > floor) ABIS_RETURN_IF_ERROR(WriteFloorFile(dir_, generation));
  const std::string marker = ".erasing-" + std::to_string(::getpid()) + "-" + HexEncode(RandomBytes(6));
  const int fd = ::open((dir_ / marker).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create " + (dir_ / marker).string() + ": " + std::strerror(errno));
  ::close(fd);
  ABIS_RETURN_IF_ERROR(DeleteAllSnapshots(dir_).status());
  return marker;
}

Status GalleryIndexSnapshots::EndErasure(const std::string& marker, std::int64_t generation) const {
  ABIS_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Take(dir_));
  ABIS_ASSIGN_OR_RETURN(std::int64_t floor, ErasureFloor());
  if (generation > floor) ABIS_RETURN_IF_ERROR(WriteFloorFile(dir_, generation));
  ABIS_RETURN_IF_ERROR(DeleteAllSnapshots(dir_).status());
  if (!marker.empty()) {
    std::error_code error;
    std::filesystem::remove(dir_ / marker, error);
    if (error) return Status::IoError("cannot remove " + (dir_ / marker).string() + ": " + error.message());
    SyncDirectory(dir_);
  }
  return Status::Ok();
}

}  // namespace abis
