#pragma once

// Text from files (names, passages) on its way to a terminal.

#include <QString>

namespace semsearch::cli {

// `text` with every character a terminal would act on written out visibly instead: \n, \r and
// \t as such, other C0 controls and DEL as \xHH (ESC is \x1B), C1 controls and the
// bidirectional controls that reorder what follows (U+200E, U+200F, U+061C, U+202A-U+202E,
// U+2066-U+2069) as \uHHHH. So a name holding a newline stays on its line, and a file cannot
// move the cursor, set the window title, plant a hyperlink or reverse the text after it.
// Backslashes are left as they are: "a\nb" with a real backslash reads the same as an escaped
// newline, which is the price of ordinary names staying unchanged; --json is exact.
QString terminalSafe(const QString& text);

} // namespace semsearch::cli
