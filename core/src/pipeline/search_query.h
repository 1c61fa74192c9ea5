#pragma once

// The query language of `search`, the same in the CLI and the window:
//   words            plain words; any of them may match (keyword search ranks by BM25)
//   "a phrase"       the words in this order, adjacent (after the keyword index's normalisation)
//   -word, -"phrase" leaves out every document that contains it
// Anything else is read as plain words, never as an error: a quote without its partner is
// ignored, a '-' that does not start a word ("a - b", "--", "x-ray") is an ordinary character.

#include <QString>
#include <QStringList>

namespace semsearch {

struct SearchQuery {
    // What the model embeds: the words and phrases in their order, without the quote marks and
    // without the excluded terms. A query without any syntax is embedded as it was typed
    // (spacing aside), so semantic search is unchanged by the query language.
    QString semanticText;
    QStringList words;    // plain words that hold a letter or digit, in query order
    QStringList phrases;  // quoted phrases that hold a letter or digit
    QStringList excluded; // excluded words and phrases

    // Terms the keyword index can look up: words and phrases.
    QStringList keywordTerms() const { return words + phrases; }
};

SearchQuery parseSearchQuery(const QString& text);

} // namespace semsearch
