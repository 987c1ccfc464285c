#include "abis/core/text_validation.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace abis {
namespace {

// Decodes the code point at `text[at]`, or nothing when the bytes there are not well-formed UTF-8.
// `length` receives the number of bytes it occupies (1 for a bad byte, so a walk moves on).
std::optional<char32_t> DecodeAt(std::string_view text, std::size_t at, std::size_t& length) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  length = 1;
  unsigned char lead = byte(at);
  if (lead < 0x80) return lead;
  std::size_t extra = 0;
  char32_t code = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, code = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, code = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, code = lead & 0x07, minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (at + extra >= text.size()) return std::nullopt;  // cut off inside the character
  for (std::size_t i = 1; i <= extra; ++i) {
    unsigned char next = byte(at + i);
    if ((next & 0xC0) != 0x80) return std::nullopt;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return std::nullopt;
  length = extra + 1;
  return code;
}

bool IsControl(char32_t code) { return code < 0x20 || (code >= 0x7F && code <= 0x9F); }

// Characters that change how text around them is displayed without showing themselves: the
// bidirectional controls (a right-to-left override makes "P-1[RLO]gpj.exe" read backwards) and
// zero-width or line-separating ones.
bool IsFormatting(char32_t code) {
  return code == 0x00AD || code == 0x034F || code == 0x061C || code == 0x115F || code == 0x1160 ||
         code == 0x17B4 || code == 0x17B5 || (code >= 0x180B && code <= 0x180E) || (code >= 0x200B && code <= 0x200F) ||
         (code >= 0x2028 && code <= 0x202E) || (code >= 0x2060 && code <= 0x206F) || code == 0x2800 ||
         code == 0x3164 || (code >= 0xFE00 && code <= 0xFE0F) || code == 0xFEFF || code == 0xFFA0 ||
         (code >= 0xFFF9 && code <= 0xFFFB) || (code >= 0x1D173 && code <= 0x1D17A) ||
         (code >= 0xE0000 && code <= 0xE0FFF);  // tags and variation selectors supplement
}

bool IsOtherWhitespace(char32_t code) {
  return code == 0x85 || code == 0xA0 || code == 0x1680 || (code >= 0x2000 && code <= 0x200A) || code == 0x202F ||
         code == 0x205F || code == 0x3000;
}

std::string Describe(char32_t code) { return fmt::format("U+{:04X}", static_cast<std::uint32_t>(code)); }

// The first character that is not allowed in any kept text, as an error naming `field`.
Status CheckCharacters(std::string_view value, std::string_view field) {
  std::size_t at = 0;
  while (at < value.size()) {
    std::size_t length = 1;
    std::optional<char32_t> code = DecodeAt(value, at, length);
    if (!code) {
      return Status::InvalidArgument(fmt::format("{} is not valid UTF-8 (byte {}: 0x{:02X})", field, at,
                                                 static_cast<unsigned char>(value[at])));
    }
    if (IsControl(*code)) {
      return Status::InvalidArgument(
          fmt::format("{} holds a control character ({}) at byte {}", field, Describe(*code), at));
    }
    if (IsFormatting(*code)) {
      return Status::InvalidArgument(fmt::format(
          "{} holds an invisible or bidirectional formatting character ({}) at byte {}", field, Describe(*code), at));
    }
    at += length;
  }
  return Status::Ok();
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t length = 1;
    if (!DecodeAt(text, at, length)) return false;
    at += length;
  }
  return true;
}

Status ValidateIdentifier(std::string_view value, std::string_view field, std::size_t max_bytes) {
  if (value.empty()) return Status::InvalidArgument(fmt::format("{} is empty", field));
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(fmt::format("{} is {} bytes long; at most {} are allowed", field, value.size(), max_bytes));
  }
  ABIS_RETURN_IF_ERROR(CheckCharacters(value, field));
  if (value.front() == ' ' || value.back() == ' ') {
    return Status::InvalidArgument(fmt::format("{} '{}' starts or ends with a space", field, EscapeForDisplay(value)));
  }
  if (value.front() == '-') {
    return Status::InvalidArgument(fmt::format("{} '{}' starts with '-'", field, EscapeForDisplay(value)));
  }
  if (value == "." || value == "..") {
    return Status::InvalidArgument(fmt::format("{} '{}' would read as a path step", field, value));
  }
  std::size_t at = 0;
  bool previous_space = false;
  while (at < value.size()) {
    std::size_t length = 1;
    char32_t code = *DecodeAt(value, at, length);
    if (IsOtherWhitespace(code)) {
      return Status::InvalidArgument(fmt::format("{} holds a whitespace character other than a space ({}) at byte {}",
                                                 field, Describe(code), at));
    }
    if (code == ' ' && previous_space) {
      return Status::InvalidArgument(fmt::format("{} '{}' holds two spaces in a row", field, EscapeForDisplay(value)));
    }
    previous_space = code == ' ';
    at += length;
  }
  return Status::Ok();
}

Status ValidateFreeText(std::string_view value, std::string_view field, std::size_t max_bytes, bool required) {
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(fmt::format("{} is {} bytes long; at most {} are allowed", field, value.size(), max_bytes));
  }
  ABIS_RETURN_IF_ERROR(CheckCharacters(value, field));
  if (required) {
    bool blank = true;
    std::size_t at = 0;
    while (at < value.size() && blank) {
      std::size_t length = 1;
      char32_t code = *DecodeAt(value, at, length);
      blank = code == ' ' || IsOtherWhitespace(code);
      at += length;
    }
    if (blank) return Status::InvalidArgument(fmt::format("{} is required and must not be blank", field));
  }
  return Status::Ok();
}

std::string EscapeForDisplay(std::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    std::size_t length = 1;
    std::optional<char32_t> code = DecodeAt(text, at, length);
    if (!code) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[at]));
    } else if (*code == '\\') {
      out += "\\\\";
    } else if (IsControl(*code) || IsFormatting(*code)) {
      out += *code < 0x100 ? fmt::format("\\x{:02X}", static_cast<std::uint32_t>(*code))
                           : fmt::format("\\u{{{:04X}}}", static_cast<std::uint32_t>(*code));
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return out;
}

}  // namespace abis
