#pragma once

// Reading one line of JSON Lines input that must hold exactly one JSON string (the --jsonl
// input of embed and tokenize).

#include "semsearch/error.h"

#include <QByteArrayView>
#include <QString>

namespace semsearch::cli {

// Parses `line` as one JSON string, strictly per RFC 8259: optional JSON whitespace (space,
// tab, CR, LF) around a double-quoted string whose raw bytes are valid UTF-8, with no raw
// control character (U+0000-U+001F) and only the escapes \" \\ \/ \b \f \n \r \t and \uXXXX.
// A \uXXXX pair of surrogates makes one character; a lone surrogate escape is kept as that
// code unit (the grammar allows it, and Python's json reads it the same way).
// Errors: InvalidArgument whose message is a short lower-case description of the first
// problem without any location (for example "\x is not a JSON escape"), for the caller to put
// after "stdin line N: ".
Result<QString> parseJsonTextLine(QByteArrayView line);

} // namespace semsearch::cli
