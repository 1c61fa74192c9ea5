// SqliteKeywords: the keyword index (FTS5) over the passages' text.

#include "semsearch/store_keywords.h"

#include "store/schema.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"

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

KeywordHit readHit(const SqliteStatement& row) {
    return KeywordHit{row.columnInt64(0), row.columnInt64(1), row.columnDouble(2)};
}

} // namespace

Result<std::vector<KeywordHit>> SqliteKeywords::search(const QStringList& terms, int limit,
                                                       const std::vector<std::int64_t>* allowed) {
    std::vector<KeywordHit> hits;
    if (terms.isEmpty() || limit <= 0)
        return hits;
    // bm25() is negative, smaller is better: FTS5's rank order.
    auto q = m_connection.query(
        "SELECT passages.id, passages.document_id, -bm25(passage_keywords) FROM passage_keywords "
        "JOIN passages ON passages.id = passage_keywords.rowid WHERE passage_keywords MATCH ?1 "
        "ORDER BY bm25(passage_keywords), passages.id");
    if (!q)
        return q.error();
    (*q)->bind(1, matchExpression(terms));
    while (int(hits.size()) < limit) {
        auto row = (*q)->step();
        if (!row)
            return row.error();
        if (!*row)
            break;
        const KeywordHit hit = readHit(**q);
        if (!allowed || std::binary_search(allowed->begin(), allowed->end(), hit.passageId))
            hits.push_back(hit);
    }
    return hits;
}

Result<std::vector<KeywordHit>> SqliteKeywords::allMatching(const QStringList& terms) {
    if (terms.isEmpty())
        return std::vector<KeywordHit>();
    auto q = m_connection.query(
        "SELECT passages.id, passages.document_id, -bm25(passage_keywords) FROM passage_keywords "
        "JOIN passages ON passages.id = passage_keywords.rowid WHERE passage_keywords MATCH ?1 "
        "ORDER BY passages.id");
    if (!q)
        return q.error();
    (*q)->bind(1, matchExpression(terms));
    return collectRows<KeywordHit>(**q, readHit);
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
