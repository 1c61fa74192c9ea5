// SqliteStore's documents, passages and vectors (see sqlite_store.cpp for the rest).

#include "semsearch/store.h"

#include "store/sqlite_statement.h"
#include "store/sqlite_store_impl.h"
#include "store/vector_blob.h"

#include <string_view>

namespace semsearch {

namespace {

#define SEMSEARCH_DOCUMENT_COLUMNS                                                                 \
    "id, path, size, modified_ms, content_hash, encoding, indexed_at_ms, passage_count, "          \
    "changed_ms"
// A passage with its place (version 4), when it has one.
#define SEMSEARCH_PASSAGE_COLUMNS                                                                  \
    "p.id, p.document_id, p.ordinal, p.byte_start, p.byte_end, p.line, p.text, "                   \
    "coalesce(pp.page, 0), coalesce(pp.section, '')"
#define SEMSEARCH_PASSAGES_WITH_PLACES                                                             \
    "passages p LEFT JOIN passage_places pp ON pp.passage_id = p.id"

DocumentRecord readDocument(const SqliteStatement& row) {
    DocumentRecord document;
    document.id = row.columnInt64(0);
    document.path = row.columnText(1);
    document.size = row.columnInt64(2);
    document.modifiedMs = row.columnInt64(3);
    document.contentHash = row.columnBlob(4);
    document.encoding = row.columnText(5);
    document.indexedAtMs = row.columnInt64(6);
    document.passageCount = int(row.columnInt64(7));
    document.changedMs = row.columnInt64(8);
    return document;
}

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

// Runs a one-row lookup whose ?1 is bound to each id in turn; the rows found come back in the
// order of `ids`, and ids without a row are left out.
template <typename Record, typename Read>
Result<std::vector<Record>> lookUpEach(SqliteStatement& statement,
                                       const std::vector<std::int64_t>& ids, Read read) {
    std::vector<Record> records;
    records.reserve(ids.size());
    for (std::int64_t id : ids) {
        statement.reset();
        statement.bind(1, id);
        auto row = statement.step();
        if (!row)
            return row.error();
        if (*row)
            records.push_back(read(statement));
    }
    return records;
}

} // namespace

// --- Documents ---------------------------------------------------------------------------------

Result<std::optional<DocumentRecord>> SqliteStore::findDocument(const QString& path) {
    auto q = m_impl->query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents WHERE path = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, path);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(readDocument(**q));
}

Result<std::vector<DocumentRecord>> SqliteStore::findDocumentsByHash(const QByteArray& hash) {
    if (hash.isEmpty())
        return std::vector<DocumentRecord>();
    auto q = m_impl->query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS
                           " FROM documents WHERE content_hash = ?1 ORDER BY path");
    if (!q)
        return q.error();
    (*q)->bind(1, hash);
    return collectAll<DocumentRecord>(**q, readDocument);
}

Result<std::vector<DocumentRecord>> SqliteStore::documentsUnder(const QString& prefix) {
    const PathRange range = pathRange(prefix);
    if (range.everything) {
        auto q =
            m_impl->query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents ORDER BY path");
        if (!q)
            return q.error();
        return collectAll<DocumentRecord>(**q, readDocument);
    }
    auto q = m_impl->query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS
                           " FROM documents WHERE " SEMSEARCH_UNDER("path") " ORDER BY path");
    if (!q)
        return q.error();
    bindRange(**q, range);
    return collectAll<DocumentRecord>(**q, readDocument);
}

Result<std::vector<DocumentRecord>>
SqliteStore::documentsByIds(const std::vector<std::int64_t>& ids) {
    auto q = m_impl->query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents WHERE id = ?1");
    if (!q)
        return q.error();
    return lookUpEach<DocumentRecord>(**q, ids, readDocument);
}

Result<std::int64_t> SqliteStore::putDocument(DocumentRecord document,
                                              std::vector<PassageRecord>& passages,
                                              const std::vector<float>& vectors) {
    if (auto valid = requireAbsolutePath(m_impl->path, document.path); !valid)
        return valid.error();
    if (m_impl->mode == StoreMode::ReadOnly)
        return readOnlyError(m_impl->path);
    auto dim = m_impl->dimension();
    if (!dim)
        return dim.error();
    const std::size_t width = std::size_t(*dim);
    if (vectors.size() != passages.size() * width)
        return makeError(ErrorCode::InvalidArgument,
                         m_impl->path + QStringLiteral(": %1: %2 floats for %3 passages of %4 "
                                                       "dimensions")
                                            .arg(document.path)
                                            .arg(vectors.size())
                                            .arg(passages.size())
                                            .arg(width));
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started.error();
    auto written = m_impl->writeDocumentRow(document, int(passages.size()));
    if (!written)
        return written.error();
    std::vector<std::int64_t> ids(passages.size());
    std::vector<float> scratch;
    for (std::size_t i = 0; i < passages.size(); ++i) {
        const void* blob = vectorBlob(vectors.data() + i * width, width, scratch);
        auto id = m_impl->insertPassage(written->id, int(i), passages[i], blob,
                                        width * kBytesPerComponent);
        if (!id)
            return id.error();
        ids[i] = *id;
    }
    if (auto finished = scope.finish(written->passagesDeleted > 0 || !passages.empty()); !finished)
        return finished.error();
    for (std::size_t i = 0; i < passages.size(); ++i) {
        passages[i].id = ids[i];
        passages[i].documentId = written->id;
        passages[i].ordinal = int(i);
    }
    return written->id;
}

Result<std::int64_t> SqliteStore::putDocumentCopy(DocumentRecord document, std::int64_t sourceId) {
    if (auto valid = requireAbsolutePath(m_impl->path, document.path); !valid)
        return valid.error();
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started.error();

    // Read the source first: it may be the very document about to be replaced.
    {
        auto exists = m_impl->query("SELECT 1 FROM documents WHERE id = ?1");
        if (!exists)
            return exists.error();
        (*exists)->bind(1, sourceId);
        auto row = (*exists)->step();
        if (!row)
            return row.error();
        if (!*row)
            return makeError(ErrorCode::NotFound,
                             m_impl->path + QStringLiteral(": no document with id %1 to copy "
                                                           "passages from")
                                                .arg(sourceId));
    }
    struct Copy {
        PassageRecord passage;
        QByteArray vector; // stored bytes, copied as they are
    };
    std::vector<Copy> copies;
    {
        auto q = m_impl->query("SELECT p.byte_start, p.byte_end, p.line, p.text, p.vector, "
                               "coalesce(pp.page, 0), coalesce(pp.section, '') "
                               "FROM " SEMSEARCH_PASSAGES_WITH_PLACES
                               " WHERE p.document_id = ?1 ORDER BY p.ordinal");
        if (!q)
            return q.error();
        (*q)->bind(1, sourceId);
        for (;;) {
            auto row = (*q)->step();
            if (!row)
                return row.error();
            if (!*row)
                break;
            Copy copy;
            copy.passage.byteStart = (*q)->columnInt64(0);
            copy.passage.byteEnd = (*q)->columnInt64(1);
            copy.passage.line = int((*q)->columnInt64(2));
            copy.passage.text = (*q)->columnText(3);
            copy.vector = (*q)->columnBlob(4);
            copy.passage.page = int((*q)->columnInt64(5));
            copy.passage.section = (*q)->columnText(6);
            copies.push_back(std::move(copy));
        }
    }
    auto written = m_impl->writeDocumentRow(document, int(copies.size()));
    if (!written)
        return written.error();
    for (std::size_t i = 0; i < copies.size(); ++i) {
        auto id = m_impl->insertPassage(written->id, int(i), copies[i].passage,
                                        copies[i].vector.constData(),
                                        std::size_t(copies[i].vector.size()));
        if (!id)
            return id.error();
    }
    if (auto finished = scope.finish(written->passagesDeleted > 0 || !copies.empty()); !finished)
        return finished.error();
    return written->id;
}

Result<void> SqliteStore::updateDocumentStat(std::int64_t id, const DocumentRecord& stat) {
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    auto q = m_impl->query("UPDATE documents SET size = ?2, modified_ms = ?3, changed_ms = ?4, "
                           "indexed_at_ms = ?5 WHERE id = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, id);
    (*q)->bind(2, stat.size);
    (*q)->bind(3, stat.modifiedMs);
    (*q)->bind(4, stat.changedMs);
    (*q)->bind(5, stat.indexedAtMs != 0 ? stat.indexedAtMs : nowMs());
    if (auto done = (*q)->run(); !done)
        return done;
    if (m_impl->changes() == 0)
        return makeError(ErrorCode::NotFound,
                         m_impl->path + QStringLiteral(": no document with id %1").arg(id));
    return scope.finish(false);
}

Result<std::vector<std::int64_t>> SqliteStore::removeDocument(std::int64_t id) {
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started.error();
    std::vector<std::int64_t> removed;
    {
        auto q = m_impl->query("SELECT id FROM passages WHERE document_id = ?1 ORDER BY id");
        if (!q)
            return q.error();
        (*q)->bind(1, id);
        for (;;) {
            auto row = (*q)->step();
            if (!row)
                return row.error();
            if (!*row)
                break;
            removed.push_back((*q)->columnInt64(0));
        }
    }
    // Passages first and explicitly: correct even on a connection without foreign keys.
    for (std::string_view sql : {std::string_view("DELETE FROM passages WHERE document_id = ?1"),
                                 std::string_view("DELETE FROM documents WHERE id = ?1")}) {
        auto q = m_impl->query(sql);
        if (!q)
            return q.error();
        (*q)->bind(1, id);
        if (auto done = (*q)->run(); !done)
            return done.error();
    }
    if (m_impl->changes() == 0)
        return makeError(ErrorCode::NotFound,
                         m_impl->path + QStringLiteral(": no document with id %1").arg(id));
    if (auto finished = scope.finish(!removed.empty()); !finished)
        return finished.error();
    return removed;
}

// --- Passages and vectors ----------------------------------------------------------------------

Result<std::vector<PassageRecord>> SqliteStore::passages(const std::vector<std::int64_t>& ids) {
    auto q = m_impl->query("SELECT " SEMSEARCH_PASSAGE_COLUMNS
                           " FROM " SEMSEARCH_PASSAGES_WITH_PLACES " WHERE p.id = ?1");
    if (!q)
        return q.error();
    return lookUpEach<PassageRecord>(**q, ids, readPassage);
}

Result<std::vector<PassageRecord>> SqliteStore::passagesOfDocument(std::int64_t documentId) {
    auto q =
        m_impl->query("SELECT " SEMSEARCH_PASSAGE_COLUMNS " FROM " SEMSEARCH_PASSAGES_WITH_PLACES
                      " WHERE p.document_id = ?1 ORDER BY p.ordinal");
    if (!q)
        return q.error();
    (*q)->bind(1, documentId);
    return collectAll<PassageRecord>(**q, readPassage);
}

Result<std::vector<float>> SqliteStore::vectorsOf(const std::vector<std::int64_t>& passageIds) {
    if (passageIds.empty())
        return std::vector<float>();
    auto dim = m_impl->dimension();
    if (!dim)
        return dim.error();
    const std::size_t width = std::size_t(*dim);
    auto q = m_impl->query("SELECT vector FROM passages WHERE id = ?1");
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
                             m_impl->path +
                                 QStringLiteral(": no passage with id %1").arg(passageIds[i]));
        const int bytes = (*q)->columnBytes(0);
        if (std::size_t(bytes) != width * kBytesPerComponent)
            return m_impl->vectorSizeError(passageIds[i], bytes, *dim);
        readVectorBlob((*q)->columnBlobData(0), width, rows.data() + i * width);
    }
    return rows;
}

Result<void> SqliteStore::forEachVector(
    const std::function<bool(std::int64_t passageId, const float* vector)>& visit) {
    auto dim = m_impl->dimension();
    if (!dim) {
        if (dim.error().code != ErrorCode::InvalidArgument)
            return dim.error();
        auto counts = this->counts();
        if (!counts)
            return counts.error();
        if (counts->passages == 0)
            return {}; // nothing indexed yet
        return makeError(ErrorCode::Corrupt,
                         m_impl->path + QStringLiteral(": passages but no model identity"));
    }
    const std::size_t width = std::size_t(*dim);
    // Not a cached statement: `visit` may run other queries of this store meanwhile.
    auto scan = SqliteStatement::prepare(m_impl->db, "SELECT id, vector FROM passages ORDER BY id",
                                         m_impl->path);
    if (!scan)
        return scan.error();
    std::vector<float> vector(width);
    for (;;) {
        auto row = scan->step();
        if (!row)
            return row.error();
        if (!*row)
            return {};
        const std::int64_t id = scan->columnInt64(0);
        const int bytes = scan->columnBytes(1);
        if (std::size_t(bytes) != width * kBytesPerComponent)
            return m_impl->vectorSizeError(id, bytes, *dim);
        readVectorBlob(scan->columnBlobData(1), width, vector.data());
        if (!visit(id, vector.data()))
            return {};
    }
}

Result<std::vector<std::int64_t>> SqliteStore::passageIds(const PassageFilter& filter) {
    // The filter's shape varies, so this statement is built and compiled per call (tens of
    // microseconds, against the walk over the documents).
    const PathRange range = pathRange(filter.pathPrefix);
    QStringList extensions;
    for (QString extension : filter.extensions) {
        while (extension.startsWith(QLatin1Char('.')))
            extension.remove(0, 1);
        if (!extension.isEmpty())
            extensions << extension;
    }
    // CROSS JOIN makes SQLite walk the documents and fetch passage ids from the covering index
    // passages_by_document. Left to itself it scans the passages table in id order to save the
    // final sort, reading every vector page: all of a 4 GB index for one search.
    QByteArray sql = "SELECT p.id FROM documents d CROSS JOIN passages p "
                     "ON p.document_id = d.id WHERE 1";
    int next = 4; // ?1..?3 are the path range
    if (!range.everything)
        sql += " AND " SEMSEARCH_UNDER("d.path");
    if (!extensions.isEmpty()) {
        sql += " AND (";
        for (int i = 0; i < extensions.size(); ++i)
            sql += (i ? " OR " : "") + QByteArray("d.path LIKE ?") + QByteArray::number(next + i) +
                   " ESCAPE '\\'";
        sql += ")";
    }
    const int afterIndex = next + int(extensions.size());
    const int beforeIndex = afterIndex + 1;
    if (filter.modifiedAfterMs != 0)
        sql += " AND d.modified_ms >= ?" + QByteArray::number(afterIndex);
    if (filter.modifiedBeforeMs != 0)
        sql += " AND d.modified_ms < ?" + QByteArray::number(beforeIndex);
    sql += " ORDER BY p.id";

    auto q = SqliteStatement::prepare(m_impl->db, std::string_view(sql.constData(), sql.size()),
                                      m_impl->path);
    if (!q)
        return q.error();
    if (!range.everything)
        bindRange(*q, range);
    for (int i = 0; i < extensions.size(); ++i) {
        // "%.md": the name ends in ".md"; LIKE ignores ASCII case. Escape LIKE's wildcards.
        QString pattern = extensions[i];
        pattern.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        q->bind(next + i, QStringLiteral("%.") + pattern);
    }
    if (filter.modifiedAfterMs != 0)
        q->bind(afterIndex, filter.modifiedAfterMs);
    if (filter.modifiedBeforeMs != 0)
        q->bind(beforeIndex, filter.modifiedBeforeMs);
    std::vector<std::int64_t> ids;
    for (;;) {
        auto row = q->step();
        if (!row)
            return row.error();
        if (!*row)
            return ids;
        ids.push_back(q->columnInt64(0));
    }
}

} // namespace semsearch
