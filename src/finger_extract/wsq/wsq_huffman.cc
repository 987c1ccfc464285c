#include "wsq/wsq_huffman.h"

#include <optional>
#include <utility>

namespace abis::finger::wsq {
namespace {

// WSQ symbol alphabet (IAFIS-IC-0110 Part 1, table of Huffman coding categories).
constexpr int kMaxZeroRunSymbol = 100;   // 1-100: that many zero coefficients
constexpr int kPositive8Bit = 101;       // next 8 bits: a positive value
constexpr int kNegative8Bit = 102;       // next 8 bits: the magnitude of a negative value
constexpr int kPositive16Bit = 103;
constexpr int kNegative16Bit = 104;
constexpr int kZeroRun8Bit = 105;        // next 8 bits: length of a zero run
constexpr int kZeroRun16Bit = 106;
constexpr int kSmallValueOffset = 180;   // 107-254: value = symbol - 180 (-73 .. 74)

bool IsRestartMarker(std::uint8_t second_byte) { return second_byte >= 0xB0 && second_byte <= 0xB7; }

// Reads the byte-stuffed bit stream MSB first. A 0xFF data byte is followed by 0x00; any other
// byte after 0xFF is a marker and ends the stream (the reader stops in front of it).
class BitReader {
 public:
  BitReader(std::span<const std::uint8_t> file, std::size_t offset) : file_(file), offset_(offset) {}

  // The next bit, or nullopt at a marker (marker_offset() tells where) or at the end of input.
  std::optional<int> NextBit() {
    if (bits_left_ == 0) {
      if (offset_ >= file_.size()) {
        truncated_ = true;
        return std::nullopt;
      }
      std::uint8_t byte = file_[offset_];
      if (byte == 0xFF) {
        if (offset_ + 1 >= file_.size()) {
          truncated_ = true;
          return std::nullopt;
        }
        if (file_[offset_ + 1] != 0x00) return std::nullopt;  // a marker
        offset_ += 2;
      } else {
        offset_ += 1;
      }
      current_ = byte;
      bits_left_ = 8;
    }
    --bits_left_;
    return (current_ >> bits_left_) & 1;
  }

  // Reads `count` bits as an unsigned number; nullopt when the stream ends first.
  std::optional<std::uint32_t> NextBits(int count) {
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      std::optional<int> bit = NextBit();
      if (!bit) return std::nullopt;
      value = (value << 1) | static_cast<std::uint32_t>(*bit);
    }
    return value;
  }

  // Discards the partial byte (restart interval boundary).
  void Reset() { bits_left_ = 0; }
  bool truncated() const { return truncated_; }
  std::size_t offset() const { return offset_; }

 private:
  std::span<const std::uint8_t> file_;
  std::size_t offset_;
  std::uint8_t current_ = 0;
  int bits_left_ = 0;
  bool truncated_ = false;
};

std::string At(std::size_t offset) { return " at byte " + std::to_string(offset); }

}  // namespace

Result<HuffmanTable> HuffmanTable::Build(const std::array<std::uint8_t, 16>& counts,
                                         std::vector<std::uint8_t> values) {
  HuffmanTable table;
  std::size_t total = 0;
  for (std::uint8_t count : counts) total += count;
  if (total != values.size()) {
    return Status::InvalidArgument("Huffman table lists " + std::to_string(total) + " codes but " +
                                   std::to_string(values.size()) + " values");
  }
  if (total == 0) return Status::InvalidArgument("Huffman table has no codes");
  std::int32_t code = 0;
  std::int32_t index = 0;
  for (int length = 1; length <= 16; ++length) {
    int count = counts[length - 1];
    if (count == 0) {
      table.max_code[length] = -1;
    } else {
      table.first_value[length] = index;
      table.min_code[length] = code;
      code += count;
      index += count;
      table.max_code[length] = code - 1;
    }
    // Every code of this length must fit in `length` bits.
    if (code > (1 << length)) {
      return Status::InvalidArgument("Huffman code lengths over-subscribe length " + std::to_string(length));
    }
    code <<= 1;
  }
  table.values = std::move(values);
  return table;
}

Result<std::size_t> DecodeBlock(std::span<const std::uint8_t> file, std::size_t offset,
                                const HuffmanTable& table, std::size_t capacity,
                                std::vector<std::int32_t>& coefficients) {
  BitReader reader(file, offset);
  auto append = [&](std::int32_t value, std::size_t count) -> Status {
    if (count > capacity - coefficients.size()) {
      return Status::InvalidArgument("more coefficients than the frame holds" + At(reader.offset()));
    }
    coefficients.insert(coefficients.end(), count, value);
    return Status::Ok();
  };
  while (true) {
    // Decode one Huffman code; a marker met before a complete code ends the block (the bits
    // consumed so far were the encoder's padding).
    std::int32_t code = 0;
    int symbol = -1;
    bool at_marker = false;
    for (int length = 1; length <= 16; ++length) {
      std::optional<int> bit = reader.NextBit();
      if (!bit) {
        at_marker = true;
        break;
      }
      code = (code << 1) | *bit;
      if (table.max_code[length] >= 0 && code <= table.max_code[length]) {
        symbol = table.values[table.first_value[length] + (code - table.min_code[length])];
        break;
      }
    }
    if (at_marker) {
      if (reader.truncated()) return Status::InvalidArgument("data block truncated" + At(reader.offset()));
      std::size_t marker = reader.offset();
      if (IsRestartMarker(file[marker + 1])) {
        reader = BitReader(file, marker + 2);
        continue;
      }
      return marker;
    }
    if (symbol < 0) return Status::InvalidArgument("invalid Huffman code" + At(reader.offset()));

    auto escape = [&](int bits) -> Result<std::uint32_t> {
      std::optional<std::uint32_t> value = reader.NextBits(bits);
      if (!value) return Status::InvalidArgument("escape value cut off by a marker" + At(reader.offset()));
      return *value;
    };
    if (symbol >= 1 && symbol <= kMaxZeroRunSymbol) {
      ABIS_RETURN_IF_ERROR(append(0, static_cast<std::size_t>(symbol)));
    } else if (symbol > kZeroRun16Bit && symbol < 0xFF) {
      ABIS_RETURN_IF_ERROR(append(symbol - kSmallValueOffset, 1));
    } else {
      switch (symbol) {
        case kPositive8Bit:
        case kNegative8Bit:
        case kPositive16Bit:
        case kNegative16Bit: {
          int bits = (symbol == kPositive8Bit || symbol == kNegative8Bit) ? 8 : 16;
          ABIS_ASSIGN_OR_RETURN(std::uint32_t magnitude, escape(bits));
          bool negative = symbol == kNegative8Bit || symbol == kNegative16Bit;
          std::int32_t value = static_cast<std::int32_t>(magnitude);
          ABIS_RETURN_IF_ERROR(append(negative ? -value : value, 1));
          break;
        }
        case kZeroRun8Bit:
        case kZeroRun16Bit: {
          ABIS_ASSIGN_OR_RETURN(std::uint32_t run, escape(symbol == kZeroRun8Bit ? 8 : 16));
          ABIS_RETURN_IF_ERROR(append(0, run));
          break;
        }
        default:
          return Status::InvalidArgument("Huffman symbol " + std::to_string(symbol) +
                                         " is not in the WSQ alphabet" + At(reader.offset()));
      }
    }
  }
}

}  // namespace abis::finger::wsq
