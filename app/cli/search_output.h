#pragma once

// What `semsearch-cli search` prints: JSON, or text for a terminal (search_output.cpp).

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/searcher.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace semsearch::cli {

struct SearchRequest {
    QString query; // the words typed; empty with --like
    QString like;  // the file of --like; empty otherwise
    SearchOptions options;
    bool passages = false; // --passages
    bool json = false;     // --json
    bool marks = false;    // text output marks the query's words (--color)
};

// The passages as printed. JSON: {"query": QUERY, "results": [...]}, each result with its path,
// machine (on a shared index: the one that indexed it), score, text, line, byte range,
// best_sentences (by meaning; empty without a model, as in keyword mode) and keyword_hits (byte
// ranges in the file). Text: a line of score, path and line number (then "(on MACHINE)" when
// another machine indexed it), then the text on one line, the query's words marked when
// `marks`.
// Errors: the embedder's, for best_sentences.
Result<QByteArray> passagesOutput(Embedder* embedder, const SearchRequest& request,
                                  const std::vector<PassageHit>& hits);
// The documents as printed, the same way, each with its passages and "duplicates" (the paths of
// identical copies; text: an "also in" line each). JSON for --like: {"like": FILE, ...}.
// "no results" (text) when there are none.
Result<QByteArray> documentsOutput(Embedder* embedder, const SearchRequest& request,
                                   const std::vector<DocumentHit>& hits);

// One line of a passage for the terminal: whitespace runs as one space, other control
// characters escaped (escapedText), cut after 200 characters; with `marks`, each `matches`
// range (positions in `text`) between the SGR sequences for bold red and back, as grep
// --color does.
QString snippetLine(const QString& text, const std::vector<KeywordMatch>& matches, bool marks);

} // namespace semsearch::cli
