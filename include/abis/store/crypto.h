// Encryption at rest (libsodium). Every sealed record has its own random 256-bit data key; the
// record is encrypted with XChaCha20-Poly1305 (IETF AEAD) under the data key, and the data key is
// wrapped (encrypted with the same AEAD) under the store's master key. Deleting the wrapped key
// and the ciphertext erases the record (crypto-erase).
// Thread-safety: MasterKey is immutable; all functions are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

// Initialises libsodium once; every function below calls it. Fails only if libsodium cannot start.
Status InitCrypto();

class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;
  // Creates a new random key file (mode 0600, refused when the file exists).
  static Result<MasterKey> CreateFile(const std::filesystem::path& file);
  // Loads a key file written by CreateFile; a wrong size, format or a file readable by others
  // (group/other permission bits) is an error.
  static Result<MasterKey> LoadFile(const std::filesystem::path& file);
  // For tests: a key from raw bytes.
  static MasterKey FromBytes(const std::array<std::uint8_t, kSize>& bytes);
  ~MasterKey();
  MasterKey(const MasterKey& other) = default;
  MasterKey& operator=(const MasterKey& other) = default;

  const std::array<std::uint8_t, kSize>& bytes() const { return key_; }

 private:
  MasterKey() = default;
  std::array<std::uint8_t, kSize> key_{};
};

// A record as stored: the wrapped data key and the ciphertext, each nonce-prefixed.
struct SealedRecord {
  std::vector<std::uint8_t> wrapped_key;
  std::vector<std::uint8_t> ciphertext;
};

// Encrypts `plaintext` under a fresh data key. `associated_data` binds the ciphertext to its
// context (record kind, owner id): opening with different associated data fails.
Result<SealedRecord> Seal(const MasterKey& master, std::span<const std::uint8_t> plaintext,
                          std::string_view associated_data);
// Decrypts; any tampering, wrong key or wrong associated data is kDataLoss.
Result<std::vector<std::uint8_t>> Unseal(const MasterKey& master, const SealedRecord& record,
                                         std::string_view associated_data);

// SHA-256 of the bytes as 64 lower-case hex characters.
std::string Sha256Hex(std::span<const std::uint8_t> bytes);
std::string Sha256Hex(std::string_view text);
// Lower-case hex of bytes.
std::string HexEncode(std::span<const std::uint8_t> bytes);
// `count` random bytes from libsodium's CSPRNG.
std::vector<std::uint8_t> RandomBytes(std::size_t count);

}  // namespace abis
