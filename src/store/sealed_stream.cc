#include "abis/store/sealed_stream.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace abis {
namespace {

using StreamState = crypto_secretstream_xchacha20poly1305_state;
constexpr std::string_view kMagic = "ABIS-SEALED-STREAM-1\n";
constexpr std::size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kTagBytes = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kMaxSealedChunk = SealedStreamWriter::kChunkBytes + kTagBytes;

static_assert(sizeof(StreamState) == 52 && alignof(StreamState) == 1,
              "the writer and reader keep libsodium's stream state in 52 plain bytes");

StreamState* AsState(std::array<std::uint8_t, 52>& bytes) { return reinterpret_cast<StreamState*>(bytes.data()); }

bool WriteAll(std::FILE* out, const void* data, std::size_t size) {
  return size == 0 || std::fwrite(data, 1, size, out) == size;
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

Result<std::unique_ptr<SealedStreamWriter>> SealedStreamWriter::Create(const std::filesystem::path& file,
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
  std::unique_ptr<SealedStreamWriter> writer(new SealedStreamWriter());
  writer->file_ = file;
  writer->out_ = ::fdopen(fd, "wb");
  if (writer->out_ == nullptr) {
    ::close(fd);
    return Status::IoError("cannot open sealed file " + file.string() + " for writing");
  }
  writer->associated_data_ = std::string(associated_data);
  std::array<std::uint8_t, kHeaderBytes> header{};
  crypto_secretstream_xchacha20poly1305_init_push(AsState(writer->state_), header.data(), key.data());
  if (!WriteAll(writer->out_, kMagic.data(), kMagic.size()) || !WriteAll(writer->out_, header.data(), header.size())) {
    return Status::IoError("cannot write sealed file " + file.string());
  }
  writer->buffer_.reserve(kChunkBytes);
  return writer;
}

SealedStreamWriter::~SealedStreamWriter() {
  if (out_ != nullptr) std::fclose(out_);
  sodium_memzero(state_.data(), state_.size());
}

Status SealedStreamWriter::PushChunk(bool final) {
  sealed_.resize(buffer_.size() + kTagBytes);
  unsigned long long sealed_size = 0;
  const auto* ad = reinterpret_cast<const unsigned char*>(associated_data_.data());
  crypto_secretstream_xchacha20poly1305_push(
      AsState(state_), sealed_.data(), &sealed_size, buffer_.data(), buffer_.size(), ad, associated_data_.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  associated_data_.clear();  // bound to the first chunk only
  const auto length = static_cast<std::uint32_t>(sealed_size);
  const std::array<std::uint8_t, 4> prefix{static_cast<std::uint8_t>(length), static_cast<std::uint8_t>(length >> 8),
                                           static_cast<std::uint8_t>(length >> 16),
                                           static_cast<std::uint8_t>(length >> 24)};
  if (!WriteAll(out_, prefix.data(), prefix.size()) || !WriteAll(out_, sealed_.data(), sealed_size)) {
    return Status::IoError("cannot write sealed file " + file_.string() + ": " + std::strerror(errno));
  }
  buffer_.clear();
  return Status::Ok();
}

Status SealedStreamWriter::Write(std::span<const std::uint8_t> bytes) {
  if (finished_ || out_ == nullptr) return Status::FailedPrecondition("sealed file " + file_.string() + " is finished");
  while (!bytes.empty()) {
    const std::size_t take = std::min(bytes.size(), kChunkBytes - buffer_.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    plaintext_bytes_ += take;
    if (buffer_.size() == kChunkBytes) ABIS_RETURN_IF_ERROR(PushChunk(false));
  }
  return Status::Ok();
}

Status SealedStreamWriter::Finish() {
  if (finished_ || out_ == nullptr) return Status::FailedPrecondition("sealed file " + file_.string() + " is finished");
  finished_ = true;
  ABIS_RETURN_IF_ERROR(PushChunk(true));
  const bool flushed = std::fflush(out_) == 0 && ::fsync(::fileno(out_)) == 0;
  const bool closed = std::fclose(out_) == 0;
  out_ = nullptr;
  if (!flushed || !closed) return Status::IoError("cannot flush sealed file " + file_.string());
  return Status::Ok();
}

// --- reader ---

Result<std::unique_ptr<SealedStreamReader>> SealedStreamReader::Open(const std::filesystem::path& file,
                                                                     const DerivedKey& key,
                                                                     std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::unique_ptr<SealedStreamReader> reader(new SealedStreamReader());
  reader->file_ = file;
  reader->in_ = std::fopen(file.c_str(), "rbe");
  if (reader->in_ == nullptr) {
    const int error = errno;
    std::string message = "cannot open sealed file " + file.string() + ": " + std::strerror(error);
    return error == ENOENT ? Status::NotFound(message) : Status::IoError(message);
  }
  std::array<char, kMagic.size()> magic{};
  std::array<std::uint8_t, kHeaderBytes> header{};
  if (std::fread(magic.data(), 1, magic.size(), reader->in_) != magic.size() ||
      std::string_view(magic.data(), magic.size()) != kMagic ||
      std::fread(header.data(), 1, header.size(), reader->in_) != header.size()) {
    return Status::DataLoss("sealed file " + file.string() + ": not a sealed stream, or cut short");
  }
  if (crypto_secretstream_xchacha20poly1305_init_pull(AsState(reader->state_), header.data(), key.data()) != 0) {
    return Status::DataLoss("sealed file " + file.string() + ": bad stream header");
  }
  reader->associated_data_ = std::string(associated_data);
  return reader;
}

SealedStreamReader::~SealedStreamReader() {
  if (in_ != nullptr) std::fclose(in_);
  sodium_memzero(state_.data(), state_.size());
  if (!buffer_.empty()) sodium_memzero(buffer_.data(), buffer_.size());
}

Status SealedStreamReader::PullChunk(std::span<std::uint8_t> direct, std::size_t* direct_bytes) {
  const std::string where = "sealed file " + file_.string();
  if (final_seen_) return Status::DataLoss(where + ": read past the end of the sealed content");
  std::array<std::uint8_t, 4> prefix{};
  if (std::fread(prefix.data(), 1, prefix.size(), in_) != prefix.size()) {
    return Status::DataLoss(where + ": cut short (no final chunk)");
  }
  const std::uint32_t length = prefix[0] | (prefix[1] << 8) | (prefix[2] << 16) | (std::uint32_t{prefix[3]} << 24);
  if (length < kTagBytes || length > kMaxSealedChunk) return Status::DataLoss(where + ": chunk length out of range");
  sealed_.resize(length);
  if (std::fread(sealed_.data(), 1, length, in_) != length) return Status::DataLoss(where + ": cut short in a chunk");
  // Opening straight into the caller's memory saves a copy of every byte of a large read.
  const bool into_direct = direct_bytes != nullptr && direct.size() >= length - kTagBytes;
  if (!into_direct) buffer_.resize(length - kTagBytes);
  unsigned char* plain = into_direct ? direct.data() : buffer_.data();
  unsigned long long plain_size = 0;
  unsigned char tag = 0;
  const auto* ad = first_chunk_ ? reinterpret_cast<const unsigned char*>(associated_data_.data()) : nullptr;
  const std::size_t ad_size = first_chunk_ ? associated_data_.size() : 0;
  if (crypto_secretstream_xchacha20poly1305_pull(AsState(state_), plain, &plain_size, &tag, sealed_.data(), length, ad,
                                                 ad_size) != 0) {
    return Status::DataLoss(where +
                            ": a chunk fails authentication (tampered, reordered, another key or "
                            "another index)");
  }
  first_chunk_ = false;
  if (into_direct) {
    *direct_bytes = plain_size;
    sodium_memzero(buffer_.data(), buffer_.size());  // the previous chunk's plaintext, read already
    buffer_.clear();
  } else {
    buffer_.resize(plain_size);
  }
  position_ = 0;
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) final_seen_ = true;
  return Status::Ok();
}

Status SealedStreamReader::Read(std::span<std::uint8_t> bytes) {
  while (!bytes.empty()) {
    if (position_ == buffer_.size()) {
      std::size_t direct_bytes = 0;
      ABIS_RETURN_IF_ERROR(PullChunk(bytes, &direct_bytes));
      bytes = bytes.subspan(direct_bytes);
      continue;
    }
    const std::size_t take = std::min(bytes.size(), buffer_.size() - position_);
    std::memcpy(bytes.data(), buffer_.data() + position_, take);
    position_ += take;
    bytes = bytes.subspan(take);
  }
  return Status::Ok();
}

Status SealedStreamReader::ExpectEnd() {
  const std::string where = "sealed file " + file_.string();
  // The final chunk may be empty: pull it when the content ended exactly at a chunk boundary.
  if (position_ == buffer_.size() && !final_seen_) ABIS_RETURN_IF_ERROR(PullChunk());
  if (position_ != buffer_.size() || !final_seen_) return Status::DataLoss(where + ": content longer than expected");
  if (std::fgetc(in_) != EOF) return Status::DataLoss(where + ": bytes after the final chunk");
  return Status::Ok();
}

}  // namespace abis
