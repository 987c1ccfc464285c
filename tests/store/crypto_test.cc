#include "abis/store/crypto.h"

#include <sys/stat.h>

#include <fstream>

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
  EXPECT_EQ(MasterKey::CreateFile(file).status().code(), StatusCode::kIoError) << "must not overwrite a key";
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

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex(std::string_view("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace abis
