// STOMP 1.2 frames (https://stomp.github.io/stomp-specification-1.2.html): the wire format the
// MOSIP ABIS transport speaks to Debian's ActiveMQ (which has a STOMP connector but, as packaged
// in Debian 12, no AMQP 1.0 connector). Encoding and an incremental, size-bounded decoder.
// Thread-safety: plain values; a decoder is used by one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abis/core/status.h"

namespace abis::mosip {

struct StompFrame {
  std::string command;                                       // "CONNECT", "SEND", "MESSAGE", ...
  std::vector<std::pair<std::string, std::string>> headers;  // unescaped, in order; first wins
  std::string body;

  // The first value of `name`, or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// Serialises a frame: headers escaped (except for CONNECT/CONNECTED, as 1.2 requires), a
// content-length header added when the body is not empty, NUL terminator.
std::string EncodeStompFrame(const StompFrame& frame);

// Accumulates bytes from the socket and yields complete frames. Heart-beat newlines between
// frames are skipped. Fails (and stays failed) on a malformed frame or one larger than the limit.
class StompFrameDecoder {
 public:
  explicit StompFrameDecoder(std::size_t max_frame_bytes = std::size_t{16} << 20) : max_frame_bytes_(max_frame_bytes) {}

  void Append(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, nullopt when more bytes are needed, or an error.
  Result<std::optional<StompFrame>> Next();

 private:
  std::size_t max_frame_bytes_;
  std::string buffer_;
  Status failed_;
};

}  // namespace abis::mosip
