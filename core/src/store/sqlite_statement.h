#pragma once

// A thin RAII layer over the SQLite C API for the store: a prepared statement that finalizes
// itself, binds and reads Qt types, and turns SQLite result codes into semsearch Errors that name
// the database file. sqlite3.h itself stays in the .cpp files of this folder.

#include "semsearch/error.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace semsearch {

// The Error for SQLite result code `rc` (primary or extended) on connection `db` (may be null):
// "<file>: <what>: <SQLite's message>". NOTADB/CORRUPT -> Corrupt, BUSY/LOCKED -> Busy,
// CANTOPEN/IOERR/FULL/PERM/READONLY -> Io, CONSTRAINT/MISMATCH/RANGE -> InvalidArgument, the
// rest -> Internal.
Error sqliteError(sqlite3* db, int rc, const QString& file, const QString& what);

// Runs one or more SQL statements that return no rows (PRAGMAs, BEGIN/COMMIT, DDL).
Result<void> executeSql(sqlite3* db, const char* sql, const QString& file);

class SqliteStatement {
public:
    // Compiles `sql` (one statement). `persistent` hints SQLite that the statement will be kept
    // and reused (statements cached by the store). `file` is named in error messages.
    static Result<SqliteStatement> prepare(sqlite3* db, std::string_view sql, const QString& file,
                                           bool persistent = false);

    SqliteStatement() = default;
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    ~SqliteStatement();

    // Parameters are numbered from 1, as in SQLite. A failed bind is remembered and reported by
    // the next step(), so call sites can bind without checking each call.
    void bind(int index, std::int64_t value);
    void bind(int index, const QString& value);    // UTF-8 text; an empty string is '' (not NULL)
    void bind(int index, const QByteArray& value); // blob, copied; empty is a zero-length blob
    // Binds `size` bytes at `data` without copying: they must stay valid until the statement is
    // stepped and reset.
    void bindStaticBlob(int index, const void* data, std::size_t size);

    // Runs the statement one step: true when a row is ready to read, false when it is done.
    Result<bool> step();
    // Steps to the end, for statements that return no rows (INSERT, UPDATE, DELETE).
    Result<void> run();
    // Makes the statement ready to run again and clears its bindings. Releases the read snapshot
    // a half-read SELECT would otherwise hold.
    void reset();

    // Columns are numbered from 0. Valid after step() returned true.
    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    QString columnText(int column) const;         // NULL -> null QString
    QByteArray columnBlob(int column) const;      // a copy; NULL or empty -> empty
    const void* columnBlobData(int column) const; // valid until the next step/reset
    int columnBytes(int column) const;
    bool columnIsNull(int column) const;

    sqlite3* database() const;

private:
    void noteBindResult(int rc);

    sqlite3_stmt* m_statement = nullptr;
    QString m_file;
    int m_bindError = 0; // the first failed bind since the last reset (SQLite result code)
};

// Borrows a cached statement and resets it when the scope ends, whatever path the code takes
// out of it: a SELECT left half-read would otherwise keep its read snapshot, and the connection
// would go on seeing the database as it was.
class StatementUse {
public:
    explicit StatementUse(SqliteStatement& statement) : m_statement(&statement) {}
    StatementUse(StatementUse&& other) noexcept : m_statement(other.m_statement) {
        other.m_statement = nullptr;
    }
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;
    StatementUse& operator=(StatementUse&&) = delete;
    ~StatementUse() {
        if (m_statement)
            m_statement->reset();
    }

    SqliteStatement& operator*() const { return *m_statement; }
    SqliteStatement* operator->() const { return m_statement; }

private:
    SqliteStatement* m_statement;
};

// The store's row collector: the one loop that steps a statement through its rows. `visit`
// gets the statement positioned on each row in turn and returns true to go on, false to stop
// early (which is no error). Errors: the first failed step.
template <typename Visit> Result<void> forEachRow(SqliteStatement& statement, Visit&& visit) {
    for (;;) {
        auto row = statement.step();
        if (!row)
            return row.error();
        if (!*row || !visit(static_cast<const SqliteStatement&>(statement)))
            return {};
    }
}

// Every row of `statement`, each read into a Record by `read`.
template <typename Record, typename Read>
Result<std::vector<Record>> collectRows(SqliteStatement& statement, Read&& read) {
    std::vector<Record> records;
    auto done = forEachRow(statement, [&](const SqliteStatement& row) {
        records.push_back(read(row));
        return true;
    });
    if (!done)
        return done.error();
    return records;
}

// For a one-row lookup whose ?1 is bound to each of `keys` in turn: the rows found, read by
// `read`, in the order of `keys`; keys without a row are left out.
template <typename Record, typename Key, typename Read>
Result<std::vector<Record>> lookUpEach(SqliteStatement& statement, const std::vector<Key>& keys,
                                       Read&& read) {
    std::vector<Record> records;
    records.reserve(keys.size());
    for (const Key& key : keys) {
        statement.reset();
        statement.bind(1, key);
        auto row = statement.step();
        if (!row)
            return row.error();
        if (*row)
            records.push_back(read(static_cast<const SqliteStatement&>(statement)));
    }
    return records;
}

} // namespace semsearch
