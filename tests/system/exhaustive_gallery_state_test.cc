// The exhaustive gallery's snapshot state keeps its byte layout (format 1): a gallery written by
// an older build must still load. The layout, word by word, in the machine's byte order: magic,
// count, then per template id, modality, position, and length-prefixed algorithm, data, quality JSON.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../support/memory_gallery_state.h"
#include "../support/test_engine.h"

namespace abis {
namespace {

void PutWord(std::vector<std::uint8_t>& out, std::uint64_t word) {
  std::uint8_t bytes[sizeof word];
  std::memcpy(bytes, &word, sizeof word);
  out.insert(out.end(), bytes, bytes + sizeof word);
}

void PutBytes(std::vector<std::uint8_t>& out, const std::string& bytes) {
  PutWord(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

TEST(ExhaustiveGalleryState, KeepsItsByteLayoutAndLoadsBack) {
  testing::TestEngine engine(Modality::kFinger);
  std::unique_ptr<ModalityGallery> gallery = engine.NewGallery();
  BiometricTemplate first;
  first.modality = Modality::kFinger;
  first.algorithm = engine.algorithm();
  first.position = FingerPosition::kLeftRing;
  first.data = {1, 2, 3};
  first.quality = {{"q", 7}};
  BiometricTemplate empty = first;  // no data: an empty array is written as its length only
  empty.position = FingerPosition::kUnknown;
  empty.data.clear();
  empty.quality = nlohmann::json::object();
  ASSERT_TRUE(gallery->Add(42, first).ok());
  ASSERT_TRUE(gallery->Add(-5, empty).ok());

  testing::MemoryStateWriter writer;
  ASSERT_TRUE(gallery->SaveState(writer).ok());
  std::vector<std::uint8_t> expected;
  PutWord(expected, 0x3153474541534942);
  PutWord(expected, 2);
  PutWord(expected, static_cast<std::uint64_t>(std::int64_t{-5}));  // ascending ids
  PutWord(expected, static_cast<std::uint64_t>(Modality::kFinger));
  PutWord(expected, 0);
  PutBytes(expected, engine.algorithm());
  PutBytes(expected, "");
  PutBytes(expected, "{}");
  PutWord(expected, 42);
  PutWord(expected, static_cast<std::uint64_t>(Modality::kFinger));
  PutWord(expected, 9);
  PutBytes(expected, engine.algorithm());
  PutBytes(expected, std::string("\x01\x02\x03"));
  PutBytes(expected, R"({"q":7})");
  EXPECT_EQ(writer.bytes(), expected);

  std::unique_ptr<ModalityGallery> loaded = engine.NewGallery();
  testing::MemoryStateReader reader(writer.bytes());
  ASSERT_TRUE(loaded->LoadState(reader).ok());
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(loaded->size(), 2u);
  auto found = loaded->Search(first, 2);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_FALSE(found->empty());
  EXPECT_EQ(found->front().reference_id, 42);
}

}  // namespace
}  // namespace abis
