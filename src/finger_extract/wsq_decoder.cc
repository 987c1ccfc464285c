// WSQ decoder: marker segments, tables, entropy-coded blocks, dequantisation and wavelet
// synthesis (IAFIS-IC-0110 V3 Part 1). See docs/WSQ.md.
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string_view>

#include "abis/finger_extract/wsq.h"
#include "wsq/wsq_huffman.h"
#include "wsq/wsq_subbands.h"
#include "wsq/wsq_synthesis.h"

namespace abis::finger {
namespace {

using wsq::HuffmanTable;

// Marker codes (IAFIS-IC-0110 Part 1, table of markers).
constexpr std::uint16_t kStartOfImage = 0xFFA0;
constexpr std::uint16_t kEndOfImage = 0xFFA1;
constexpr std::uint16_t kStartOfFrame = 0xFFA2;
constexpr std::uint16_t kStartOfBlock = 0xFFA3;
constexpr std::uint16_t kTransformTable = 0xFFA4;
constexpr std::uint16_t kQuantizationTable = 0xFFA5;
constexpr std::uint16_t kHuffmanTable = 0xFFA6;
constexpr std::uint16_t kRestartInterval = 0xFFA7;
constexpr std::uint16_t kComment = 0xFFA8;

constexpr int kMinSide = 32;             // below this the 5-level decomposition degenerates
constexpr int kMaxHuffmanTables = 8;
constexpr std::size_t kMaxFilterHalf = 16;

std::string Hex(unsigned value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  for (int shift = 12; shift >= 0; shift -= 4) text += kDigits[(value >> shift) & 0xF];
  return text;
}

// Bounds-checked big-endian reader over one segment.
class SegmentReader {
 public:
  SegmentReader(std::span<const std::uint8_t> bytes, std::size_t base) : bytes_(bytes), base_(base) {}
  std::optional<std::uint32_t> Read(int size) {
    if (pos_ + static_cast<std::size_t>(size) > bytes_.size()) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < size; ++i) value = (value << 8) | bytes_[pos_++];
    return value;
  }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return base_ + pos_; }
  std::span<const std::uint8_t> Rest() const { return bytes_.subspan(pos_); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

// value / 10^scale, divided step by step in single precision as the reference decoder does, so
// that decoded pixels are bit-identical to it.
float ScaledValue(std::uint32_t value, std::uint32_t scale) {
  float result = static_cast<float>(value);
  for (std::uint32_t s = 0; s < scale; ++s) result = static_cast<float>(static_cast<double>(result) / 10.0);
  return result;
}

struct FrameHeader {
  int width = 0;
  int height = 0;
  float mean_shift = 0;  // M
  float rescale = 1;     // R
};

struct Quantization {
  float bin_center = 0;                            // C
  std::array<float, wsq::kSubbandCount> step{};    // Q_k; 0 = subband not transmitted
  std::array<float, wsq::kSubbandCount> zero_bin{};  // Z_k
};

class WsqDecoder {
 public:
  WsqDecoder(std::span<const std::uint8_t> file, const std::string& source) : file_(file), source_(source) {}

  Result<GrayImage> Decode();

 private:
  Status Error(std::size_t offset, const std::string& what) const {
    return Status::InvalidArgument(source_ + ": WSQ: " + what + " at byte " + std::to_string(offset));
  }
  Result<std::uint16_t> ReadMarker();
  // The segment body after the 2-byte length field, bounds-checked.
  Result<SegmentReader> ReadSegment();
  Status ParseTransformTable(SegmentReader segment);
  Status ParseQuantizationTable(SegmentReader segment);
  Status ParseHuffmanTables(SegmentReader segment);
  Status ParseFrameHeader(SegmentReader segment);
  Status ParseRestartInterval(SegmentReader segment);
  void ParseComment(SegmentReader segment);
  Status DecodeBlockSegment(SegmentReader segment);
  Result<GrayImage> Reconstruct() const;

  std::span<const std::uint8_t> file_;
  const std::string& source_;
  std::size_t offset_ = 0;
  std::optional<FrameHeader> frame_;
  std::optional<wsq::FilterBank> filters_;
  std::optional<Quantization> quantization_;
  std::array<std::optional<HuffmanTable>, kMaxHuffmanTables> huffman_;
  wsq::SubbandLayout layout_;
  std::size_t expected_coefficients_ = 0;
  std::vector<std::int32_t> coefficients_;
  double resolution_ppi_ = 0;
};

Result<std::uint16_t> WsqDecoder::ReadMarker() {
  if (offset_ + 2 > file_.size()) return Error(offset_, "file ends where a marker is expected");
  std::uint16_t marker = static_cast<std::uint16_t>((file_[offset_] << 8) | file_[offset_ + 1]);
  if ((marker & 0xFF00) != 0xFF00) return Error(offset_, "expected a marker, found bytes " + Hex((file_[offset_] << 8) | file_[offset_ + 1]));
  offset_ += 2;
  return marker;
}

Result<SegmentReader> WsqDecoder::ReadSegment() {
  if (offset_ + 2 > file_.size()) return Error(offset_, "file ends inside a segment length");
  std::size_t length = (static_cast<std::size_t>(file_[offset_]) << 8) | file_[offset_ + 1];
  if (length < 2) return Error(offset_, "segment length " + std::to_string(length) + " is below 2");
  if (offset_ + length > file_.size()) {
    return Error(offset_, "segment of " + std::to_string(length) + " bytes runs past the end of the file");
  }
  SegmentReader segment(file_.subspan(offset_ + 2, length - 2), offset_ + 2);
  offset_ += length;
  return segment;
}

Status WsqDecoder::ParseTransformTable(SegmentReader segment) {
  auto low_size = segment.Read(1);
  auto high_size = segment.Read(1);
  if (!low_size || !high_size) return Error(segment.position(), "transform table too short");
  if (*low_size % 2 == 0 || *high_size % 2 == 0) {
    return Error(segment.position(), "even-length filters (" + std::to_string(*low_size) + "/" +
                                         std::to_string(*high_size) + " taps) are not supported");
  }
  wsq::FilterBank bank;
  auto read_half = [&](std::uint32_t taps, std::vector<float>& half) -> Status {
    std::size_t count = (taps + 1) / 2;
    if (count > kMaxFilterHalf) return Error(segment.position(), "filter of " + std::to_string(taps) + " taps");
    for (std::size_t i = 0; i < count; ++i) {
      auto sign = segment.Read(1);
      auto scale = segment.Read(1);
      auto value = segment.Read(4);
      if (!sign || !scale || !value) return Error(segment.position(), "transform table truncated");
      float tap = ScaledValue(*value, *scale);
      half.push_back(*sign != 0 ? -tap : tap);
    }
    return Status::Ok();
  };
  ABIS_RETURN_IF_ERROR(read_half(*low_size, bank.lowpass_half));
  ABIS_RETURN_IF_ERROR(read_half(*high_size, bank.highpass_half));
  if (segment.remaining() != 0) return Error(segment.position(), "transform table longer than its filters");
  filters_ = std::move(bank);
  return Status::Ok();
}

Status WsqDecoder::ParseQuantizationTable(SegmentReader segment) {
  Quantization q;
  auto scaled = [&]() -> std::optional<float> {
    auto scale = segment.Read(1);
    auto value = segment.Read(2);
    if (!scale || !value) return std::nullopt;
    return ScaledValue(*value, *scale);
  };
  auto center = scaled();
  if (!center) return Error(segment.position(), "quantization table truncated");
  q.bin_center = *center;
  for (int band = 0; band < wsq::kSubbandCount; ++band) {
    auto step = scaled();
    auto zero = scaled();
    if (!step || !zero) return Error(segment.position(), "quantization table truncated at subband " + std::to_string(band));
    q.step[band] = *step;
    q.zero_bin[band] = *zero;
  }
  if (segment.remaining() != 0) return Error(segment.position(), "quantization table longer than 64 subbands");
  quantization_ = q;
  return Status::Ok();
}

Status WsqDecoder::ParseHuffmanTables(SegmentReader segment) {
  while (segment.remaining() > 0) {
    auto id = segment.Read(1);
    if (!id || *id >= kMaxHuffmanTables) return Error(segment.position(), "Huffman table id out of range 0-7");
    std::array<std::uint8_t, 16> counts{};
    std::size_t total = 0;
    for (auto& count : counts) {
      auto c = segment.Read(1);
      if (!c) return Error(segment.position(), "Huffman table truncated");
      count = static_cast<std::uint8_t>(*c);
      total += count;
    }
    if (total > 256 || total > segment.remaining()) {
      return Error(segment.position(), "Huffman table lists " + std::to_string(total) + " values, too many");
    }
    std::vector<std::uint8_t> values(total);
    for (auto& v : values) v = static_cast<std::uint8_t>(*segment.Read(1));
    Result<HuffmanTable> table = HuffmanTable::Build(counts, std::move(values));
    if (!table.ok()) return Error(segment.position(), table.status().message());
    huffman_[*id] = std::move(table).value();
  }
  return Status::Ok();
}

Status WsqDecoder::ParseFrameHeader(SegmentReader segment) {
  if (frame_) return Error(segment.position(), "second frame header");
  auto black = segment.Read(1), white = segment.Read(1), height = segment.Read(2), width = segment.Read(2);
  auto mean_scale = segment.Read(1), mean = segment.Read(2), rescale_scale = segment.Read(1),
       rescale = segment.Read(2), encoder = segment.Read(1), software = segment.Read(2);
  if (!software) return Error(segment.position(), "frame header truncated");
  (void)black, (void)white, (void)encoder;
  if (*width < kMinSide || *height < kMinSide || *width > kWsqMaxSide || *height > kWsqMaxSide ||
      static_cast<std::int64_t>(*width) * *height > kWsqMaxPixels) {
    return Error(segment.position(), "image size " + std::to_string(*width) + "x" + std::to_string(*height) +
                                         " outside " + std::to_string(kMinSide) + "-" + std::to_string(kWsqMaxSide));
  }
  FrameHeader frame;
  frame.width = static_cast<int>(*width);
  frame.height = static_cast<int>(*height);
  frame.mean_shift = ScaledValue(*mean, *mean_scale);
  frame.rescale = ScaledValue(*rescale, *rescale_scale);
  if (!(frame.rescale > 0)) return Error(segment.position(), "rescale factor R is zero");
  frame_ = frame;
  layout_ = wsq::BuildSubbandLayout(frame.width, frame.height);
  return Status::Ok();
}

Status WsqDecoder::ParseRestartInterval(SegmentReader segment) {
  if (!segment.Read(2) || segment.remaining() != 0) return Error(segment.position(), "restart interval segment malformed");
  return Status::Ok();
}

void WsqDecoder::ParseComment(SegmentReader segment) {
  std::span<const std::uint8_t> body = segment.Rest();
  std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  if (!text.starts_with("NIST_COM")) return;
  // NISTCOM: one "NAME value" per line; PPI is the scan resolution (-1 when unknown).
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.starts_with("PPI ")) {
      int ppi = 0;
      std::string_view number = line.substr(4);
      auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), ppi);
      if (ec == std::errc() && ppi > 0 && ppi <= 10000) resolution_ppi_ = ppi;
    }
    start = end + 1;
  }
}

Status WsqDecoder::DecodeBlockSegment(SegmentReader segment) {
  auto table_id = segment.Read(1);
  if (!table_id || segment.remaining() != 0) return Error(segment.position(), "block header malformed");
  if (!frame_ || !quantization_ || !filters_) {
    return Error(segment.position(), "data block before the frame header, transform table and quantization table");
  }
  if (*table_id >= kMaxHuffmanTables || !huffman_[*table_id]) {
    return Error(segment.position(), "block uses undefined Huffman table " + std::to_string(*table_id));
  }
  if (expected_coefficients_ == 0) {
    for (int band = 0; band < wsq::kTransmittedSubbands; ++band) {
      if (quantization_->step[band] != 0.0f) {
        const wsq::Region& r = layout_.subbands[band];
        expected_coefficients_ += static_cast<std::size_t>(r.width) * r.height;
      }
    }
    if (expected_coefficients_ == 0) return Error(segment.position(), "every subband has quantization step 0");
    coefficients_.reserve(expected_coefficients_);
  }
  Result<std::size_t> next =
      wsq::DecodeBlock(file_, offset_, *huffman_[*table_id], expected_coefficients_, coefficients_);
  if (!next.ok()) return Status::InvalidArgument(source_ + ": WSQ: " + next.status().message());
  offset_ = *next;
  return Status::Ok();
}

Result<GrayImage> WsqDecoder::Reconstruct() const {
  const FrameHeader& frame = *frame_;
  const Quantization& q = *quantization_;
  std::vector<float> plane(static_cast<std::size_t>(frame.width) * frame.height, 0.0f);
  std::size_t next = 0;
  for (int band = 0; band < wsq::kTransmittedSubbands; ++band) {
    if (q.step[band] == 0.0f) continue;
    const wsq::Region& r = layout_.subbands[band];
    for (int y = 0; y < r.height; ++y) {
      float* row = plane.data() + static_cast<std::size_t>(r.y + y) * frame.width + r.x;
      for (int x = 0; x < r.width; ++x) {
        std::int32_t k = coefficients_[next++];
        // Dequantisation with bin centre C and zero bin Z (Part 1, the inverse quantiser):
        // evaluated in the reference decoder's mixed float/double precision.
        if (k > 0) {
          row[x] = static_cast<float>(static_cast<double>(q.step[band] * (static_cast<float>(k) - q.bin_center)) +
                                      static_cast<double>(q.zero_bin[band]) / 2.0);
        } else if (k < 0) {
          row[x] = static_cast<float>(static_cast<double>(q.step[band] * (static_cast<float>(k) + q.bin_center)) -
                                      static_cast<double>(q.zero_bin[band]) / 2.0);
        }
      }
    }
  }
  wsq::Synthesize(layout_, *filters_, frame.width, plane);

  GrayImage image;
  image.width = frame.width;
  image.height = frame.height;
  image.resolution_ppi = resolution_ppi_;
  image.pixels.resize(plane.size());
  for (std::size_t i = 0; i < plane.size(); ++i) {
    float value = plane[i] * frame.rescale + frame.mean_shift + 0.5f;
    image.pixels[i] = value < 0.0f ? 0 : value > 255.0f ? 255 : static_cast<std::uint8_t>(value);
  }
  return image;
}

Result<GrayImage> WsqDecoder::Decode() {
  if (!LooksLikeWsq(file_)) return Error(0, "missing start-of-image marker FFA0");
  offset_ = 2;
  while (true) {
    std::size_t marker_offset = offset_;
    ABIS_ASSIGN_OR_RETURN(std::uint16_t marker, ReadMarker());
    if (marker == kEndOfImage) break;
    if (marker < kStartOfFrame || marker > kComment) {
      return Error(marker_offset, "unexpected marker " + Hex(marker));
    }
    ABIS_ASSIGN_OR_RETURN(SegmentReader segment, ReadSegment());
    switch (marker) {
      case kTransformTable: ABIS_RETURN_IF_ERROR(ParseTransformTable(segment)); break;
      case kQuantizationTable: ABIS_RETURN_IF_ERROR(ParseQuantizationTable(segment)); break;
      case kHuffmanTable: ABIS_RETURN_IF_ERROR(ParseHuffmanTables(segment)); break;
      case kStartOfFrame: ABIS_RETURN_IF_ERROR(ParseFrameHeader(segment)); break;
      case kRestartInterval: ABIS_RETURN_IF_ERROR(ParseRestartInterval(segment)); break;
      case kComment: ParseComment(segment); break;
      case kStartOfBlock: ABIS_RETURN_IF_ERROR(DecodeBlockSegment(segment)); break;
      default: return Error(marker_offset, "unexpected marker");
    }
  }
  if (!frame_) return Error(offset_, "no frame header before end of image");
  if (expected_coefficients_ == 0 || coefficients_.size() != expected_coefficients_) {
    return Error(offset_, "data blocks hold " + std::to_string(coefficients_.size()) + " coefficients, the frame needs " +
                              std::to_string(expected_coefficients_));
  }
  return Reconstruct();
}

}  // namespace

bool LooksLikeWsq(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && ((bytes[0] << 8) | bytes[1]) == kStartOfImage;
}

Result<GrayImage> DecodeWsq(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  WsqDecoder decoder(bytes, source_name);
  return decoder.Decode();
}

}  // namespace abis::finger
