#pragma once

// The tokenizer of the keyword index, registered with SQLite's FTS5 as "semsearch" on every
// connection of the store (FTS5 looks tokenizers up per connection, so a connection without it
// cannot read or write the keyword index: that includes the sqlite3 shell).
//
// What it matches (the README says the same to users):
//  - Words as FTS5's unicode61 tokenizer cuts them (letters, digits and marks of every script;
//    everything else separates), case-folded and with diacritics removed (remove_diacritics 2):
//    "Élan" = "elan". No stemming: "indexes" does not find "index". Scripts written without
//    spaces (Chinese, Japanese) are one token per run of text, so a word inside such a run is not
//    found on its own.
//  - Identifiers whole and in parts: a run of word characters joined by '_' or '.', or written
//    in CamelCase, is indexed as the whole token ("snake_case", "v1.2.3", "camelcase") and, at
//    the same position, as its parts ("snake", "case"; "v1", "2", "3"; "camel", "case"). A query
//    word is looked up whole only, so "snake_case" finds "snake_case" but not "snake case", and
//    "snake" finds both. CamelCase boundaries are seen between ASCII letters only. A '.' or '_'
//    at either end of a token is not part of it ("end." is "end").

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

struct sqlite3;

namespace semsearch {

// The name the keyword index's table is declared with (tokenize = 'semsearch').
inline constexpr const char* kKeywordTokenizerName = "semsearch";

// Registers the tokenizer on `db`. Unsupported when this SQLite has no FTS5 (Debian's has);
// the message names `file`.
Result<void> registerKeywordTokenizer(sqlite3* db, const QString& file);

// The tokens a query for `text` looks up, as FTS5 will cut it (FTS5_TOKENIZE_QUERY: identifiers
// whole, no parts), through the tokenizer registered on `db`. Errors name `file`.
Result<QStringList> keywordQueryTokens(sqlite3* db, const QString& text, const QString& file);

} // namespace semsearch
