// Tests only: encodes a grey image as a lossless JP2 file in memory with OpenJPEG, and builds
// ISO/IEC 19794-4/-5:2011 records and CBEFF XML around it, so that the readers are tested on data
// the test makes itself.
#pragma once

#include <openjpeg.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace abis::interop::testing {

struct MemorySink {
  std::vector<std::uint8_t> bytes;
  std::size_t position = 0;
};

inline OPJ_SIZE_T SinkWrite(void* buffer, OPJ_SIZE_T count, void* user) {
  auto* sink = static_cast<MemorySink*>(user);
  if (sink->position + count > sink->bytes.size()) sink->bytes.resize(sink->position + count);
  std::memcpy(sink->bytes.data() + sink->position, buffer, count);
  sink->position += count;
  return count;
}
inline OPJ_OFF_T SinkSkip(OPJ_OFF_T count, void* user) {
  auto* sink = static_cast<MemorySink*>(user);
  sink->position += static_cast<std::size_t>(count);
  if (sink->position > sink->bytes.size()) sink->bytes.resize(sink->position);
  return count;
}
inline OPJ_BOOL SinkSeek(OPJ_OFF_T offset, void* user) {
  auto* sink = static_cast<MemorySink*>(user);
  sink->position = static_cast<std::size_t>(offset);
  if (sink->position > sink->bytes.size()) sink->bytes.resize(sink->position);
  return OPJ_TRUE;
}

// Lossless (5-3 reversible wavelet) JP2 of an 8-bit image with 1 or 3 interleaved channels.
// Returns an empty vector when OpenJPEG fails.
inline std::vector<std::uint8_t> EncodeJp2Lossless(int width, int height, int channels,
                                                   const std::vector<std::uint8_t>& pixels) {
  std::vector<opj_image_cmptparm_t> parameters(static_cast<std::size_t>(channels));
  for (auto& p : parameters) {
    std::memset(&p, 0, sizeof(p));
    p.dx = 1;
    p.dy = 1;
    p.w = static_cast<OPJ_UINT32>(width);
    p.h = static_cast<OPJ_UINT32>(height);
    p.prec = 8;
    p.sgnd = 0;
  }
  opj_image_t* image = opj_image_create(static_cast<OPJ_UINT32>(channels), parameters.data(),
                                        channels == 1 ? OPJ_CLRSPC_GRAY : OPJ_CLRSPC_SRGB);
  if (image == nullptr) return {};
  image->x1 = static_cast<OPJ_UINT32>(width);
  image->y1 = static_cast<OPJ_UINT32>(height);
  for (int c = 0; c < channels; ++c) {
    for (int i = 0; i < width * height; ++i) image->comps[c].data[i] = pixels[static_cast<std::size_t>(i * channels + c)];
  }
  opj_cparameters_t encode;
  opj_set_default_encoder_parameters(&encode);
  encode.tcp_numlayers = 1;
  encode.tcp_rates[0] = 0;  // lossless
  encode.cp_disto_alloc = 1;
  // Each resolution level halves the image: keep the smallest level at least one pixel wide.
  encode.numresolution = 1;
  while (encode.numresolution < 6 && (std::min(width, height) >> encode.numresolution) > 0) ++encode.numresolution;
  opj_codec_t* codec = opj_create_compress(OPJ_CODEC_JP2);
  MemorySink sink;
  opj_stream_t* stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
  opj_stream_set_user_data(stream, &sink, nullptr);
  opj_stream_set_write_function(stream, SinkWrite);
  opj_stream_set_skip_function(stream, SinkSkip);
  opj_stream_set_seek_function(stream, SinkSeek);
  const bool ok = opj_setup_encoder(codec, &encode, image) && opj_start_compress(codec, image, stream) &&
                  opj_encode(codec, stream) && opj_end_compress(codec, stream);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(image);
  return ok ? sink.bytes : std::vector<std::uint8_t>{};
}

inline void PutU8(std::vector<std::uint8_t>& out, std::uint32_t v) { out.push_back(static_cast<std::uint8_t>(v)); }
inline void PutU16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  PutU8(out, v >> 8);
  PutU8(out, v);
}
inline void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  PutU16(out, v >> 16);
  PutU16(out, v);
}

// An ISO/IEC 19794-4:2011 record with one representation, laid out as MOSIP writes it (one quality
// block, no certification), compression 5 (JPEG 2000 lossless), 500 ppi.
inline std::vector<std::uint8_t> BuildFingerRecord(int position, int width, int height,
                                                   const std::vector<std::uint8_t>& image, int compression = 5) {
  std::vector<std::uint8_t> representation;
  PutU32(representation, 0);  // length, patched below
  PutU16(representation, 2024);
  for (int v : {5, 17, 10, 30, 0}) PutU8(representation, static_cast<std::uint32_t>(v));
  PutU16(representation, 0);
  PutU8(representation, 0);   // technology
  PutU16(representation, 0);  // vendor
  PutU16(representation, 0);  // type
  PutU8(representation, 1);   // one quality block
  PutU8(representation, 77);
  PutU16(representation, 0x40);
  PutU16(representation, 0x0F);
  PutU8(representation, static_cast<std::uint32_t>(position));
  PutU8(representation, 1);  // representation number
  PutU8(representation, 1);  // ppi
  for (int i = 0; i < 4; ++i) PutU16(representation, 500);
  PutU8(representation, 8);
  PutU8(representation, static_cast<std::uint32_t>(compression));
  PutU8(representation, 0);  // live-scan plain
  PutU16(representation, static_cast<std::uint32_t>(width));
  PutU16(representation, static_cast<std::uint32_t>(height));
  PutU32(representation, static_cast<std::uint32_t>(image.size()));
  representation.insert(representation.end(), image.begin(), image.end());
  const auto representation_length = static_cast<std::uint32_t>(representation.size());
  for (int i = 0; i < 4; ++i) representation[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(representation_length >> (24 - 8 * i));

  std::vector<std::uint8_t> record = {'F', 'I', 'R', 0, '0', '2', '0', 0};
  PutU32(record, 16 + representation_length);
  PutU16(record, 1);
  PutU8(record, 0);  // no certification
  PutU8(record, 1);
  record.insert(record.end(), representation.begin(), representation.end());
  return record;
}

// An ISO/IEC 19794-5:2011 record with one representation (no landmarks), image data type `type`.
inline std::vector<std::uint8_t> BuildFaceRecord(int width, int height, const std::vector<std::uint8_t>& image,
                                                 int type) {
  std::vector<std::uint8_t> representation;
  PutU32(representation, 0);
  PutU16(representation, 2024);
  for (int v : {5, 17, 10, 30, 0}) PutU8(representation, static_cast<std::uint32_t>(v));
  PutU16(representation, 0);
  PutU8(representation, 0);
  PutU16(representation, 0);
  PutU16(representation, 0);
  PutU8(representation, 0);  // no quality block
  PutU16(representation, 0);  // no landmarks
  for (int i = 0; i < 4; ++i) PutU8(representation, 0);
  PutU8(representation, 0);
  PutU16(representation, 0);  // property mask (3 bytes)
  PutU16(representation, 0);  // expression
  for (int i = 0; i < 6; ++i) PutU8(representation, 0);
  PutU8(representation, 1);  // basic
  PutU8(representation, static_cast<std::uint32_t>(type));
  PutU16(representation, static_cast<std::uint32_t>(width));
  PutU16(representation, static_cast<std::uint32_t>(height));
  PutU8(representation, 0);
  PutU16(representation, 0);
  PutU8(representation, 0);
  PutU8(representation, 0);
  PutU32(representation, static_cast<std::uint32_t>(image.size()));
  representation.insert(representation.end(), image.begin(), image.end());
  const auto representation_length = static_cast<std::uint32_t>(representation.size());
  for (int i = 0; i < 4; ++i) representation[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(representation_length >> (24 - 8 * i));
  std::vector<std::uint8_t> record = {'F', 'A', 'C', 0, '0', '3', '0', 0};
  PutU32(record, 17 + representation_length);
  PutU16(record, 1);
  PutU8(record, 0);
  PutU16(record, 0);
  record.insert(record.end(), representation.begin(), representation.end());
  return record;
}

// URL-safe base64 without padding, as MOSIP writes BDBs.
inline std::string EncodeBase64Url(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::uint8_t byte : bytes) {
    accumulator = (accumulator << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(accumulator >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(accumulator << (6 - bits)) & 0x3F]);
  return out;
}

struct TestBir {
  std::string type;     // "Finger", "Face", "Iris"
  std::string subtype;  // "Right IndexFinger", "" for none
  std::string format_type;
  std::string bdb;      // as written in the XML
};

// A MOSIP-style CBEFF document holding the given BIRs.
inline std::string BuildCbeffXml(const std::vector<TestBir>& birs) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<BIR xmlns="http://standards.iso.org/iso-iec/19785/-3/ed-2/"><BIRInfo><Integrity>false</Integrity></BIRInfo>)";
  for (const TestBir& bir : birs) {
    xml += "<BIR><Version><Major>1</Major><Minor>1</Minor></Version>"
           "<CBEFFVersion><Major>1</Major><Minor>1</Minor></CBEFFVersion>"
           "<BIRInfo><Integrity>false</Integrity></BIRInfo><BDBInfo><Format><Organization>Mosip</Organization><Type>" +
           bir.format_type + "</Type></Format><CreationDate>2024-05-17T10:30:00.000Z</CreationDate><Type>" + bir.type +
           "</Type>" + (bir.subtype.empty() ? "" : "<Subtype>" + bir.subtype + "</Subtype>") +
           "<Level>Raw</Level><Purpose>Enroll</Purpose><Quality><Algorithm><Organization>HMAC</Organization>"
           "<Type>SHA-256</Type></Algorithm><Score>88</Score></Quality></BDBInfo><BDB>" +
           bir.bdb + "</BDB></BIR>";
  }
  xml += "</BIR>";
  return xml;
}

// A deterministic grey test pattern (ridges-like stripes plus a gradient).
inline std::vector<std::uint8_t> TestPattern(int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width * height));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      pixels[static_cast<std::size_t>(y * width + x)] = static_cast<std::uint8_t>(((x + 2 * y) % 9 < 4 ? 40 : 200) + (y % 16));
    }
  }
  return pixels;
}

}  // namespace abis::interop::testing
