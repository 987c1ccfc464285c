// Sealed page files: what is written is read back from any offset (in one read, in pieces of
// every size, across page boundaries, from several threads at once), and every kind of damage
// (a flipped byte, pages swapped, a page from another file, a cut, bytes appended, another key,
// other associated data) is kDataLoss, never partial content: at Open for anything that changes
// the file's size or binding, at the read of the damaged page otherwise.
#include "abis/store/sealed_pages.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "../support/test_engine.h"

namespace abis {
namespace {

using testing::TempDir;
constexpr std::size_t kPage = SealedPageWriter::kPageBytes;
constexpr std::size_t kSealedPage = kPage + 16;
constexpr std::size_t kHeader = 36;

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
  auto writer = SealedPageWriter::Create(file, key, ad);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  // In uneven pieces, so that pieces straddle page boundaries.
  std::size_t done = 0;
  std::size_t piece = 1;
  while (done < content.size()) {
    const std::size_t take = std::min(piece, content.size() - done);
    ASSERT_TRUE((*writer)->Write({content.data() + done, take}).ok());
    done += take;
    piece = piece * 3 + 1;
  }
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_EQ((*writer)->bytes_written(), content.size());
}

// Opens the file and reads `size` bytes from the start with a cursor, expecting the end there.
Status ReadAll(const std::filesystem::path& file, std::size_t size, const DerivedKey& key, std::string_view ad,
               std::vector<std::uint8_t>* out = nullptr) {
  ABIS_ASSIGN_OR_RETURN(auto sealed, SealedPageFile::Open(file, key, ad));
  SealedPageCursor cursor(sealed);
  std::vector<std::uint8_t> bytes(size);
  ABIS_RETURN_IF_ERROR(cursor.Read(bytes));
  ABIS_RETURN_IF_ERROR(cursor.ExpectEnd());
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

TEST(SealedPagesTest, ContentComesBackFromAnyOffset) {
  TempDir dir;
  for (std::size_t size : {std::size_t{0}, std::size_t{5}, kPage - 1, kPage, 3 * kPage + 12345}) {
    const auto file = dir.path() / ("f" + std::to_string(size));
    const auto content = Content(size);
    WriteFile(file, content, KeyOf(1), "ad");
    // A content ending on a page boundary is followed by an empty last page.
    EXPECT_EQ(std::filesystem::file_size(file), kHeader + (size / kPage + 1) * kSealedPage - (kPage - size % kPage))
        << size;
    std::vector<std::uint8_t> read;
    const Status status = ReadAll(file, size, KeyOf(1), "ad", &read);
    ASSERT_TRUE(status.ok()) << size << ": " << status.ToString();
    EXPECT_EQ(read, content) << size;

    auto sealed = SealedPageFile::Open(file, KeyOf(1), "ad");
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ((*sealed)->size(), size);
    // Pieces that grow from a byte to more than two pages: served from the cursor's cached page
    // and opened straight into the caller's memory, mixed.
    SealedPageCursor cursor(*sealed);
    std::vector<std::uint8_t> pieces(size);
    std::size_t done = 0;
    std::size_t piece = 1;
    while (done < size) {
      const std::size_t take = std::min(piece, size - done);
      ASSERT_TRUE(cursor.Read({pieces.data() + done, take}).ok()) << size << " at " << done;
      done += take;
      piece = piece * 5 + 3;
    }
    EXPECT_TRUE(cursor.ExpectEnd().ok()) << size;
    EXPECT_EQ(pieces, content) << size;
    // Random ranges, with and without a cache.
    SealedPageFile::Cache cache;
    for (std::size_t i = 0; i < 40 && size > 0; ++i) {
      const std::size_t offset = (i * 104729) % size;
      const std::size_t length = std::min(size - offset, (i * 7877) % (2 * kPage + 100));
      std::vector<std::uint8_t> range(length);
      ASSERT_TRUE((*sealed)->ReadAt(offset, range, i % 2 == 0 ? &cache : nullptr).ok()) << offset << "+" << length;
      EXPECT_TRUE(std::equal(range.begin(), range.end(), content.begin() + static_cast<std::ptrdiff_t>(offset)))
          << size << ": " << offset << "+" << length;
    }
    std::vector<std::uint8_t> past(1);
    EXPECT_EQ((*sealed)->ReadAt(size, past).code(), StatusCode::kDataLoss) << size;
    EXPECT_EQ(cursor.Skip(1).code(), StatusCode::kDataLoss) << size;
  }
}

TEST(SealedPagesTest, ThreadsReadAtOnceAndLargeReadsOpenPagesInParallel) {
  TempDir dir;
  const auto file = dir.path() / "f";
  const std::size_t size = 300 * kPage + 77;  // more than one preadv batch
  const auto content = Content(size);
  WriteFile(file, content, KeyOf(1), "ad");
  auto sealed = SealedPageFile::Open(file, KeyOf(1), "ad");
  ASSERT_TRUE(sealed.ok());
  std::vector<std::uint8_t> whole(size);
  ASSERT_TRUE((*sealed)->ReadAt(0, whole).ok());
  EXPECT_EQ(whole, content);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SealedPageFile::Cache cache;
      for (std::size_t i = 0; i < 200; ++i) {
        const std::size_t offset = (i * 7919 + static_cast<std::size_t>(t) * 104729) % size;
        std::vector<std::uint8_t> range(std::min<std::size_t>(size - offset, 3000));
        if (!(*sealed)->ReadAt(offset, range, &cache).ok() ||
            !std::equal(range.begin(), range.end(), content.begin() + static_cast<std::ptrdiff_t>(offset))) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);

  // A damaged page in a large read fails it, and what was read is wiped.
  auto damaged = FileBytes(file);
  damaged[kHeader + 100 * kSealedPage + 5] ^= 0x40;
  PutFileBytes(file, damaged);
  auto reopened = SealedPageFile::Open(file, KeyOf(1), "ad");
  ASSERT_TRUE(reopened.ok()) << "the last page is intact";
  std::fill(whole.begin(), whole.end(), 0xAA);
  EXPECT_EQ((*reopened)->ReadAt(0, whole).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(std::all_of(whole.begin(), whole.end(), [](std::uint8_t b) { return b == 0; }));
  std::vector<std::uint8_t> elsewhere(kPage);
  EXPECT_TRUE((*reopened)->ReadAt(3 * kPage, elsewhere).ok()) << "other pages still read";
}

TEST(SealedPagesTest, EveryKindOfDamageIsDataLoss) {
  TempDir dir;
  const std::size_t size = 3 * kPage + 100;
  const auto file = dir.path() / "f";
  WriteFile(file, Content(size), KeyOf(1), "gallery=1");
  const std::vector<std::uint8_t> good = FileBytes(file);
  auto code_of = [&](std::size_t read_size, const DerivedKey& key = KeyOf(1)) {
    return ReadAll(file, read_size, key, "gallery=1").code();
  };

  EXPECT_EQ(code_of(size, KeyOf(2)), StatusCode::kDataLoss) << "another key";
  EXPECT_EQ(SealedPageFile::Open(file, KeyOf(1), "gallery=2").status().code(), StatusCode::kDataLoss)
      << "other associated data fails at Open";
  EXPECT_EQ(code_of(size + 1), StatusCode::kDataLoss) << "reading past the end";
  EXPECT_EQ(code_of(size - 1), StatusCode::kDataLoss) << "content left over";

  auto flipped = good;
  flipped[kHeader + kSealedPage + 10] ^= 0x01;
  PutFileBytes(file, flipped);
  EXPECT_EQ(code_of(size), StatusCode::kDataLoss) << "a flipped byte";

  auto swapped = good;
  std::swap_ranges(swapped.begin() + kHeader, swapped.begin() + kHeader + kSealedPage,
                   swapped.begin() + kHeader + kSealedPage);
  PutFileBytes(file, swapped);
  EXPECT_EQ(code_of(size), StatusCode::kDataLoss) << "two pages swapped";

  const auto other = dir.path() / "other";
  WriteFile(other, Content(size), KeyOf(1), "gallery=1");  // same key and content, another file id
  auto spliced = good;
  const auto other_bytes = FileBytes(other);
  std::copy(other_bytes.begin() + kHeader, other_bytes.begin() + kHeader + kSealedPage, spliced.begin() + kHeader);
  PutFileBytes(file, spliced);
  EXPECT_EQ(code_of(size), StatusCode::kDataLoss) << "a page from another file";

  PutFileBytes(file, std::vector<std::uint8_t>(good.begin(), good.end() - 50));
  EXPECT_EQ(SealedPageFile::Open(file, KeyOf(1), "gallery=1").status().code(), StatusCode::kDataLoss)
      << "cut in the last page";
  // Drop the whole last page: the page before it is not sealed as the last one.
  PutFileBytes(file, std::vector<std::uint8_t>(good.begin(), good.end() - 116));
  EXPECT_EQ(SealedPageFile::Open(file, KeyOf(1), "gallery=1").status().code(), StatusCode::kDataLoss)
      << "last page dropped";
  auto appended = good;
  appended.push_back(0);
  PutFileBytes(file, appended);
  EXPECT_EQ(SealedPageFile::Open(file, KeyOf(1), "gallery=1").status().code(), StatusCode::kDataLoss)
      << "bytes appended";
  auto renamed = good;
  renamed[0] = 'X';
  PutFileBytes(file, renamed);
  EXPECT_EQ(code_of(size), StatusCode::kDataLoss) << "another magic";
  PutFileBytes(file, std::vector<std::uint8_t>(good.begin(), good.begin() + 40));
  EXPECT_EQ(code_of(size), StatusCode::kDataLoss) << "shorter than a header and a page";

  PutFileBytes(file, good);
  EXPECT_TRUE(ReadAll(file, size, KeyOf(1), "gallery=1").ok());

  // Cut short after it was opened: reads past the cut are damage too (kDataLoss), not an I/O error.
  auto opened = SealedPageFile::Open(file, KeyOf(1), "gallery=1");
  ASSERT_TRUE(opened.ok());
  std::filesystem::resize_file(file, kHeader + kSealedPage);
  std::vector<std::uint8_t> page(kPage);
  EXPECT_EQ((*opened)->ReadAt(2 * kPage, page).code(), StatusCode::kDataLoss);
  EXPECT_TRUE((*opened)->ReadAt(0, page).ok());
}

TEST(SealedPagesTest, AFileIsNeverOverwrittenAndAMissingOneIsNotFound) {
  TempDir dir;
  const auto file = dir.path() / "f";
  WriteFile(file, Content(10), KeyOf(1), "");
  EXPECT_EQ(SealedPageWriter::Create(file, KeyOf(1), "").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(SealedPageFile::Open(dir.path() / "none", KeyOf(1), "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  // A writer never finished leaves no last page: the file does not open.
  const auto unfinished = dir.path() / "unfinished";
  {
    auto writer = SealedPageWriter::Create(unfinished, KeyOf(1), "");
    ASSERT_TRUE(writer.ok());
    const auto content = Content(2 * kPage + 3);
    ASSERT_TRUE((*writer)->Write(content).ok());
  }
  EXPECT_EQ(SealedPageFile::Open(unfinished, KeyOf(1), "").status().code(), StatusCode::kDataLoss);
}

TEST(SealedPagesTest, KeysDerivedForOtherPurposesDiffer) {
  std::array<std::uint8_t, MasterKey::kSize> bytes{};
  const MasterKey master = MasterKey::FromBytes(bytes);
  EXPECT_NE(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidy", 1));
  EXPECT_NE(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidx", 2));
  EXPECT_EQ(DeriveKey(master, "abisgidx", 1), DeriveKey(master, "abisgidx", 1));
}

}  // namespace
}  // namespace abis
