#pragma once

// The inside of SqliteStore, shared by the files that implement it (sqlite_store.cpp: opening,
// transactions, metadata, skipped files, check; sqlite_store_documents.cpp: documents, passages,
// vectors): the connection, its statement cache, the transaction state, and the row-level
// helpers the public calls are built from.

#include "semsearch/store.h"

#include "store/sqlite_statement.h"

#include <QLatin1String>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

struct sqlite3;

namespace semsearch {

// Keys of the meta table that belong to the store itself (setMeta() refuses them).
inline constexpr QLatin1String kGenerationKey("vector_generation");
inline constexpr QLatin1String kSavedGenerationKey("saved_index_generation");
inline constexpr QLatin1String kModelKeyPrefix("model_");
inline constexpr QLatin1String kModelName("model_name");
inline constexpr QLatin1String kModelDimension("model_dimension");
inline constexpr QLatin1String kModelPooling("model_pooling");
inline constexpr QLatin1String kModelNormalize("model_normalize");
inline constexpr QLatin1String kModelFingerprint("model_weights_fingerprint");

// A path and everything below it as a folder, as a range of the path index: in UTF-8 byte
// order every "p/..." lies in ["p/", "p0") because '0' follows '/'. The range [p, "p0") also
// holds "p.txt" or "p-x" ('.' and '-' sort before '/'), hence the extra condition in
// SEMSEARCH_UNDER.
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

// Steps through every row of `statement`, reading each with `read`.
template <typename Record, typename Read>
Result<std::vector<Record>> collectAll(SqliteStatement& statement, Read read) {
    std::vector<Record> records;
    for (;;) {
        auto row = statement.step();
        if (!row)
            return row.error();
        if (!*row)
            return records;
        records.push_back(read(statement));
    }
}

std::int64_t nowMs();
Error readOnlyError(const QString& file);
// InvalidArgument unless `path` is a non-empty absolute path.
Result<void> requireAbsolutePath(const QString& file, const QString& path);

struct SqliteStore::Impl {
    sqlite3* db = nullptr;
    QString path; // the database file, for messages
    StoreMode mode = StoreMode::ReadWrite;
    bool immutable = false;     // opened with SQLite's immutable=1 (see SqliteStore::readsSnapshot)
    bool inTransaction = false; // between begin() and commit()/rollback()
    bool vectorsChanged = false; // the open transaction changed vectors: commit() bumps
    // Statements compiled once per store and reused, keyed by their SQL (a string literal).
    std::unordered_map<std::string_view, SqliteStatement> statements;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Rolls back an open transaction and closes the connection.
    ~Impl();

    // A connection to `file` for SqliteStore::open(): opened (ReadOnly with SQLite's
    // immutable=1 when `immutable`), set up, its schema checked (ReadWrite: migrated).
    static Result<std::unique_ptr<Impl>> connect(const QString& file, StoreMode mode,
                                                 bool immutable);

    // The cached statement for `sql`, compiled on first use, reset when the use ends.
    Result<StatementUse> query(std::string_view sql);
    // Runs a statement that returns no rows.
    Result<void> run(std::string_view sql);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;
    // The rowid of the last INSERT.
    std::int64_t lastInsertId() const;
    // Runs `deleteAll` when `path` covers everything (empty or "/"), else `deleteUnder` (whose
    // ?1..?3 take the path's range, see SEMSEARCH_UNDER): the rows of a table at or below a
    // path. Inside a WriteScope: scopes do not nest, so public calls share this.
    Result<void> deleteUnder(std::string_view deleteAll, std::string_view deleteUnder,
                             const QString& path);
    // deleteUnder for the sources (addSource and removeSources share it).
    Result<void> deleteSourcesUnder(const QString& path);
    // False inside a transaction, including one the caller believes ended.
    bool autocommit() const;

    Result<std::optional<QString>> metaValue(const QString& key);
    Result<void> setMetaValue(const QString& key, const QString& value);
    // Corrupt when the stored value is not an integer.
    Result<std::optional<std::int64_t>> metaInteger(const QString& key);
    // The model identity's dimension; InvalidArgument when none is recorded, Corrupt when the
    // stored one is impossible.
    Result<int> dimension();
    Result<void> bumpGeneration();

    // The id of the document at `documentPath`, 0 if none.
    Result<std::int64_t> documentIdOf(const QString& documentPath);

    struct DocumentWrite {
        std::int64_t id = 0;
        std::int64_t passagesDeleted = 0;
    };
    // Inserts the document row, or updates the one at its path (keeping its id) after deleting
    // that one's passages.
    Result<DocumentWrite> writeDocumentRow(const DocumentRecord& document, int passageCount);
    // Inserts one passage with its stored vector bytes; returns the new passage id.
    Result<std::int64_t> insertPassage(std::int64_t documentId, int ordinal,
                                       const PassageRecord& passage, const void* vector,
                                       std::size_t vectorBytes);
    Error vectorSizeError(std::int64_t passageId, int bytes, int dim) const;

    // Makes one mutating call atomic: its own transaction outside begin()/commit(), a savepoint
    // inside one (so a failed call leaves the caller's transaction as it was). Undone unless
    // finish() succeeds.
    class WriteScope {
    public:
        explicit WriteScope(Impl& impl) : m_impl(impl) {}
        WriteScope(const WriteScope&) = delete;
        WriteScope& operator=(const WriteScope&) = delete;
        ~WriteScope();

        // InvalidArgument on a read-only store.
        Result<void> start();
        // Keeps the call's changes. `vectorsChanged`: the call changed the set of vectors.
        Result<void> finish(bool vectorsChanged);

    private:
        enum class State { Idle, OwnTransaction, Savepoint, Done };
        Impl& m_impl;
        State m_state = State::Idle;
    };
};

} // namespace semsearch
