#include "abis/store/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace abis {
namespace {

constexpr std::string_view kKeyFileHeader = "abis-master-key-v1\n";
constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kDataKeySize = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
static_assert(kDataKeySize == MasterKey::kSize);

// Nonce-prefixed AEAD encryption.
std::vector<std::uint8_t> EncryptWithKey(const std::uint8_t* key, std::span<const std::uint8_t> plaintext,
                                         std::string_view associated_data) {
  std::vector<std::uint8_t> out(kNonceSize + plaintext.size() + kTagSize);
  randombytes_buf(out.data(), kNonceSize);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kNonceSize, &written, plaintext.data(), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(), nullptr,
      out.data(), key);
  out.resize(kNonceSize + written);
  return out;
}

Result<std::vector<std::uint8_t>> DecryptWithKey(const std::uint8_t* key, std::span<const std::uint8_t> sealed,
                                                 std::string_view associated_data, std::string_view what) {
  if (sealed.size() < kNonceSize + kTagSize) {
    return Status::DataLoss(std::string(what) + " is truncated (" + std::to_string(sealed.size()) + " bytes)");
  }
  std::vector<std::uint8_t> plaintext(sealed.size() - kNonceSize - kTagSize);
  unsigned long long written = 0;
  int code = crypto_aead_xchacha20poly1305_ietf_decrypt(
      plaintext.data(), &written, nullptr, sealed.data() + kNonceSize, sealed.size() - kNonceSize,
      reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(), sealed.data(), key);
  if (code != 0) {
    return Status::DataLoss(std::string(what) + " failed authentication (tampered, wrong key or wrong record)");
  }
  plaintext.resize(written);
  return plaintext;
}

}  // namespace

Status InitCrypto() {
  static const int result = sodium_init();
  if (result < 0) return Status::Internal("libsodium failed to initialise");
  return Status::Ok();
}

MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

MasterKey MasterKey::FromBytes(const std::array<std::uint8_t, kSize>& bytes) {
  MasterKey key;
  key.key_ = bytes;
  return key;
}

Result<MasterKey> MasterKey::CreateFile(const std::filesystem::path& file) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  MasterKey key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.key_.data());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IoError("cannot create key file " + file.string() + ": " + std::strerror(errno));
  }
  std::string content(kKeyFileHeader);
  content += HexEncode(key.key_);
  content += '\n';
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  sodium_memzero(content.data(), content.size());
  if (!ok) return Status::IoError("cannot write key file " + file.string());
  return key;
}

Result<MasterKey> MasterKey::LoadFile(const std::filesystem::path& file) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return Status::NotFound("key file " + file.string() + ": " + std::strerror(errno));
  }
  if ((info.st_mode & 077) != 0) {
    return Status::FailedPrecondition("key file " + file.string() +
                                      " is readable by group or others; chmod 600 it");
  }
  std::ifstream in(file, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (content.rfind(kKeyFileHeader, 0) != 0) {
    return Status::DataLoss("key file " + file.string() + " is not an abis master key (bad header)");
  }
  std::string hex = content.substr(kKeyFileHeader.size());
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  MasterKey key;
  std::size_t decoded = 0;
  if (hex.size() != 2 * kSize ||
      sodium_hex2bin(key.key_.data(), key.key_.size(), hex.data(), hex.size(), nullptr, &decoded, nullptr) != 0 ||
      decoded != kSize) {
    return Status::DataLoss("key file " + file.string() + " does not hold a 256-bit hex key");
  }
  sodium_memzero(content.data(), content.size());
  sodium_memzero(hex.data(), hex.size());
  return key;
}

Result<SealedRecord> Seal(const MasterKey& master, std::span<const std::uint8_t> plaintext,
                          std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::array<std::uint8_t, kDataKeySize> data_key{};
  crypto_aead_xchacha20poly1305_ietf_keygen(data_key.data());
  SealedRecord record;
  record.ciphertext = EncryptWithKey(data_key.data(), plaintext, associated_data);
  record.wrapped_key = EncryptWithKey(master.bytes().data(), data_key, associated_data);
  sodium_memzero(data_key.data(), data_key.size());
  return record;
}

Result<std::vector<std::uint8_t>> Unseal(const MasterKey& master, const SealedRecord& record,
                                         std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  auto data_key = DecryptWithKey(master.bytes().data(), record.wrapped_key, associated_data, "wrapped data key");
  if (!data_key.ok()) return data_key.status();
  if (data_key->size() != kDataKeySize) return Status::DataLoss("wrapped data key has the wrong size");
  auto plaintext = DecryptWithKey(data_key->data(), record.ciphertext, associated_data, "sealed record");
  sodium_memzero(data_key->data(), data_key->size());
  return plaintext;
}

std::string Sha256Hex(std::span<const std::uint8_t> bytes) {
  InitCrypto().ok();
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
  return HexEncode(digest);
}

std::string Sha256Hex(std::string_view text) {
  return Sha256Hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string HexEncode(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

std::vector<std::uint8_t> RandomBytes(std::size_t count) {
  InitCrypto().ok();
  std::vector<std::uint8_t> out(count);
  randombytes_buf(out.data(), count);
  return out;
}

}  // namespace abis
