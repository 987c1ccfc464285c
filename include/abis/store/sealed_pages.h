// Sealed files of derived data (gallery index snapshots): written once from start to end, then
// read at any offset, by any number of threads, without decrypting what is not read. The
// plaintext is cut into pages of kPageBytes, each encrypted and authenticated on its own (libsodium
// XChaCha20-Poly1305 IETF) under a key derived from the master key for one purpose (DeriveKey).
// A page's nonce is the file's random 16-byte id and the page number; its associated data binds
// the caller's associated data, the file id, the page number and, for the last page, the plaintext
// size. So a page altered, moved, or taken from another file fails to open, and a file cut short
// or extended fails at Open (its last page no longer authenticates): kDataLoss, never partial
// content silently.
// File layout: "ABIS-SEALED-PAGES-1\n" (20 bytes), the file id (16 bytes), then the pages, each its
// ciphertext (kPageBytes; the last one shorter, possibly empty) followed by its 16-byte tag.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/store/crypto.h"

namespace abis {

using DerivedKey = std::array<std::uint8_t, 32>;

// A subkey of the master key for one purpose (libsodium crypto_kdf): `context` is exactly 8
// characters naming the purpose, `subkey_id` tells keys of one purpose apart.
DerivedKey DeriveKey(const MasterKey& master, std::string_view context, std::uint64_t subkey_id);

// Thread-safety: a writer is used by one thread at a time.
class SealedPageWriter {
 public:
  // Plaintext bytes per page.
  static constexpr std::size_t kPageBytes = std::size_t{16} << 10;
  // Creates `file` (mode 0600; an existing file is kAlreadyExists) and writes the header.
  static Result<std::unique_ptr<SealedPageWriter>> Create(const std::filesystem::path& file, const DerivedKey& key,
                                                          std::string_view associated_data);
  ~SealedPageWriter();  // closes the file; a file not finished has no last page and never opens
  SealedPageWriter(const SealedPageWriter&) = delete;
  SealedPageWriter& operator=(const SealedPageWriter&) = delete;

  Status Write(std::span<const std::uint8_t> bytes);
  // Seals what is buffered as the last page (empty when the content ended on a page boundary),
  // flushes and fsyncs the file, closes it.
  Status Finish();
  std::uint64_t bytes_written() const { return plaintext_bytes_; }

 private:
  SealedPageWriter() = default;
  Status SealPage(bool last);
  std::filesystem::path file_;
  std::FILE* out_ = nullptr;
  DerivedKey key_{};
  std::array<std::uint8_t, 16> file_id_{};
  std::string associated_data_;
  std::vector<std::uint8_t> page_;
  std::uint64_t pages_ = 0;
  std::uint64_t plaintext_bytes_ = 0;
  bool finished_ = false;
};

// Thread-safety: ReadAt may be called from any number of threads at once (each with its own cache).
class SealedPageFile {
 public:
  // The last page opened by a series of reads, kept so that small reads in a row open it once.
  // Its plaintext is wiped when it is replaced or destroyed.
  class Cache {
   public:
    Cache() = default;
    ~Cache();
    Cache(const Cache&) = delete;
    Cache& operator=(const Cache&) = delete;

   private:
    friend class SealedPageFile;
    std::uint64_t page_ = ~std::uint64_t{0};
    std::vector<std::uint8_t> plain_;
  };

  // Opens `file`, checks its header and authenticates its last page (so its size). A missing file
  // is kNotFound, anything else wrong kDataLoss. The file stays open while the object lives.
  static Result<std::shared_ptr<const SealedPageFile>> Open(const std::filesystem::path& file, const DerivedKey& key,
                                                            std::string_view associated_data);
  ~SealedPageFile();
  SealedPageFile(const SealedPageFile&) = delete;
  SealedPageFile& operator=(const SealedPageFile&) = delete;

  // Plaintext bytes in the file.
  std::uint64_t size() const { return plaintext_bytes_; }
  const std::filesystem::path& path() const { return file_; }
  // Exactly bytes.size() bytes of plaintext from `offset`: pages wholly inside `bytes` are opened
  // straight into it, others through `cache` (a local one when null). kDataLoss when the range
  // passes the end or a page fails authentication, kIoError when the file cannot be read; `bytes`
  // is then wiped.
  Status ReadAt(std::uint64_t offset, std::span<std::uint8_t> bytes, Cache* cache = nullptr) const;

 private:
  SealedPageFile() = default;
  Status OpenPages(std::uint64_t first, std::uint64_t count, std::uint8_t* into) const;
  Status OpenPageInto(std::uint64_t page, Cache& cache) const;
  std::uint64_t PagePlainBytes(std::uint64_t page) const;
  std::filesystem::path file_;
  int fd_ = -1;
  DerivedKey key_{};
  std::array<std::uint8_t, 16> file_id_{};
  std::string associated_data_;
  std::uint64_t pages_ = 0;
  std::uint64_t plaintext_bytes_ = 0;
};

// Reads a sealed page file from start to end, as a stream.
// Thread-safety: one thread at a time.
class SealedPageCursor {
 public:
  explicit SealedPageCursor(std::shared_ptr<const SealedPageFile> file) : file_(std::move(file)) {}
  // Exactly bytes.size() bytes from the current position; kDataLoss past the end.
  Status Read(std::span<std::uint8_t> bytes);
  // Moves past `bytes` bytes without opening them; kDataLoss past the end.
  Status Skip(std::uint64_t bytes);
  std::uint64_t position() const { return position_; }
  // Succeeds only when every byte has been read or skipped.
  Status ExpectEnd() const;
  const std::shared_ptr<const SealedPageFile>& file() const { return file_; }

 private:
  std::shared_ptr<const SealedPageFile> file_;
  std::uint64_t position_ = 0;
  SealedPageFile::Cache cache_;
};

}  // namespace abis
