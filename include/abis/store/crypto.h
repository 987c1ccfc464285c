// Encryption at rest (libsodium). Every sealed record has its own random 256-bit data key; the
// record is encrypted with XChaCha20-Poly1305 (IETF AEAD) under the data key, and the data key is
// wrapped (encrypted with the same AEAD) under the store's master key. Deleting the wrapped key
// and the ciphertext erases the record (crypto-erase).
// Thread-safety: MasterKey is immutable; all functions are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis {

// Initialises libsodium once; every function below calls it. Fails only if libsodium cannot start.
Status InitCrypto();

// Reads a secret file (a key, a passphrase) of at most `max_bytes`. Refused before reading, with
// kFailedPrecondition naming the file, its mode and the fix (`chmod 600`): a file that group or
// others may read or write (any 077 permission bit). `what` names the file in errors.
Result<std::string> ReadOwnerOnlyFile(const std::filesystem::path& file, std::string_view what,
                                      std::size_t max_bytes = 4096);
// Creates `file` with mode 0600 holding `content`, synced to disk. An existing file is never
// overwritten (kAlreadyExists).
Status CreateOwnerOnlyFile(const std::filesystem::path& file, std::string_view content, std::string_view what);

// Overwrites a secret's bytes in a way the compiler does not optimise away.
void WipeSecret(std::string& secret);

// Cost of the Argon2id derivation (libsodium crypto_pwhash) of the key that wraps a
// passphrase-protected master key file. Stored in the file, so a file keeps its own cost.
struct PassphraseKdfLimits {
  std::uint64_t opslimit = 0;
  std::size_t memlimit = 0;  // bytes
  // libsodium's MODERATE: 3 passes over 256 MiB, about a second: what `abis init` uses.
  static PassphraseKdfLimits Moderate();
  // libsodium's minimum (1 pass, 8 KiB): for tests only, it protects nothing.
  static PassphraseKdfLimits MinimumForTests();
};

// The store's master key (docs/STORE_SCHEMA.md "The master key"). Key file versions:
//   1  "abis-master-key-v1" and the key in hex: protected by the file mode only;
//   2  "abis-master-key-v2": the key sealed (XChaCha20-Poly1305) under a key derived from a
//      passphrase with Argon2id; the salt and limits are in the file.
class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;
  // Creates a new random key and writes it to `file` (see WriteFile).
  static Result<MasterKey> CreateFile(const std::filesystem::path& file, std::string_view passphrase = {},
                                      PassphraseKdfLimits limits = PassphraseKdfLimits::Moderate());
  // Loads a version 1 or 2 key file. A file group or others may read or write is refused
  // (kFailedPrecondition, as ReadOwnerOnlyFile). Version 2 needs `passphrase` (empty:
  // kFailedPrecondition naming ABIS_KEY_PASSPHRASE_FILE; wrong: kPermissionDenied); version 1
  // ignores it. A malformed file is kDataLoss. A version 2 file is derived once per process
  // (the result is kept for the same file content and passphrase).
  static Result<MasterKey> LoadFile(const std::filesystem::path& file, std::string_view passphrase = {});
  // The Argon2id cost a version 2 key file was written with (nullopt for version 1), so that a
  // rotated key file keeps it. A malformed file is kDataLoss.
  static Result<std::optional<PassphraseKdfLimits>> FileKdfLimits(const std::filesystem::path& file);
  // The key from a key service: runs `command` with /bin/sh -c (stdin /dev/null, stderr
  // inherited, at most 30 s) and reads 64 hex characters from its standard output (surrounding
  // white space ignored). A failing, silent or slow command is kFailedPrecondition; the output
  // never appears in an error.
  static Result<MasterKey> FromCommand(const std::string& command);
  // A key from 64 hex characters (surrounding white space ignored); `source` names it in errors.
  static Result<MasterKey> FromHex(std::string_view hex, std::string_view source);
  // A new random key, not written anywhere (key rotation writes it with WriteFile).
  static Result<MasterKey> Generate();
  // For tests: a key from raw bytes.
  static MasterKey FromBytes(const std::array<std::uint8_t, kSize>& bytes);
  ~MasterKey();
  MasterKey(const MasterKey& other) = default;
  MasterKey& operator=(const MasterKey& other) = default;

  // Writes the key to a new file, mode 0600 (an existing file is kAlreadyExists): version 1 when
  // `passphrase` is empty, else version 2 with a fresh salt and `limits`.
  Status WriteFile(const std::filesystem::path& file, std::string_view passphrase = {},
                   PassphraseKdfLimits limits = PassphraseKdfLimits::Moderate()) const;

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

// Key rotation: opens a record's wrapped data key under `from` and wraps the same data key under
// `to` (fresh nonce, same associated data); the ciphertext stays as it is. A wrapped key that does
// not open under `from` is kDataLoss.
Result<std::vector<std::uint8_t>> RewrapDataKey(const MasterKey& from, const MasterKey& to,
                                                std::span<const std::uint8_t> wrapped_key,
                                                std::string_view associated_data);
// Whether `wrapped_key` opens under `master` with `associated_data` (the data key is wiped at once).
bool WrappedKeyOpens(const MasterKey& master, std::span<const std::uint8_t> wrapped_key,
                     std::string_view associated_data);

// SHA-256 of the bytes as 64 lower-case hex characters.
std::string Sha256Hex(std::span<const std::uint8_t> bytes);
std::string Sha256Hex(std::string_view text);
// Lower-case hex of bytes.
std::string HexEncode(std::span<const std::uint8_t> bytes);
// `count` random bytes from libsodium's CSPRNG.
std::vector<std::uint8_t> RandomBytes(std::size_t count);

}  // namespace abis
