#pragma once

// "A path and everything below it as a folder", the selection that documents, sources, skipped
// files and counts share (see SqliteDocuments::under), as a range of a path index.

#include "semsearch/error.h"

#include "store/sqlite_statement.h"

#include <QString>

#include <string_view>

namespace semsearch {

struct StoreConnection;

// In UTF-8 byte order every "p/..." lies in ["p/", "p0") because '0' follows '/'. The range
// [p, "p0") also holds "p.txt" or "p-x" ('.' and '-' sort before '/'), hence the extra
// condition in SEMSEARCH_UNDER.
struct PathRange {
    QString exact;           // p
    QString lower;           // p + "/"
    QString upper;           // p + "0"
    bool everything = false; // an empty prefix (or "/"): no condition at all
};
PathRange pathRange(QString prefix); // a trailing '/' is dropped
// Binds ?1 (exact), ?2 (lower) and ?3 (upper).
void bindRange(SqliteStatement& statement, const PathRange& range);
// The SQL condition "`column` is in the range bound by bindRange()". A macro, as are the other
// SQL fragments of the store, so that every statement stays one string literal: the statement
// cache keys on the literal and relies on it living as long as the program.
#define SEMSEARCH_UNDER(column)                                                                    \
    column " >= ?1 AND " column " < ?3 AND (" column " = ?1 OR " column " >= ?2)"

// Runs `deleteAll` when `path` covers everything (empty or "/"), else `deleteUnder` (whose
// ?1..?3 take the path's range): the rows of a table at or below a path. For use inside a
// WriteScope.
Result<void> deleteUnder(StoreConnection& connection, std::string_view deleteAll,
                         std::string_view deleteUnder, const QString& path);

} // namespace semsearch
