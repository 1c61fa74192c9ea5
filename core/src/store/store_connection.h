#pragma once

// The one connection a SqliteStore and all its parts (documents, sources, skipped files,
// metadata) work through: the SQLite handle, its statement cache, the transaction state, and
// the write scope that makes each mutating call atomic. Internal to core/src/store.

#include "semsearch/error.h"
#include "semsearch/store_records.h"

#include "store/sqlite_statement.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>

struct sqlite3;

namespace semsearch {

std::int64_t nowMs();
Error readOnlyError(const QString& file);
// InvalidArgument unless `path` is a non-empty absolute path.
Result<void> requireAbsolutePath(const QString& file, const QString& path);

struct StoreConnection {
    sqlite3* db = nullptr;
    QString path; // the database file, for messages
    StoreMode mode = StoreMode::ReadWrite;
    bool immutable = false;     // opened with SQLite's immutable=1 (see SqliteStore::readsSnapshot)
    bool inTransaction = false; // between begin() and commit()/rollback()
    bool vectorsChanged = false; // the open transaction changed vectors: commit() bumps
    // Statements compiled once per store and reused, keyed by their SQL (a string literal).
    std::unordered_map<std::string_view, SqliteStatement> statements;

    StoreConnection() = default;
    StoreConnection(const StoreConnection&) = delete;
    StoreConnection& operator=(const StoreConnection&) = delete;
    // Rolls back an open transaction and closes the connection.
    ~StoreConnection();

    // A connection to `file` for SqliteStore::open(): opened (ReadOnly with SQLite's
    // immutable=1 when `immutable`), set up, its schema checked (ReadWrite: migrated).
    static Result<std::unique_ptr<StoreConnection>> connect(const QString& file, StoreMode mode,
                                                            bool immutable);

    // The cached statement for `sql`, compiled on first use, reset when the use ends.
    Result<StatementUse> query(std::string_view sql);
    // Runs a statement that returns no rows.
    Result<void> run(std::string_view sql);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;
    // The rowid of the last INSERT.
    std::int64_t lastInsertId() const;
    // False inside a transaction, including one the caller believes ended.
    bool autocommit() const;

    // Makes one mutating call atomic: its own transaction outside begin()/commit(), a savepoint
    // inside one (so a failed call leaves the caller's transaction as it was). Undone unless
    // finish() succeeds. Scopes do not nest: a public call that builds on another uses the
    // internal helpers both share, not the other public call.
    class WriteScope {
    public:
        explicit WriteScope(StoreConnection& connection) : m_connection(connection) {}
        WriteScope(const WriteScope&) = delete;
        WriteScope& operator=(const WriteScope&) = delete;
        ~WriteScope();

        // InvalidArgument on a read-only store.
        Result<void> start();
        // Keeps the call's changes. `vectorsChanged`: the call changed the set of vectors (the
        // vector generation grows when they are committed).
        Result<void> finish(bool vectorsChanged);

    private:
        enum class State { Idle, OwnTransaction, Savepoint, Done };
        StoreConnection& m_connection;
        State m_state = State::Idle;
    };

    // Runs `change` (which returns Result<void>) inside a WriteScope, `vectorsChanged` as for
    // finish(): the shape of every mutating call that changes no vectors or always does.
    template <typename Change> Result<void> write(bool vectorsChanged, Change&& change) {
        WriteScope scope(*this);
        if (auto started = scope.start(); !started)
            return started;
        if (auto changed = change(); !changed)
            return changed;
        return scope.finish(vectorsChanged);
    }
};

} // namespace semsearch
