#pragma once

// A passage's text as one tidy line for a result list, with its emphasised ranges carried
// along. Positions are QString indices (UTF-16 code units).

#include <QList>
#include <QPair>
#include <QString>

namespace semsearch::services {

// Half-open character ranges [first, second).
using TextRanges = QList<QPair<int, int>>;

// Sorted by start, clamped to [0, length], empty ranges dropped, overlapping or touching ones
// merged.
TextRanges normalizedRanges(TextRanges ranges, int length);

struct SnippetText {
    QString text;        // every run of whitespace (QChar::isSpace) one space; trimmed
    TextRanges emphasis; // the given ranges moved to `text`'s coordinates, normalized
};

// Collapses the whitespace of `text` and maps `ranges` (in `text`'s coordinates) along: a
// range keeps exactly the characters it covered, with each run of whitespace inside it counted
// as the one space that replaces it (whitespace at a range's end is dropped with the trim).
SnippetText collapseWhitespace(const QString& text, const TextRanges& ranges = {});

} // namespace semsearch::services
