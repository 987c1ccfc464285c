#include "abis/store/sealed_pages.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "abis/core/search_executor.h"

namespace abis {
namespace {

constexpr std::string_view kMagic = "ABIS-SEALED-PAGES-1\n";
constexpr std::size_t kIdBytes = 16;
constexpr std::size_t kHeaderBytes = kMagic.size() + kIdBytes;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kPage = SealedPageWriter::kPageBytes;
constexpr std::uint64_t kStride = kPage + kTagBytes;
// Pages read with one preadv call (two vectors each, within IOV_MAX) and opened in parallel when
// there are at least kParallelPages of them.
constexpr std::size_t kBatchPages = 256;
constexpr std::size_t kParallelPages = 32;

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kIdBytes + 8, "nonce: file id and page number");
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == sizeof(DerivedKey));

using Nonce = std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>;

void PutLittleEndian(std::uint64_t value, std::uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

Nonce NonceOf(const std::array<std::uint8_t, kIdBytes>& file_id, std::uint64_t page) {
  Nonce nonce{};
  std::memcpy(nonce.data(), file_id.data(), kIdBytes);
  PutLittleEndian(page, nonce.data() + kIdBytes);
  return nonce;
}

// The associated data of `page`: the caller's, the file id, the page number and, for the last page,
// the plaintext size plus one (0 on every other page).
std::vector<std::uint8_t> PageAssociatedData(const std::string& associated_data,
                                             const std::array<std::uint8_t, kIdBytes>& file_id, std::uint64_t page,
                                             std::uint64_t last_marker) {
  std::vector<std::uint8_t> ad(associated_data.size() + kIdBytes + 16);
  std::memcpy(ad.data(), associated_data.data(), associated_data.size());
  std::memcpy(ad.data() + associated_data.size(), file_id.data(), kIdBytes);
  PutLittleEndian(page, ad.data() + associated_data.size() + kIdBytes);
  PutLittleEndian(last_marker, ad.data() + associated_data.size() + kIdBytes + 8);
  return ad;
}

bool WriteAll(std::FILE* out, const void* data, std::size_t size) {
  return size == 0 || std::fwrite(data, 1, size, out) == size;
}

// preadv until every vector is filled: false on an error, or on the end of the file (with errno 0:
// a file cut short since it was opened).
bool ReadVectors(int fd, iovec* vectors, int count, std::uint64_t offset) {
  while (count > 0) {
    const ssize_t got = ::preadv(fd, vectors, count, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got == 0) errno = 0;
    if (got <= 0) return false;
    offset += static_cast<std::uint64_t>(got);
    auto left = static_cast<std::size_t>(got);
    while (count > 0 && left >= vectors->iov_len) {
      left -= vectors->iov_len;
      ++vectors;
      --count;
    }
    if (count > 0) {
      vectors->iov_base = static_cast<std::uint8_t*>(vectors->iov_base) + left;
      vectors->iov_len -= left;
    }
  }
  return true;
}

}  // namespace

DerivedKey DeriveKey(const MasterKey& master, std::string_view context, std::uint64_t subkey_id) {
  InitCrypto().ok();
  std::array<char, crypto_kdf_CONTEXTBYTES> ctx{};
  std::memcpy(ctx.data(), context.data(), std::min(context.size(), ctx.size()));
  DerivedKey key{};
  crypto_kdf_derive_from_key(key.data(), key.size(), subkey_id, ctx.data(), master.bytes().data());
  return key;
}

// --- writer ---

Result<std::unique_ptr<SealedPageWriter>> SealedPageWriter::Create(const std::filesystem::path& file,
                                                                   const DerivedKey& key,
                                                                   std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    std::string message = "cannot create sealed file " + file.string() + ": " + std::strerror(error);
    return error == EEXIST ? Status::AlreadyExists(message) : Status::IoError(message);
  }
  ::fchmod(fd, 0600);
  std::unique_ptr<SealedPageWriter> writer(new SealedPageWriter());
  writer->file_ = file;
  writer->out_ = ::fdopen(fd, "wb");
  if (writer->out_ == nullptr) {
    ::close(fd);
    return Status::IoError("cannot open sealed file " + file.string() + " for writing");
  }
  writer->key_ = key;
  randombytes_buf(writer->file_id_.data(), writer->file_id_.size());
  writer->associated_data_ = std::string(associated_data);
  if (!WriteAll(writer->out_, kMagic.data(), kMagic.size()) ||
      !WriteAll(writer->out_, writer->file_id_.data(), writer->file_id_.size())) {
    return Status::IoError("cannot write sealed file " + file.string());
  }
  writer->page_.reserve(kPage);
  return writer;
}

SealedPageWriter::~SealedPageWriter() {
  if (out_ != nullptr) std::fclose(out_);
  sodium_memzero(key_.data(), key_.size());
  if (!page_.empty()) sodium_memzero(page_.data(), page_.size());
}

Status SealedPageWriter::SealPage(bool last) {
  const Nonce nonce = NonceOf(file_id_, pages_);
  const std::vector<std::uint8_t> ad =
      PageAssociatedData(associated_data_, file_id_, pages_, last ? plaintext_bytes_ + 1 : 0);
  std::array<std::uint8_t, kTagBytes> tag{};
  // Encrypted in place: the buffer then holds ciphertext only.
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(page_.data(), tag.data(), nullptr, page_.data(), page_.size(),
                                                      ad.data(), ad.size(), nullptr, nonce.data(), key_.data());
  if (!WriteAll(out_, page_.data(), page_.size()) || !WriteAll(out_, tag.data(), tag.size())) {
    return Status::IoError("cannot write sealed file " + file_.string() + ": " + std::strerror(errno));
  }
  page_.clear();
  ++pages_;
  return Status::Ok();
}

Status SealedPageWriter::Write(std::span<const std::uint8_t> bytes) {
  if (finished_ || out_ == nullptr) return Status::FailedPrecondition("sealed file " + file_.string() + " is finished");
  while (!bytes.empty()) {
    if (page_.size() == kPage) ABIS_RETURN_IF_ERROR(SealPage(false));
    const std::size_t take = std::min(bytes.size(), kPage - page_.size());
    page_.insert(page_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    plaintext_bytes_ += take;
  }
  return Status::Ok();
}

Status SealedPageWriter::Finish() {
  if (finished_ || out_ == nullptr) return Status::FailedPrecondition("sealed file " + file_.string() + " is finished");
  finished_ = true;
  // A full buffer is sealed as an ordinary page: the last page is never a full one.
  if (page_.size() == kPage) ABIS_RETURN_IF_ERROR(SealPage(false));
  ABIS_RETURN_IF_ERROR(SealPage(true));
  const bool flushed = std::fflush(out_) == 0 && ::fsync(::fileno(out_)) == 0;
  const bool closed = std::fclose(out_) == 0;
  out_ = nullptr;
  if (!flushed || !closed) return Status::IoError("cannot flush sealed file " + file_.string());
  return Status::Ok();
}

// --- reader ---

SealedPageFile::Cache::~Cache() {
  if (!plain_.empty()) sodium_memzero(plain_.data(), plain_.size());
}

Result<std::shared_ptr<const SealedPageFile>> SealedPageFile::Open(const std::filesystem::path& file,
                                                                   const DerivedKey& key,
                                                                   std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::shared_ptr<SealedPageFile> reader(new SealedPageFile());
  reader->file_ = file;
  reader->fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader->fd_ < 0) {
    const int error = errno;
    std::string message = "cannot open sealed file " + file.string() + ": " + std::strerror(error);
    return error == ENOENT ? Status::NotFound(message) : Status::IoError(message);
  }
  struct stat info {};
  if (::fstat(reader->fd_, &info) != 0) return Status::IoError("cannot stat sealed file " + file.string());
  const std::string where = "sealed file " + file.string();
  std::array<char, kMagic.size()> magic{};
  iovec header[] = {{magic.data(), magic.size()}, {reader->file_id_.data(), reader->file_id_.size()}};
  if (static_cast<std::uint64_t>(info.st_size) < kHeaderBytes + kTagBytes || !ReadVectors(reader->fd_, header, 2, 0) ||
      std::string_view(magic.data(), magic.size()) != kMagic) {
    return Status::DataLoss(where + ": not a sealed page file, or cut short");
  }
  const std::uint64_t body = static_cast<std::uint64_t>(info.st_size) - kHeaderBytes;
  reader->pages_ = (body + kStride - 1) / kStride;
  const std::uint64_t last_sealed = body - (reader->pages_ - 1) * kStride;
  if (last_sealed < kTagBytes) return Status::DataLoss(where + ": cut short in a page");
  reader->plaintext_bytes_ = (reader->pages_ - 1) * kPage + (last_sealed - kTagBytes);
  reader->key_ = key;
  reader->associated_data_ = std::string(associated_data);
  // The last page names the plaintext size: a file cut or extended fails here.
  Cache cache;
  ABIS_RETURN_IF_ERROR(reader->OpenPageInto(reader->pages_ - 1, cache));
  return std::shared_ptr<const SealedPageFile>(std::move(reader));
}

SealedPageFile::~SealedPageFile() {
  if (fd_ >= 0) ::close(fd_);
  sodium_memzero(key_.data(), key_.size());
}

std::uint64_t SealedPageFile::PagePlainBytes(std::uint64_t page) const {
  return page + 1 < pages_ ? kPage : plaintext_bytes_ - (pages_ - 1) * kPage;
}

Status SealedPageFile::OpenPageInto(std::uint64_t page, Cache& cache) const {
  if (cache.page_ == page) return Status::Ok();
  cache.page_ = ~std::uint64_t{0};
  cache.plain_.resize(kPage);
  ABIS_RETURN_IF_ERROR(OpenPages(page, 1, cache.plain_.data()));
  cache.page_ = page;
  return Status::Ok();
}

// Reads pages [first, first + count) and opens each in place at into + (page - first) * kPage.
Status SealedPageFile::OpenPages(std::uint64_t first, std::uint64_t count, std::uint8_t* into) const {
  std::vector<std::array<std::uint8_t, kTagBytes>> tags(std::min<std::uint64_t>(count, kBatchPages));
  std::vector<iovec> vectors(2 * tags.size());
  for (std::uint64_t done = 0; done < count; done += tags.size()) {
    const std::size_t batch = static_cast<std::size_t>(std::min<std::uint64_t>(tags.size(), count - done));
    for (std::size_t i = 0; i < batch; ++i) {
      vectors[2 * i] = {into + (done + i) * kPage, static_cast<std::size_t>(PagePlainBytes(first + done + i))};
      vectors[2 * i + 1] = {tags[i].data(), kTagBytes};
    }
    if (!ReadVectors(fd_, vectors.data(), static_cast<int>(2 * batch), kHeaderBytes + (first + done) * kStride)) {
      if (errno == 0) return Status::DataLoss("sealed file " + file_.string() + ": cut short since it was opened");
      return Status::IoError("cannot read sealed file " + file_.string() + ": " + std::strerror(errno));
    }
    std::atomic<bool> failed{false};
    auto open_pages = [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::uint64_t page = first + done + i;
        const std::uint64_t plain = PagePlainBytes(page);
        const Nonce nonce = NonceOf(file_id_, page);
        const std::vector<std::uint8_t> ad =
            PageAssociatedData(associated_data_, file_id_, page, page + 1 == pages_ ? plaintext_bytes_ + 1 : 0);
        std::uint8_t* text = into + (done + i) * kPage;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(text, nullptr, text, plain, tags[i].data(), ad.data(),
                                                                ad.size(), nonce.data(), key_.data()) != 0) {
          failed = true;
        }
      }
    };
    if (batch >= kParallelPages) {
      SearchExecutor& executor = SearchExecutor::Shared();
      const std::size_t slices = std::min(executor.concurrency(), batch);
      executor.ParallelFor(slices, [&](std::size_t slice) {
        open_pages(SearchExecutor::SliceBegin(batch, slices, slice),
                   SearchExecutor::SliceBegin(batch, slices, slice + 1));
      });
    } else {
      open_pages(0, batch);
    }
    if (failed) {
      sodium_memzero(into, static_cast<std::size_t>(count * kPage - (kPage - PagePlainBytes(first + count - 1))));
      return Status::DataLoss("sealed file " + file_.string() +
                              ": a page fails authentication (tampered, moved, another key or another index)");
    }
  }
  return Status::Ok();
}

Status SealedPageFile::ReadAt(std::uint64_t offset, std::span<std::uint8_t> bytes, Cache* cache) const {
  if (offset > plaintext_bytes_ || bytes.size() > plaintext_bytes_ - offset) {
    return Status::DataLoss("sealed file " + file_.string() + ": read of " + std::to_string(bytes.size()) +
                            " bytes at " + std::to_string(offset) + " passes its end (" +
                            std::to_string(plaintext_bytes_) + " bytes)");
  }
  Cache local;
  Cache& pages = cache != nullptr ? *cache : local;
  std::span<std::uint8_t> left = bytes;
  while (!left.empty()) {
    const std::uint64_t page = offset / kPage;
    const std::size_t in_page = static_cast<std::size_t>(offset % kPage);
    Status status;
    std::size_t taken = 0;
    if (in_page == 0 && left.size() >= PagePlainBytes(page) && pages.page_ != page) {
      // Whole pages: opened straight into the caller's memory.
      std::uint64_t count = std::min<std::uint64_t>(left.size() / kPage, pages_ - page);
      if (count == 0 || (page + count + 1 == pages_ && left.size() - count * kPage >= PagePlainBytes(pages_ - 1))) {
        ++count;  // the last, shorter page too
      }
      status = OpenPages(page, count, left.data());
      taken = static_cast<std::size_t>((count - 1) * kPage + PagePlainBytes(page + count - 1));
    } else {
      status = OpenPageInto(page, pages);
      if (status.ok()) {
        taken = std::min(left.size(), static_cast<std::size_t>(PagePlainBytes(page)) - in_page);
        std::memcpy(left.data(), pages.plain_.data() + in_page, taken);
      }
    }
    if (!status.ok()) {
      sodium_memzero(bytes.data(), bytes.size());
      return status;
    }
    left = left.subspan(taken);
    offset += taken;
  }
  return Status::Ok();
}

// --- cursor ---

Status SealedPageCursor::Read(std::span<std::uint8_t> bytes) {
  ABIS_RETURN_IF_ERROR(file_->ReadAt(position_, bytes, &cache_));
  position_ += bytes.size();
  return Status::Ok();
}

Status SealedPageCursor::Skip(std::uint64_t bytes) {
  if (bytes > file_->size() - position_) {
    return Status::DataLoss("sealed file " + file_->path().string() + ": content shorter than expected");
  }
  position_ += bytes;
  return Status::Ok();
}

Status SealedPageCursor::ExpectEnd() const {
  if (position_ != file_->size()) {
    return Status::DataLoss("sealed file " + file_->path().string() + ": content longer than expected");
  }
  return Status::Ok();
}

}  // namespace abis
