// SqliteSources: the folders and files the user asked to index.

#include "semsearch/store_sources.h"

#include "store/path_range.h"
#include "store/store_connection.h"

namespace semsearch {

namespace {

Result<void> deleteSourcesUnder(StoreConnection& connection, const QString& path) {
    return deleteUnder(connection, "DELETE FROM sources",
                       "DELETE FROM sources WHERE " SEMSEARCH_UNDER("path"), path);
}

} // namespace

Result<void> SqliteSources::add(const QString& path) {
    if (auto valid = requireAbsolutePath(m_connection.path, path); !valid)
        return valid;
    QString clean = pathRange(path).exact;
    if (clean.isEmpty())
        clean = QStringLiteral("/");
    return m_connection.write(false, [&]() -> Result<void> {
        // Covered by an existing source: it or one of its parent folders.
        auto existing = all();
        if (!existing)
            return existing.error();
        for (const SourceRecord& source : *existing) {
            const PathRange range = pathRange(source.path);
            if (range.everything || clean == range.exact || clean.startsWith(range.lower))
                return {};
        }
        if (auto removed = deleteSourcesUnder(m_connection, clean); !removed)
            return removed;
        auto q = m_connection.query(
            "INSERT INTO sources(path, added_ms, indexed_ms) VALUES (?1, ?2, 0)");
        if (!q)
            return q.error();
        (*q)->bind(1, clean);
        (*q)->bind(2, nowMs());
        return (*q)->run();
    });
}

Result<void> SqliteSources::markIndexed(const QString& path, std::int64_t atMs) {
    return m_connection.write(false, [&]() -> Result<void> {
        auto q = m_connection.query("UPDATE sources SET indexed_ms = ?2 WHERE path = ?1");
        if (!q)
            return q.error();
        (*q)->bind(1, pathRange(path).exact);
        (*q)->bind(2, atMs);
        if (auto done = (*q)->run(); !done)
            return done;
        if (m_connection.changes() == 0)
            return makeError(ErrorCode::NotFound,
                             m_connection.path + QStringLiteral(": %1 is not a source").arg(path));
        return {};
    });
}

Result<void> SqliteSources::remove(const QString& path) {
    if (auto valid = requireAbsolutePath(m_connection.path, path); !valid)
        return valid;
    return m_connection.write(false, [&] { return deleteSourcesUnder(m_connection, path); });
}

Result<std::vector<SourceRecord>> SqliteSources::all() {
    auto q = m_connection.query("SELECT path, added_ms, indexed_ms FROM sources ORDER BY path");
    if (!q)
        return q.error();
    return collectRows<SourceRecord>(**q, [](const SqliteStatement& row) {
        return SourceRecord{row.columnText(0), row.columnInt64(1), row.columnInt64(2)};
    });
}

} // namespace semsearch
