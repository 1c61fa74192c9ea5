#include "store/sqlite_store_impl.h"

#include "store/vector_blob.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QDir>

namespace semsearch {

PathRange pathRange(QString prefix) {
    while (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    PathRange range;
    range.everything = prefix.isEmpty();
    range.exact = prefix;
    range.lower = prefix + QLatin1Char('/');
    range.upper = prefix + QLatin1Char('0');
    return range;
}

void bindRange(SqliteStatement& statement, const PathRange& range) {
    statement.bind(1, range.exact);
    statement.bind(2, range.lower);
    statement.bind(3, range.upper);
}

Result<void> SqliteStore::Impl::deleteUnder(std::string_view deleteAll,
                                            std::string_view deleteUnder, const QString& path) {
    const PathRange range = pathRange(path);
    auto q = query(range.everything ? deleteAll : deleteUnder);
    if (!q)
        return q.error();
    if (!range.everything)
        bindRange(**q, range);
    return (*q)->run();
}

std::int64_t nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

Error readOnlyError(const QString& file) {
    return makeError(ErrorCode::InvalidArgument,
                     file + QStringLiteral(": the index is open read-only"));
}

Result<void> requireAbsolutePath(const QString& file, const QString& path) {
    if (path.isEmpty() || !QDir::isAbsolutePath(path))
        return makeError(
            ErrorCode::InvalidArgument,
            file + QStringLiteral(": a document path must be absolute, not '%1'").arg(path));
    return {};
}

SqliteStore::Impl::~Impl() {
    if (inTransaction)
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    statements.clear(); // finalize before closing
    sqlite3_close_v2(db);
}

Result<StatementUse> SqliteStore::Impl::query(std::string_view sql) {
    auto found = statements.find(sql);
    if (found == statements.end()) {
        auto prepared = SqliteStatement::prepare(db, sql, path, true);
        if (!prepared)
            return prepared.error();
        found = statements.emplace(sql, std::move(prepared).value()).first;
    }
    return StatementUse(found->second);
}

Result<void> SqliteStore::Impl::run(std::string_view sql) {
    auto statement = query(sql);
    if (!statement)
        return statement.error();
    return (*statement)->run();
}

Result<std::optional<QString>> SqliteStore::Impl::metaValue(const QString& key) {
    auto q = query("SELECT value FROM meta WHERE key = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, key);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<QString>();
    return std::optional<QString>((*q)->columnText(0));
}

Result<void> SqliteStore::Impl::setMetaValue(const QString& key, const QString& value) {
    auto q = query("INSERT INTO meta(key, value) VALUES (?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!q)
        return q.error();
    (*q)->bind(1, key);
    (*q)->bind(2, value);
    return (*q)->run();
}

Result<std::optional<std::int64_t>> SqliteStore::Impl::metaInteger(const QString& key) {
    auto value = metaValue(key);
    if (!value)
        return value.error();
    if (!*value)
        return std::optional<std::int64_t>();
    bool ok = false;
    const std::int64_t number = (*value)->toLongLong(&ok);
    if (!ok)
        return makeError(
            ErrorCode::Corrupt,
            path + QStringLiteral(": the stored %1 '%2' is not a number").arg(key, **value));
    return std::optional<std::int64_t>(number);
}

Result<int> SqliteStore::Impl::dimension() {
    auto value = metaInteger(kModelDimension);
    if (!value)
        return value.error();
    if (!*value)
        return makeError(ErrorCode::InvalidArgument,
                         path + QStringLiteral(": no model identity recorded; set it before "
                                               "storing vectors"));
    if (**value <= 0 || **value > (1 << 20))
        return makeError(
            ErrorCode::Corrupt,
            path + QStringLiteral(": the stored model dimension %1 is impossible").arg(**value));
    return int(**value);
}

Result<std::int64_t> SqliteStore::Impl::documentIdOf(const QString& documentPath) {
    auto q = query("SELECT id FROM documents WHERE path = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, documentPath);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    return *row ? (*q)->columnInt64(0) : std::int64_t(0);
}

Result<SqliteStore::Impl::DocumentWrite>
SqliteStore::Impl::writeDocumentRow(const DocumentRecord& document, int passageCount) {
    auto existing = documentIdOf(document.path);
    if (!existing)
        return existing.error();
    DocumentWrite written;
    const std::int64_t indexedAt = document.indexedAtMs != 0 ? document.indexedAtMs : nowMs();
    if (*existing != 0) {
        written.id = *existing;
        auto del = query("DELETE FROM passages WHERE document_id = ?1");
        if (!del)
            return del.error();
        (*del)->bind(1, written.id);
        if (auto done = (*del)->run(); !done)
            return done.error();
        written.passagesDeleted = changes();
        auto update = query("UPDATE documents SET size = ?2, modified_ms = ?3, "
                            "content_hash = ?4, encoding = ?5, indexed_at_ms = ?6, "
                            "passage_count = ?7, changed_ms = ?8 WHERE id = ?1");
        if (!update)
            return update.error();
        (*update)->bind(1, written.id);
        (*update)->bind(2, document.size);
        (*update)->bind(3, document.modifiedMs);
        (*update)->bind(4, document.contentHash);
        (*update)->bind(5, document.encoding);
        (*update)->bind(6, indexedAt);
        (*update)->bind(7, std::int64_t(passageCount));
        (*update)->bind(8, document.changedMs);
        if (auto done = (*update)->run(); !done)
            return done.error();
        return written;
    }
    auto insert = query("INSERT INTO documents(path, size, modified_ms, content_hash, "
                        "encoding, indexed_at_ms, passage_count, changed_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert)
        return insert.error();
    (*insert)->bind(1, document.path);
    (*insert)->bind(2, document.size);
    (*insert)->bind(3, document.modifiedMs);
    (*insert)->bind(4, document.contentHash);
    (*insert)->bind(5, document.encoding);
    (*insert)->bind(6, indexedAt);
    (*insert)->bind(7, std::int64_t(passageCount));
    (*insert)->bind(8, document.changedMs);
    if (auto done = (*insert)->run(); !done)
        return done.error();
    written.id = lastInsertId();
    return written;
}

Result<std::int64_t> SqliteStore::Impl::insertPassage(std::int64_t documentId, int ordinal,
                                                      const PassageRecord& passage,
                                                      const void* vector, std::size_t vectorBytes) {
    auto q = query("INSERT INTO passages(document_id, ordinal, byte_start, byte_end, line, "
                   "text, vector) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
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
    const std::int64_t id = lastInsertId();
    if (passage.page == 0 && passage.section.isEmpty())
        return id;
    auto place = query("INSERT INTO passage_places(passage_id, page, section) VALUES (?1, ?2, ?3)");
    if (!place)
        return place.error();
    (*place)->bind(1, id);
    (*place)->bind(2, std::int64_t(passage.page));
    (*place)->bind(3, passage.section);
    if (auto done = (*place)->run(); !done)
        return done.error();
    return id;
}

Error SqliteStore::Impl::vectorSizeError(std::int64_t passageId, int bytes, int dim) const {
    return makeError(ErrorCode::Corrupt,
                     path + QStringLiteral(": the vector of passage %1 has %2 bytes, expected "
                                           "%3; run a check of the index")
                                .arg(passageId)
                                .arg(bytes)
                                .arg(std::int64_t(dim) * std::int64_t(kBytesPerComponent)));
}

Result<void> SqliteStore::Impl::bumpGeneration() {
    auto q = query("INSERT INTO meta(key, value) VALUES ('vector_generation', '1') "
                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1");
    if (!q)
        return q.error();
    return (*q)->run();
}

std::int64_t SqliteStore::Impl::changes() const {
    return sqlite3_changes64(db);
}

std::int64_t SqliteStore::Impl::lastInsertId() const {
    return sqlite3_last_insert_rowid(db);
}

bool SqliteStore::Impl::autocommit() const {
    return sqlite3_get_autocommit(db) != 0;
}

SqliteStore::Impl::WriteScope::~WriteScope() {
    if (m_state == State::OwnTransaction)
        sqlite3_exec(m_impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
    else if (m_state == State::Savepoint)
        sqlite3_exec(m_impl.db, "ROLLBACK TO store_call; RELEASE store_call", nullptr, nullptr,
                     nullptr);
}

Result<void> SqliteStore::Impl::WriteScope::start() {
    if (m_impl.mode == StoreMode::ReadOnly)
        return readOnlyError(m_impl.path);
    if (!m_impl.inTransaction) {
        if (auto begun = m_impl.run("BEGIN IMMEDIATE"); !begun)
            return begun.error();
        m_state = State::OwnTransaction;
        return {};
    }
    // SQLite ends a transaction by itself after some errors (disk full, I/O).
    if (m_impl.autocommit())
        return makeError(ErrorCode::Internal,
                         m_impl.path + QStringLiteral(": the transaction was ended by an "
                                                      "earlier error; roll it back"));
    if (auto saved = m_impl.run("SAVEPOINT store_call"); !saved)
        return saved.error();
    m_state = State::Savepoint;
    return {};
}

Result<void> SqliteStore::Impl::WriteScope::finish(bool vectorsChanged) {
    if (m_state == State::Savepoint) {
        if (auto released = m_impl.run("RELEASE store_call"); !released)
            return released.error();
        m_state = State::Done;
        m_impl.vectorsChanged = m_impl.vectorsChanged || vectorsChanged;
        return {};
    }
    if (vectorsChanged)
        if (auto bumped = m_impl.bumpGeneration(); !bumped)
            return bumped.error();
    if (auto committed = m_impl.run("COMMIT"); !committed)
        return committed.error(); // the destructor rolls back
    m_state = State::Done;
    return {};
}

} // namespace semsearch
