#pragma once

// Text that comes from outside the program (a server's headers, a model's files, a tensor's
// name, a file name) made safe to show on a terminal or in a label. A terminal acts on escape
// sequences (erase the line, set the title, an OSC 8 hyperlink that shows one address and opens
// another), a carriage return rewrites what was printed, and the bidirectional formatting
// characters reorder a line so that it reads differently from what it holds. Everything that
// prints or shows such text passes it through printableText() first.

#include <QByteArrayView>
#include <QString>
#include <QStringView>

namespace semsearch {

// No limit on the length.
constexpr qsizetype kUnlimitedLength = -1;

// `text` with everything that could act on a terminal or reorder a line made visible and inert:
//  - an escape sequence (ESC or a C1 introducer such as U+009B CSI, with its parameters up to
//    its final character; OSC, DCS, APC, PM and SOS strings up to their terminator when they
//    have one) becomes one U+FFFD;
//  - every other control character (C0 including tab, carriage return and newline, DEL, C1),
//    U+2028 and U+2029, the bidirectional formatting characters (U+061C, U+200E, U+200F,
//    U+202A-U+202E, U+2066-U+2069) and unpaired surrogates each become U+FFFD.
// Letters, marks, symbols, emoji and spaces of every script are kept. When `maxCharacters` is
// not kUnlimitedLength, the result is cut to that many characters and "..." is appended.
QString printableText(QStringView text, qsizetype maxCharacters = kUnlimitedLength);

// The same for bytes meant as UTF-8: invalid sequences become U+FFFD first.
QString printableText(QByteArrayView utf8, qsizetype maxCharacters = kUnlimitedLength);

// For text the user must be able to recognise, above all file names, which may hold anything
// but '/' and NUL: every character printableText() replaces is written out visibly instead, so
// a name holding a newline stays on its line and still reads as that name. \n, \r and \t as
// such, other C0 controls and DEL as \xHH (ESC is \x1B, and what follows it is then plain text
// that no terminal acts on), C1 controls, U+2028, U+2029, the bidirectional formatting
// characters and unpaired surrogates as \uHHHH. Backslashes are left as they are: "a\nb" with
// a real backslash reads the same as an escaped newline, the price of ordinary names staying
// unchanged (JSON output is exact).
QString escapedText(QStringView text);

} // namespace semsearch
