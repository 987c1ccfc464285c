#include "abis/store/crypto.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

extern char** environ;

namespace abis {
namespace {

constexpr std::string_view kKeyFileHeader = "abis-master-key-v1\n";
constexpr std::string_view kWrappedKeyFileHeader = "abis-master-key-v2\n";
constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kDataKeySize = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
static_assert(kDataKeySize == MasterKey::kSize);
// Bounds on the limits a version 2 key file may ask for: a file that demands more is refused
// rather than allowed to exhaust the machine.
constexpr std::uint64_t kMaxOpslimit = 64;
constexpr std::size_t kMaxMemlimit = std::size_t{4} << 30;
constexpr int kKeyCommandTimeoutMs = 30000;

// Nonce-prefixed AEAD encryption.
std::vector<std::uint8_t> EncryptWithKey(const std::uint8_t* key, std::span<const std::uint8_t> plaintext,
                                         std::string_view associated_data) {
  std::vector<std::uint8_t> out(kNonceSize + plaintext.size() + kTagSize);
  randombytes_buf(out.data(), kNonceSize);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonceSize, &written, plaintext.data(), plaintext.size(),
                                             reinterpret_cast<const unsigned char*>(associated_data.data()),
                                             associated_data.size(), nullptr, out.data(), key);
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

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Wipes a string's bytes when it goes out of scope.
struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() { sodium_memzero(text.data(), text.size()); }
};

std::string_view Trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// Decodes exactly `out.size()` bytes of hex.
bool DecodeHex(std::string_view hex, std::span<std::uint8_t> out) {
  std::size_t decoded = 0;
  return hex.size() == 2 * out.size() &&
         sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &decoded, nullptr) == 0 &&
         decoded == out.size();
}

// The second line of a version 2 key file: the KDF, its limits and salt. It is also the
// associated data of the wrapped key, so none of it can be changed unnoticed.
std::string KdfLine(const PassphraseKdfLimits& limits, std::span<const std::uint8_t> salt) {
  return "argon2id13 opslimit=" + std::to_string(limits.opslimit) + " memlimit=" + std::to_string(limits.memlimit) +
         " salt=" + HexEncode(salt);
}

Status DeriveWrappingKey(std::string_view passphrase, const PassphraseKdfLimits& limits,
                         std::span<const std::uint8_t> salt, std::array<std::uint8_t, kDataKeySize>& out) {
  if (crypto_pwhash(out.data(), out.size(), passphrase.data(), passphrase.size(), salt.data(), limits.opslimit,
                    limits.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("deriving the key-file key from the passphrase ran out of memory (" +
                                     std::to_string(limits.memlimit >> 20) + " MiB)");
  }
  return Status::Ok();
}

// Master keys already unwrapped in this process, by a hash of the key file and passphrase: the
// service opens one store connection per worker, each would otherwise derive again.
std::mutex unwrapped_keys_mutex;
std::map<std::string, std::array<std::uint8_t, MasterKey::kSize>>& UnwrappedKeys() {
  static auto* keys = new std::map<std::string, std::array<std::uint8_t, MasterKey::kSize>>();
  return *keys;
}

std::string UnwrapCacheKey(std::string_view content, std::string_view passphrase) {
  std::array<std::uint8_t, crypto_generichash_BYTES> digest{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, digest.size());
  const std::string lengths = std::to_string(content.size()) + ":" + std::to_string(passphrase.size()) + ";";
  for (std::string_view part : {std::string_view(lengths), content, passphrase}) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  crypto_generichash_final(&state, digest.data(), digest.size());
  return HexEncode(digest);
}

}  // namespace

Status InitCrypto() {
  static const int result = sodium_init();
  if (result < 0) return Status::Internal("libsodium failed to initialise");
  return Status::Ok();
}

void WipeSecret(std::string& secret) { sodium_memzero(secret.data(), secret.size()); }

Result<std::string> ReadOwnerOnlyFile(const std::filesystem::path& file, std::string_view what, std::size_t max_bytes) {
  const std::string name = std::string(what) + " " + file.string();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    std::string message = "cannot open " + name + ": " + std::strerror(error);
    return error == ENOENT ? Status::NotFound(message) : Status::IoError(message);
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_on_exit{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Status::IoError("cannot stat " + name + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return Status::FailedPrecondition(name + " is not a regular file");
  if ((info.st_mode & 077) != 0) {
    return Status::FailedPrecondition(name + " has mode " + OctalMode(info.st_mode) +
                                      ": group or others may read or write it; run `chmod 600 " + file.string() +
                                      "` (and check who has seen it)");
  }
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    return Status::InvalidArgument(name + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string content(max_bytes + 1, '\0');
  std::size_t total = 0;
  while (total < content.size()) {
    ssize_t got = ::read(fd, content.data() + total, content.size() - total);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::IoError("cannot read " + name + ": " + std::strerror(errno));
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  if (total > max_bytes) {
    sodium_memzero(content.data(), content.size());
    return Status::InvalidArgument(name + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  content.resize(total);
  return content;
}

Status CreateOwnerOnlyFile(const std::filesystem::path& file, std::string_view content, std::string_view what) {
  const std::string name = std::string(what) + " " + file.string();
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int error = errno;
    std::string message = "cannot create " + name + ": " + std::strerror(error);
    return error == EEXIST ? Status::AlreadyExists(message) : Status::IoError(message);
  }
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  std::size_t written = 0;
  while (ok && written < content.size()) {
    ssize_t put = ::write(fd, content.data() + written, content.size() - written);
    if (put < 0 && errno == EINTR) continue;
    ok = put > 0;
    if (ok) written += static_cast<std::size_t>(put);
  }
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(file.c_str());
    return Status::IoError("cannot write " + name);
  }
  return Status::Ok();
}

PassphraseKdfLimits PassphraseKdfLimits::Moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

PassphraseKdfLimits PassphraseKdfLimits::MinimumForTests() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

MasterKey MasterKey::FromBytes(const std::array<std::uint8_t, kSize>& bytes) {
  MasterKey key;
  key.key_ = bytes;
  return key;
}

Result<MasterKey> MasterKey::FromHex(std::string_view hex, std::string_view source) {
  MasterKey key;
  if (!DecodeHex(Trimmed(hex), key.key_)) {
    return Status::DataLoss(std::string(source) + " does not hold a 256-bit key in hex (64 hex characters)");
  }
  return key;
}

Result<MasterKey> MasterKey::Generate() {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  MasterKey key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.key_.data());
  return key;
}

Result<MasterKey> MasterKey::CreateFile(const std::filesystem::path& file, std::string_view passphrase,
                                        PassphraseKdfLimits limits) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  MasterKey key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.key_.data());
  ABIS_RETURN_IF_ERROR(key.WriteFile(file, passphrase, limits));
  return key;
}

Status MasterKey::WriteFile(const std::filesystem::path& file, std::string_view passphrase,
                            PassphraseKdfLimits limits) const {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  std::string content;
  WipeOnExit wipe{content};
  if (passphrase.empty()) {
    content = std::string(kKeyFileHeader) + HexEncode(key_) + "\n";
  } else {
    if (limits.opslimit < crypto_pwhash_OPSLIMIT_MIN || limits.opslimit > kMaxOpslimit ||
        limits.memlimit < crypto_pwhash_MEMLIMIT_MIN || limits.memlimit > kMaxMemlimit) {
      return Status::InvalidArgument("Argon2id limits out of range");
    }
    std::vector<std::uint8_t> salt = RandomBytes(crypto_pwhash_SALTBYTES);
    const std::string kdf_line = KdfLine(limits, salt);
    std::array<std::uint8_t, kDataKeySize> wrapping_key{};
    ABIS_RETURN_IF_ERROR(DeriveWrappingKey(passphrase, limits, salt, wrapping_key));
    std::vector<std::uint8_t> wrapped =
        EncryptWithKey(wrapping_key.data(), key_, std::string(kWrappedKeyFileHeader) + kdf_line);
    sodium_memzero(wrapping_key.data(), wrapping_key.size());
    content = std::string(kWrappedKeyFileHeader) + kdf_line + "\n" + HexEncode(wrapped) + "\n";
  }
  return CreateOwnerOnlyFile(file, content, "key file");
}

Result<MasterKey> MasterKey::LoadFile(const std::filesystem::path& file, std::string_view passphrase) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  ABIS_ASSIGN_OR_RETURN(std::string content, ReadOwnerOnlyFile(file, "key file"));
  WipeOnExit wipe{content};
  const std::string name = "key file " + file.string();
  MasterKey key;
  if (content.starts_with(kKeyFileHeader)) {
    auto plain = FromHex(std::string_view(content).substr(kKeyFileHeader.size()), name);
    if (!plain.ok()) return plain.status();
    return plain;
  }
  if (!content.starts_with(kWrappedKeyFileHeader)) {
    return Status::DataLoss(name + " is not an abis master key (bad header)");
  }
  if (passphrase.empty()) {
    return Status::FailedPrecondition(name +
                                      " is wrapped under a passphrase; set ABIS_KEY_PASSPHRASE_FILE to the file "
                                      "that holds it");
  }
  std::string_view rest = std::string_view(content).substr(kWrappedKeyFileHeader.size());
  std::size_t line_end = rest.find('\n');
  if (line_end == std::string_view::npos) return Status::DataLoss(name + " is truncated");
  const std::string kdf_line(rest.substr(0, line_end));
  std::string_view wrapped_hex = Trimmed(rest.substr(line_end + 1));

  PassphraseKdfLimits limits;
  std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
  char salt_hex[2 * crypto_pwhash_SALTBYTES + 2] = {};
  unsigned long long opslimit = 0, memlimit = 0;
  int consumed = 0;
  if (std::sscanf(kdf_line.c_str(), "argon2id13 opslimit=%llu memlimit=%llu salt=%33s%n", &opslimit, &memlimit,
                  salt_hex, &consumed) != 3 ||
      static_cast<std::size_t>(consumed) != kdf_line.size() || !DecodeHex(std::string_view(salt_hex), salt)) {
    return Status::DataLoss(name + ": unreadable KDF line '" + kdf_line + "'");
  }
  limits.opslimit = opslimit;
  limits.memlimit = static_cast<std::size_t>(memlimit);
  if (limits.opslimit < crypto_pwhash_OPSLIMIT_MIN || limits.opslimit > kMaxOpslimit ||
      limits.memlimit < crypto_pwhash_MEMLIMIT_MIN || limits.memlimit > kMaxMemlimit ||
      KdfLine(limits, salt) != kdf_line) {
    return Status::DataLoss(name + ": KDF limits out of range or not in canonical form ('" + kdf_line + "')");
  }
  std::vector<std::uint8_t> wrapped(kNonceSize + kSize + kTagSize);
  if (!DecodeHex(wrapped_hex, wrapped))
    return Status::DataLoss(name + ": the wrapped key is not " + std::to_string(wrapped.size()) + " bytes of hex");

  const std::string cache_key = UnwrapCacheKey(content, passphrase);
  {
    std::lock_guard lock(unwrapped_keys_mutex);
    auto found = UnwrappedKeys().find(cache_key);
    if (found != UnwrappedKeys().end()) return FromBytes(found->second);
  }
  std::array<std::uint8_t, kDataKeySize> wrapping_key{};
  ABIS_RETURN_IF_ERROR(DeriveWrappingKey(passphrase, limits, salt, wrapping_key));
  auto unwrapped = DecryptWithKey(wrapping_key.data(), wrapped, std::string(kWrappedKeyFileHeader) + kdf_line, name);
  sodium_memzero(wrapping_key.data(), wrapping_key.size());
  if (!unwrapped.ok()) {
    return Status::PermissionDenied(name + ": wrong passphrase (or the file was altered)");
  }
  std::copy(unwrapped->begin(), unwrapped->end(), key.key_.begin());
  sodium_memzero(unwrapped->data(), unwrapped->size());
  std::lock_guard lock(unwrapped_keys_mutex);
  UnwrappedKeys()[cache_key] = key.key_;
  return key;
}

Result<std::optional<PassphraseKdfLimits>> MasterKey::FileKdfLimits(const std::filesystem::path& file) {
  ABIS_ASSIGN_OR_RETURN(std::string content, ReadOwnerOnlyFile(file, "key file"));
  WipeOnExit wipe{content};
  if (content.starts_with(kKeyFileHeader)) return std::optional<PassphraseKdfLimits>();
  unsigned long long opslimit = 0, memlimit = 0;
  if (!content.starts_with(kWrappedKeyFileHeader) ||
      std::sscanf(content.c_str() + kWrappedKeyFileHeader.size(), "argon2id13 opslimit=%llu memlimit=%llu", &opslimit,
                  &memlimit) != 2 ||
      opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > kMaxOpslimit || memlimit < crypto_pwhash_MEMLIMIT_MIN ||
      memlimit > kMaxMemlimit) {
    return Status::DataLoss("key file " + file.string() + " is not an abis master key with readable KDF limits");
  }
  return std::optional<PassphraseKdfLimits>(PassphraseKdfLimits{opslimit, static_cast<std::size_t>(memlimit)});
}

Result<MasterKey> MasterKey::FromCommand(const std::string& command) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  const std::string name = "key command (ABIS_KEY_COMMAND)";
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::IoError("cannot run the " + name + ": " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return Status::IoError("cannot run the " + name + ": " + std::strerror(spawned));
  }
  std::string output;
  WipeOnExit wipe{output};
  constexpr std::size_t kMaxOutput = 4096;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kKeyCommandTimeoutMs);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{pipe_fds[0], POLLIN, 0};
    int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) {
      timed_out = true;  // (or poll failed): never wait for the command without a deadline
      break;
    }
    char buffer[512];
    ssize_t got = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (output.size() + static_cast<std::size_t>(got) <= kMaxOutput)
      output.append(buffer, static_cast<std::size_t>(got));
    sodium_memzero(buffer, sizeof(buffer));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status::FailedPrecondition("the " + name + " gave no answer within " +
                                      std::to_string(kKeyCommandTimeoutMs / 1000) + " s and was stopped");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::FailedPrecondition(
        "the " + name + " failed (" +
        (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : std::string("killed by a signal")) +
        "); the store stays closed");
  }
  auto key = FromHex(output, "the output of the " + name);
  if (!key.ok()) return Status::FailedPrecondition(key.status().message());
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

Result<std::vector<std::uint8_t>> RewrapDataKey(const MasterKey& from, const MasterKey& to,
                                                std::span<const std::uint8_t> wrapped_key,
                                                std::string_view associated_data) {
  ABIS_RETURN_IF_ERROR(InitCrypto());
  auto data_key = DecryptWithKey(from.bytes().data(), wrapped_key, associated_data, "wrapped data key");
  if (!data_key.ok()) return data_key.status();
  if (data_key->size() != kDataKeySize) {
    sodium_memzero(data_key->data(), data_key->size());
    return Status::DataLoss("wrapped data key has the wrong size");
  }
  std::vector<std::uint8_t> rewrapped = EncryptWithKey(to.bytes().data(), *data_key, associated_data);
  sodium_memzero(data_key->data(), data_key->size());
  return rewrapped;
}

bool WrappedKeyOpens(const MasterKey& master, std::span<const std::uint8_t> wrapped_key,
                     std::string_view associated_data) {
  if (!InitCrypto().ok()) return false;
  auto data_key = DecryptWithKey(master.bytes().data(), wrapped_key, associated_data, "wrapped data key");
  if (!data_key.ok()) return false;
  sodium_memzero(data_key->data(), data_key->size());
  return data_key->size() == kDataKeySize;
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
