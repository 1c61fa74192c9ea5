// SqliteDocuments: the reads of passages and their vectors (the documents are in
// sqlite_documents.cpp).

#include "semsearch/store_documents.h"

#include "store/document_rows.h"
#include "store/meta_table.h"
#include "store/path_range.h"
#include "store/store_connection.h"
#include "store/vector_blob.h"

#include <QStringList>

#include <string_view>

namespace semsearch {

namespace {

// The filter's statement and the numbers of its parameters: the filter's shape varies, so the
// statement is built and compiled per call (tens of microseconds, against the walk over the
// documents).
struct FilterQuery {
    QByteArray sql;
    QStringList extensions;                   // bound to ?4.. as LIKE patterns
    int afterIndex = 0;                       // ?n of modifiedAfterMs
    int beforeIndex = 0;                      // ?n of modifiedBeforeMs
    static constexpr int kFirstExtension = 4; // ?1..?3 are the path range
};

FilterQuery filterQuery(const PassageFilter& filter, bool everything) {
    FilterQuery query;
    for (QString extension : filter.extensions) {
        while (extension.startsWith(QLatin1Char('.')))
            extension.remove(0, 1);
        if (!extension.isEmpty())
            query.extensions << extension;
    }
    // CROSS JOIN makes SQLite walk the documents and fetch passage ids from the covering index
    // passages_by_document. Left to itself it scans the passages table in id order to save the
    // final sort, reading every vector page: all of a 4 GB index for one search.
    QByteArray& sql = query.sql;
    sql = "SELECT p.id FROM documents d CROSS JOIN passages p ON p.document_id = d.id WHERE 1";
    if (!everything)
        sql += " AND " SEMSEARCH_UNDER("d.path");
    const int next = FilterQuery::kFirstExtension;
    if (!query.extensions.isEmpty()) {
        sql += " AND (";
        for (int i = 0; i < query.extensions.size(); ++i)
            sql += (i ? " OR " : "") + QByteArray("d.path LIKE ?") + QByteArray::number(next + i) +
                   " ESCAPE '\\'";
        sql += ")";
    }
    query.afterIndex = next + int(query.extensions.size());
    query.beforeIndex = query.afterIndex + 1;
    if (filter.modifiedAfterMs != 0)
        sql += " AND d.modified_ms >= ?" + QByteArray::number(query.afterIndex);
    if (filter.modifiedBeforeMs != 0)
        sql += " AND d.modified_ms < ?" + QByteArray::number(query.beforeIndex);
    sql += " ORDER BY p.id";
    return query;
}

// "%.md": the name ends in ".md"; LIKE ignores ASCII case. LIKE's wildcards are escaped.
QString extensionPattern(QString extension) {
    extension.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QStringLiteral("%.") + extension;
}

} // namespace

PassageRecord readPassage(const SqliteStatement& row) {
    PassageRecord passage;
    passage.id = row.columnInt64(0);
    passage.documentId = row.columnInt64(1);
    passage.ordinal = int(row.columnInt64(2));
    passage.byteStart = row.columnInt64(3);
    passage.byteEnd = row.columnInt64(4);
    passage.line = int(row.columnInt64(5));
    passage.text = row.columnText(6);
    passage.page = int(row.columnInt64(7));
    passage.section = row.columnText(8);
    return passage;
}

Error vectorSizeError(const StoreConnection& connection, std::int64_t passageId, int bytes,
                      int dim) {
    return makeError(ErrorCode::Corrupt,
                     connection.path +
                         QStringLiteral(": the vector of passage %1 has %2 bytes, expected %3; "
                                        "run a check of the index")
                             .arg(passageId)
                             .arg(bytes)
                             .arg(std::int64_t(dim) * std::int64_t(kBytesPerComponent)));
}

Result<std::vector<PassageRecord>> SqliteDocuments::passages(const std::vector<std::int64_t>& ids) {
    auto q = m_connection.query("SELECT " SEMSEARCH_PASSAGE_COLUMNS
                                " FROM " SEMSEARCH_PASSAGES_WITH_PLACES " WHERE p.id = ?1");
    if (!q)
        return q.error();
    return lookUpEach<PassageRecord>(**q, ids, readPassage);
}

Result<std::vector<PassageRecord>> SqliteDocuments::passagesOf(std::int64_t documentId) {
    auto q = m_connection.query("SELECT " SEMSEARCH_PASSAGE_COLUMNS
                                " FROM " SEMSEARCH_PASSAGES_WITH_PLACES
                                " WHERE p.document_id = ?1 ORDER BY p.ordinal");
    if (!q)
        return q.error();
    (*q)->bind(1, documentId);
    return collectRows<PassageRecord>(**q, readPassage);
}

Result<std::vector<float>> SqliteDocuments::vectorsOf(const std::vector<std::int64_t>& passageIds) {
    if (passageIds.empty())
        return std::vector<float>();
    auto dim = storedDimension(m_connection);
    if (!dim)
        return dim.error();
    const std::size_t width = std::size_t(*dim);
    auto q = m_connection.query("SELECT vector FROM passages WHERE id = ?1");
    if (!q)
        return q.error();
    std::vector<float> rows(passageIds.size() * width);
    for (std::size_t i = 0; i < passageIds.size(); ++i) {
        (*q)->reset();
        (*q)->bind(1, passageIds[i]);
        auto row = (*q)->step();
        if (!row)
            return row.error();
        if (!*row)
            return makeError(ErrorCode::NotFound,
                             m_connection.path +
                                 QStringLiteral(": no passage with id %1").arg(passageIds[i]));
        const int bytes = (*q)->columnBytes(0);
        if (std::size_t(bytes) != width * kBytesPerComponent)
            return vectorSizeError(m_connection, passageIds[i], bytes, *dim);
        readVectorBlob((*q)->columnBlobData(0), width, rows.data() + i * width);
    }
    return rows;
}

Result<void> SqliteDocuments::forEachVector(
    const std::function<bool(std::int64_t passageId, const float* vector)>& visit) {
    auto dim = storedDimension(m_connection);
    if (!dim) {
        if (dim.error().code != ErrorCode::InvalidArgument)
            return dim.error();
        auto any = holdsPassages(m_connection);
        if (!any)
            return any.error();
        if (!*any)
            return {}; // nothing indexed yet
        return makeError(ErrorCode::Corrupt,
                         m_connection.path + QStringLiteral(": passages but no model identity"));
    }
    const std::size_t width = std::size_t(*dim);
    // Not a cached statement: `visit` may run other queries of this store meanwhile.
    auto scan = SqliteStatement::prepare(
        m_connection.db, "SELECT id, vector FROM passages ORDER BY id", m_connection.path);
    if (!scan)
        return scan.error();
    std::vector<float> vector(width);
    Result<void> sized;
    auto scanned = forEachRow(*scan, [&](const SqliteStatement& row) {
        const std::int64_t id = row.columnInt64(0);
        const int bytes = row.columnBytes(1);
        if (std::size_t(bytes) != width * kBytesPerComponent) {
            sized = vectorSizeError(m_connection, id, bytes, *dim);
            return false;
        }
        readVectorBlob(row.columnBlobData(1), width, vector.data());
        return visit(id, vector.data());
    });
    if (!scanned)
        return scanned;
    return sized;
}

Result<std::vector<std::int64_t>> SqliteDocuments::passageIds(const PassageFilter& filter) {
    const PathRange range = pathRange(filter.pathPrefix);
    const FilterQuery query = filterQuery(filter, range.everything);
    auto q = SqliteStatement::prepare(
        m_connection.db, std::string_view(query.sql.constData(), std::size_t(query.sql.size())),
        m_connection.path);
    if (!q)
        return q.error();
    if (!range.everything)
        bindRange(*q, range);
    for (int i = 0; i < query.extensions.size(); ++i)
        q->bind(FilterQuery::kFirstExtension + i, extensionPattern(query.extensions[i]));
    if (filter.modifiedAfterMs != 0)
        q->bind(query.afterIndex, filter.modifiedAfterMs);
    if (filter.modifiedBeforeMs != 0)
        q->bind(query.beforeIndex, filter.modifiedBeforeMs);
    return collectRows<std::int64_t>(*q,
                                     [](const SqliteStatement& row) { return row.columnInt64(0); });
}

} // namespace semsearch
