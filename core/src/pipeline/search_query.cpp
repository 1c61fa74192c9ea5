#include "pipeline/search_query.h"

#include <algorithm>

namespace semsearch {

namespace {

bool holdsWordCharacter(const QString& term) {
    return std::any_of(term.begin(), term.end(), [](QChar c) { return c.isLetterOrNumber(); });
}

// A '-' excludes what follows only at the start of a term and right before a word or a quote.
bool startsExclusion(const QString& text, qsizetype at) {
    if (text[at] != QLatin1Char('-') || at + 1 >= text.size())
        return false;
    if (at > 0 && !text[at - 1].isSpace())
        return false;
    const QChar next = text[at + 1];
    return next.isLetterOrNumber() || next == QLatin1Char('"') || next == QLatin1Char('_');
}

struct Term {
    QString text;
    bool phrase = false;
    bool excluded = false;
};

// Reads the term starting at `at` (not a space) and moves `at` past it.
Term readTerm(const QString& text, qsizetype& at) {
    Term term;
    if (startsExclusion(text, at)) {
        term.excluded = true;
        ++at;
    }
    if (text[at] == QLatin1Char('"')) {
        const qsizetype close = text.indexOf(QLatin1Char('"'), at + 1);
        if (close > at) {
            term.text = text.mid(at + 1, close - at - 1).simplified();
            term.phrase = true;
            at = close + 1;
            return term;
        }
        ++at; // a quote without its partner is no syntax
    }
    const qsizetype start = at;
    while (at < text.size() && !text[at].isSpace() && text[at] != QLatin1Char('"'))
        ++at;
    term.text = text.mid(start, at - start);
    return term;
}

} // namespace

SearchQuery parseSearchQuery(const QString& text) {
    SearchQuery query;
    QStringList meaning;
    qsizetype at = 0;
    while (at < text.size()) {
        if (text[at].isSpace()) {
            ++at;
            continue;
        }
        const Term term = readTerm(text, at);
        if (term.text.isEmpty())
            continue;
        if (!term.excluded)
            meaning << term.text;
        if (!holdsWordCharacter(term.text))
            continue;
        if (term.excluded)
            query.excluded << term.text;
        else if (term.phrase)
            query.phrases << term.text;
        else
            query.words << term.text;
    }
    query.semanticText = meaning.join(QLatin1Char(' '));
    return query;
}

} // namespace semsearch
