// Sealed streams: what is written is read back across chunk boundaries (in one read or in pieces
// of every size), and every kind of damage
// (a flipped byte, a cut, a chunk dropped, another key, other associated data, bytes appended)
// is kDataLoss, never partial content.
#include "abis/store/sealed_stream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::TempDir;

DerivedKey KeyOf(std::uint8_t seed) {
  std::array<std::uint8_t, MasterKey::kSize> bytes{};
  bytes.fill(seed);
  return DeriveKey(MasterKey::FromBytes(bytes), "abistest", 1);
}

std::vector<std::uint8_t> Content(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
  return bytes;
}

void WriteFile(const std::filesystem::path& file, const std::vector<std::uint8_t>& content, const DerivedKey& key,
               std::string_view ad) {
  auto writer = SealedStreamWriter::Create(file, key, ad);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  // In uneven pieces, so that pieces straddle chunk boundaries.
  std::size_t done = 0;
  std::size_t piece = 1;
  while (done < content.size()) {
    const std::size_t take = std::min(piece, content.size() - done);
    ASSERT_TRUE((*writer)->Write({content.data() + done, take}).ok());
    done += take;
    piece = piece * 3 + 1;
  }
  ASSERT_TRUE((*writer)->Finish().ok());
}

Status ReadAll(const std::filesystem::path& file, std::size_t size, const DerivedKey& key, std::string_view ad,
               std::vector<std::uint8_t>* out = nullptr) {
  ABIS_ASSIGN_OR_RETURN(auto reader, SealedStreamReader::Open(file, key, ad));
  std::vector<std::uint8_t> bytes(size);
  ABIS_RETURN_IF_ERROR(reader->Read(bytes));
  ABIS_RETURN_IF_ERROR(reader->ExpectEnd());
  if (out) *out = std::move(bytes);
  return Status::Ok();
}

std::vector<std::uint8_t> FileBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void PutFileBytes(const std::filesystem::path& file, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(SealedStreamTest, ContentComesBackAcrossChunkBoundaries) {
  TempDir dir;
  for (std::size_t size :
       {std::size_t{0}, std::size_t{5}, SealedStreamWriter::kChunkBytes, 2 * SealedStreamWriter::kChunkBytes + 12345}) {
    const auto file = dir.path() / ("f" + std::to_string(size));
    const auto content = Content(size);
    WriteFile(file, content, KeyOf(1), "ad");
    std::vector<std::uint8_t> read;
    const Status status = ReadAll(file, size, KeyOf(1), "ad", &read);
    ASSERT_TRUE(status.ok()) << size << ": " << status.ToString();
    EXPECT_EQ(read, content) << size;
    // Again in pieces that grow from a byte to more than a chunk: reads served from the reader's
    // buffer and reads opened straight into the caller's memory, mixed.
    auto reader = SealedStreamReader::Open(file, KeyOf(1), "ad");
    ASSERT_TRUE(reader.ok());
    std::vector<std::uint8_t> pieces(size);
    std::size_t done = 0;
    std::size_t piece = 1;
    while (done < size) {
      const std::size_t take = std::min(piece, size - done);
      ASSERT_TRUE((*reader)->Read({pieces.data() + done, take}).ok()) << size << " at " << done;
      done += take;
      piece = piece * 5 + 3;
    }
    EXPECT_TRUE((*reader)->ExpectEnd().ok()) << size;
    EXPECT_EQ(pieces, content) << size;
  }
}

TEST(SealedStreamTest, EveryKindOfDamageIsDataLoss) {
  TempDir dir;
  const std::size_t size = 2 * SealedStreamWriter::kChunkBytes + 100;
  const auto file = dir.path() / "f";
  WriteFile(file, Content(size), KeyOf(1), "gallery=1");
  const std::vector<std::uint8_t> good = FileBytes(file);

  EXPECT_EQ(ReadAll(file, size, KeyOf(2), "gallery=1").code(), StatusCode::kDataLoss) << "another key";
  EXPECT_EQ(ReadAll(file, size, KeyOf(1), "gallery=2").code(), StatusCode::kDataLoss) << "other associated data";
  EXPECT_EQ(ReadAll(file, size + 1, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "reading past the end";
  EXPECT_EQ(ReadAll(file, size - 1, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "content left over";

  auto damaged = good;
  damaged[damaged.size() / 2] ^= 0x01;
  PutFileBytes(file, damaged);
  EXPECT_EQ(ReadAll(file, size, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "a flipped byte";

  PutFileBytes(file, std::vector<std::uint8_t>(good.begin(), good.end() - 50));
  EXPECT_EQ(ReadAll(file, size, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "cut in the last chunk";

  // Drop the whole last chunk: the stream then ends without its final tag.
  const std::size_t last_chunk = 4 + 100 + 17;
  PutFileBytes(file, std::vector<std::uint8_t>(good.begin(), good.end() - static_cast<std::ptrdiff_t>(last_chunk)));
  EXPECT_EQ(ReadAll(file, size - 100, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "last chunk dropped";

  auto appended = good;
  appended.push_back(0);
  PutFileBytes(file, appended);
  EXPECT_EQ(ReadAll(file, size, KeyOf(1), "gallery=1").code(), StatusCode::kDataLoss) << "bytes appended";

  PutFileBytes(file, good);
  EXPECT_TRUE(ReadAll(file, size, KeyOf(1), "gallery=1").ok());
}

TEST(SealedStreamTest, AFileIsNeverOverwrittenAndAMissingOneIsNotFound) {
  TempDir dir;
  const auto file = dir.path() / "f";
  WriteFile(file, Content(10), KeyOf(1), "");
  EXPECT_EQ(SealedStreamWriter::Create(file, KeyOf(1), "").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(SealedStreamReader::Open(dir.path() / "none", KeyOf(1), "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(SealedStreamTest, KeysDerivedForOtherPurposesDiffer) {
  std::array<std::uint8_t, MasterKey::kSize> bytes{};
  const MasterKey master = MasterKey::FromBytes(bytes);
  EXPECT_NE(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidy", 1));
  EXPECT_NE(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidx", 2));
  EXPECT_EQ(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidx", 1));
}

}  // namespace
}  // namespace abis
