#pragma once

// The files the indexer looked at and left out, and why. One part of a SqliteStore (store.h),
// reached through SqliteStore::skipped(); it shares the store's connection and transaction, and
// the conventions and errors stated at the top of store.h.

#include "semsearch/error.h"
#include "semsearch/store_records.h"

#include <QString>

#include <vector>

namespace semsearch {

struct StoreConnection;

class SqliteSkippedFiles {
public:
    // Made by SqliteStore over its connection; not for other callers.
    explicit SqliteSkippedFiles(StoreConnection& connection) : m_connection(connection) {}
    SqliteSkippedFiles(const SqliteSkippedFiles&) = delete;
    SqliteSkippedFiles& operator=(const SqliteSkippedFiles&) = delete;

    // Records (or replaces the record for) `path`, dated now. InvalidArgument for an empty or
    // relative path.
    Result<void> record(const QString& path, const QString& reason);
    // Forgets the record of `path` and those below it as a folder (SqliteDocuments::under()
    // semantics; "/" clears all), so clearing a removed folder clears its files. Clearing what
    // is not recorded is no error. InvalidArgument for an empty or relative path.
    Result<void> clear(const QString& path);
    // Sorted by path.
    Result<std::vector<SkippedRecord>> all();

private:
    StoreConnection& m_connection;
};

} // namespace semsearch
