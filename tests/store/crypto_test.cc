#include "abis/store/crypto.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "../support/test_engine.h"

namespace abis {
namespace {

MasterKey TestKey(std::uint8_t fill) {
  std::array<std::uint8_t, MasterKey::kSize> bytes{};
  bytes.fill(fill);
  return MasterKey::FromBytes(bytes);
}

TEST(CryptoTest, SealThenUnsealRoundTrips) {
  auto plaintext = testing::RandomSample(1);
  auto sealed = Seal(TestKey(1), plaintext, "ctx");
  ASSERT_TRUE(sealed.ok());
  EXPECT_NE(sealed->ciphertext, plaintext);
  auto opened = Unseal(TestKey(1), *sealed, "ctx");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
}

TEST(CryptoTest, EachSealUsesAFreshDataKeyAndNonce) {
  auto plaintext = testing::RandomSample(2);
  auto a = Seal(TestKey(1), plaintext, "ctx");
  auto b = Seal(TestKey(1), plaintext, "ctx");
  EXPECT_NE(a->ciphertext, b->ciphertext);
  EXPECT_NE(a->wrapped_key, b->wrapped_key);
}

TEST(CryptoTest, RejectsWrongKeyWrongContextAndTampering) {
  auto plaintext = testing::RandomSample(3);
  auto sealed = *Seal(TestKey(1), plaintext, "person=1");
  EXPECT_EQ(Unseal(TestKey(2), sealed, "person=1").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Unseal(TestKey(1), sealed, "person=2").status().code(), StatusCode::kDataLoss);
  SealedRecord flipped = sealed;
  flipped.ciphertext[flipped.ciphertext.size() / 2] ^= 1;
  EXPECT_EQ(Unseal(TestKey(1), flipped, "person=1").status().code(), StatusCode::kDataLoss);
  SealedRecord truncated = sealed;
  truncated.wrapped_key.resize(10);
  EXPECT_EQ(Unseal(TestKey(1), truncated, "person=1").status().code(), StatusCode::kDataLoss);
}

TEST(CryptoTest, KeyFileIsPrivateAndReloads) {
  testing::TempDir dir;
  auto file = dir.path() / "master.key";
  auto created = MasterKey::CreateFile(file);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto loaded = MasterKey::LoadFile(file);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->bytes(), created->bytes());
  EXPECT_EQ(MasterKey::CreateFile(file).status().code(), StatusCode::kAlreadyExists) << "must not overwrite a key";
}

TEST(CryptoTest, RefusesKeyFileReadableByOthersOrMalformed) {
  testing::TempDir dir;
  auto file = dir.path() / "master.key";
  ASSERT_TRUE(MasterKey::CreateFile(file).ok());
  chmod(file.c_str(), 0644);
  EXPECT_EQ(MasterKey::LoadFile(file).status().code(), StatusCode::kFailedPrecondition);
  auto bad = dir.path() / "bad.key";
  std::ofstream(bad) << "abis-master-key-v1\nnot-hex\n";
  chmod(bad.c_str(), 0600);
  EXPECT_EQ(MasterKey::LoadFile(bad).status().code(), StatusCode::kDataLoss);
}

TEST(CryptoTest, AKeyFileGroupOrOthersMayReadOrWriteIsRefusedNamingItsModeAndTheFix) {
  testing::TempDir dir;
  auto file = dir.path() / "master.key";
  ASSERT_TRUE(MasterKey::CreateFile(file).ok());
  for (mode_t mode : {0640, 0620, 0604, 0602}) {
    chmod(file.c_str(), mode);
    auto loaded = MasterKey::LoadFile(file);
    ASSERT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition) << std::oct << mode;
    const std::string message = loaded.status().message();
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(std::string("mode ") + octal), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
  }
  chmod(file.c_str(), 0400);
  EXPECT_TRUE(MasterKey::LoadFile(file).ok()) << "owner-only modes are fine";
}

TEST(CryptoTest, APassphraseWrappedKeyFileHoldsNoKeyAndNeedsItsPassphrase) {
  testing::TempDir dir;
  auto file = dir.path() / "master.key";
  auto created = MasterKey::CreateFile(file, "correct horse", PassphraseKdfLimits::MinimumForTests());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(content.starts_with("abis-master-key-v2\nargon2id13 opslimit=")) << content;
  EXPECT_EQ(content.find(HexEncode(created->bytes())), std::string::npos) << "the key is not in the file in clear";

  auto loaded = MasterKey::LoadFile(file, "correct horse");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->bytes(), created->bytes());
  EXPECT_EQ(MasterKey::LoadFile(file, "wrong horse").status().code(), StatusCode::kPermissionDenied);
  auto without = MasterKey::LoadFile(file);
  EXPECT_EQ(without.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(without.status().message().find("ABIS_KEY_PASSPHRASE_FILE"), std::string::npos);

  // The limits line is bound to the wrapped key: lowering the cost is not possible unnoticed.
  std::string cheaper = content;
  cheaper.replace(cheaper.find("opslimit=1"), 10, "opslimit=2");
  auto altered = dir.path() / "altered.key";
  ASSERT_TRUE(CreateOwnerOnlyFile(altered, cheaper, "test key").ok());
  EXPECT_FALSE(MasterKey::LoadFile(altered, "correct horse").ok());
}

TEST(CryptoTest, APlainVersionOneKeyFileStillLoadsWhenAPassphraseIsGiven) {
  testing::TempDir dir;
  auto file = dir.path() / "master.key";
  auto created = MasterKey::CreateFile(file);
  ASSERT_TRUE(created.ok());
  auto loaded = MasterKey::LoadFile(file, "a passphrase for newer files");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->bytes(), created->bytes());
}

TEST(CryptoTest, AKeyCommandsOutputIsTheKeyAndAFailingCommandOpensNothing) {
  const std::string hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  auto key = MasterKey::FromCommand("printf '  %s\\n' " + hex);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(HexEncode(key->bytes()), hex);

  auto failed = MasterKey::FromCommand("echo " + hex + "; exit 3");
  EXPECT_EQ(failed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.status().message().find("exit status 3"), std::string::npos) << failed.status().message();
  EXPECT_EQ(failed.status().message().find(hex), std::string::npos) << "a key never appears in a message";

  auto garbled = MasterKey::FromCommand("echo secret-but-not-hex");
  EXPECT_EQ(garbled.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(garbled.status().message().find("secret-but-not-hex"), std::string::npos);
}

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex(std::string_view("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace abis
