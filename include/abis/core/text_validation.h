// Rules for text that comes from outside and is kept or shown: identifiers (person ids, case
// references, gallery names, user names) and free text (legal basis, reasons). Every check
// returns a Status that names the field and the position of the first bad character, and never
// quotes the offending bytes raw (they may be invalid UTF-8 or terminal escapes): messages show
// the value through EscapeForDisplay.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// An identifier: 1..max_bytes bytes of valid UTF-8, no control characters (C0, DEL, C1), no
// bidirectional or invisible characters (soft hyphen, zero-width and bidi controls, fillers,
// variation selectors, tags: see IsFormatting in the .cc), no whitespace other than single
// spaces between words (none at either end), not starting with '-' (it would read as an
// option), and not "." or ".." (path steps). `field` names it in the error.
Status ValidateIdentifier(std::string_view value, std::string_view field, std::size_t max_bytes);

// Free text (a legal basis, a reason, a description): at most max_bytes bytes of valid UTF-8
// without control or bidirectional/invisible characters. With `required`, it must hold something
// other than whitespace (any Unicode space counts as blank).
Status ValidateFreeText(std::string_view value, std::string_view field, std::size_t max_bytes, bool required);

// `text` made safe to print on a terminal or in a one-line message: control characters, the
// formatting characters above and bytes that are not valid UTF-8 become \xNN or \u{NNNN}; a
// backslash becomes "\\". Printable UTF-8 is kept. Longer than `max_bytes`: cut, with "...".
std::string EscapeForDisplay(std::string_view text, std::size_t max_bytes = 200);

}  // namespace abis
