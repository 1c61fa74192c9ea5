// SqliteDocuments: the documents, and the writes that store them with their passages and
// vectors. The reads of passages and vectors are in sqlite_passages.cpp.

#include "semsearch/store_documents.h"

#include "store/document_rows.h"
#include "store/meta_table.h"
#include "store/path_range.h"
#include "store/store_connection.h"
#include "store/vector_blob.h"

#include <string_view>

namespace semsearch {

namespace {

struct DocumentWrite {
    std::int64_t id = 0;
    std::int64_t passagesDeleted = 0;
};

// Binds ?2..?8 of the document row's insert and update alike.
void bindDocumentFields(SqliteStatement& statement, const DocumentRecord& document,
                        int passageCount) {
    statement.bind(2, document.size);
    statement.bind(3, document.modifiedMs);
    statement.bind(4, document.contentHash);
    statement.bind(5, document.encoding);
    statement.bind(6, document.indexedAtMs != 0 ? document.indexedAtMs : nowMs());
    statement.bind(7, std::int64_t(passageCount));
    statement.bind(8, document.changedMs);
}

// The id of the document at `path`, 0 if none.
Result<std::int64_t> documentIdOf(StoreConnection& connection, const QString& path) {
    auto q = connection.query("SELECT id FROM documents WHERE path = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, path);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    return *row ? (*q)->columnInt64(0) : std::int64_t(0);
}

// Inserts the document row, or updates the one at its path (keeping its id) after deleting
// that one's passages.
Result<DocumentWrite> writeDocumentRow(StoreConnection& connection, const DocumentRecord& document,
                                       int passageCount) {
    auto existing = documentIdOf(connection, document.path);
    if (!existing)
        return existing.error();
    DocumentWrite written;
    if (*existing != 0) {
        written.id = *existing;
        auto del = connection.query("DELETE FROM passages WHERE document_id = ?1");
        if (!del)
            return del.error();
        (*del)->bind(1, written.id);
        if (auto done = (*del)->run(); !done)
            return done.error();
        written.passagesDeleted = connection.changes();
        auto update = connection.query("UPDATE documents SET size = ?2, modified_ms = ?3, "
                                       "content_hash = ?4, encoding = ?5, indexed_at_ms = ?6, "
                                       "passage_count = ?7, changed_ms = ?8 WHERE id = ?1");
        if (!update)
            return update.error();
        (*update)->bind(1, written.id);
        bindDocumentFields(**update, document, passageCount);
        if (auto done = (*update)->run(); !done)
            return done.error();
        return written;
    }
    auto insert = connection.query("INSERT INTO documents(path, size, modified_ms, content_hash, "
                                   "encoding, indexed_at_ms, passage_count, changed_ms) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert)
        return insert.error();
    (*insert)->bind(1, document.path);
    bindDocumentFields(**insert, document, passageCount);
    if (auto done = (*insert)->run(); !done)
        return done.error();
    written.id = connection.lastInsertId();
    return written;
}

// Inserts one passage with its stored vector bytes; returns the new passage id.
Result<std::int64_t> insertPassage(StoreConnection& connection, std::int64_t documentId,
                                   int ordinal, const PassageRecord& passage, const void* vector,
                                   std::size_t vectorBytes) {
    auto q = connection.query("INSERT INTO passages(document_id, ordinal, byte_start, byte_end, "
                              "line, text, vector) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!q)
        return q.error();
    (*q)->bind(1, documentId);
    (*q)->bind(2, std::int64_t(ordinal));
    (*q)->bind(3, passage.byteStart);
    (*q)->bind(4, passage.byteEnd);
    (*q)->bind(5, std::int64_t(passage.line));
    (*q)->bind(6, passage.text);
    (*q)->bindStaticBlob(7, vector, vectorBytes);
    if (auto done = (*q)->run(); !done)
        return done.error();
    const std::int64_t id = connection.lastInsertId();
    if (passage.page == 0 && passage.section.isEmpty())
        return id;
    auto place = connection.query(
        "INSERT INTO passage_places(passage_id, page, section) VALUES (?1, ?2, ?3)");
    if (!place)
        return place.error();
    (*place)->bind(1, id);
    (*place)->bind(2, std::int64_t(passage.page));
    (*place)->bind(3, passage.section);
    if (auto done = (*place)->run(); !done)
        return done.error();
    return id;
}

// The ids of the document's passages, ascending.
Result<std::vector<std::int64_t>> passageIdsOf(StoreConnection& connection,
                                               std::int64_t documentId) {
    auto q = connection.query("SELECT id FROM passages WHERE document_id = ?1 ORDER BY id");
    if (!q)
        return q.error();
    (*q)->bind(1, documentId);
    return collectRows<std::int64_t>(**q,
                                     [](const SqliteStatement& row) { return row.columnInt64(0); });
}

Error noDocument(const StoreConnection& connection, std::int64_t id) {
    return makeError(ErrorCode::NotFound,
                     connection.path + QStringLiteral(": no document with id %1").arg(id));
}

} // namespace

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

Result<std::optional<DocumentRecord>> SqliteDocuments::find(const QString& path) {
    auto q =
        m_connection.query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents WHERE path = ?1");
    if (!q)
        return q.error();
    auto found = lookUpEach<DocumentRecord>(**q, std::vector<QString>{path}, readDocument);
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<DocumentRecord>();
    return std::optional<DocumentRecord>(std::move(found->front()));
}

Result<std::vector<DocumentRecord>> SqliteDocuments::findByHash(const QByteArray& hash) {
    if (hash.isEmpty())
        return std::vector<DocumentRecord>();
    auto q = m_connection.query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS
                                " FROM documents WHERE content_hash = ?1 ORDER BY path");
    if (!q)
        return q.error();
    (*q)->bind(1, hash);
    return collectRows<DocumentRecord>(**q, readDocument);
}

Result<std::vector<DocumentRecord>> SqliteDocuments::under(const QString& prefix) {
    const PathRange range = pathRange(prefix);
    auto q = m_connection.query(
        range.everything
            ? std::string_view("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents ORDER BY path")
            : std::string_view("SELECT " SEMSEARCH_DOCUMENT_COLUMNS
                               " FROM documents WHERE " SEMSEARCH_UNDER("path") " ORDER BY path"));
    if (!q)
        return q.error();
    if (!range.everything)
        bindRange(**q, range);
    return collectRows<DocumentRecord>(**q, readDocument);
}

Result<std::vector<DocumentRecord>> SqliteDocuments::byIds(const std::vector<std::int64_t>& ids) {
    auto q =
        m_connection.query("SELECT " SEMSEARCH_DOCUMENT_COLUMNS " FROM documents WHERE id = ?1");
    if (!q)
        return q.error();
    return lookUpEach<DocumentRecord>(**q, ids, readDocument);
}

Result<std::int64_t> SqliteDocuments::put(DocumentRecord document,
                                          std::vector<PassageRecord>& passages,
                                          const std::vector<float>& vectors) {
    if (auto valid = requireAbsolutePath(m_connection.path, document.path); !valid)
        return valid.error();
    if (m_connection.mode == StoreMode::ReadOnly)
        return readOnlyError(m_connection.path);
    auto dim = storedDimension(m_connection);
    if (!dim)
        return dim.error();
    const std::size_t width = std::size_t(*dim);
    if (vectors.size() != passages.size() * width)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection.path + QStringLiteral(": %1: %2 floats for %3 passages of "
                                                            "%4 dimensions")
                                                 .arg(document.path)
                                                 .arg(vectors.size())
                                                 .arg(passages.size())
                                                 .arg(width));
    StoreConnection::WriteScope scope(m_connection);
    if (auto started = scope.start(); !started)
        return started.error();
    auto written = writeDocumentRow(m_connection, document, int(passages.size()));
    if (!written)
        return written.error();
    std::vector<std::int64_t> ids(passages.size());
    std::vector<float> scratch;
    for (std::size_t i = 0; i < passages.size(); ++i) {
        const void* blob = vectorBlob(vectors.data() + i * width, width, scratch);
        auto id = insertPassage(m_connection, written->id, int(i), passages[i], blob,
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

Result<std::int64_t> SqliteDocuments::putCopy(DocumentRecord document, std::int64_t sourceId) {
    if (auto valid = requireAbsolutePath(m_connection.path, document.path); !valid)
        return valid.error();
    StoreConnection::WriteScope scope(m_connection);
    if (auto started = scope.start(); !started)
        return started.error();

    // Read the source first: it may be the very document about to be replaced.
    auto source = byIds({sourceId});
    if (!source)
        return source.error();
    if (source->empty())
        return makeError(ErrorCode::NotFound,
                         m_connection.path + QStringLiteral(": no document with id %1 to copy "
                                                            "passages from")
                                                 .arg(sourceId));
    struct Copy {
        PassageRecord passage;
        QByteArray vector; // stored bytes, copied as they are
    };
    auto q = m_connection.query("SELECT p.byte_start, p.byte_end, p.line, p.text, p.vector, "
                                "coalesce(pp.page, 0), coalesce(pp.section, '') "
                                "FROM " SEMSEARCH_PASSAGES_WITH_PLACES
                                " WHERE p.document_id = ?1 ORDER BY p.ordinal");
    if (!q)
        return q.error();
    (*q)->bind(1, sourceId);
    auto copies = collectRows<Copy>(**q, [](const SqliteStatement& row) {
        Copy copy;
        copy.passage.byteStart = row.columnInt64(0);
        copy.passage.byteEnd = row.columnInt64(1);
        copy.passage.line = int(row.columnInt64(2));
        copy.passage.text = row.columnText(3);
        copy.vector = row.columnBlob(4);
        copy.passage.page = int(row.columnInt64(5));
        copy.passage.section = row.columnText(6);
        return copy;
    });
    if (!copies)
        return copies.error();
    auto written = writeDocumentRow(m_connection, document, int(copies->size()));
    if (!written)
        return written.error();
    for (std::size_t i = 0; i < copies->size(); ++i) {
        const Copy& copy = (*copies)[i];
        auto id = insertPassage(m_connection, written->id, int(i), copy.passage,
                                copy.vector.constData(), std::size_t(copy.vector.size()));
        if (!id)
            return id.error();
    }
    if (auto finished = scope.finish(written->passagesDeleted > 0 || !copies->empty()); !finished)
        return finished.error();
    return written->id;
}

Result<void> SqliteDocuments::updateStat(std::int64_t id, const DocumentRecord& stat) {
    return m_connection.write(false, [&]() -> Result<void> {
        auto q = m_connection.query("UPDATE documents SET size = ?2, modified_ms = ?3, "
                                    "changed_ms = ?4, indexed_at_ms = ?5 WHERE id = ?1");
        if (!q)
            return q.error();
        (*q)->bind(1, id);
        (*q)->bind(2, stat.size);
        (*q)->bind(3, stat.modifiedMs);
        (*q)->bind(4, stat.changedMs);
        (*q)->bind(5, stat.indexedAtMs != 0 ? stat.indexedAtMs : nowMs());
        if (auto done = (*q)->run(); !done)
            return done;
        if (m_connection.changes() == 0)
            return noDocument(m_connection, id);
        return {};
    });
}

Result<std::vector<std::int64_t>> SqliteDocuments::remove(std::int64_t id) {
    StoreConnection::WriteScope scope(m_connection);
    if (auto started = scope.start(); !started)
        return started.error();
    auto removed = passageIdsOf(m_connection, id);
    if (!removed)
        return removed.error();
    // Passages first and explicitly: correct even on a connection without foreign keys.
    for (std::string_view sql : {std::string_view("DELETE FROM passages WHERE document_id = ?1"),
                                 std::string_view("DELETE FROM documents WHERE id = ?1")}) {
        auto del = m_connection.query(sql);
        if (!del)
            return del.error();
        (*del)->bind(1, id);
        if (auto done = (*del)->run(); !done)
            return done.error();
    }
    if (m_connection.changes() == 0)
        return noDocument(m_connection, id);
    if (auto finished = scope.finish(!removed->empty()); !finished)
        return finished.error();
    return removed;
}

} // namespace semsearch
