// SqliteSkippedFiles: the files the indexer left out, and why.

#include "semsearch/store_skipped_files.h"

#include "store/path_range.h"
#include "store/store_connection.h"

namespace semsearch {

Result<void> SqliteSkippedFiles::record(const QString& path, const QString& reason) {
    if (auto valid = requireAbsolutePath(m_connection.path, path); !valid)
        return valid;
    return m_connection.write(false, [&]() -> Result<void> {
        auto q = m_connection.query("INSERT OR REPLACE INTO skipped(path, reason, at_ms) "
                                    "VALUES (?1, ?2, ?3)");
        if (!q)
            return q.error();
        (*q)->bind(1, path);
        (*q)->bind(2, reason);
        (*q)->bind(3, nowMs());
        return (*q)->run();
    });
}

Result<void> SqliteSkippedFiles::clear(const QString& path) {
    if (auto valid = requireAbsolutePath(m_connection.path, path); !valid)
        return valid;
    return m_connection.write(false, [&] {
        return deleteUnder(m_connection, "DELETE FROM skipped",
                           "DELETE FROM skipped WHERE " SEMSEARCH_UNDER("path"), path);
    });
}

Result<std::vector<SkippedRecord>> SqliteSkippedFiles::all() {
    auto q = m_connection.query("SELECT path, reason, at_ms FROM skipped ORDER BY path");
    if (!q)
        return q.error();
    return collectRows<SkippedRecord>(**q, [](const SqliteStatement& row) {
        return SkippedRecord{row.columnText(0), row.columnText(1), row.columnInt64(2)};
    });
}

} // namespace semsearch
