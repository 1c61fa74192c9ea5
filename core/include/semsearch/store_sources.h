#pragma once

// The sources of a store: the folders and files the user asked to index. One part of a
// SqliteStore (store.h), reached through SqliteStore::sources(); it shares the store's
// connection and transaction, and the conventions and errors stated at the top of store.h.

#include "semsearch/error.h"
#include "semsearch/store_records.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace semsearch {

struct StoreConnection;

class SqliteSources {
public:
    // Made by SqliteStore over its connection; not for other callers.
    explicit SqliteSources(StoreConnection& connection) : m_connection(connection) {}
    SqliteSources(const SqliteSources&) = delete;
    SqliteSources& operator=(const SqliteSources&) = delete;

    // Records `path` as a source, dated now. Sources never nest: a path at or below an existing
    // source is covered by it and changes nothing; sources below `path` are replaced by it.
    // InvalidArgument for an empty or relative path.
    Result<void> add(const QString& path);
    // Sets the time of the last complete indexing run of the source at exactly `path`; NotFound
    // when there is none.
    Result<void> markIndexed(const QString& path, std::int64_t atMs);
    // Forgets the sources at or below `path` (SqliteDocuments::under() semantics). Their
    // documents stay: removing them is the indexer's job (Indexer::removeFrom does both).
    // InvalidArgument for an empty or relative path.
    Result<void> remove(const QString& path);
    // Sorted by path.
    Result<std::vector<SourceRecord>> all();

private:
    StoreConnection& m_connection;
};

} // namespace semsearch
