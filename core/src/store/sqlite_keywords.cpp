// SqliteKeywords: the keyword index (FTS5) over the passages' text.

#include "semsearch/store_keywords.h"

#include "store/keyword_tokenizer.h"
#include "store/schema.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"

#include <QHash>

#include <sqlite3.h>

#include <algorithm>

namespace semsearch {

namespace {

// An FTS5 query: each term as a string (a phrase of its words), any of them. Quotes inside a
// term are doubled, the string syntax's only escape, so no user text reaches FTS5 as syntax.
QString matchExpression(const QStringList& terms) {
    QStringList quoted;
    for (QString term : terms)
        quoted << QLatin1Char('"') + term.replace(QLatin1Char('"'), QLatin1String("\"\"")) +
                      QLatin1Char('"');
    return quoted.join(QLatin1String(" OR "));
}

// Marks highlight() puts around matches: private-use characters, checked to be absent from
// the text itself.
constexpr char16_t kOpenMark = 0xE000;
constexpr char16_t kCloseMark = 0xE001;

std::vector<TextRange> rangesBetweenMarks(const QString& marked) {
    std::vector<TextRange> ranges;
    qsizetype plain = 0;
    int depth = 0;
    for (QChar c : marked) {
        if (c == QChar(kOpenMark)) {
            if (depth++ == 0)
                ranges.push_back({plain, plain});
        } else if (c == QChar(kCloseMark)) {
            if (depth > 0 && --depth == 0)
                ranges.back().end = plain;
        } else {
            ++plain;
        }
    }
    ranges.erase(std::remove_if(ranges.begin(), ranges.end(),
                                [](const TextRange& r) { return r.end <= r.start; }),
                 ranges.end());
    return ranges;
}

// Above this many hits, their documents are read in one pass over passages_by_document (an
// index of (document_id, id): a few bytes per passage) instead of one row lookup per hit: each
// lookup reads a page of the passages table, which mostly holds text and vectors.
constexpr std::size_t kLookupsBeforeScan = 2000;

} // namespace

// The FTS5 query reads the keyword index alone, never the passages: ranking every match by
// BM25 and then joining only the kept ones is what keeps a common word cheap at 100k passages.
Result<void> SqliteKeywords::fillDocuments(std::vector<KeywordHit>& hits) {
    if (hits.empty())
        return {};
    QHash<std::int64_t, std::int64_t> documentOf;
    if (hits.size() > kLookupsBeforeScan) {
        auto q = m_connection.query(
            "SELECT id, document_id FROM passages INDEXED BY passages_by_document");
        if (!q)
            return q.error();
        while (true) {
            auto row = (*q)->step();
            if (!row)
                return row.error();
            if (!*row)
                break;
            documentOf.insert((*q)->columnInt64(0), (*q)->columnInt64(1));
        }
    } else {
        auto q = m_connection.query("SELECT document_id FROM passages WHERE id = ?1");
        if (!q)
            return q.error();
        for (const KeywordHit& hit : hits) {
            (*q)->reset();
            (*q)->bind(1, hit.passageId);
            auto row = (*q)->step();
            if (!row)
                return row.error();
            if (*row)
                documentOf.insert(hit.passageId, (*q)->columnInt64(0));
        }
    }
    for (KeywordHit& hit : hits)
        hit.documentId = documentOf.value(hit.passageId, 0);
    return {};
}

// A word in more than half the passages adds almost nothing to BM25 (FTS5 clamps its IDF,
// log((N - n + 0.5) / (n + 0.5)), to 1e-6), yet ranking by it scores nearly every passage: at
// 100k passages that is most of a query's time. So a term that is one such word is left out
// while a word in at most half the passages remains; its passages would only have trailed the
// ranking. Phrases of several words are always kept, but do not count as that rarer word: in a
// small index every word may be in most passages, and then none is common.
Result<std::int64_t> SqliteKeywords::passageCount() {
    auto version = m_connection.query("PRAGMA data_version");
    if (!version)
        return version.error();
    if (auto row = (*version)->step(); !row)
        return row.error();
    const std::pair<std::int64_t, std::int64_t> state{(*version)->columnInt64(0),
                                                      sqlite3_total_changes64(m_connection.db)};
    if (m_passagesCountedAt == state)
        return m_passageCount;
    auto total = m_connection.query("SELECT count(*) FROM passage_keywords_docsize");
    if (!total)
        return total.error();
    if (auto row = (*total)->step(); !row)
        return row.error();
    m_passageCount = (*total)->columnInt64(0);
    m_passagesCountedAt = state;
    return m_passageCount;
}

Result<QStringList> SqliteKeywords::withoutCommonWords(const QStringList& terms) {
    if (terms.size() < 2)
        return terms;
    // fts5vocab reads the index's own per-word counts; a temp table, so nothing is written.
    if (auto made = executeSql(m_connection.db,
                               "CREATE VIRTUAL TABLE IF NOT EXISTS temp.passage_keyword_words "
                               "USING fts5vocab(main, passage_keywords, row)",
                               m_connection.path);
        !made)
        return made.error();
    auto passages = passageCount();
    if (!passages)
        return passages.error();
    auto frequency = m_connection.query("SELECT doc FROM temp.passage_keyword_words "
                                        "WHERE term = ?1");
    if (!frequency)
        return frequency.error();
    QStringList kept;
    bool rareWord = false;
    for (const QString& term : terms) {
        auto tokens = keywordQueryTokens(m_connection.db, term, m_connection.path);
        if (!tokens)
            return tokens.error();
        std::int64_t documents = 0;
        if (tokens->size() == 1) {
            (*frequency)->reset();
            (*frequency)->bind(1, tokens->first());
            auto found = (*frequency)->step();
            if (!found)
                return found.error();
            documents = *found ? (*frequency)->columnInt64(0) : 0;
        }
        const bool common = tokens->size() == 1 && 2 * documents > *passages;
        rareWord = rareWord || (tokens->size() == 1 && !common);
        if (!common)
            kept << term;
    }
    return rareWord ? kept : terms;
}

Result<std::vector<KeywordHit>> SqliteKeywords::search(const QStringList& terms, int limit,
                                                       const std::vector<std::int64_t>* allowed) {
    std::vector<KeywordHit> hits;
    if (terms.isEmpty() || limit <= 0)
        return hits;
    // bm25() is negative, smaller is better: FTS5's rank order.
    auto q = m_connection.query("SELECT rowid, -bm25(passage_keywords) FROM passage_keywords "
                                "WHERE passage_keywords MATCH ?1 "
                                "ORDER BY bm25(passage_keywords), rowid");
    if (!q)
        return q.error();
    (*q)->bind(1, matchExpression(terms));
    while (int(hits.size()) < limit) {
        auto row = (*q)->step();
        if (!row)
            return row.error();
        if (!*row)
            break;
        const std::int64_t id = (*q)->columnInt64(0);
        if (!allowed || std::binary_search(allowed->begin(), allowed->end(), id))
            hits.push_back(KeywordHit{id, 0, (*q)->columnDouble(1)});
    }
    if (auto filled = fillDocuments(hits); !filled)
        return filled.error();
    return hits;
}

Result<std::vector<KeywordHit>> SqliteKeywords::allMatching(const QStringList& terms) {
    if (terms.isEmpty())
        return std::vector<KeywordHit>();
    auto q = m_connection.query("SELECT rowid, -bm25(passage_keywords) FROM passage_keywords "
                                "WHERE passage_keywords MATCH ?1 ORDER BY rowid");
    if (!q)
        return q.error();
    (*q)->bind(1, matchExpression(terms));
    auto hits = collectRows<KeywordHit>(**q, [](const SqliteStatement& row) {
        return KeywordHit{row.columnInt64(0), 0, row.columnDouble(1)};
    });
    if (!hits)
        return hits.error();
    if (auto filled = fillDocuments(*hits); !filled)
        return filled.error();
    return hits;
}

Result<std::vector<TextRange>> SqliteKeywords::matchesIn(std::int64_t passageId,
                                                         const QStringList& terms) {
    if (terms.isEmpty())
        return std::vector<TextRange>();
    auto q = m_connection.query(
        "SELECT highlight(passage_keywords, 0, ?2, ?3), passage_keywords.text "
        "FROM passage_keywords WHERE passage_keywords MATCH ?1 AND passage_keywords.rowid = ?4");
    if (!q)
        return q.error();
    (*q)->bind(1, matchExpression(terms));
    (*q)->bind(2, QString(QChar(kOpenMark)));
    (*q)->bind(3, QString(QChar(kCloseMark)));
    (*q)->bind(4, passageId);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::vector<TextRange>();
    const QString text = (*q)->columnText(1);
    if (text.contains(QChar(kOpenMark)) || text.contains(QChar(kCloseMark)))
        return std::vector<TextRange>(); // the marks would be ambiguous: mark nothing
    return rangesBetweenMarks((*q)->columnText(0));
}

Result<QStringList> SqliteKeywords::check() {
    QStringList problems;
    auto parts = m_connection.query(
        "SELECT count(*) FROM sqlite_master WHERE name IN ('passage_keywords', "
        "'passage_keywords_insert', 'passage_keywords_delete', 'passage_keywords_update')");
    if (!parts)
        return parts.error();
    auto row = (*parts)->step();
    if (!row)
        return row.error();
    if ((*parts)->columnInt64(0) != 4)
        return QStringList{m_connection.path +
                           QStringLiteral(": the keyword index is missing (its table or "
                                          "triggers)")};
    // FTS5 keeps one docsize row per passage it holds.
    auto missing =
        m_connection.query("SELECT (SELECT count(*) FROM passages WHERE id NOT IN "
                           "(SELECT id FROM passage_keywords_docsize)), (SELECT count(*) FROM "
                           "passage_keywords_docsize WHERE id NOT IN (SELECT id FROM passages))");
    if (!missing)
        return missing.error();
    row = (*missing)->step();
    if (!row)
        return row.error();
    if (const std::int64_t lacking = (*missing)->columnInt64(0); lacking > 0)
        problems << m_connection.path +
                        QStringLiteral(": the keyword index lacks %1 passages").arg(lacking);
    if (const std::int64_t gone = (*missing)->columnInt64(1); gone > 0)
        problems
            << m_connection.path +
                   QStringLiteral(": the keyword index holds %1 passages that are gone").arg(gone);
    if (m_connection.mode == StoreMode::ReadWrite && problems.isEmpty()) {
        // rank = 1: also compare every word with the passages' text (SQLite 3.40 and later).
        auto deep = executeSql(m_connection.db,
                               "INSERT INTO passage_keywords(passage_keywords, rank) "
                               "VALUES ('integrity-check', 1)",
                               m_connection.path);
        if (!deep && deep.error().code != ErrorCode::Corrupt)
            return deep.error();
        if (!deep)
            problems << m_connection.path +
                            QStringLiteral(": the keyword index does not match the passages' "
                                           "text");
    }
    return problems;
}

Result<void> SqliteKeywords::rebuild() {
    StoreConnection::WriteScope scope(m_connection);
    if (auto started = scope.start(); !started)
        return started;
    // Dropped first: a damaged keyword index may not even take the 'rebuild' command.
    if (auto dropped = executeSql(m_connection.db,
                                  "DROP TRIGGER IF EXISTS passage_keywords_insert;"
                                  "DROP TRIGGER IF EXISTS passage_keywords_delete;"
                                  "DROP TRIGGER IF EXISTS passage_keywords_update;"
                                  "DROP TABLE IF EXISTS passage_keywords;",
                                  m_connection.path);
        !dropped)
        return dropped;
    if (auto created = executeSql(m_connection.db, kKeywordIndexSql, m_connection.path); !created)
        return created;
    if (auto filled = executeSql(m_connection.db,
                                 "INSERT INTO passage_keywords(passage_keywords) VALUES "
                                 "('rebuild')",
                                 m_connection.path);
        !filled)
        return filled;
    return scope.finish(false);
}

Result<std::int64_t> SqliteKeywords::sizeBytes() {
    auto q = m_connection.query("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name "
                                "LIKE 'passage\\_keywords\\_%' ESCAPE '\\'");
    if (!q)
        return q.error();
    auto row = (*q)->step();
    if (!row)
        return row.error();
    return (*q)->columnInt64(0);
}

} // namespace semsearch
