#pragma once

// The documents of a store and their passages with each passage's vector: one part of a
// SqliteStore (store.h), reached through SqliteStore::documents(). It shares the store's
// connection and transaction; the conventions (paths, vectors, ids), thread-safety and error
// codes are those stated at the top of store.h.

#include "semsearch/error.h"
#include "semsearch/store_records.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace semsearch {

struct StoreConnection;

class SqliteDocuments {
public:
    // Made by SqliteStore over its connection; not for other callers.
    explicit SqliteDocuments(StoreConnection& connection) : m_connection(connection) {}
    SqliteDocuments(const SqliteDocuments&) = delete;
    SqliteDocuments& operator=(const SqliteDocuments&) = delete;

    // --- Documents ----------------------------------------------------------------------------
    // std::nullopt when no document has that path.
    Result<std::optional<DocumentRecord>> find(const QString& path);
    // The documents with that content hash, sorted by path; an empty hash matches nothing.
    Result<std::vector<DocumentRecord>> findByHash(const QByteArray& contentHash);
    // The documents whose path equals `prefix` or lies in the folder `prefix` at any depth
    // ("/a/b" covers "/a/b" and "/a/b/c/d.txt", never "/a/bc"). A trailing '/' is ignored; an
    // empty prefix or "/" gives every document. Sorted by path (UTF-8 byte order).
    Result<std::vector<DocumentRecord>> under(const QString& prefix);
    // In the order of `ids`; unknown ids are left out.
    Result<std::vector<DocumentRecord>> byIds(const std::vector<std::int64_t>& ids);

    // Stores `document` with its passages and their vectors (passages.size() x dim, row i =
    // passages[i]). A document already stored at that path is replaced: it keeps its id, and its
    // old passages and vectors are deleted (their ids are never used again). Returns the
    // document id and writes the store's values back into `passages` (id, documentId, ordinal =
    // index in the vector). Needs a model identity. InvalidArgument: no model identity,
    // vectors.size() != passages.size() * dim, an empty or relative path.
    Result<std::int64_t> put(DocumentRecord document, std::vector<PassageRecord>& passages,
                             const std::vector<float>& vectors);
    // Stores `document` (replacing as put() does) with copies of the passages and vectors of
    // document `sourceId`: a renamed or copied file reuses its vectors without embedding them
    // again. The copies get new passage ids. `sourceId` may be the replaced document itself.
    // Returns the document id. NotFound when `sourceId` names no document.
    Result<std::int64_t> putCopy(DocumentRecord document, std::int64_t sourceId);
    // Updates only the size, the times (modifiedMs, changedMs) and indexedAtMs (when the
    // unchanged content was confirmed; 0 = now) to those of `stat`: the content is unchanged,
    // e.g. a touched file. Not a change of the vectors. NotFound for an unknown id.
    Result<void> updateStat(std::int64_t id, const DocumentRecord& stat);
    // Deletes the document with its passages and vectors and returns the deleted passage ids in
    // ascending order (to remove from the vector index). NotFound for an unknown id.
    Result<std::vector<std::int64_t>> remove(std::int64_t id);

    // --- Passages and vectors -----------------------------------------------------------------
    // In the order of `ids`; unknown ids are left out.
    Result<std::vector<PassageRecord>> passages(const std::vector<std::int64_t>& ids);
    // The document's passages by ordinal; empty for an unknown id.
    Result<std::vector<PassageRecord>> passagesOf(std::int64_t documentId);
    // The vectors of `passageIds` as an ids.size() x dim matrix, row i = passageIds[i]. NotFound
    // when an id names no passage.
    Result<std::vector<float>> vectorsOf(const std::vector<std::int64_t>& passageIds);
    // Calls `visit` with every passage id and its vector (dim floats, valid during the call
    // only), in ascending id order, reading one row at a time so memory stays flat however large
    // the store. Stops early, successfully, when `visit` returns false. The scan is a single
    // statement and so sees one consistent snapshot; to see the same snapshot as other reads
    // (the vector generation above all), call it inside SqliteStore::begin()/commit(). `visit`
    // must not call the store's mutating methods. Corrupt when a stored vector has the wrong
    // size, or when passages are stored without a model identity.
    Result<void>
    forEachVector(const std::function<bool(std::int64_t passageId, const float* vector)>& visit);
    // The ids of the passages `filter` selects, in ascending order.
    Result<std::vector<std::int64_t>> passageIds(const PassageFilter& filter);

private:
    StoreConnection& m_connection;
};

} // namespace semsearch
