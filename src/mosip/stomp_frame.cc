#include "abis/mosip/stomp_frame.h"

#include <charconv>

namespace abis::mosip {

namespace {

bool EscapesHeaders(std::string_view command) { return command != "CONNECT" && command != "CONNECTED"; }

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case ':': out += "\\c"; break;
      default: out += c;
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return Status::InvalidArgument("STOMP header ends in a lone backslash");
    switch (text[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'c': out += ':'; break;
      default: return Status::InvalidArgument(std::string("STOMP header has an undefined escape \\") + text[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> StompFrame::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string EncodeStompFrame(const StompFrame& frame) {
  const bool escape = EscapesHeaders(frame.command);
  std::string out = frame.command + "\n";
  for (const auto& [key, value] : frame.headers) {
    if (key == "content-length") continue;
    out += (escape ? Escape(key) : key) + ":" + (escape ? Escape(value) : value) + "\n";
  }
  if (!frame.body.empty()) out += "content-length:" + std::to_string(frame.body.size()) + "\n";
  out += "\n";
  out += frame.body;
  out.push_back('\0');
  return out;
}

Result<std::optional<StompFrame>> StompFrameDecoder::Next() {
  if (!failed_.ok()) return failed_;
  auto fail = [this](std::string message) {
    failed_ = Status::InvalidArgument("STOMP: " + std::move(message));
    return failed_;
  };
  // Heart-beats and the EOLs some brokers put after the NUL.
  std::size_t start = 0;
  while (start < buffer_.size() && (buffer_[start] == '\n' || buffer_[start] == '\r')) ++start;
  buffer_.erase(0, start);
  if (buffer_.empty()) return std::optional<StompFrame>();

  const std::size_t header_end = buffer_.find("\n\n");
  const std::size_t header_end_crlf = buffer_.find("\r\n\r\n");
  std::size_t body_start = std::string::npos;
  std::size_t headers_length = 0;
  if (header_end != std::string::npos && (header_end_crlf == std::string::npos || header_end < header_end_crlf)) {
    headers_length = header_end;
    body_start = header_end + 2;
  } else if (header_end_crlf != std::string::npos) {
    headers_length = header_end_crlf;
    body_start = header_end_crlf + 4;
  }
  if (body_start == std::string::npos) {
    if (buffer_.size() > max_frame_bytes_) return fail("frame header exceeds " + std::to_string(max_frame_bytes_) + " bytes");
    return std::optional<StompFrame>();
  }

  StompFrame frame;
  std::string_view head(buffer_.data(), headers_length);
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos <= head.size();) {
    std::size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  frame.command = std::string(lines.front());
  if (frame.command.empty()) return fail("frame without a command");
  const bool escaped = EscapesHeaders(frame.command);
  std::optional<std::size_t> content_length;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) return fail("header line without ':' in " + frame.command + " frame");
    std::string key(lines[i].substr(0, colon));
    std::string value(lines[i].substr(colon + 1));
    if (escaped) {
      Result<std::string> unescaped_key = Unescape(key);
      Result<std::string> unescaped_value = Unescape(value);
      if (!unescaped_key.ok()) return fail(unescaped_key.status().message());
      if (!unescaped_value.ok()) return fail(unescaped_value.status().message());
      key = std::move(unescaped_key).value();
      value = std::move(unescaped_value).value();
    }
    if (key == "content-length" && !content_length) {
      std::size_t length = 0;
      auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (error != std::errc() || ptr != value.data() + value.size()) return fail("bad content-length \"" + value + "\"");
      if (length > max_frame_bytes_) return fail("content-length " + value + " exceeds the frame limit");
      content_length = length;
    }
    frame.headers.emplace_back(std::move(key), std::move(value));
  }

  std::size_t body_end = 0;
  if (content_length) {
    if (buffer_.size() < body_start + *content_length + 1) return std::optional<StompFrame>();
    body_end = body_start + *content_length;
    if (buffer_[body_end] != '\0') return fail("body of " + frame.command + " frame not followed by NUL");
  } else {
    body_end = buffer_.find('\0', body_start);
    if (body_end == std::string::npos) {
      if (buffer_.size() > max_frame_bytes_) return fail("frame exceeds " + std::to_string(max_frame_bytes_) + " bytes");
      return std::optional<StompFrame>();
    }
  }
  frame.body = buffer_.substr(body_start, body_end - body_start);
  buffer_.erase(0, body_end + 1);
  return std::optional<StompFrame>(std::move(frame));
}

}  // namespace abis::mosip
