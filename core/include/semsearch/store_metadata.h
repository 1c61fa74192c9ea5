#pragma once

// What a store records about its index as a whole: the model that made the vectors, the
// precision they were made in, the vector generation, the generation of the saved vector
// cache, the schema version, and free-form settings. One part of a SqliteStore (store.h),
// reached through SqliteStore::metadata(); it shares the store's connection and transaction,
// and the conventions and errors stated at the top of store.h.

#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/store_records.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace semsearch {

struct StoreConnection;

class SqliteIndexMetadata {
public:
    // Made by SqliteStore over its connection; not for other callers.
    explicit SqliteIndexMetadata(StoreConnection& connection) : m_connection(connection) {}
    SqliteIndexMetadata(const SqliteIndexMetadata&) = delete;
    SqliteIndexMetadata& operator=(const SqliteIndexMetadata&) = delete;

    // std::nullopt until setModelIdentity() was called. Corrupt when the stored dimension is not
    // a number or impossible.
    Result<std::optional<ModelIdentity>> modelIdentity();
    // Records the model. While the store holds passages the identity cannot change (Mismatch):
    // remove the documents first. A new identity counts as a change of the vectors (see
    // vectorGeneration()). InvalidArgument for an empty name or a dimension <= 0.
    Result<void> setModelIdentity(const ModelIdentity& model);

    // The precision recorded with setPrecision(); std::nullopt when none is (an index from
    // before precisions were recorded, or one without vectors yet: see indexPrecision() in
    // index_precision.h for what that means). Corrupt when the record names no precision.
    Result<std::optional<Precision>> precision();
    // Records the precision of the vectors. InvalidArgument for Precision::Auto, which is a
    // choice to make, not a precision vectors can have.
    Result<void> setPrecision(Precision precision);

    // A counter, 0 in a new store, that grows with every committed transaction (or stand-alone
    // call) that changed the set of vectors: SqliteDocuments::put, putCopy, remove of a document
    // with passages, setModelIdentity with a new identity. It is the value of the last commit,
    // also inside a transaction that has pending changes. The vector index cache records the
    // generation it holds, so a reader can tell whether its cache is current.
    Result<std::int64_t> vectorGeneration();
    // The generation of the saved vector index file, written after that file was saved;
    // std::nullopt if none was ever saved.
    Result<std::optional<std::int64_t>> savedIndexGeneration();
    Result<void> setSavedIndexGeneration(std::int64_t generation);

    // The schema version of the database (see core/src/store/schema.h for the history): always
    // the version this build writes, since opening a store migrates or refuses any other.
    Result<int> schemaVersion();

    // Free-form settings for other parts of semsearch. The keys the store uses itself
    // ("vector_generation", "saved_index_generation", "precision", "model_*") can be read here
    // but not set (InvalidArgument).
    Result<std::optional<QString>> value(const QString& key);
    Result<void> setValue(const QString& key, const QString& value);

private:
    StoreConnection& m_connection;
};

} // namespace semsearch
