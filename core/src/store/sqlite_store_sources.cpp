// SqliteStore: the sources (folders and files the user asked to index) and per-folder counts.

#include "semsearch/store.h"

#include "store/sqlite_store_impl.h"

namespace semsearch {

Result<void> SqliteStore::Impl::deleteSourcesUnder(const QString& path) {
    return deleteUnder("DELETE FROM sources", "DELETE FROM sources WHERE " SEMSEARCH_UNDER("path"),
                       path);
}

namespace {

SourceRecord readSource(SqliteStatement& row) {
    return {row.columnText(0), row.columnInt64(1), row.columnInt64(2)};
}

} // namespace

Result<StoreCounts> SqliteStore::countsUnder(const QString& prefix) {
    const PathRange range = pathRange(prefix);
    if (range.everything)
        return counts();
    auto q = m_impl->query("SELECT (SELECT count(*) FROM documents WHERE " SEMSEARCH_UNDER(
        "path") "), "
                "(SELECT coalesce(sum(passage_count), 0) FROM documents WHERE " SEMSEARCH_UNDER(
                    "path") "), "
                            "(SELECT count(*) FROM skipped WHERE " SEMSEARCH_UNDER("path") ")");
    if (!q)
        return q.error();
    bindRange(**q, range);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    StoreCounts counts;
    counts.documents = (*q)->columnInt64(0);
    counts.passages = (*q)->columnInt64(1);
    counts.skipped = (*q)->columnInt64(2);
    return counts;
}

Result<void> SqliteStore::addSource(const QString& path) {
    if (auto valid = requireAbsolutePath(m_impl->path, path); !valid)
        return valid;
    QString clean = pathRange(path).exact;
    if (clean.isEmpty())
        clean = QStringLiteral("/");
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    // Covered by an existing source: it or one of its parent folders.
    auto existing = sources();
    if (!existing)
        return existing.error();
    for (const SourceRecord& source : *existing) {
        const PathRange range = pathRange(source.path);
        if (range.everything || clean == range.exact || clean.startsWith(range.lower))
            return scope.finish(false);
    }
    if (auto r = m_impl->deleteSourcesUnder(clean); !r)
        return r;
    auto q = m_impl->query("INSERT INTO sources(path, added_ms, indexed_ms) VALUES (?1, ?2, 0)");
    if (!q)
        return q.error();
    (*q)->bind(1, clean);
    (*q)->bind(2, nowMs());
    if (auto done = (*q)->run(); !done)
        return done;
    return scope.finish(false);
}

Result<void> SqliteStore::markSourceIndexed(const QString& path, std::int64_t atMs) {
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    auto q = m_impl->query("UPDATE sources SET indexed_ms = ?2 WHERE path = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, pathRange(path).exact);
    (*q)->bind(2, atMs);
    if (auto done = (*q)->run(); !done)
        return done;
    if (m_impl->changes() == 0)
        return makeError(ErrorCode::NotFound,
                         m_impl->path + QStringLiteral(": %1 is not a source").arg(path));
    return scope.finish(false);
}

Result<void> SqliteStore::removeSources(const QString& path) {
    if (auto valid = requireAbsolutePath(m_impl->path, path); !valid)
        return valid;
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    if (auto done = m_impl->deleteSourcesUnder(path); !done)
        return done;
    return scope.finish(false);
}

Result<std::vector<SourceRecord>> SqliteStore::sources() {
    auto q = m_impl->query("SELECT path, added_ms, indexed_ms FROM sources ORDER BY path");
    if (!q)
        return q.error();
    return collectAll<SourceRecord>(**q, readSource);
}

} // namespace semsearch
