// Sealed files of derived data (gallery index snapshots): a byte stream encrypted and
// authenticated chunk by chunk (libsodium secretstream, XChaCha20-Poly1305) under a key derived
// from the master key for one purpose (DeriveKey), so a file may be far larger than memory.
// A file cut short, with chunks reordered, removed or altered, sealed under another key or bound
// to other associated data fails to read (kDataLoss): it never yields partial content silently.
// File layout: "ABIS-SEALED-STREAM-1\n", the 24-byte stream header, then chunks, each a 32-bit
// little-endian ciphertext length and the ciphertext; the last chunk carries the final tag.
// Thread-safety: a writer or reader is used by one thread at a time.
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

class SealedStreamWriter {
 public:
  // Plaintext bytes per chunk.
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  // Creates `file` (mode 0600; an existing file is kAlreadyExists) and writes the header.
  // `associated_data` is bound to the first chunk: reading with other associated data fails.
  static Result<std::unique_ptr<SealedStreamWriter>> Create(const std::filesystem::path& file, const DerivedKey& key,
                                                            std::string_view associated_data);
  ~SealedStreamWriter();  // closes the file; a file not finished stays unreadable (no final tag)
  SealedStreamWriter(const SealedStreamWriter&) = delete;
  SealedStreamWriter& operator=(const SealedStreamWriter&) = delete;

  Status Write(std::span<const std::uint8_t> bytes);
  // Seals what is buffered as the final chunk, flushes and fsyncs the file, closes it.
  Status Finish();
  std::uint64_t bytes_written() const { return plaintext_bytes_; }

 private:
  SealedStreamWriter() = default;
  Status PushChunk(bool final);
  std::filesystem::path file_;
  std::FILE* out_ = nullptr;
  std::array<std::uint8_t, 52> state_{};  // crypto_secretstream_xchacha20poly1305_state
  std::string associated_data_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> sealed_;
  std::uint64_t plaintext_bytes_ = 0;
  bool finished_ = false;
};

class SealedStreamReader {
 public:
  // Opens `file` and checks its header; a missing file is kNotFound, anything else wrong kDataLoss.
  static Result<std::unique_ptr<SealedStreamReader>> Open(const std::filesystem::path& file, const DerivedKey& key,
                                                          std::string_view associated_data);
  ~SealedStreamReader();
  SealedStreamReader(const SealedStreamReader&) = delete;
  SealedStreamReader& operator=(const SealedStreamReader&) = delete;

  // Exactly bytes.size() bytes of plaintext; kDataLoss when the stream ends first or is damaged.
  Status Read(std::span<std::uint8_t> bytes);
  // Succeeds only when every byte has been read, the final chunk was authenticated and nothing
  // follows it in the file.
  Status ExpectEnd();

 private:
  SealedStreamReader() = default;
  // Reads and opens the next chunk: into `direct` when its plaintext fits there whole (then
  // `*direct_bytes` is its size and the buffer stays empty), else into the buffer.
  Status PullChunk(std::span<std::uint8_t> direct = {}, std::size_t* direct_bytes = nullptr);
  std::filesystem::path file_;
  std::FILE* in_ = nullptr;
  std::array<std::uint8_t, 52> state_{};
  std::string associated_data_;
  std::vector<std::uint8_t> buffer_;
  std::size_t position_ = 0;
  std::vector<std::uint8_t> sealed_;
  bool first_chunk_ = true;
  bool final_seen_ = false;
};

}  // namespace abis
